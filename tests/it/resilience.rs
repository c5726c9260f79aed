//! Hardening of what exists: every 429 says when to come back (`Retry-After`), open links take a
//! limited number of answers per address (the form kept as typed), and a database that cannot
//! take writes (a full disk) answers 503 with the form kept, never a thank-you page, and
//! recovers by itself once there is room again.

use rocket::http::{ContentType, Header, Status};
use rocket::local::blocking::LocalResponse;
use serde_json::json;

use crate::respond::open_form;
use crate::surveys::published;
use crate::{PASSWORD, TestApp, form, hidden_value};

/// `Retry-After` of a response, in seconds; the test fails when it is missing or not a number.
fn retry_after(response: &LocalResponse<'_>, what: &str) -> u64 {
    let value = response
        .headers()
        .get_one("Retry-After")
        .unwrap_or_else(|| panic!("{what}: 429/503 without Retry-After"));
    value
        .parse()
        .unwrap_or_else(|_| panic!("{what}: Retry-After `{value}` is not seconds"))
}

fn post_form<'c>(
    app: &'c TestApp,
    path: &str,
    from: &str,
    fields: &[(&str, &str)],
) -> LocalResponse<'c> {
    app.client
        .post(path.to_string())
        .remote(from.parse().unwrap())
        .header(ContentType::Form)
        .body(form(fields))
        .dispatch()
}

/// Every way the server answers 429: the sign-in page, the API token endpoint, personal links
/// and open links. Each carries a `Retry-After` of a sensible number of seconds.
#[test]
fn every_429_carries_retry_after() {
    let app = TestApp::with(|f| f.merge(("open_link_answers_per_minute", 2)));
    app.add_user("kim@example.com", hearken::auth::Role::Admin);
    let mut seen = Vec::new();

    // The sign-in page (10 failures per account and address per window).
    let csrf = app.csrf();
    let login = (0..11)
        .map(|_| {
            let fields = [
                ("csrf", csrf.as_str()),
                ("email", "kim@example.com"),
                ("password", "wrong"),
            ];
            post_form(&app, "/login", "192.0.2.10:4000", &fields)
        })
        .last()
        .unwrap();
    assert_eq!(login.status(), Status::TooManyRequests);
    seen.push(("sign-in page", retry_after(&login, "sign-in page"), 15 * 60));

    // The API token endpoint shares the count.
    let token = app
        .client
        .post("/api/v1/auth/token")
        .remote("192.0.2.10:4000".parse().unwrap())
        .header(ContentType::JSON)
        .body(json!({"email": "kim@example.com", "password": PASSWORD}).to_string())
        .dispatch();
    assert_eq!(token.status(), Status::TooManyRequests);
    seen.push(("API token", retry_after(&token, "API token"), 15 * 60));

    // Personal links: 20 unknown tokens from one address.
    let guess = |i: usize| {
        app.client
            .get(format!("/r/unknownunknownunknownunknown{i:04}"))
            .remote("192.0.2.20:4000".parse().unwrap())
            .dispatch()
    };
    for i in 0..20 {
        assert_eq!(guess(i).status(), Status::NotFound);
    }
    let personal = guess(20);
    assert_eq!(personal.status(), Status::TooManyRequests);
    seen.push((
        "personal link",
        retry_after(&personal, "personal link"),
        10 * 60,
    ));

    // Open links: the configured 2 answers a minute.
    let (_, id) = published(&app);
    let path = format!("/s/{id}");
    let (_, csrf, _) = open_form(&app.client, &path);
    let open = (0..3)
        .map(|i| {
            let submission = format!("key-{i}");
            let fields = [
                ("csrf", csrf.as_str()),
                ("submission", submission.as_str()),
                ("q.improve", "Faster"),
            ];
            post_form(&app, &path, "192.0.2.30:4000", &fields)
        })
        .last()
        .unwrap();
    assert_eq!(open.status(), Status::TooManyRequests);
    seen.push(("open link", retry_after(&open, "open link"), 60));

    for (what, secs, most) in seen {
        assert!((1..=most).contains(&secs), "{what}: Retry-After {secs}");
    }
}

#[test]
fn open_link_answers_are_limited_per_address_with_the_form_kept() {
    assert_eq!(TestApp::new().settings().open_link_answers_per_minute, 30);
    let app = TestApp::with(|f| f.merge(("open_link_answers_per_minute", 3)));
    let (_, id) = published(&app);
    let path = format!("/s/{id}");
    let (_, csrf, _) = open_form(&app.client, &path);
    let send = |from: &str, key: &str, improve: &str| {
        let fields = [
            ("csrf", csrf.as_str()),
            ("submission", key),
            ("q.name", "Ana <Novak>"),
            ("q.improve", improve),
        ];
        post_form(&app, &path, from, &fields)
    };
    for i in 0..3 {
        let sent = send("203.0.113.5:1000", &format!("a-{i}"), "Faster");
        assert_eq!(sent.status(), Status::SeeOther, "answer {i}");
    }
    let limited = send("203.0.113.5:1001", "a-3", "Shorter queues");
    assert_eq!(limited.status(), Status::TooManyRequests);
    let wait = retry_after(&limited, "open link");
    assert!((1..=60).contains(&wait), "{wait}");
    assert!(limited.headers().get_one("Location").is_none());
    let html = limited.into_string().unwrap();
    assert!(html.contains("Too many answers were sent from your network"));
    assert!(
        html.contains(&format!("{wait} seconds")),
        "the wait is said"
    );
    assert!(html.contains("Shorter queues"), "the typed answer is kept");
    assert!(html.contains("Ana &lt;Novak&gt;"), "kept and escaped");
    assert_eq!(hidden_value(&html, "submission").as_deref(), Some("a-3"));
    assert!(!html.contains("Your feedback goes straight to our team."));
    assert_eq!(app.count("responses"), 3, "nothing stored past the limit");

    // Another address is not held back; an IPv6 client counts per /64.
    assert_eq!(
        send("198.51.100.7:1000", "b-0", "x").status(),
        Status::SeeOther
    );
    for i in 0..3 {
        let from = format!("[2001:db8:aa:bb::{i}]:1000");
        let sent = send(&from, &format!("c-{i}"), "x");
        assert_eq!(sent.status(), Status::SeeOther);
    }
    let same_64 = send("[2001:db8:aa:bb:ffff::9]:1000", "c-3", "x");
    assert_eq!(same_64.status(), Status::TooManyRequests);
    let next_64 = send("[2001:db8:aa:bc::1]:1000", "d-0", "x");
    assert_eq!(next_64.status(), Status::SeeOther);
    assert_eq!(app.count("responses"), 8);
}

/// Makes the app's database refuse to grow: on SQLite the one pooled connection may not add a
/// page (the real SQLITE_FULL), on PostgreSQL a trigger raises the server's disk-full error.
fn fill_the_disk(app: &TestApp) {
    if app.database.is_postgres() {
        app.execute(
            "CREATE FUNCTION disk_full() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION \
             'could not extend file \"base/16384/16385\": No space left on device' \
             USING ERRCODE = 'disk_full'; END $$ LANGUAGE plpgsql;
             CREATE TRIGGER disk_full BEFORE INSERT ON responses FOR EACH ROW \
             EXECUTE FUNCTION disk_full();",
        );
    } else {
        let mut conn = app.db().conn().unwrap();
        let sqlite = conn.as_sqlite().unwrap();
        let pages = hearken::db::sqlite::pragma(sqlite, "page_count").unwrap();
        let free = hearken::db::sqlite::pragma(sqlite, "freelist_count").unwrap();
        assert_eq!(free, "0", "a free page would take the answer");
        use diesel::connection::SimpleConnection;
        sqlite
            .batch_execute(&format!("PRAGMA max_page_count = {pages}"))
            .unwrap();
    }
}

fn free_the_disk(app: &TestApp) {
    if app.database.is_postgres() {
        app.execute("DROP TRIGGER disk_full ON responses;");
    } else {
        app.execute("PRAGMA max_page_count = 1073741823");
    }
}

#[test]
fn a_full_disk_answers_503_keeps_the_form_and_recovers_by_itself() {
    // One pooled connection on SQLite, so the page limit (a per-connection setting) is the
    // writer's too.
    let app = TestApp::with(|f| f.merge(("database_pool_size", 1)));
    let (token, id) = published(&app);
    let path = format!("/s/{id}");
    let (_, csrf, submission) = open_form(&app.client, &path);
    // Long enough to need new pages.
    let long = "Answer the phone sooner, please. ".repeat(300);
    let fields = [
        ("csrf", csrf.as_str()),
        ("submission", submission.as_str()),
        ("q.name", "Zoë <b>Kovačič</b>"),
        ("q.improve", long.trim()),
        ("q.speed", "4"),
    ];
    fill_the_disk(&app);

    for attempt in 0..3 {
        let refused = post_form(&app, &path, "192.0.2.50:1000", &fields);
        assert_eq!(refused.status(), Status::ServiceUnavailable, "{attempt}");
        assert!(refused.headers().get_one("Location").is_none());
        assert_eq!(retry_after(&refused, "full disk"), 60);
        let html = refused.into_string().unwrap();
        assert!(html.contains("We could not save your answers just now"));
        assert!(html.contains("Answer the phone sooner, please."));
        assert!(html.contains("value=\"Zoë &lt;b&gt;Kovačič&lt;/b&gt;\""));
        assert!(html.contains("id=\"q-speed-4\" name=\"q.speed\" value=\"4\" checked"));
        assert_eq!(
            hidden_value(&html, "submission").as_deref(),
            Some(submission.as_str())
        );
        assert!(!html.contains("Your feedback goes straight to our team."));
    }
    assert_eq!(app.count("responses"), 0);

    // The API answers the same condition the same way.
    let api = app
        .client
        .post(format!("/api/v1/surveys/{id}/responses"))
        .header(Header::new("Authorization", format!("Bearer {token}")))
        .header(ContentType::JSON)
        .body(json!({"answers": {"improve": long.trim()}}).to_string())
        .dispatch();
    assert_eq!(api.status(), Status::ServiceUnavailable);
    assert_eq!(retry_after(&api, "API"), 60);
    let body = crate::json(api);
    assert_eq!(body["error"]["code"], "unavailable");
    assert_eq!(app.count("responses"), 0);

    // Room again: the same form, sent again, is stored once, without a restart.
    free_the_disk(&app);
    let stored = post_form(&app, &path, "192.0.2.50:1000", &fields);
    assert_eq!(stored.status(), Status::SeeOther);
    let location = stored.headers().get_one("Location").unwrap().to_string();
    assert!(location.starts_with(&format!("/s/{id}/thanks/")));
    let replay = post_form(&app, &path, "192.0.2.50:1000", &fields);
    assert_eq!(
        replay.headers().get_one("Location"),
        Some(location.as_str())
    );
    assert_eq!(app.count("responses"), 1);
}
