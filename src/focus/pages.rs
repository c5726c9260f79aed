//! The staff pages of focus groups: the list with a form to plan one, and the session page a
//! moderator keeps open on a laptop during the session — the guide down the side, a quick form
//! for a note or a quote under the current guide item, the participants with their consent, and
//! the notes in order under their items — plus the notes as Markdown and CSV. No JavaScript.

use rocket::form::FromForm;
use rocket::http::{ContentType, Header};
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::{Responder, State, get, post, routes};
use rocket_dyn_templates::{Template, context};
use serde_json::json;

use super::model;
use super::sessions::{self, GroupInput, NoteInput, ParticipantInput};
use crate::auth::{Designers, Staff};
use crate::config::Settings;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::i18n::staff::StaffCatalog;
use crate::survey::audience::Audience;
use crate::web::Reply;
use crate::web::csrf::{CsrfForm, CsrfToken};

pub fn routes() -> Vec<rocket::Route> {
    routes![
        list_page,
        plan_group,
        session_page,
        add_participant,
        add_note,
        notes_markdown,
        notes_csv
    ]
}

#[derive(FromForm)]
struct PlanForm {
    // Checked by `CsrfForm` before the form is parsed; here only so the field is accepted.
    #[allow(dead_code)]
    csrf: String,
    #[field(default = String::new())]
    title: String,
    #[field(default = String::new())]
    topic: String,
    #[field(default = String::new())]
    audience: String,
    /// `datetime-local`, in UTC.
    #[field(default = String::new())]
    scheduled_at: String,
    #[field(default = String::new())]
    duration_minutes: String,
    #[field(default = String::new())]
    location: String,
    /// One item per line.
    #[field(default = String::new())]
    guide: String,
}

#[derive(FromForm)]
struct ParticipantForm {
    #[allow(dead_code)]
    csrf: String,
    #[field(default = String::new())]
    name: String,
    #[field(default = String::new())]
    email: String,
    consent: bool,
    invite: bool,
}

#[derive(FromForm)]
struct NoteForm {
    #[allow(dead_code)]
    csrf: String,
    #[field(default = String::new())]
    text: String,
    #[field(default = String::from("note"))]
    kind: String,
    #[field(default = String::new())]
    guide_item: String,
    #[field(default = String::new())]
    participant_id: String,
    #[field(default = String::new())]
    tags: String,
}

crate::csrf_protected!(PlanForm, ParticipantForm, NoteForm);

fn shown(at: chrono::NaiveDateTime) -> String {
    crate::web::to_the_minute(at)
}

/// What the staff pages call an audience, in the member's language.
fn audience_name(t: &StaffCatalog, audience: Audience) -> &str {
    t.get(match audience {
        Audience::Customers => "audience.customers",
        Audience::Employees => "audience.employees",
        Audience::Suppliers => "audience.suppliers",
    })
}

#[get("/focus-groups")]
async fn list_page(
    db: &State<Db>,
    staff: Staff<Designers>,
    csrf: CsrfToken,
    flash: Option<FlashMessage<'_>>,
) -> Result<Template> {
    let t = staff.t();
    let groups = db.run(|conn| model::page(conn, None, 200)).await?;
    let groups: Vec<_> = groups
        .iter()
        .map(|g| {
            json!({"id": g.id, "title": g.title, "when": shown(g.scheduled_at),
                   "audience": audience_name(t, Audience::parse(&g.audience).unwrap_or_default()),
                   "location": g.location})
        })
        .collect();
    Ok(Template::render(
        "focus_groups",
        context! {
            title: t.get("focus.title"),
            me: staff.me(),
            csrf: csrf.0,
            notice: flash.map(|f| f.message().to_string()),
            groups,
            audiences: Audience::ALL.map(|a| json!({"code": a.as_str(), "name": audience_name(t, a)})),
        },
    ))
}

/// A typed field as the input takes it: empty is "not given".
fn given(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

#[post("/focus-groups", data = "<form>")]
async fn plan_group(
    db: &State<Db>,
    staff: Staff<Designers>,
    form: CsrfForm<PlanForm>,
) -> Result<Reply> {
    let form = form.0;
    let scheduled_at = match given(&form.scheduled_at) {
        None => return Err(Error::invalid("scheduled_at", "is required")),
        Some(t) => chrono::NaiveDateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M")
            .map_err(|_| Error::invalid("scheduled_at", "is not a date and time"))?
            .and_utc(),
    };
    let duration = match given(&form.duration_minutes) {
        None => None,
        Some(t) => Some(
            t.parse::<i32>()
                .map_err(|_| Error::invalid("duration_minutes", "must be a whole number"))?,
        ),
    };
    let audience = match given(&form.audience) {
        None => None,
        Some(a) => Some(Audience::parse(&a).ok_or_else(|| {
            Error::invalid("audience", "must be customers, employees or suppliers")
        })?),
    };
    let input = GroupInput {
        title: Some(form.title),
        topic: Some(form.topic.replace("\r\n", "\n")),
        audience,
        scheduled_at: Some(scheduled_at),
        duration_minutes: duration,
        location: Some(form.location),
        guide: Some(form.guide.lines().map(str::to_string).collect()),
    };
    let user = staff.user.clone();
    let row = db
        .run(move |conn| sessions::create(conn, &user, input))
        .await?;
    Ok(Reply::Flash(Flash::success(
        Redirect::to(format!("/focus-groups/{}", row.id)),
        staff.t().get("focus.planned").to_string(),
    )))
}

#[get("/focus-groups/<id>?<item>")]
async fn session_page(
    db: &State<Db>,
    staff: Staff<Designers>,
    csrf: CsrfToken,
    id: &str,
    item: Option<i32>,
    flash: Option<FlashMessage<'_>>,
) -> Result<Template> {
    let t = staff.t();
    let id = id.to_string();
    let (mut view, tag_names) = db
        .run(move |conn| {
            let row = model::find_group(conn, &id)?.ok_or(Error::NotFound)?;
            let view = super::view(conn, &row)?;
            let tags = crate::insight::model::tags_with_uses(conn)?;
            Ok::<_, Error>((
                view,
                tags.into_iter().map(|(t, _)| t.name).collect::<Vec<_>>(),
            ))
        })
        .await?;
    // A quote from someone who did not agree to be named says "Participant 3" in the API and the
    // exports; the page says it in the member's language.
    for note in &mut view.notes {
        let unnamed = !view
            .participants
            .iter()
            .any(|p| Some(&p.id) == note.participant_id.as_ref() && p.consent);
        if let Some(number) = note
            .quoted_as
            .as_deref()
            .and_then(|q| q.strip_prefix("Participant "))
            .filter(|_| unnamed)
        {
            let shown = t.format("focus.participant_n", &[("number", number)]);
            note.quoted_as = Some(shown);
        }
    }
    let current = item.filter(|i| *i >= 0 && (*i as usize) < view.guide.len());
    let sections: Vec<_> = view
        .guide
        .iter()
        .enumerate()
        .map(|(i, text)| (Some(i as i32), format!("{}. {text}", i + 1)))
        .chain(std::iter::once((
            None,
            t.get("focus.other_notes").to_string(),
        )))
        .map(|(index, heading)| {
            let notes: Vec<_> = view
                .notes
                .iter()
                .filter(|n| n.guide_item == index)
                .collect();
            json!({"heading": heading, "index": index, "notes": notes,
                   "current": index.is_some() && index == current})
        })
        .collect();
    Ok(Template::render(
        "focus_group",
        context! {
            title: view.title.clone(),
            audience: audience_name(t, view.audience).to_lowercase(),
            me: staff.me(),
            csrf: csrf.0,
            notice: flash.map(|f| f.message().to_string()),
            guide: view
                .guide
                .iter()
                .enumerate()
                .map(|(i, t)| json!({
                    "index": i,
                    "number": i + 1,
                    "text": t,
                    "current": Some(i as i32) == current,
                    "href": format!("/focus-groups/{}?item={i}#note-form", view.id),
                }))
                .collect::<Vec<_>>(),
            sections,
            current,
            tag_names,
            when: chrono::DateTime::parse_from_rfc3339(&view.scheduled_at)
                .map(|at| shown(at.naive_utc()))
                .unwrap_or_else(|_| view.scheduled_at.clone()),
            group: view,
        },
    ))
}

#[post("/focus-groups/<id>/participants", data = "<form>")]
async fn add_participant(
    db: &State<Db>,
    settings: &State<Settings>,
    staff: Staff<Designers>,
    id: &str,
    form: CsrfForm<ParticipantForm>,
) -> Result<Reply> {
    let (id, form) = (id.to_string(), form.0);
    let input = ParticipantInput {
        contact_id: None,
        name: Some(form.name),
        email: given(&form.email),
        consent: form.consent,
        consent_wording: None,
        invite: Some(form.invite),
    };
    let (gid, settings) = (id.clone(), settings.inner().clone());
    let row = db
        .run(move |conn| sessions::add_participant(conn, &settings, &gid, input))
        .await?;
    Ok(Reply::Flash(Flash::success(
        Redirect::to(format!("/focus-groups/{id}#participants")),
        staff.t().format(
            "focus.participant_added",
            &[("name", &row.name), ("number", &row.number.to_string())],
        ),
    )))
}

#[post("/focus-groups/<id>/notes", data = "<form>")]
async fn add_note(
    db: &State<Db>,
    staff: Staff<Designers>,
    id: &str,
    form: CsrfForm<NoteForm>,
) -> Result<Reply> {
    let (id, form) = (id.to_string(), form.0);
    let guide_item = match given(&form.guide_item) {
        None => None,
        Some(t) => Some(
            t.parse::<i32>()
                .map_err(|_| Error::invalid("guide_item", "is not an item of the guide"))?,
        ),
    };
    let input = NoteInput {
        text: form.text,
        kind: form.kind,
        guide_item,
        participant_id: given(&form.participant_id),
        tags: Some(
            form.tags
                .split(',')
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect(),
        ),
    };
    let (user, gid) = (staff.user.clone(), id.clone());
    db.run(move |conn| sessions::add_note(conn, &user, &gid, input))
        .await?;
    let item = guide_item.map_or(String::new(), |i| format!("?item={i}"));
    Ok(Reply::Redirect(Redirect::to(format!(
        "/focus-groups/{id}{item}#note-form"
    ))))
}

/// A download with its file name.
#[derive(Responder)]
struct Download {
    body: Vec<u8>,
    content_type: ContentType,
    disposition: Header<'static>,
}

async fn download(db: &Db, id: &str, extension: &str) -> Result<Download> {
    let id = id.to_string();
    let view = db
        .run(move |conn| {
            let row = model::find_group(conn, &id)?.ok_or(Error::NotFound)?;
            super::view(conn, &row)
        })
        .await?;
    let (body, content_type) = match extension {
        "md" => (
            super::export::markdown(&view).into_bytes(),
            ContentType::new("text", "markdown").with_params(("charset", "utf-8")),
        ),
        _ => (
            super::export::csv(&view).map_err(Error::internal)?,
            ContentType::CSV,
        ),
    };
    Ok(Download {
        body,
        content_type,
        // The id is made by the app (URL-safe characters only), so it is safe in the header.
        disposition: Header::new(
            "Content-Disposition",
            format!(
                "attachment; filename=\"focus-group-{}.{extension}\"",
                view.id
            ),
        ),
    })
}

#[get("/focus-groups/<id>/notes.md")]
async fn notes_markdown(db: &State<Db>, _staff: Staff<Designers>, id: &str) -> Result<Download> {
    download(db, id, "md").await
}

#[get("/focus-groups/<id>/notes.csv")]
async fn notes_csv(db: &State<Db>, _staff: Staff<Designers>, id: &str) -> Result<Download> {
    download(db, id, "csv").await
}
