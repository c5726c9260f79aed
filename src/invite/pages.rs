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
use super::model::InvitationStatus;
use super::statuses::{self, InvitationView};
use crate::auth::{Designers, Staff};
use crate::config::Settings;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::i18n::staff::StaffCatalog;
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
    /// The status in the member's language.
    status_label: &'static str,
    /// RFC 3339, for the `datetime` attribute beside `sent_label`.
    sent_at: String,
    sent_label: String,
    reminders: i32,
    last_error: String,
}

/// A status as the page names it, in the member's language.
fn status_label(t: &'static StaffCatalog, status: InvitationStatus) -> &'static str {
    t.get(match status {
        InvitationStatus::Queued => "invitations.status.queued",
        InvitationStatus::Sent => "invitations.status.sent",
        InvitationStatus::Failed => "invitations.status.failed",
        InvitationStatus::Opened => "invitations.status.opened",
        InvitationStatus::Started => "invitations.status.started",
        InvitationStatus::Completed => "invitations.status.completed",
        InvitationStatus::OptedOut => "invitations.status.opted_out",
    })
}

impl Row {
    fn of(t: &'static StaffCatalog, view: InvitationView) -> Self {
        Row {
            email: view
                .email
                .unwrap_or_else(|| t.get("invitations.erased_contact").to_string()),
            name: view.name.unwrap_or_default(),
            status: view.status.as_str(),
            status_label: status_label(t, view.status),
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
    let t = staff.t();
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
        .map(|(view, _)| Row::of(t, view))
        .collect();
    Ok(Template::render(
        "invitations",
        context! {
            title: t.format("invitations.page_title", &[("title", survey.title())]),
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
            counts: counts
                .iter()
                .map(|(status, n)| {
                    json!({"status": status, "label": status_label(t, *status), "count": t.number(*n)})
                })
                .collect::<Vec<_>>(),
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
    let t = staff.t();
    let (status, notice) = match result {
        Ok(notice) => (Status::Ok, notice),
        Err(Error::Invalid { field, message }) if field == "max_reminders" => (
            Status::UnprocessableEntity,
            Notice {
                // Named by the label the page shows.
                error: Some(t.format(
                    "invitations.limit_error",
                    &[("message", &t.message_text(&message))],
                )),
                emails: pasted,
                ..Notice::default()
            },
        ),
        // The pasted list's messages say it all, without naming the field.
        Err(error @ Error::Invalid { .. }) => (
            Status::UnprocessableEntity,
            Notice {
                error: Some(t.reason(&error)),
                emails: pasted,
                ..Notice::default()
            },
        ),
        Err(error @ Error::Conflict { .. }) => (
            Status::Conflict,
            Notice {
                error: Some(t.reason(&error)),
                ..Notice::default()
            },
        ),
        Err(other) => return Err(other),
    };
    let page = render(db, staff, csrf, id, None, notice).await?;
    Ok(Reply::Status((status, page)))
}

/// What a round of invitations or reminders did: how many were queued, then who was left out
/// and why (`parts`, each already counted), under `left_out`.
fn queued_notice(
    t: &StaffCatalog,
    queued: &str,
    n: usize,
    left_out: &str,
    parts: &[String],
) -> String {
    let queued = t.counted(queued, n as i64);
    if parts.is_empty() {
        queued
    } else {
        let list = parts.join(t.get("invitations.list_separator"));
        format!("{queued} {}", t.format(left_out, &[("list", &list)]))
    }
}

/// Who an invitation round left out, by reason, each with its count.
fn skipped_parts(t: &StaffCatalog, skipped: &[invitations::Skipped]) -> Vec<String> {
    let count = |reason: SkipReason| skipped.iter().filter(|s| s.reason == reason).count();
    [
        (
            SkipReason::AlreadyInvited,
            "invitations.skip.already_invited",
        ),
        (SkipReason::OptedOut, "invitations.skip.opted_out"),
        (SkipReason::InvalidEmail, "invitations.skip.invalid_email"),
    ]
    .iter()
    .filter_map(|(reason, key)| {
        let n = count(*reason);
        (n > 0).then(|| t.counted(key, n as i64))
    })
    .collect()
}

/// Who a reminder round left out, by reason (the codes of [`invitations::ReminderOutcome`]).
fn not_reminded_parts(t: &StaffCatalog, skipped: &[(&str, usize)]) -> Vec<String> {
    skipped
        .iter()
        .map(|(reason, n)| {
            let key = format!("invitations.not_reminded.{reason}");
            if t.get(&format!("{key}_other")) == format!("{key}_other") {
                // A reason this page has no words for yet: its code, still counted.
                format!("{} {}", t.number(*n as i64), reason.replace('_', " "))
            } else {
                t.counted(&key, *n as i64)
            }
        })
        .collect()
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
    let t = staff.t();
    let (survey_id, user, settings_owned) =
        (id.to_string(), staff.user.clone(), settings.inner().clone());
    let result = db
        .run(move |conn| {
            let survey = editing::editable_by(conn, &user, &survey_id)?;
            let (invitees, not_contacts) = if form.who == "all" {
                if !form.confirm {
                    return Err(Error::invalid("confirm", t.get("invitations.confirm_all")));
                }
                (Invitees::AllContacts, Vec::new())
            } else {
                let (ids, not_contacts) = contact_ids_of(conn, t, &form.emails)?;
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
            message: Some(queued_notice(
                t,
                "invitations.queued",
                outcome.queued,
                "invitations.skipped",
                &skipped_parts(t, &outcome.skipped),
            )),
            // The others are invited; these wait in the box until they are contacts.
            error: (!not_contacts.is_empty()).then(|| not_contacts_message(t, &not_contacts)),
            emails: not_contacts.join("\n"),
        }
    });
    answer(db, &staff, csrf.0, &id, result, pasted).await
}

/// The contact ids of pasted addresses (one per line, or separated by commas, semicolons or
/// spaces), and the addresses that are no contact yet. None of them a contact is a 422.
fn contact_ids_of(
    conn: &mut crate::db::DbConn,
    t: &StaffCatalog,
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
        return Err(Error::invalid("emails", t.get("invitations.paste_none")));
    }
    if emails.len() > super::api::MAX_CONTACT_IDS {
        return Err(Error::invalid(
            "emails",
            t.format(
                "invitations.paste_too_many",
                &[("max", &t.number(super::api::MAX_CONTACT_IDS as i64))],
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
        return Err(Error::invalid("emails", not_contacts_message(t, &unknown)));
    }
    let ids = known.iter().filter_map(|e| found.get(e).cloned()).collect();
    Ok((ids, unknown))
}

/// What to tell about pasted addresses that are no contact: which (the first ten) and what to do.
fn not_contacts_message(t: &StaffCatalog, addresses: &[String]) -> String {
    let shown: Vec<&str> = addresses.iter().take(10).map(String::as_str).collect();
    let more = addresses.len().saturating_sub(shown.len());
    let mut list = shown.join(t.get("invitations.list_separator"));
    if more > 0 {
        list = t.plural(
            "invitations.and_more",
            more as u64,
            &[("list", &list), ("count", &t.number(more as i64))],
        );
    }
    let n = addresses.len();
    t.plural(
        "invitations.not_contacts",
        n as u64,
        &[("count", &t.number(n as i64)), ("list", &list)],
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
    let t = staff.t();
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
            let skipped: Vec<(&str, usize)> =
                outcome.skipped.iter().map(|(r, n)| (*r, *n)).collect();
            Notice {
                message: Some(queued_notice(
                    t,
                    "invitations.reminders_queued",
                    outcome.queued,
                    "invitations.not_reminded_list",
                    &not_reminded_parts(t, &skipped),
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
    let t = staff.t();
    let max = form.0.max_reminders;
    let (survey_id, user) = (id.to_string(), staff.user.clone());
    let result = match max {
        None => Err(Error::invalid(
            "max_reminders",
            t.format(
                "invitations.limit_not_number",
                &[("max", &MAX_REMINDERS.to_string())],
            ),
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
                message: Some(
                    t.counted("invitations.limit_saved", i64::from(survey.max_reminders())),
                ),
                ..Notice::default()
            }),
    };
    answer(db, &staff, csrf.0, &id, result, String::new()).await
}
