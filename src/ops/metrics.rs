//! `GET /metrics` in Prometheus' text format: requests by route and status, submissions,
//! emails, the outbox by status and the database pool. Readable with an admin's API token, the
//! `HEARKEN_METRICS_TOKEN` setting or an admin's session, and nothing else: route names and
//! counts tell a stranger too much about a deployment.

use std::fmt::Write;

use rocket::http::ContentType;
use rocket::outcome::Outcome;
use rocket::request::{self, FromRequest, Request};
use rocket::{Route, State, get, routes};

use crate::auth::{AdminOnly, ApiUser, Staff};
use crate::config::Settings;
use crate::counters::{self, *};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids;
use crate::mail::outbox;

pub fn routes() -> Vec<Route> {
    routes![metrics]
}

/// Someone allowed to read the figures: the metrics token's holder or an admin.
pub struct MetricsReader;

#[rocket::async_trait]
impl<'r> FromRequest<'r> for MetricsReader {
    type Error = Error;

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, Error> {
        let presented = req
            .headers()
            .get_one("Authorization")
            .and_then(|h| h.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        let expected = req
            .rocket()
            .state::<Settings>()
            .and_then(|s| s.metrics_token.as_deref());
        if let (Some(presented), Some(expected)) = (presented, expected)
            && ids::secrets_equal(presented, expected)
        {
            return Outcome::Success(MetricsReader);
        }
        // A scraper sends a token; an admin may also look in the browser.
        if req.headers().contains("Authorization") {
            req.guard::<ApiUser<AdminOnly>>()
                .await
                .map(|_| MetricsReader)
        } else {
            req.guard::<Staff<AdminOnly>>().await.map(|_| MetricsReader)
        }
    }
}

#[get("/metrics")]
async fn metrics(_reader: MetricsReader, db: &State<Db>) -> Result<(ContentType, String)> {
    let outbox = db.run(outbox::count_by_status).await?;
    let text = render(&outbox, db.pool_state());
    let content_type =
        ContentType::new("text", "plain").with_params([("version", "0.0.4"), ("charset", "utf-8")]);
    Ok((content_type, text))
}

/// A label value as the text format wants it: backslash, quote and newline escaped.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// The figures as text: every family has its help and type line, even when empty.
pub fn render(outbox: &[(String, i64)], (open, idle, size): (u32, u32, u32)) -> String {
    let mut out = String::new();
    family(
        &mut out,
        "hearken_http_requests_total",
        "counter",
        "Requests answered by this node, by method, route template and status.",
    );
    for (method, route, status, count) in counters::requests() {
        let _ = writeln!(
            out,
            "hearken_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {count}",
            label(&route)
        );
    }
    family(
        &mut out,
        "hearken_submissions_total",
        "counter",
        "Submissions handled by this node: stored, replayed (stored before) or refused.",
    );
    for (outcome, counter) in [
        ("stored", &SUBMISSIONS_STORED),
        ("replayed", &SUBMISSIONS_REPLAYED),
        ("refused", &SUBMISSIONS_REFUSED),
    ] {
        let _ = writeln!(
            out,
            "hearken_submissions_total{{outcome=\"{outcome}\"}} {}",
            counters::read(counter)
        );
    }
    family(
        &mut out,
        "hearken_mail_total",
        "counter",
        "Emails whose outcome this node recorded: sent, failed for good, or to be retried.",
    );
    for (outcome, counter) in [
        ("sent", &MAIL_SENT),
        ("failed", &MAIL_FAILED),
        ("retry", &MAIL_RETRIED),
    ] {
        let _ = writeln!(
            out,
            "hearken_mail_total{{outcome=\"{outcome}\"}} {}",
            counters::read(counter)
        );
    }
    family(
        &mut out,
        "hearken_outbox_emails",
        "gauge",
        "Emails in the outbox (shared by every node), by status.",
    );
    for status in ["queued", "sending", "sent", "failed", "cancelled"] {
        let count = outbox
            .iter()
            .find(|(s, _)| s == status)
            .map_or(0, |(_, n)| *n);
        let _ = writeln!(out, "hearken_outbox_emails{{status=\"{status}\"}} {count}");
    }
    family(
        &mut out,
        "hearken_db_pool_connections",
        "gauge",
        "This node's database connections: in use and idle.",
    );
    let _ = writeln!(
        out,
        "hearken_db_pool_connections{{state=\"in_use\"}} {}",
        open.saturating_sub(idle)
    );
    let _ = writeln!(out, "hearken_db_pool_connections{{state=\"idle\"}} {idle}");
    family(
        &mut out,
        "hearken_db_pool_max_connections",
        "gauge",
        "The most database connections this node's pool opens.",
    );
    let _ = writeln!(out, "hearken_db_pool_max_connections {size}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("/a\"b\\c\nd"), "/a\\\"b\\\\c\\nd");
    }

    #[test]
    fn every_family_has_help_and_type_and_the_outbox_every_status() {
        let text = render(&[("sent".into(), 7)], (5, 2, 8));
        for name in [
            "hearken_http_requests_total",
            "hearken_submissions_total",
            "hearken_mail_total",
            "hearken_outbox_emails",
            "hearken_db_pool_connections",
            "hearken_db_pool_max_connections",
        ] {
            assert!(text.contains(&format!("# HELP {name} ")), "{name}");
            assert!(text.contains(&format!("# TYPE {name} ")), "{name}");
        }
        assert!(text.contains("hearken_outbox_emails{status=\"sent\"} 7\n"));
        assert!(text.contains("hearken_outbox_emails{status=\"queued\"} 0\n"));
        assert!(text.contains("hearken_db_pool_connections{state=\"in_use\"} 3\n"));
        assert!(text.contains("hearken_db_pool_max_connections 8\n"));
    }
}
