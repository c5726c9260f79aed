//! The follow-up reminder: when a complaint's follow-up falls due and is not done, its owner
//! gets one email, within a minute. The email and the mark that it was sent for this follow-up
//! time are one transaction, and the mark is taken only if nobody took it first, so two nodes
//! (or a rerun after a crash) never send a second email for the same due time. A new follow-up
//! time earns a new email.

use std::time::Duration;

use super::model::{self, ComplaintRow};
use crate::auth::model::User;
use crate::config::Settings;
use crate::db::{self, DbConn};
use crate::error::Result;
use crate::mail::{Email, Message, Notice, outbox};

/// How often a node looks for follow-ups that fell due.
const EVERY: Duration = Duration::from_secs(15);
/// Reminders sent per look; the next look sends the rest.
const PER_LOOK: i64 = 200;

/// The reminder says which complaint and links to it, without the customer's details: the
/// email outlives an erasure of the customer, the complaint's record does not keep them then.
/// It is written in the owner's staff language (English when they chose none: an email has no
/// browser to ask).
fn notice(settings: &Settings, complaint: &ComplaintRow, owner: &User) -> Notice {
    let language = crate::i18n::staff::resolve(owner.language.as_deref(), None);
    let t = crate::i18n::staff::staff_catalog(language);
    let received = crate::web::to_the_minute(complaint.received_at);
    let category = [("category", complaint.category.as_str())];
    Notice {
        language: language.into(),
        subject: t.format("complaints.followup_mail.subject", &category),
        contact_name: Some(owner.name.clone()),
        paragraphs: vec![
            t.format(
                "complaints.followup_mail.due",
                &[("category", &complaint.category), ("received", &received)],
            ),
            t.get("complaints.followup_mail.ask").to_string(),
        ],
        highlight: None,
        link: Some((
            format!("{}/complaints/{}", settings.base_url, complaint.id),
            t.get("complaints.followup_mail.link").to_string(),
        )),
        calendar: None,
    }
}

/// Emails the owners of every follow-up due at `now` that has not had its email; how many were
/// sent.
pub fn run_due(
    conn: &mut DbConn,
    settings: &Settings,
    now: chrono::NaiveDateTime,
) -> Result<usize> {
    db::write(conn, |conn| {
        let mut sent = 0;
        for complaint in model::reminders_due(conn, now, PER_LOOK)? {
            let Some(due) = complaint.follow_up_at else {
                continue;
            };
            if !model::mark_reminded(conn, &complaint.id, due)? {
                continue;
            }
            let Some(owner) = crate::auth::model::find_user(conn, &complaint.owner_id)? else {
                continue;
            };
            outbox::queue(
                conn,
                settings,
                Email {
                    recipient: owner.email.clone(),
                    contact_id: None,
                    link_id: None,
                    message: Message::Notice(notice(settings, &complaint, &owner)),
                },
            )?;
            sent += 1;
        }
        Ok(sent)
    })
}

/// Starts the looking at liftoff; it stops with the server.
pub fn fairing() -> rocket::fairing::AdHoc {
    crate::web::periodic::every(
        "Complaint follow-up reminders",
        "sending complaint follow-up reminders",
        EVERY,
        |conn, settings| run_due(conn, settings, db::now()),
    )
}
