//! The staff pages of the complaint log: the list with its filters, the form that logs a
//! complaint fast (at a counter or on the phone), one complaint with its history and the form
//! that changes it, and the service goals. Pages work without JavaScript; a refused form comes
//! back with what was typed and the message beside the field.

use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::{State, get, post, routes};
use rocket_dyn_templates::{Template, context};
use serde::Serialize;
use serde_json::Value;

use super::fields::{Fields, Status as ComplaintStatus};
use super::form::{ComplaintForm, form_field};
use super::goals;
use super::model::ChangeRow;
use super::model::{self, ComplaintRow};
use super::record::{self, Author};
use super::shown::{self, shown};
use crate::auth::model::User;
use crate::auth::session::Me;
use crate::auth::{Designers, Policy, Readers, Role, Staff};
use crate::config::Settings;
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::i18n::staff::StaffCatalog;
use crate::ids::{ComplaintId, MalformedId};
use crate::web::csrf::{CsrfForm, CsrfToken};
use crate::web::{Reply, paging};

/// Complaints shown per page of the list.
const PAGE_SIZE: i64 = 50;

pub fn routes() -> Vec<rocket::Route> {
    routes![
        list_page,
        new_page,
        log_complaint,
        goals_page,
        complaint_page,
        save_complaint
    ]
}

#[derive(Serialize)]
struct Line {
    id: String,
    customer: String,
    category: String,
    nature: String,
    received: String,
    status: String,
    status_name: String,
    follow_up: String,
    follow_up_due: bool,
}

fn line(t: &StaffCatalog, row: &ComplaintRow, now: chrono::NaiveDateTime) -> Line {
    let mut nature: String = row.nature.chars().take(120).collect();
    if row.nature.chars().count() > 120 {
        nature.push('…');
    }
    Line {
        id: row.id.clone(),
        customer: shown::customer_name(t, &row.customer_name),
        category: row.category.clone(),
        nature,
        received: shown(Some(row.received_at)),
        status: row.status.clone(),
        status_name: shown::status_name(t, &row.status),
        follow_up: match row.followed_up_at {
            Some(at) => t.format("complaints.done_at", &[("when", &shown(Some(at)))]),
            None => shown(row.follow_up_at),
        },
        follow_up_due: row.followed_up_at.is_none() && row.follow_up_at.is_some_and(|at| at <= now),
    }
}

#[get("/complaints?<status>&<category>&<due>&<q>&<after>")]
#[allow(clippy::too_many_arguments)]
async fn list_page(
    db: &State<Db>,
    staff: Staff<Readers>,
    csrf: CsrfToken,
    status: Option<String>,
    category: Option<String>,
    due: Option<String>,
    q: Option<String>,
    after: Option<String>,
    flash: Option<FlashMessage<'_>>,
) -> Result<Template> {
    let t = staff.t();
    let filter = super::api::filter_of(
        status.as_deref(),
        category.as_deref(),
        due.as_deref(),
        q.as_deref(),
    )?;
    let after = paging::decode(after.as_deref())?;
    let wanted = filter.clone();
    let (mut rows, categories) = db
        .run(move |conn| {
            let rows = model::page(conn, &wanted, after, PAGE_SIZE + 1)?;
            Ok::<_, Error>((rows, model::categories(conn)?))
        })
        .await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let query = |cursor: &str| {
        let mut parts = vec![];
        for (key, value) in [
            ("status", &filter.status),
            ("category", &filter.category),
            ("q", &filter.q),
        ] {
            if let Some(v) = value {
                parts.push(format!(
                    "{key}={}",
                    rocket::http::RawStr::new(v).percent_encode()
                ));
            }
        }
        if filter.follow_up_due.is_some() {
            parts.push("due=true".into());
        }
        parts.push(format!("after={cursor}"));
        format!("/complaints?{}", parts.join("&"))
    };
    let next = more
        .then(|| {
            rows.last()
                .map(|r| query(&paging::encode(r.received_at, &r.id)))
        })
        .flatten();
    let now = db::now();
    let filtered = filter.status.is_some()
        || filter.category.is_some()
        || filter.q.is_some()
        || filter.follow_up_due.is_some();
    Ok(Template::render(
        "complaints",
        context! {
            title: t.get("complaints.title"),
            me: staff.me(),
            csrf: csrf.0,
            can_log: staff.role().require(&[Role::Designer]).is_ok(),
            notice: flash.map(|f| f.message().to_string()),
            complaints: rows.iter().map(|r| line(t, r, now)).collect::<Vec<_>>(),
            next,
            filtered,
            status: filter.status.unwrap_or_default(),
            category: filter.category.unwrap_or_default(),
            due: filter.follow_up_due.is_some(),
            q: filter.q.unwrap_or_default(),
            categories,
            statuses: statuses(t),
        },
    ))
}

/// The statuses for a select: the stored text and what the page calls it.
fn statuses(t: &StaffCatalog) -> Vec<serde_json::Value> {
    ComplaintStatus::ALL
        .map(|s| {
            serde_json::json!({
                "code": s.as_str(),
                "name": crate::web::capitalized(&shown::status_name(t, s.as_str())),
            })
        })
        .to_vec()
}

/// The channels the form suggests: the stored text and what the page calls it.
fn channels(t: &StaffCatalog) -> Vec<serde_json::Value> {
    shown::CHANNELS
        .iter()
        .map(|code| serde_json::json!({"code": code, "name": t.get(&format!("complaints.channel.{code}"))}))
        .collect()
}

/// Everything the form page needs besides the form's values.
struct FormPage<'a> {
    me: Me,
    t: &'static StaffCatalog,
    /// Whether the signed-in user may change complaints (analysts only read them).
    can_edit: bool,
    csrf: String,
    complaint: Option<&'a ComplaintRow>,
    history: Vec<ChangeRow>,
    notice: Option<String>,
}

#[derive(Serialize)]
struct Owner {
    id: String,
    name: String,
}

async fn render_form(
    db: &Db,
    page: FormPage<'_>,
    mut form: ComplaintForm,
    error: Option<(String, String)>,
    status: Status,
) -> Result<Reply> {
    form.channel = shown::channel_shown(page.t, &form.channel);
    let (users, categories, tag_names) = db
        .run(|conn| {
            let users: Vec<User> = crate::auth::model::list_users(conn)?;
            let tags = crate::insight::model::tags_with_uses(conn)?;
            let names: Vec<String> = tags.into_iter().map(|(t, _)| t.name).collect();
            Ok::<_, Error>((users, model::categories(conn)?, names))
        })
        .await?;
    let names: std::collections::HashMap<String, String> = users
        .iter()
        .map(|u| (u.id.clone(), u.name.clone()))
        .collect();
    let owners: Vec<Owner> = users
        .into_iter()
        .filter(|u| u.active)
        .map(|u| Owner {
            id: u.id,
            name: u.name,
        })
        .collect();
    let t = page.t;
    let (error_field, error_message) = error.unzip();
    let tags_error = error_field
        .as_deref()
        .is_some_and(|f| f.starts_with("tags"));
    let template = Template::render(
        "complaint_form",
        context! {
            title: match page.complaint {
                Some(c) => t.format(
                    "complaints.from",
                    &[("name", &shown::customer_name(t, &c.customer_name))],
                ),
                None => t.get("complaints.log").to_string(),
            },
            me: page.me,
            can_edit: page.can_edit,
            csrf: page.csrf,
            complaint: page.complaint.map(|c| context! {
                id: &c.id,
                status: &c.status,
                status_name: shown::status_name(t, &c.status),
                received: shown(Some(c.received_at)),
                resolved: shown(c.resolved_at),
                created: shown(Some(c.created_at)),
                linked_contact: c.contact_id.is_some(),
            }),
            history: shown::history(t, &page.history, &names),
            notice: page.notice,
            form: &form,
            owners,
            categories,
            tag_names,
            error_field,
            error_message,
            tags_error,
            statuses: statuses(t),
            channels: channels(t),
        },
    );
    Ok(if status == Status::Ok {
        Reply::Page(template)
    } else {
        Reply::Status((status, template))
    })
}

/// A refused form: the message beside the field it names, or above the form.
fn refused(t: &StaffCatalog, error: &Error) -> Option<(String, String)> {
    match error {
        Error::Invalid { field, .. } => Some((form_field(field), t.reason(error))),
        _ => None,
    }
}

#[get("/complaints/new")]
async fn new_page(db: &State<Db>, staff: Staff<Designers>, csrf: CsrfToken) -> Result<Reply> {
    let form = ComplaintForm {
        received_by: staff.user.name.clone(),
        owner_id: staff.user.id.clone(),
        ..Default::default()
    };
    let page = FormPage {
        me: staff.me(),
        t: staff.t(),
        can_edit: true,
        csrf: csrf.0,
        complaint: None,
        history: Vec::new(),
        notice: None,
    };
    render_form(db, page, form, None, Status::Ok).await
}

#[post("/complaints", data = "<form>")]
async fn log_complaint(
    db: &State<Db>,
    staff: Staff<Designers>,
    csrf: CsrfToken,
    form: CsrfForm<ComplaintForm>,
) -> Result<Reply> {
    let mut typed = form.0;
    typed.channel = shown::channel_code(staff.t(), &typed.channel);
    let json = Value::Object(typed.to_json(true));
    let user = staff.user.clone();
    let result = db
        .run(move |conn| {
            let fields: Fields = crate::web::json::from_value(&json)?;
            record::create(conn, &Author { user: &user }, fields)
        })
        .await;
    match result {
        Ok(row) => Ok(Reply::Flash(Flash::success(
            Redirect::to(format!("/complaints/{}", row.id)),
            staff
                .t()
                .format("complaints.logged", &[("name", &row.customer_name)]),
        ))),
        Err(error @ Error::Invalid { .. }) => {
            let page = FormPage {
                me: staff.me(),
                t: staff.t(),
                can_edit: true,
                csrf: csrf.0,
                complaint: None,
                history: Vec::new(),
                notice: None,
            };
            render_form(db, page, typed, refused(staff.t(), &error), error.status()).await
        }
        Err(other) => Err(other),
    }
}

#[get("/complaints/goals")]
async fn goals_page(
    db: &State<Db>,
    settings: &State<Settings>,
    staff: Staff<Readers>,
    csrf: CsrfToken,
) -> Result<Template> {
    let timings = db.run(model::timings).await?;
    let goals = goals::compute(&timings, settings.complaint_target_hours, db::now());
    let t = staff.t();
    let percent = |share: Option<f64>| {
        share.map(|s| t.format("complaints.percent", &[("value", &t.decimal(s * 100.0, 0))]))
    };
    Ok(Template::render(
        "complaint_goals",
        context! {
            title: t.get("complaints.goals"),
            me: staff.me(),
            csrf: csrf.0,
            within_target: percent(goals.resolved_within_target_share),
            satisfied: percent(goals.satisfied_share),
            median_hours: goals.median_hours_to_resolve.map(|h| t.decimal(h, 1)),
            overdue: t.number(goals.follow_ups_overdue as i64),
            resolved: t.number(goals.resolved as i64),
            goals,
        },
    ))
}

async fn load(db: &Db, id: ComplaintId) -> Result<(ComplaintRow, Vec<ChangeRow>, Vec<String>)> {
    db.run(move |conn| {
        let row = model::find(conn, &id)?.ok_or(Error::NotFound)?;
        let history = model::history(conn, &id)?;
        let tags = super::tags_of(conn, &id)?;
        Ok((row, history, tags))
    })
    .await
}

#[get("/complaints/<id>")]
async fn complaint_page(
    db: &State<Db>,
    staff: Staff<Readers>,
    csrf: CsrfToken,
    id: Result<ComplaintId, MalformedId>,
    flash: Option<FlashMessage<'_>>,
) -> Result<Reply> {
    let (row, history, tags) = load(db, id?).await?;
    let page = FormPage {
        me: staff.me(),
        t: staff.t(),
        can_edit: staff.role().require(Designers::ALLOWED).is_ok(),
        csrf: csrf.0,
        complaint: Some(&row),
        history,
        notice: flash.map(|f| f.message().to_string()),
    };
    render_form(db, page, ComplaintForm::of(&row, &tags), None, Status::Ok).await
}

#[post("/complaints/<id>", data = "<form>")]
async fn save_complaint(
    db: &State<Db>,
    staff: Staff<Designers>,
    csrf: CsrfToken,
    id: Result<ComplaintId, MalformedId>,
    form: CsrfForm<ComplaintForm>,
) -> Result<Reply> {
    let id = id?;
    let mut typed = form.0;
    typed.channel = shown::channel_code(staff.t(), &typed.channel);
    let patch = typed.to_json(false);
    let (user, cid) = (staff.user.clone(), id.clone());
    let result = db
        .run(move |conn| record::change(conn, &Author { user: &user }, &cid, patch))
        .await;
    match result {
        Ok(_) => Ok(Reply::Flash(Flash::success(
            Redirect::to(format!("/complaints/{id}")),
            staff.t().get("complaints.saved").to_string(),
        ))),
        Err(error @ Error::Invalid { .. }) => {
            let (row, history, _) = load(db, id).await?;
            let page = FormPage {
                me: staff.me(),
                t: staff.t(),
                can_edit: true,
                csrf: csrf.0,
                complaint: Some(&row),
                history,
                notice: None,
            };
            render_form(db, page, typed, refused(staff.t(), &error), error.status()).await
        }
        Err(other) => Err(other),
    }
}
