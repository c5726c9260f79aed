//! Signing in with a password, on the page and through the token endpoint: what a wrong
//! password looks like, password storage (check 13) and failed-login limits (check 15).

use std::time::{Duration, Instant};

use hearken::auth::Role;
use rocket::http::{ContentType, Header, Status};
use serde_json::json;

use crate::{PASSWORD, TestApp, bearer, form};

fn token_request(app: &TestApp, email: &str, password: &str, forwarded: &str) -> (Status, String) {
    let response = app
        .client
        .post("/api/v1/auth/token")
        .header(ContentType::JSON)
        .header(Header::new("X-Forwarded-For", forwarded.to_string()))
        .body(json!({"email": email, "password": password}).to_string())
        .dispatch();
    let status = response.status();
    (status, response.into_string().unwrap_or_default())
}

#[test]
fn sign_in_page_success_and_failure() {
    let app = TestApp::new();
    app.add_user("dora@example.com", Role::Designer);
    assert_eq!(
        app.client.get("/").dispatch().status(),
        Status::Unauthorized
    );

    assert_eq!(
        app.sign_in("dora@example.com", "wrong password here"),
        Status::Unauthorized
    );
    assert_eq!(
        app.client.get("/").dispatch().status(),
        Status::Unauthorized
    );

    assert_eq!(
        app.sign_in("DORA@example.com", PASSWORD),
        Status::SeeOther,
        "emails are case-insensitive"
    );
    let home = app.client.get("/").dispatch();
    assert_eq!(home.status(), Status::Ok);
    assert!(home.into_string().unwrap().contains("designer"));
}

#[test]
fn wrong_credentials_answer_the_same_whether_or_not_the_email_exists() {
    let app = TestApp::new();
    app.add_user("known@example.com", Role::Analyst);

    let (status_known, body_known) =
        token_request(&app, "known@example.com", "not the password", "1.1.1.1");
    let (status_unknown, body_unknown) =
        token_request(&app, "nobody@example.com", "not the password", "1.1.1.1");
    assert_eq!(status_known, Status::Unauthorized);
    assert_eq!(status_unknown, Status::Unauthorized);
    assert_eq!(body_known, body_unknown);

    let page = |email: &str| {
        let csrf = app.csrf();
        let response = app
            .client
            .post("/login")
            .header(ContentType::Form)
            .body(form(&[
                ("csrf", &csrf),
                ("email", email),
                ("password", "not the password"),
            ]))
            .dispatch();
        (
            response.status(),
            response.into_string().unwrap().replace(email, "EMAIL"),
        )
    };
    assert_eq!(page("known@example.com"), page("nobody@example.com"));
}

#[test]
fn passwords_are_argon2id_with_owasp_minimums_and_unique_salts() {
    let app = TestApp::new();
    let a = app.add_user("a@example.com", Role::Analyst);
    let b = app.add_user("b@example.com", Role::Analyst);
    for user in [&a, &b] {
        let phc = &user.password_hash;
        let params = phc
            .strip_prefix("$argon2id$v=19$")
            .expect("argon2id v19 PHC string");
        let numbers: Vec<u32> = params
            .split('$')
            .next()
            .unwrap()
            .split(',')
            .map(|kv| kv.split_once('=').unwrap().1.parse().unwrap())
            .collect();
        assert!(
            numbers[0] >= 19456 && numbers[1] >= 2 && numbers[2] >= 1,
            "{phc}"
        );
    }
    assert_ne!(
        a.password_hash, b.password_hash,
        "same password, different salt"
    );
}

#[test]
fn unknown_accounts_cost_a_password_verification_too() {
    let app = TestApp::with(|f| {
        f.merge(("login_max_failures", 1000))
            .merge(("login_max_failures_per_peer", 1000))
    });
    app.add_user("known@example.com", Role::Analyst);
    // Known and unknown alternate, so a change in the machine's load during the test weighs on
    // both medians alike.
    let time = |email: &str| {
        let started = Instant::now();
        token_request(&app, email, "not the password", "1.1.1.1");
        started.elapsed()
    };
    let (mut known, mut unknown): (Vec<Duration>, Vec<Duration>) = (0..9)
        .map(|_| (time("known@example.com"), time("nobody@example.com")))
        .unzip();
    known.sort();
    unknown.sort();
    let (known, unknown) = (known[known.len() / 2], unknown[unknown.len() / 2]);
    // Without the dummy verification an unknown email answers many times faster.
    assert!(
        unknown * 2 >= known,
        "unknown {unknown:?} vs known {known:?}"
    );
}

#[test]
fn repeated_failures_hit_429_and_rotating_forwarded_for_does_not_reset_the_count() {
    let app = TestApp::new();
    app.add_user("target@example.com", Role::Admin);
    let mut limited_at = None;
    for attempt in 0..150 {
        let spoofed = format!("10.{}.{}.{}", attempt % 250, attempt / 250, attempt % 7);
        let (status, _) = token_request(
            &app,
            "target@example.com",
            &format!("guess {attempt}"),
            &spoofed,
        );
        if status == Status::TooManyRequests {
            limited_at.get_or_insert(attempt);
        } else {
            assert_eq!(status, Status::Unauthorized);
            assert!(
                limited_at.is_none(),
                "once limited, every attempt stays limited"
            );
        }
    }
    assert_eq!(
        limited_at,
        Some(10),
        "the limit is 10 failures per account per window"
    );

    let response = app
        .client
        .post("/api/v1/auth/token")
        .header(ContentType::JSON)
        .body(json!({"email": "target@example.com", "password": PASSWORD}).to_string())
        .dispatch();
    assert_eq!(
        response.status(),
        Status::TooManyRequests,
        "even the right password waits"
    );
    let retry: u64 = response
        .headers()
        .get_one("Retry-After")
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15 * 60).contains(&retry), "{retry}");
    let body = crate::json(response);
    assert_eq!(body["error"]["code"], "rate_limited");

    // The page shares the same count.
    assert_eq!(
        app.sign_in("target@example.com", PASSWORD),
        Status::TooManyRequests
    );

    // The owner, from their own address, is not locked out by the attacker's guesses.
    let owner = app
        .client
        .post("/api/v1/auth/token")
        .remote("198.51.100.20:50000".parse().unwrap())
        .header(ContentType::JSON)
        .body(json!({"email": "target@example.com", "password": PASSWORD}).to_string())
        .dispatch();
    assert_eq!(owner.status(), Status::Created);

    // After the window the account works again: no permanent lockout.
    app.execute(&format!(
        "UPDATE auth_failures SET created_at = {}",
        app.minutes_ago(16)
    ));
    let (status, body) = token_request(&app, "target@example.com", PASSWORD, "1.2.3.4");
    assert_eq!(status, Status::Created, "{body}");
}

#[test]
fn behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client() {
    let app = TestApp::with(|f| {
        f.merge(("trusted_proxies", ["127.0.0.1"]))
            .merge(("login_max_failures_per_peer", 5))
    });
    let from_proxy = |email: &str, forwarded: &str| {
        app.client
            .post("/api/v1/auth/token")
            .remote("127.0.0.1:40000".parse().unwrap())
            .header(ContentType::JSON)
            .header(Header::new("X-Forwarded-For", forwarded.to_string()))
            .body(json!({"email": email, "password": "wrong password"}).to_string())
            .dispatch()
            .status()
    };
    for i in 0..5 {
        // The attacker controls everything left of what the proxy appended.
        let status = from_proxy(
            &format!("user{i}@example.com"),
            &format!("9.9.9.{i}, 203.0.113.7"),
        );
        assert_eq!(status, Status::Unauthorized);
    }
    assert_eq!(
        from_proxy("fresh@example.com", "9.9.9.99, 203.0.113.7"),
        Status::TooManyRequests
    );
    assert_eq!(
        from_proxy("fresh@example.com", "198.51.100.1"),
        Status::Unauthorized,
        "other clients are not blocked"
    );

    // Without a trusted proxy the header is ignored: the socket peer is the client.
    let direct = TestApp::with(|f| f.merge(("login_max_failures_per_peer", 3)));
    for i in 0..3 {
        let status = direct
            .client
            .post("/api/v1/auth/token")
            .remote(format!("192.0.2.10:{}", 40000 + i).parse().unwrap())
            .header(ContentType::JSON)
            .header(Header::new("X-Forwarded-For", format!("7.7.7.{i}")))
            .body(
                json!({"email": format!("u{i}@example.com"), "password": "wrong password"})
                    .to_string(),
            )
            .dispatch()
            .status();
        assert_eq!(status, Status::Unauthorized);
    }
    let status = direct
        .client
        .post("/api/v1/auth/token")
        .remote("192.0.2.10:40100".parse().unwrap())
        .header(ContentType::JSON)
        .header(Header::new("X-Forwarded-For", "8.8.8.8"))
        .body(json!({"email": "other@example.com", "password": "wrong password"}).to_string())
        .dispatch()
        .status();
    assert_eq!(status, Status::TooManyRequests);
}

#[test]
fn api_tokens_authenticate_and_revoke() {
    let app = TestApp::new();
    app.add_user("ana@example.com", Role::Analyst);
    let (status, body) = token_request(&app, "ana@example.com", PASSWORD, "1.1.1.1");
    assert_eq!(status, Status::Created);
    let token = serde_json::from_str::<serde_json::Value>(&body).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(token.starts_with("hk_") && token.len() >= 40);

    let me = app
        .client
        .get("/api/v1/me")
        .header(bearer(&token))
        .dispatch();
    assert_eq!(me.status(), Status::Ok);
    let me = crate::json(me);
    assert_eq!(me["email"], "ana@example.com");
    assert_eq!(me["role"], "analyst");
    assert!(me.get("password_hash").is_none());

    // Only the digest is stored.
    let mut conn = app.db().conn().unwrap();
    let stored =
        hearken::auth::model::find_api_token(&mut conn, &hearken::ids::digest(&token)).unwrap();
    assert!(stored.is_some());
    drop(conn);

    let revoke = app
        .client
        .delete("/api/v1/auth/token")
        .header(bearer(&token))
        .dispatch();
    assert_eq!(revoke.status(), Status::NoContent);
    let after = app
        .client
        .get("/api/v1/me")
        .header(bearer(&token))
        .dispatch();
    assert_eq!(after.status(), Status::Unauthorized);
    assert_eq!(crate::json(after)["error"]["code"], "unauthorized");

    for header in [
        "Bearer",
        "Bearer ",
        "Basic abc",
        "Bearer hk_not_a_real_token",
    ] {
        let response = app
            .client
            .get("/api/v1/me")
            .header(Header::new("Authorization", header))
            .dispatch();
        assert_eq!(response.status(), Status::Unauthorized, "{header}");
    }
}

#[test]
fn a_deactivated_users_tokens_stop_working() {
    let app = TestApp::new();
    let (_, admin) = app.user_with_token(Role::Admin);
    let (designer, token) = app.user_with_token(Role::Designer);
    assert_eq!(
        app.client
            .get("/api/v1/me")
            .header(bearer(&token))
            .dispatch()
            .status(),
        Status::Ok
    );
    let patch = app
        .client
        .patch(format!("/api/v1/users/{}", designer.id))
        .header(bearer(&admin))
        .header(ContentType::JSON)
        .body(r#"{"active": false}"#)
        .dispatch();
    assert_eq!(patch.status(), Status::Ok);
    assert_eq!(
        app.client
            .get("/api/v1/me")
            .header(bearer(&token))
            .dispatch()
            .status(),
        Status::Unauthorized
    );
}

#[test]
fn one_account_gets_a_bounded_number_of_guesses_per_hour_from_everywhere() {
    let app = TestApp::with(|f| f.merge(("login_max_failures_per_account_hour", 5)));
    app.add_user("target@example.com", Role::Admin);
    let from = |i: u32, password: &str| {
        app.client
            .post("/api/v1/auth/token")
            .remote(format!("203.0.113.{i}:4000").parse().unwrap())
            .header(ContentType::JSON)
            .body(json!({"email": "target@example.com", "password": password}).to_string())
            .dispatch()
            .status()
    };
    for i in 0..5 {
        assert_eq!(from(i, "wrong guess"), Status::Unauthorized);
    }
    assert_eq!(from(99, "wrong guess"), Status::TooManyRequests);
}

#[test]
fn parallel_guesses_are_all_counted() {
    let app = TestApp::with(|f| f.merge(("login_max_failures", 5)));
    app.add_user("target@example.com", Role::Admin);
    let figment = app.client.rocket().figment().clone();
    let statuses: Vec<Status> = rocket::async_test(async move {
        let client = rocket::local::asynchronous::Client::tracked(hearken::build(figment))
            .await
            .unwrap();
        let guesses = (0..12).map(|i| {
            client
                .post("/api/v1/auth/token")
                .header(ContentType::JSON)
                .body(
                    json!({"email": "target@example.com", "password": format!("guess {i}")})
                        .to_string(),
                )
                .dispatch()
        });
        rocket::futures::future::join_all(guesses)
            .await
            .iter()
            .map(|response| response.status())
            .collect()
    });
    let evaluated = statuses
        .iter()
        .filter(|s| **s == Status::Unauthorized)
        .count();
    assert_eq!(evaluated, 5, "{statuses:?}");
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == Status::TooManyRequests)
            .count(),
        7
    );
}
