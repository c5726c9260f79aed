//! The staff page of a survey's invitations: how many are in each status, one row per person
//! (status, when the email went out, reminders, the last delivery error), and the forms to
//! invite every contact or a pasted list of addresses, to send reminders, and to set the
//! survey's maximum of reminders. Every action goes through the same functions as the API.

use rocket::form::FromForm;
use rocket::http::Status;
use rocket::{State, get, post, routes};
use rocket_dyn_templates::{Template, context};
use serde::Serialize;
use serde_json::json;

use super::invitations::{self, Invitees, SkipReason};
use super::statuses::{self, InvitationView};
use crate::auth::{Designers, Staff};
use crate::config::Settings;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{MalformedId, SurveyId};
use crate::mail::worker::Outbox;
use crate::survey::editing::{self, MAX_REMINDERS, SurveyInput};
use crate::survey::model::SurveyStatus;
use crate::survey::workspace;
use crate::web::csrf::{CsrfForm, CsrfToken};
use crate::web::wording::minute_of;
use crate::web::{Reply, paging};

/// Invitations shown per page.
const PAGE_SIZE: i64 = 200;

pub fn routes() -> Vec<rocket::Route> {
    routes![
        invitations_page,
        invite_form,
        remind_form,
        reminder_limit_form
    ]
}

#[derive(Serialize)]
struct Row {
    email: String,
    name: String,
    status: &'static str,
    /// RFC 3339, for the `datetime` attribute beside `sent_label`.
    sent_at: String,
    sent_label: String,
    reminders: i32,
    last_error: String,
}

impl From<InvitationView> for Row {
    fn from(view: InvitationView) -> Self {
        Row {
            email: view.email.unwrap_or_else(|| "(erased contact)".to_string()),
            name: view.name.unwrap_or_default(),
            status: view.status.as_str(),
            sent_label: view.sent_at.as_deref().map(minute_of).unwrap_or_default(),
            sent_at: view.sent_at.unwrap_or_default(),
            reminders: view.reminders,
            last_error: view.last_error.unwrap_or_default(),
        }
    }
}

/// What a form did, shown above the table.
#[derive(Default, Serialize)]
struct Notice {
    message: Option<String>,
    error: Option<String>,
    /// The pasted addresses, given back when they could not be used.
    emails: String,
}

async fn render<P: crate::auth::Policy>(
    db: &Db,
    staff: &Staff<P>,
    csrf: String,
    id: &str,
    after: Option<String>,
    notice: Notice,
) -> Result<Template> {
    let after = paging::decode(after.as_deref())?;
    let (id, user) = (id.to_string(), staff.user.clone());
    let (survey, counts, rows) = db
        .run(move |conn| {
            let survey = editing::editable_by(conn, &user, &id)?;
            let counts = statuses::counts(conn, survey.id())?;
            let rows = statuses::page(conn, survey.id(), after, PAGE_SIZE + 1)?;
            Ok((survey, counts, rows))
        })
        .await?;
    let total: i64 = counts.iter().map(|(_, n)| n).sum();
    let more = rows.len() as i64 > PAGE_SIZE;
    let next = if more {
        rows.get(PAGE_SIZE as usize - 1).map(|(_, (at, key))| {
            format!(
                "/surveys/{}/invitations?after={}",
                survey.id(),
                paging::encode(*at, key)
            )
        })
    } else {
        None
    };
    let rows: Vec<Row> = rows
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(|(view, _)| Row::from(view))
        .collect();
    Ok(Template::render(
        "invitations",
        context! {
            title: format!("Invitations · {}", survey.title()),
            tabs: workspace::tabs(&survey, &staff.user, workspace::Page::Invitations),
            me: staff.me(),
            csrf,
            survey: json!({
                "id": survey.id(),
                "title": survey.title(),
                "open": survey.status() == SurveyStatus::Open,
                "status": survey.status(),
                "max_reminders": survey.max_reminders(),
            }),
            max_allowed: MAX_REMINDERS,
            counts: counts.iter().map(|(status, n)| json!({"status": status, "label": status.label(), "count": n})).collect::<Vec<_>>(),
            total,
            invitations: rows,
            next,
            notice,
        },
    ))
}

#[get("/surveys/<id>/invitations?<after>")]
async fn invitations_page(
    db: &State<Db>,
    staff: Staff<Designers>,
    csrf: CsrfToken,
    id: Result<SurveyId, MalformedId>,
    after: Option<String>,
) -> Result<Template> {
    let id = id?;
    render(db, &staff, csrf.0, &id, after, Notice::default()).await
}

#[derive(FromForm)]
struct InviteForm {
    // Checked by `CsrfForm` before the form is parsed; here only so the field is accepted.
    #[allow(dead_code)]
    csrf: String,
    /// `all` to invite every contact; otherwise the pasted addresses.
    #[field(default = String::new())]
    who: String,
    #[field(default = String::new())]
    emails: String,
    /// Inviting every contact sends many emails at once: its form asks for a tick first.
    #[field(default = false)]
    confirm: bool,
}

#[derive(FromForm)]
struct CsrfOnly {
    #[allow(dead_code)]
    csrf: String,
}

#[derive(FromForm)]
struct LimitForm {
    #[allow(dead_code)]
    csrf: String,
    max_reminders: Option<i32>,
}

crate::csrf_protected!(InviteForm, CsrfOnly, LimitForm);

/// The page again with a notice (200) or an error (422, or 409 for a survey that does not take
/// invitations).
async fn answer<P: crate::auth::Policy>(
    db: &Db,
    staff: &Staff<P>,
    csrf: String,
    id: &str,
    result: Result<Notice>,
    pasted: String,
) -> Result<Reply> {
    let (status, notice) = match result {
        Ok(notice) => (Status::Ok, notice),
        Err(Error::Invalid { field, message }) => (
            Status::UnprocessableEntity,
            Notice {
                // Named by the label the page shows; the pasted list's messages say it all.
                error: Some(match field.as_str() {
                    "max_reminders" => format!("Reminders per person at most: {message}"),
                    _ => crate::web::capitalized(&message),
                }),
                emails: pasted,
                ..Notice::default()
            },
        ),
        Err(Error::Conflict { message, .. }) => (
            Status::Conflict,
            Notice {
                error: Some(message),
                ..Notice::default()
            },
        ),
        Err(other) => return Err(other),
    };
    let page = render(db, staff, csrf, id, None, notice).await?;
    Ok(Reply::Status((status, page)))
}

fn skipped_summary(skipped: &[invitations::Skipped]) -> String {
    let count = |reason: SkipReason| skipped.iter().filter(|s| s.reason == reason).count();
    let parts: Vec<String> = [
        (SkipReason::AlreadyInvited, "already invited"),
        (SkipReason::OptedOut, "opted out"),
        (SkipReason::InvalidEmail, "with an undeliverable address"),
    ]
    .iter()
    .filter_map(|(reason, text)| {
        let n = count(*reason);
        (n > 0).then(|| format!("{n} {text}"))
    })
    .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" Skipped: {}.", parts.join(", "))
    }
}

#[post("/surveys/<id>/invitations", data = "<form>")]
async fn invite_form(
    db: &State<Db>,
    settings: &State<Settings>,
    outbox: &State<Outbox>,
    staff: Staff<Designers>,
    csrf: CsrfToken,
    id: Result<SurveyId, MalformedId>,
    form: CsrfForm<InviteForm>,
) -> Result<Reply> {
    let id = id?;
    let form = form.0;
    let pasted = form.emails.clone();
    let (survey_id, user, settings_owned) =
        (id.to_string(), staff.user.clone(), settings.inner().clone());
    let result = db
        .run(move |conn| {
            let survey = editing::editable_by(conn, &user, &survey_id)?;
            let (invitees, not_contacts) = if form.who == "all" {
                if !form.confirm {
                    return Err(Error::invalid(
                        "confirm",
                        "tick the box to confirm that every contact is to be invited",
                    ));
                }
                (Invitees::AllContacts, Vec::new())
            } else {
                let (ids, not_contacts) = contact_ids_of(conn, &form.emails)?;
                (Invitees::Contacts(ids), not_contacts)
            };
            let outcome = invitations::invite(conn, &settings_owned, &survey, invitees)?;
            Ok((outcome, not_contacts))
        })
        .await;
    let result = result.map(|(outcome, not_contacts)| {
        if outcome.queued > 0 {
            outbox.notify();
        }
        Notice {
            message: Some(format!(
                "{} invitation{} queued.{}",
                outcome.queued,
                if outcome.queued == 1 { "" } else { "s" },
                skipped_summary(&outcome.skipped)
            )),
            // The others are invited; these wait in the box until they are contacts.
            error: (!not_contacts.is_empty()).then(|| not_contacts_message(&not_contacts)),
            emails: not_contacts.join("\n"),
        }
    });
    answer(db, &staff, csrf.0, &id, result, pasted).await
}

/// The contact ids of pasted addresses (one per line, or separated by commas, semicolons or
/// spaces), and the addresses that are no contact yet. None of them a contact is a 422.
fn contact_ids_of(
    conn: &mut crate::db::DbConn,
    pasted: &str,
) -> Result<(Vec<String>, Vec<String>)> {
    let mut emails: Vec<String> = pasted
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty())
        .collect();
    let mut seen = std::collections::HashSet::new();
    emails.retain(|e| seen.insert(e.clone()));
    if emails.is_empty() {
        return Err(Error::invalid(
            "emails",
            "paste at least one contact's email address, or invite all contacts",
        ));
    }
    if emails.len() > super::api::MAX_CONTACT_IDS {
        return Err(Error::invalid(
            "emails",
            format!(
                "paste at most {} addresses at once",
                super::api::MAX_CONTACT_IDS
            ),
        ));
    }
    let mut found = std::collections::HashMap::new();
    for chunk in emails.chunks(500) {
        for contact in crate::contact::model::find_by_emails(conn, chunk)? {
            found.insert(contact.email.clone(), contact.id);
        }
    }
    let (known, unknown): (Vec<String>, Vec<String>) =
        emails.into_iter().partition(|e| found.contains_key(e));
    if known.is_empty() {
        return Err(Error::invalid("emails", not_contacts_message(&unknown)));
    }
    let ids = known.iter().filter_map(|e| found.get(e).cloned()).collect();
    Ok((ids, unknown))
}

/// What to tell about pasted addresses that are no contact: which (the first ten) and what to do.
fn not_contacts_message(addresses: &[String]) -> String {
    let shown: Vec<&str> = addresses.iter().take(10).map(String::as_str).collect();
    let more = addresses.len().saturating_sub(shown.len());
    let rest = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    let (subject, them, they) = match addresses.len() {
        1 => ("This address is".to_string(), "it", "it is"),
        n => (format!("These {n} addresses are"), "them", "they are"),
    };
    format!(
        "{subject} not a contact yet, so not invited: {}{rest}. Import {them} on the Contacts \
         page, then invite {them} here; {they} kept in the box below.",
        shown.join(", "),
    )
}

#[post("/surveys/<id>/reminders", data = "<_form>")]
async fn remind_form(
    db: &State<Db>,
    settings: &State<Settings>,
    outbox: &State<Outbox>,
    staff: Staff<Designers>,
    csrf: CsrfToken,
    id: Result<SurveyId, MalformedId>,
    _form: CsrfForm<CsrfOnly>,
) -> Result<Reply> {
    let id = id?;
    let (survey_id, user, settings_owned) =
        (id.to_string(), staff.user.clone(), settings.inner().clone());
    let result = db
        .run(move |conn| {
            let survey = editing::editable_by(conn, &user, &survey_id)?;
            invitations::remind(conn, &settings_owned, &survey)
        })
        .await
        .map(|outcome| {
            if outcome.queued > 0 {
                outbox.notify();
            }
            let skipped: Vec<String> = outcome
                .skipped
                .iter()
                .map(|(reason, n)| format!("{n} {}", reason.replace('_', " ")))
                .collect();
            Notice {
                message: Some(format!(
                    "{} reminder{} queued.{}",
                    outcome.queued,
                    if outcome.queued == 1 { "" } else { "s" },
                    if skipped.is_empty() {
                        String::new()
                    } else {
                        format!(" Not reminded: {}.", skipped.join(", "))
                    }
                )),
                ..Notice::default()
            }
        });
    answer(db, &staff, csrf.0, &id, result, String::new()).await
}

#[post("/surveys/<id>/invitations/reminder-limit", data = "<form>")]
async fn reminder_limit_form(
    db: &State<Db>,
    staff: Staff<Designers>,
    csrf: CsrfToken,
    id: Result<SurveyId, MalformedId>,
    form: CsrfForm<LimitForm>,
) -> Result<Reply> {
    let id = id?;
    let max = form.0.max_reminders;
    let (survey_id, user) = (id.to_string(), staff.user.clone());
    let result = match max {
        None => Err(Error::invalid(
            "max_reminders",
            format!("must be a number from 0 to {MAX_REMINDERS}"),
        )),
        Some(max) => db
            .run(move |conn| {
                let input = SurveyInput {
                    max_reminders: Some(max),
                    ..SurveyInput::default()
                };
                editing::change(conn, &user, &survey_id, input)
            })
            .await
            .map(|survey| Notice {
                message: Some(format!(
                    "Each invitee now gets at most {} reminder{}.",
                    survey.max_reminders(),
                    if survey.max_reminders() == 1 { "" } else { "s" }
                )),
                ..Notice::default()
            }),
    };
    answer(db, &staff, csrf.0, &id, result, String::new()).await
}
