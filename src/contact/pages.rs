//! The staff page for contacts: search and page through them, and import a CSV pasted into the
//! form, with the result (created, updated, every rejected row and why) shown on the page. Big
//! files go through the API, which takes uploads up to the `file` limit.

use rocket::form::FromForm;
use rocket::http::Status;
use rocket::{State, get, post, routes};
use rocket_dyn_templates::{Template, context};
use serde::Serialize;

use super::import::{self, Report};
use super::model;
use crate::auth::{Designers, Staff};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::web::csrf::{CsrfForm, CsrfToken};
use crate::web::{Reply, paging};

/// Contacts shown per page.
const PAGE_SIZE: i64 = 100;

pub fn routes() -> Vec<rocket::Route> {
    routes![list_page, import_csv]
}

#[derive(Serialize)]
struct Row {
    email: String,
    name: String,
    phone: String,
    language: String,
    opted_out: bool,
}

/// What the import form shows after a submission.
#[derive(Default, Serialize)]
struct Outcome {
    report: Option<Report>,
    rejected: usize,
    error: Option<String>,
    csv: String,
}

async fn render(
    db: &Db,
    staff: &Staff<Designers>,
    csrf: String,
    q: Option<String>,
    after: Option<String>,
    outcome: Outcome,
) -> Result<Template> {
    let after = paging::decode(after.as_deref())?;
    let search = q.map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty());
    let wanted = search.clone();
    let (rows, next) = db
        .run(move |conn| {
            let mut rows = model::page(conn, wanted.as_deref(), after, PAGE_SIZE + 1)?;
            let more = rows.len() as i64 > PAGE_SIZE;
            rows.truncate(PAGE_SIZE as usize);
            let next = more
                .then(|| rows.last().map(|r| paging::encode(r.created_at, &r.id)))
                .flatten()
                .map(|cursor| match &wanted {
                    Some(q) => format!(
                        "/contacts?q={}&after={cursor}",
                        rocket::http::RawStr::new(q).percent_encode()
                    ),
                    None => format!("/contacts?after={cursor}"),
                });
            Ok((rows, next))
        })
        .await?;
    let rows: Vec<Row> = rows
        .into_iter()
        .map(|r| Row {
            opted_out: r.opted_out_at.is_some(),
            email: r.email,
            name: r.name.unwrap_or_default(),
            phone: r.phone.unwrap_or_default(),
            language: r.language.unwrap_or_default(),
        })
        .collect();
    Ok(Template::render(
        "contacts",
        context! {
            title: "Contacts",
            me: staff.me(),
            csrf,
            q: search.unwrap_or_default(),
            contacts: rows,
            next,
            outcome,
        },
    ))
}

#[get("/contacts?<q>&<after>")]
async fn list_page(
    db: &State<Db>,
    staff: Staff<Designers>,
    csrf: CsrfToken,
    q: Option<String>,
    after: Option<String>,
) -> Result<Template> {
    render(db, &staff, csrf.0, q, after, Outcome::default()).await
}

#[derive(FromForm)]
struct ImportForm {
    // Checked by `CsrfForm` before the form is parsed; here only so the field is accepted.
    #[allow(dead_code)]
    csrf: String,
    #[field(default = String::new())]
    csv: String,
}

#[post("/contacts/import", data = "<form>")]
async fn import_csv(
    db: &State<Db>,
    staff: Staff<Designers>,
    csrf: CsrfToken,
    form: CsrfForm<ImportForm>,
) -> Result<Reply> {
    let csv = form.0.csv;
    let bytes = csv.clone().into_bytes();
    let parsed = crate::blocking(move || import::parse_csv(&bytes)).await?;
    let outcome = match parsed {
        Ok(parsed) => {
            let report = db.run(move |conn| import::save(conn, parsed)).await?;
            Outcome {
                rejected: report.rejected.len(),
                report: Some(report),
                ..Outcome::default()
            }
        }
        Err(Error::Invalid { message, .. }) => {
            let outcome = Outcome {
                error: Some(message),
                csv,
                ..Outcome::default()
            };
            let page = render(db, &staff, csrf.0, None, None, outcome).await?;
            return Ok(Reply::Status((Status::UnprocessableEntity, page)));
        }
        Err(other) => return Err(other),
    };
    Ok(Reply::Page(
        render(db, &staff, csrf.0, None, None, outcome).await?,
    ))
}
