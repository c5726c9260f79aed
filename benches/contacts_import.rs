//! Contact import benchmark: a 100,000-row CSV (name, phone, address, language and two extra
//! columns that become attributes) posted to `POST /api/v1/contacts` of the whole application,
//! built with `hearken::build` on a fresh SQLite file (WAL, `synchronous=FULL`) and driven by
//! Rocket's local client, so the figure covers reading, parsing, checking and saving. Prints
//! rows per second and the total time, then imports the same file again (every row an update).
//!
//! `cargo bench --bench contacts_import` asserts the first import takes under 10 seconds; under
//! `cargo test --all-targets` it imports 2,000 rows as a smoke test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use hearken::auth::{Role, token, users};
use hearken::db::{self, Db};
use rocket::figment::Figment;
use rocket::http::{ContentType, Header, Status};
use rocket::local::blocking::Client;

fn csv(rows: usize) -> String {
    let mut out = String::with_capacity(rows * 120);
    out.push_str("email,name,phone,address,language,segment,customer since\r\n");
    for i in 0..rows {
        out.push_str(&format!(
            "Customer.{i}@Example.com,Customer {i},+31 20 555 {i:06},\"{i} Long Street, Springfield\",nl,segment-{},20{:02}\r\n",
            i % 7,
            i % 25
        ));
    }
    out
}

fn import(client: &Client, bearer: &str, body: &str) -> (Duration, serde_json::Value) {
    let started = Instant::now();
    let response = client
        .post("/api/v1/contacts")
        .header(Header::new("Authorization", format!("Bearer {bearer}")))
        .header(ContentType::new("text", "csv"))
        .body(body)
        .dispatch();
    let elapsed = started.elapsed();
    assert_eq!(response.status(), Status::Ok);
    let report = serde_json::from_str(&response.into_string().unwrap()).unwrap();
    (elapsed, report)
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let rows = if full { 100_000 } else { 2_000 };
    let dir = tempfile::tempdir().unwrap();
    let figment = Figment::from(rocket::Config::release_default())
        .merge(("log_level", "off"))
        .merge(("data_dir", dir.path().display().to_string()))
        .merge((
            "database_url",
            format!("sqlite://{}", dir.path().join("bench.db").display()),
        ))
        .merge(("mail_transport", "memory"))
        // As Rocket.toml sets it: Rocket's built-in default (1 MiB) would win over
        // `web::default_limits` in a figment that starts from `Config::release_default()`.
        .merge(("limits.file", "16 MiB"));
    let client = Client::untracked(hearken::build(figment)).unwrap();
    let db = client.rocket().state::<Db>().unwrap();
    let bearer = {
        let mut conn = db.conn().unwrap();
        let input = users::NewUserInput::check(
            "bench@example.com",
            "Bench",
            Role::Designer.as_str(),
            "correct horse battery staple",
        )
        .unwrap();
        let user = db::write(&mut conn, |conn| users::create(conn, &input, "not-a-hash")).unwrap();
        token::issue(&mut conn, &user.id, "bench").unwrap()
    };
    let body = csv(rows);
    println!(
        "contacts_import: {rows} rows, {:.1} MiB of CSV",
        body.len() as f64 / 1_048_576.0
    );

    let (first, report) = import(&client, &bearer, &body);
    assert_eq!(report["created"], rows, "{report}");
    assert_eq!(report["rejected"], serde_json::json!([]));
    println!(
        "contacts_import: first import (all new)   {:>7.2} s  {:>9.0} rows/s",
        first.as_secs_f64(),
        rows as f64 / first.as_secs_f64()
    );
    let (second, report) = import(&client, &bearer, &body);
    assert_eq!(report["updated"], rows, "{report}");
    println!(
        "contacts_import: second import (updates)  {:>7.2} s  {:>9.0} rows/s",
        second.as_secs_f64(),
        rows as f64 / second.as_secs_f64()
    );
    if full {
        assert!(
            first < Duration::from_secs(10),
            "importing {rows} rows took {first:?}, over the 10 s goal"
        );
    }
}
