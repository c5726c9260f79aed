//! Personal-link tokens: strength, storage as digests, brute-force limits, and keeping them out of URLs and logs.
//!
//! This file holds check 27 (strength and storage, `cargo test token_strength`); the
//! submodules hold check 28 (guessing), check 29 (tokens in URLs) and check 58 (logs).

mod guessing;
mod logs;
mod urls;

use std::collections::HashSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use diesel::RunQueryDsl;
use hearken::web::links::personal_token;
use rocket::http::Status;

use crate::TestApp;

const COUNT: usize = 100_000;

fn url_safe(token: &str) -> bool {
    token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

#[test]
fn token_strength_100k_tokens_are_long_unique_and_patternless() {
    let key: [u8; 32] = rand::random();
    let started = std::time::Instant::now();
    let tokens: Vec<String> = (0..COUNT)
        .map(|_| personal_token(&key, &hearken::ids::new_id()))
        .collect();

    // 43 characters of a 64-letter alphabet: 258 bits of room, filled by 32 decoded bytes.
    let mut bytes = Vec::with_capacity(COUNT);
    for token in &tokens {
        assert_eq!(token.len(), 43, "{token}");
        assert!(url_safe(token), "{token}");
        let decoded = URL_SAFE_NO_PAD.decode(token).expect("URL-safe base64");
        assert_eq!(decoded.len() * 8, 256, "at least 128 bits");
        bytes.push(decoded);
    }
    let distinct: HashSet<&String> = tokens.iter().collect();
    assert_eq!(distinct.len(), COUNT, "no duplicates");

    // Not an encoded counter or timestamp: neighbours share no more than chance allows
    // (a 6-character common prefix has odds of about 1 in 700,000 over all pairs).
    let longest = tokens
        .windows(2)
        .map(|w| common_prefix(w[0].as_bytes(), w[1].as_bytes()))
        .max()
        .unwrap_or(0);
    assert!(longest < 6, "consecutive tokens share {longest} characters");
    let rising = tokens.windows(2).filter(|w| w[0] < w[1]).count();
    let share = rising as f64 / (COUNT - 1) as f64;
    assert!((0.48..0.52).contains(&share), "not monotone: {share}");

    // Every byte position covers its 256 values evenly, so every bit is a fair coin.
    let mut counts = vec![[0u32; 256]; 32];
    for token in &bytes {
        for (position, byte) in token.iter().enumerate() {
            counts[position][usize::from(*byte)] += 1;
        }
    }
    let expected = COUNT as f64 / 256.0;
    for (position, histogram) in counts.iter().enumerate() {
        let chi2: f64 = histogram
            .iter()
            .map(|n| (f64::from(*n) - expected).powi(2) / expected)
            .sum();
        // 255 degrees of freedom: mean 255, standard deviation about 22.6.
        assert!(chi2 < 420.0, "byte {position}: chi-square {chi2:.0}");
        for bit in 0..8 {
            let ones: u32 = (0..256)
                .filter(|value| value >> bit & 1 == 1)
                .map(|value| histogram[value])
                .sum();
            let sigmas = (f64::from(ones) - COUNT as f64 / 2.0).abs() / (COUNT as f64 / 4.0).sqrt();
            assert!(sigmas < 6.0, "byte {position} bit {bit}: {sigmas:.1} sigma");
        }
    }

    // The ids under the tokens: 128 random bits each, never repeated.
    let ids: HashSet<String> = (0..COUNT).map(|_| hearken::ids::new_id()).collect();
    assert_eq!(ids.len(), COUNT);
    assert!(ids.iter().all(|id| {
        URL_SAFE_NO_PAD
            .decode(id)
            .is_ok_and(|raw| raw.len() * 8 == 128)
    }));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn token_strength_ids_come_from_the_operating_system_generator() {
    let source = std::fs::read_to_string("src/ids.rs").unwrap();
    let code: String = source
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        ["SysRng", "OsRng", "getrandom"]
            .iter()
            .any(|name| code.contains(name)),
        "src/ids.rs must draw from OsRng/SysRng/getrandom"
    );
    for weaker in [
        "thread_rng",
        "rand::rng()",
        "rand::random",
        "SmallRng",
        "StdRng",
    ] {
        assert!(!code.contains(weaker), "src/ids.rs uses {weaker}");
    }
    // The personal-link token is the HMAC of such an id, made nowhere else.
    let invitations = std::fs::read_to_string("src/invite/invitations.rs").unwrap();
    assert!(invitations.contains("crate::ids::new_id()"));
    assert!(invitations.contains("links::personal_token(link_key, &id)"));
}

/// Every value of every column of every table, as text.
fn every_stored_value(app: &TestApp) -> Vec<(String, String)> {
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    #[derive(diesel::QueryableByName)]
    struct Cell {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        value: Option<String>,
    }
    let mut conn = app.db().conn().unwrap();
    let (tables, columns) = if app.database.is_postgres() {
        (
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'",
            "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '{t}'",
        )
    } else {
        (
            "SELECT name FROM sqlite_master WHERE type = 'table'",
            "SELECT name FROM pragma_table_info('{t}')",
        )
    };
    let tables: Vec<Name> = diesel::sql_query(tables).load(&mut *conn).unwrap();
    let mut values = Vec::new();
    for table in tables {
        let sql = columns.replace("{t}", &table.name);
        let names: Vec<Name> = diesel::sql_query(sql).load(&mut *conn).unwrap();
        for column in names {
            let sql = format!(
                "SELECT CAST(\"{}\" AS TEXT) AS value FROM \"{}\"",
                column.name, table.name
            );
            let cells: Vec<Cell> = diesel::sql_query(sql).load(&mut *conn).unwrap();
            let place = format!("{}.{}", table.name, column.name);
            values.extend(
                cells
                    .into_iter()
                    .filter_map(|cell| cell.value.map(|v| (place.clone(), v))),
            );
        }
    }
    values
}

#[test]
fn token_strength_the_database_keeps_only_digests() {
    let app = TestApp::new();
    let (_, survey_id) = crate::surveys::published(&app);
    let tokens: Vec<String> = (0..3).map(|_| app.invite(&survey_id, None)).collect();
    let stored = every_stored_value(&app);
    assert!(
        stored
            .iter()
            .any(|(place, _)| place == "invitations.token_hash")
    );
    for token in &tokens {
        for (place, value) in &stored {
            assert!(!value.contains(token.as_str()), "{place} holds a token");
        }
        let digest = hearken::ids::digest(token);
        assert!(
            stored
                .iter()
                .any(|(place, value)| place == "invitations.token_hash" && *value == digest),
            "the SHA-256 digest is what is stored"
        );
    }

    // Only the exact token opens the link: one character changed is an unknown token.
    let token = &tokens[0];
    let last = token.chars().last().unwrap();
    let changed = format!(
        "{}{}",
        &token[..token.len() - 1],
        if last == 'A' { 'B' } else { 'A' }
    );
    let wrong = app.client.get(format!("/r/{changed}")).dispatch();
    assert_eq!(wrong.status(), Status::NotFound);
    let right = app.client.get(format!("/r/{token}")).dispatch();
    assert_eq!(right.status(), Status::SeeOther);
}
