//! Security headers on every response: a Content-Security-Policy that allows no inline script
//! and no framing, HSTS behind https, and no caching of anything but static assets.

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::Header;
use rocket::{Request, Response};

use crate::config::Settings;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

pub struct SecurityHeaders;

#[rocket::async_trait]
impl Fairing for SecurityHeaders {
    fn info(&self) -> Info {
        Info {
            name: "Security headers",
            kind: Kind::Response,
        }
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        res.set_header(Header::new(
            "Content-Security-Policy",
            CONTENT_SECURITY_POLICY,
        ));
        let cache = if req.uri().path().starts_with("/static/") {
            "public, max-age=3600"
        } else {
            "no-store"
        };
        res.set_header(Header::new("Cache-Control", cache));
        let https = req
            .rocket()
            .state::<Settings>()
            .is_some_and(Settings::is_https);
        if https {
            res.set_header(Header::new(
                "Strict-Transport-Security",
                "max-age=31536000; includeSubDomains",
            ));
        }
    }
}
