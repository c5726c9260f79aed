//! `TestApp`: one application on its own fresh database, with helpers to make staff users, sign
//! them in and read form tokens.

use std::path::Path;

use hearken::auth::model::User;
use hearken::auth::users::{self, NewUserInput};
use hearken::auth::{Role, token};
use hearken::db::{self, Db};
use rocket::figment::Figment;
use rocket::http::{ContentType, Status};
use rocket::local::blocking::{Client, LocalResponse};

pub const PASSWORD: &str = "correct horse battery staple";

/// A PostgreSQL database made for one test and dropped after it.
pub struct PgDatabase {
    pub admin_url: String,
    pub name: String,
}

impl PgDatabase {
    #[cfg(feature = "postgres")]
    fn create(admin_url: &str) -> (Self, String) {
        use diesel::{Connection, RunQueryDsl};
        let suffix = hearken::ids::new_secret()
            .to_lowercase()
            .replace(['-', '_'], "");
        let name = format!("hk_test_{}", &suffix[..16]);
        let mut conn = diesel::pg::PgConnection::establish(admin_url)
            .expect("connect to the test PostgreSQL server");
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .expect("create test database");
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url, |(base, _)| base);
        let url = format!("{base}/{name}");
        (
            PgDatabase {
                admin_url: admin_url.to_string(),
                name,
            },
            url,
        )
    }

    #[cfg(not(feature = "postgres"))]
    fn create(_admin_url: &str) -> (Self, String) {
        panic!("HEARKEN_TEST_DATABASE_URL needs the tests built with --features postgres");
    }

    #[cfg(feature = "postgres")]
    fn drop_database(&self) {
        use diesel::{Connection, RunQueryDsl};
        if let Ok(mut conn) = diesel::pg::PgConnection::establish(&self.admin_url) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn);
        }
    }

    #[cfg(not(feature = "postgres"))]
    fn drop_database(&self) {}
}

/// A database for one test: the URL to give the app, and what to clean up.
pub struct TestDatabase {
    pub url: String,
    pg: Option<PgDatabase>,
}

impl TestDatabase {
    pub fn new(dir: &Path) -> Self {
        match std::env::var("HEARKEN_TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let (pg, url) = PgDatabase::create(&admin_url);
                TestDatabase { url, pg: Some(pg) }
            }
            _ => TestDatabase {
                url: format!("sqlite://{}", dir.join("hearken.db").display()),
                pg: None,
            },
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.pg.is_some()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(pg) = &self.pg {
            pg.drop_database();
        }
    }
}

/// The figment a test app starts from: quiet, its own data folder and database, mail in memory.
pub fn test_figment(dir: &Path, database_url: &str) -> Figment {
    Figment::from(rocket::Config::debug_default())
        .merge(("log_level", "off"))
        .merge(("data_dir", dir.display().to_string()))
        .merge(("database_url", database_url))
        .merge(("mail_transport", "memory"))
}

pub struct TestApp {
    // Dropped in this order: the client (and its pool) before the database and the folder.
    pub client: Client,
    pub database: TestDatabase,
    pub dir: tempfile::TempDir,
}

impl Default for TestApp {
    fn default() -> Self {
        Self::new()
    }
}

impl TestApp {
    pub fn new() -> Self {
        Self::with(|figment| figment)
    }

    /// An app whose figment `adjust` changes first (extra settings for one test).
    pub fn with(adjust: impl FnOnce(Figment) -> Figment) -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let database = TestDatabase::new(dir.path());
        let figment = adjust(test_figment(dir.path(), &database.url));
        let client = Client::tracked(hearken::build(figment)).expect("the app starts");
        TestApp {
            client,
            database,
            dir,
        }
    }

    /// A second browser on the same server and database (its own cookies).
    pub fn with_client_of(app: &TestApp) -> SecondBrowser {
        let client = Client::tracked(hearken::build(app.client.rocket().figment().clone()))
            .expect("second client");
        SecondBrowser { client }
    }

    pub fn db(&self) -> &Db {
        self.client
            .rocket()
            .state::<Db>()
            .expect("database in state")
    }

    pub fn settings(&self) -> &hearken::Settings {
        self.client
            .rocket()
            .state::<hearken::Settings>()
            .expect("settings in state")
    }

    /// Adds an active staff user with [`PASSWORD`].
    pub fn add_user(&self, email: &str, role: Role) -> User {
        let input = NewUserInput::check(
            email,
            &format!("{} user", role.as_str()),
            role.as_str(),
            PASSWORD,
        )
        .expect("valid user");
        let hash = hearken::auth::password::hash(PASSWORD).expect("hash");
        let mut conn = self.db().conn().expect("connection");
        db::write(&mut conn, |conn| users::create(conn, &input, &hash)).expect("user created")
    }

    /// A fresh API token for `user`.
    pub fn token(&self, user: &User) -> String {
        let mut conn = self.db().conn().expect("connection");
        token::issue(&mut conn, &user.id, "test").expect("token issued")
    }

    /// A user of `role` and a token of theirs.
    pub fn user_with_token(&self, role: Role) -> (User, String) {
        let user = self.add_user(
            &format!(
                "{}-{}@example.com",
                role.as_str(),
                // Letters and digits only: a short piece between `-` or `_` could happen to be
                // part of the password, which the password policy refuses.
                hearken::ids::new_id()
                    .to_lowercase()
                    .replace(['-', '_'], "x")
            ),
            role,
        );
        let token = self.token(&user);
        (user, token)
    }

    /// The CSRF token the client's forms carry now.
    pub fn csrf(&self) -> String {
        csrf_of(&self.client)
    }

    /// Signs the client in through the sign-in form.
    pub fn sign_in(&self, email: &str, password: &str) -> Status {
        let csrf = self.csrf();
        self.client
            .post("/login")
            .header(ContentType::Form)
            .body(form(&[
                ("csrf", &csrf),
                ("email", email),
                ("password", password),
            ]))
            .dispatch()
            .status()
    }

    /// A signed-in admin on this client.
    pub fn signed_in_admin(&self) -> User {
        let admin = self.add_user("admin@example.com", Role::Admin);
        assert_eq!(
            self.sign_in("admin@example.com", PASSWORD),
            Status::SeeOther
        );
        admin
    }

    /// An invitation to `survey_id` made directly (as the invitation API will), and the token of
    /// its personal link.
    pub fn invite(&self, survey_id: &str, contact_id: Option<&str>) -> String {
        let mut conn = self.db().conn().expect("connection");
        let key = self.settings().link_key;
        hearken::invite::invitations::create(&mut conn, &key, survey_id, contact_id)
            .expect("invitation created")
    }

    /// Runs SQL on the app's database (to age rows, break tables, count rows).
    pub fn execute(&self, sql: &str) {
        use diesel::connection::SimpleConnection;
        let mut conn = self.db().conn().expect("connection");
        conn.batch_execute(sql).expect("SQL runs");
    }

    pub fn count(&self, table: &str) -> i64 {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.db().conn().expect("connection");
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
            .get_result::<Count>(&mut *conn)
            .expect("count")
            .n
    }

    /// The values of a one-column query that names its column `value` (cast to text where it
    /// is not), to look at stored rows.
    pub fn texts(&self, sql: &str) -> Vec<String> {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            value: String,
        }
        let mut conn = self.db().conn().expect("connection");
        diesel::sql_query(sql)
            .load::<Row>(&mut *conn)
            .expect("query")
            .into_iter()
            .map(|r| r.value)
            .collect()
    }

    /// The largest value of a timestamp column, as text ("" for an empty table).
    pub fn latest(&self, table: &str, column: &str) -> String {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Latest {
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
            value: Option<String>,
        }
        let mut conn = self.db().conn().expect("connection");
        diesel::sql_query(format!(
            "SELECT CAST(MAX({column}) AS TEXT) AS value FROM {table}"
        ))
        .get_result::<Latest>(&mut *conn)
        .expect("latest")
        .value
        .unwrap_or_default()
    }

    /// A SQL expression for "now minus `minutes`" that both backends understand, for ageing rows.
    pub fn minutes_ago(&self, minutes: i64) -> String {
        let at = hearken::db::now() - chrono::TimeDelta::minutes(minutes);
        format!("'{}'", at.format("%Y-%m-%d %H:%M:%S%.6f"))
    }
}

/// A urlencoded form body.
pub fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The value of the first hidden input named `name` in an HTML page.
pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(&format!("input[name=\"{name}\"]")).ok()?;
    document
        .select(&selector)
        .next()
        .and_then(|e| e.value().attr("value"))
        .map(str::to_string)
}

/// The JSON body of a response.
pub fn json(response: LocalResponse<'_>) -> serde_json::Value {
    serde_json::from_str(&response.into_string().unwrap_or_default()).expect("JSON body")
}

pub fn bearer(token: &str) -> rocket::http::Header<'static> {
    rocket::http::Header::new("Authorization", format!("Bearer {token}"))
}

/// Another browser against the same data: a second client built from the same figment.
pub struct SecondBrowser {
    pub client: Client,
}

impl SecondBrowser {
    pub fn csrf(&self) -> String {
        csrf_of(&self.client)
    }

    pub fn sign_in(&self, email: &str, password: &str) -> Status {
        let csrf = self.csrf();
        self.client
            .post("/login")
            .header(ContentType::Form)
            .body(form(&[
                ("csrf", &csrf),
                ("email", email),
                ("password", password),
            ]))
            .dispatch()
            .status()
    }
}

/// Every table's row count and latest change: a fingerprint to prove a request changed nothing.
pub fn fingerprint(app: &TestApp) -> Vec<(String, String)> {
    let mut print: Vec<(String, String)> = [
        "users",
        "sessions",
        "api_tokens",
        "auth_failures",
        "setup_tokens",
        "surveys",
        "questions",
        "invitations",
        "responses",
        "answers",
        "response_drafts",
    ]
    .iter()
    .map(|table| (table.to_string(), app.count(table).to_string()))
    .collect();
    for (table, column) in [
        ("users", "updated_at"),
        ("sessions", "last_seen_at"),
        ("surveys", "updated_at"),
        ("invitations", "opened_at"),
    ] {
        print.push((format!("{table}.{column}"), app.latest(table, column)));
    }
    print
}

/// A mounted route's path with its parameters filled from `values` (`<id>` → values["id"]).
pub fn fill_path(template: &str, values: &[(&str, &str)]) -> String {
    let mut path = template.to_string();
    for (name, value) in values {
        path = path.replace(&format!("<{name}>"), value);
    }
    path
}

/// The mounted routes as (method, path template), e.g. ("POST", "/setup/<token>").
pub fn mounted_routes(app: &TestApp) -> Vec<(String, String)> {
    let mut routes: Vec<(String, String)> = app
        .client
        .rocket()
        .routes()
        .map(|r| (r.method.as_str().to_string(), r.uri.path().to_string()))
        .collect();
    routes.sort();
    routes.dedup();
    routes
}

/// The CSRF token a browser's forms carry: visiting a page gives it one if it has none.
pub fn csrf_of(client: &Client) -> String {
    let settings = client
        .rocket()
        .state::<hearken::Settings>()
        .expect("settings");
    let name = hearken::web::csrf::csrf_cookie_name(settings);
    if client.cookies().get_private(name).is_none() {
        client.get("/login").dispatch();
    }
    client
        .cookies()
        .get_private(name)
        .expect("a CSRF cookie")
        .value()
        .to_string()
}

/// A Python virtual environment with `package` from PyPI, made once under the build's
/// temporary folder (`name` tells it apart); its interpreter.
pub fn python_with(name: &str, package: &str) -> std::path::PathBuf {
    use std::process::Command;
    let venv = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let python = venv.join("bin/python");
    let ready = venv.join("ready");
    if !ready.exists() {
        let made = Command::new("python3")
            .arg("-m")
            .arg("venv")
            .arg(&venv)
            .status();
        assert!(
            made.is_ok_and(|s| s.success()),
            "python3 -m venv failed (Debian: apt-get install python3-venv)"
        );
        let installed = Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                package,
            ])
            .status();
        assert!(
            installed.is_ok_and(|s| s.success()),
            "pip could not install {package}"
        );
        std::fs::write(&ready, "").expect("mark the environment ready");
    }
    python
}
