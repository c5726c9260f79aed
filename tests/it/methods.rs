//! A method a path does not have is a 405 with an `Allow` header (the JSON envelope under /api,
//! an error page in the member's language elsewhere), not a 404 (Rocket's answer for a known method) or a 400 (its answer for a method it
//! does not know, such as QUERY, checked over real TCP).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hearken::auth::Role;
use rocket::http::Status;

use crate::{TestApp, bearer};

#[test]
fn a_wrong_method_is_405_naming_the_allowed_ones() {
    let app = TestApp::new();
    let (_, token) = app.user_with_token(Role::Admin);
    let cases = [
        (app.client.put("/api/v1/surveys"), "GET, HEAD, POST"),
        (app.client.delete("/api/v1/me"), "GET, HEAD"),
        (app.client.get("/api/v1/auth/token"), "DELETE, POST"),
        (
            app.client.put("/api/v1/surveys/AAAAAAAAAAAAAAAAAAAAAA"),
            "DELETE, GET, HEAD, PATCH",
        ),
        (
            app.client
                .get("/api/v1/surveys/AAAAAAAAAAAAAAAAAAAAAA/publish"),
            "POST",
        ),
    ];
    for (request, allow) in cases {
        let response = request.header(bearer(&token)).dispatch();
        assert_eq!(response.status(), Status::MethodNotAllowed);
        assert_eq!(response.headers().get_one("Allow"), Some(allow));
        let body = crate::json(response);
        assert_eq!(body["error"]["status"], 405, "{body}");
        assert_eq!(body["error"]["code"], "method_not_allowed", "{body}");
    }

    // A path nobody routes, and a routed one whose object is missing, stay 404.
    let response = app
        .client
        .put("/api/v1/nothing-here")
        .header(bearer(&token))
        .dispatch();
    assert_eq!(response.status(), Status::NotFound);
    let response = app
        .client
        .get("/api/v1/surveys/AAAAAAAAAAAAAAAAAAAAAA")
        .header(bearer(&token))
        .dispatch();
    assert_eq!(response.status(), Status::NotFound);
    assert_eq!(response.headers().get_one("Allow"), None);
}

#[test]
fn a_wrong_method_on_a_page_is_a_405_page_in_the_members_language() {
    let app = TestApp::new();
    app.signed_in_admin();
    let response = app
        .client
        .get("/surveys/AAAAAAAAAAAAAAAAAAAAAA/publish")
        .dispatch();
    assert_eq!(response.status(), Status::MethodNotAllowed);
    assert_eq!(response.headers().get_one("Allow"), Some("POST"));
    let html = response.into_string().unwrap();
    assert!(html.contains("This action is not possible here."), "{html}");
    assert!(
        html.contains("Sign out"),
        "the member keeps the navigation: {html}"
    );

    app.execute("UPDATE users SET language = 'nl'");
    let response = app.client.get("/admin/users/x/active").dispatch();
    assert_eq!(response.status(), Status::MethodNotAllowed);
    let html = response.into_string().unwrap();
    assert!(html.contains("Deze actie kan hier niet."), "{html}");

    // A page that does not exist stays a 404.
    let response = app
        .client
        .get("/surveys/AAAAAAAAAAAAAAAAAAAAAA/nothing")
        .dispatch();
    assert_eq!(response.status(), Status::NotFound);
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn send(port: u16, request: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
}

#[test]
fn a_method_rocket_does_not_know_is_405_too() {
    let dir = tempfile::tempdir().unwrap();
    let database = crate::TestDatabase::new(dir.path());
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_hearken"))
            .env("HEARKEN_DATA_DIR", dir.path())
            .env("HEARKEN_DATABASE_URL", &database.url)
            .env("HEARKEN_MAIL_TRANSPORT", "memory")
            .env("ROCKET_PORT", port.to_string())
            .env("ROCKET_LOG_LEVEL", "off")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let request = |method: &str, path: &str| {
        send(
            port,
            &format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
        )
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while !TcpStream::connect(("127.0.0.1", port))
        .is_ok_and(|_| request("GET", "/health").starts_with("HTTP/1.1 200"))
    {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }

    let response = request("QUERY", "/api/v1/surveys/AAAAAAAAAAAAAAAAAAAAAA/lint");
    assert!(response.starts_with("HTTP/1.1 405"), "{response}");
    let head = response.to_lowercase();
    assert!(head.contains("\r\nallow: get, head\r\n"), "{response}");
    assert!(
        head.contains("content-type: application/json"),
        "{response}"
    );
    assert!(response.contains("\"method_not_allowed\""), "{response}");

    let response = request("TRACE", "/api/v1/me");
    assert!(response.starts_with("HTTP/1.1 405"), "{response}");
    // An unknown method on a path nobody routes is still a request that could not be read.
    let response = request("QUERY", "/api/v1/nothing-here");
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
}
