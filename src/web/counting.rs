//! Counts every answered request by its route template and status, for `/metrics`.

use rocket::fairing::{Fairing, Info, Kind};
use rocket::{Request, Response};

pub struct RequestCounter;

#[rocket::async_trait]
impl Fairing for RequestCounter {
    fn info(&self) -> Info {
        Info {
            name: "Request counter",
            kind: Kind::Response,
        }
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        let route = req.route().map_or("unmatched", |route| route.uri.as_str());
        crate::counters::request(req.method().as_str(), route, res.status().code);
    }
}
