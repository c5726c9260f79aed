//! Check 29: the token of a personal link is in one request line only. `GET /r/<token>` sets an
//! encrypted cookie scoped to the invitation's token-free address and redirects there; the
//! survey page, its form and everything after carry no token, send no `Referer`, and load
//! nothing from anyone else.

use diesel::RunQueryDsl;
use rocket::http::{ContentType, Status};
use rocket::local::blocking::Client;

use crate::surveys::published;
use crate::{TestApp, form, hidden_value};

/// The id of the invitation whose token is `token`, read from the database by digest.
fn invitation_id(app: &TestApp, token: &str) -> String {
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
    }
    let mut conn = app.db().conn().unwrap();
    let digest = hearken::ids::digest(token);
    diesel::sql_query(format!(
        "SELECT id FROM invitations WHERE token_hash = '{digest}'"
    ))
    .get_result::<Id>(&mut *conn)
    .unwrap()
    .id
}

/// The `Set-Cookie` header of the link cookie in a response.
fn link_cookie_header(headers: &rocket::http::HeaderMap<'_>, name: &str) -> String {
    headers
        .get("Set-Cookie")
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie"))
        .to_string()
}

/// Every source the Content-Security-Policy allows is our own or inert.
fn assert_no_third_party(csp: &str) {
    for directive in csp.split(';') {
        for source in directive.split_whitespace().skip(1) {
            assert!(
                ["'self'", "'none'", "data:"].contains(&source),
                "CSP allows {source}: {csp}"
            );
        }
    }
}

fn assert_private_headers(response: &rocket::local::blocking::LocalResponse<'_>) {
    let headers = response.headers();
    assert_eq!(headers.get_one("Referrer-Policy"), Some("no-referrer"));
    assert_no_third_party(headers.get_one("Content-Security-Policy").unwrap());
    assert_eq!(headers.get_one("Cache-Control"), Some("no-store"));
}

#[test]
fn a_personal_link_becomes_a_cookie_and_a_token_free_address() {
    let app = TestApp::new();
    let (_, survey_id) = published(&app);
    let token = app.invite(&survey_id, None);
    let id = invitation_id(&app, &token);
    let home = format!("/r/i/{id}");

    let entered = app.client.get(format!("/r/{token}")).dispatch();
    assert_eq!(entered.status(), Status::SeeOther);
    assert_eq!(entered.headers().get_one("Location"), Some(home.as_str()));
    assert_private_headers(&entered);
    let cookie = link_cookie_header(entered.headers(), "hearken_link");
    for attribute in ["HttpOnly", "SameSite=Lax", &format!("Path={home}")] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http here: {cookie}");
    assert!(!cookie.contains("Max-Age") && !cookie.contains("Expires"));
    assert!(
        !cookie.contains(&token),
        "the cookie is encrypted: {cookie}"
    );
    let body = entered.into_string().unwrap_or_default();
    assert!(!body.contains(&token));

    let page = app.client.get(home.clone()).dispatch();
    assert_eq!(page.status(), Status::Ok);
    assert_private_headers(&page);
    let html = page.into_string().unwrap();
    assert!(!html.contains(&token), "the survey page holds the token");
    let document = scraper::Html::parse_document(&html);
    let forms = scraper::Selector::parse("form").unwrap();
    let actions: Vec<&str> = document
        .select(&forms)
        .filter_map(|f| f.value().attr("action"))
        .collect();
    assert_eq!(actions, [home.as_str()]);
    let links = scraper::Selector::parse("[href], [src]").unwrap();
    for element in document.select(&links) {
        for name in ["href", "src"] {
            if let Some(url) = element.value().attr(name) {
                assert!(url.starts_with('/') || url.starts_with('#'), "{url}");
            }
        }
    }

    // Saving and answering work from the token-free address, with the cookie alone.
    let csrf = hidden_value(&html, "csrf").unwrap();
    let submission = hidden_value(&html, "submission").unwrap();
    let saved = app
        .client
        .post(home.clone())
        .header(ContentType::Form)
        .body(form(&[
            ("csrf", &csrf),
            ("submission", &submission),
            ("action", "save"),
            ("q.name", "Saved Sam"),
        ]))
        .dispatch();
    assert_eq!(saved.status(), Status::SeeOther);
    let resume = format!("{home}?saved=true");
    assert_eq!(saved.headers().get_one("Location"), Some(resume.as_str()));
    let resumed = app.client.get(resume).dispatch().into_string().unwrap();
    assert!(resumed.contains("Your answers are saved") && resumed.contains("Saved Sam"));
    let done = app
        .client
        .post(home.clone())
        .header(ContentType::Form)
        .body(form(&[
            ("csrf", &csrf),
            ("submission", &submission),
            ("q.improve", "Fine"),
        ]))
        .dispatch();
    assert_eq!(done.status(), Status::SeeOther);
    let thanks = done.headers().get_one("Location").unwrap().to_string();
    assert!(thanks.starts_with(&format!("{home}/thanks/")) && !thanks.contains(&token));
    let thank_you = app.client.get(thanks).dispatch();
    assert_private_headers(&thank_you);
    assert!(!thank_you.into_string().unwrap().contains(&token));
    assert_eq!(app.count("responses"), 1);
    let again = app.client.get(home).dispatch().into_string().unwrap();
    assert!(again.contains("already answered"));
}

#[test]
fn the_token_free_address_needs_that_invitations_cookie() {
    let app = TestApp::new();
    let (_, survey_id) = published(&app);
    let first = app.invite(&survey_id, None);
    let second = app.invite(&survey_id, None);
    let second_home = format!("/r/i/{}", invitation_id(&app, &second));

    // Another browser (no cookie), and a browser holding the first invitation's cookie.
    let stranger = TestApp::with_client_of(&app);
    let holder = TestApp::with_client_of(&app);
    assert_eq!(
        holder.client.get(format!("/r/{first}")).dispatch().status(),
        Status::SeeOther
    );
    for client in [&stranger.client, &holder.client] {
        refused_politely(client, &second_home);
    }
    let home = format!("/r/i/{}", invitation_id(&app, &first));
    refused_politely(&stranger.client, &home);
    assert_eq!(holder.client.get(home).dispatch().status(), Status::Ok);
    assert_eq!(app.count("responses"), 0);
    assert_eq!(app.count("response_drafts"), 0);
}

fn refused_politely(client: &Client, home: &str) {
    let page = client.get(home.to_string()).dispatch();
    assert_eq!(page.status(), Status::NotFound, "GET {home}");
    let html = page.into_string().unwrap();
    assert!(html.contains("open your link again"), "{html}");
    let csrf = crate::csrf_of(client);
    let posted = client
        .post(home.to_string())
        .header(ContentType::Form)
        .body(form(&[
            ("csrf", &csrf),
            ("submission", "s"),
            ("action", "save"),
            ("q.improve", "Not mine"),
        ]))
        .dispatch();
    assert_eq!(posted.status(), Status::NotFound, "POST {home}");
}

#[test]
fn over_https_the_link_cookie_is_secure() {
    let app = TestApp::with(|f| f.merge(("base_url", "https://surveys.example.org")));
    let (_, survey_id) = published(&app);
    let token = app.invite(&survey_id, None);
    let entered = app.client.get(format!("/r/{token}")).dispatch();
    assert_eq!(entered.status(), Status::SeeOther);
    let cookie = link_cookie_header(entered.headers(), "__Secure-hearken_link");
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    assert!(
        entered
            .headers()
            .get_one("Strict-Transport-Security")
            .is_some()
    );
}

#[test]
fn posting_to_the_link_itself_still_works_and_moves_to_the_token_free_address() {
    let app = TestApp::new();
    let (_, survey_id) = published(&app);
    let token = app.invite(&survey_id, None);
    let home = format!("/r/i/{}", invitation_id(&app, &token));
    let csrf = app.csrf();
    let saved = app
        .client
        .post(format!("/r/{token}"))
        .header(ContentType::Form)
        .body(form(&[
            ("csrf", &csrf),
            ("submission", "k1"),
            ("action", "save"),
            ("q.name", "Posted"),
        ]))
        .dispatch();
    assert_eq!(saved.status(), Status::SeeOther);
    assert_eq!(
        saved.headers().get_one("Location"),
        Some(format!("{home}?saved=true").as_str())
    );
    link_cookie_header(saved.headers(), "hearken_link");
    // A form with a problem comes back pointing at the token-free address.
    let again = app
        .client
        .post(format!("/r/{token}"))
        .header(ContentType::Form)
        .body(form(&[("csrf", &csrf), ("submission", "k2")]))
        .dispatch();
    assert_eq!(again.status(), Status::UnprocessableEntity);
    let html = again.into_string().unwrap();
    assert!(!html.contains(&token));
    assert!(html.contains(&format!("action=\"{home}\"")), "{html}");
}
