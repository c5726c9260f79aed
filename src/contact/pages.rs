//! The staff page for contacts: search and page through them, and import a CSV pasted into the
//! form, with the result shown on the page: what was imported in a success box, the rejected
//! rows and why apart from it as a warning, since they still need the designer's attention. Big
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
    /// Rows created or updated; the success box is shown only when there are some.
    imported: usize,
    rejected: usize,
    /// Set when more rows were rejected than the report lists.
    listed_of: Option<usize>,
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
    let imported = db
        .run(move |conn| Ok(import::import(conn, import::Format::Csv, &bytes)))
        .await?;
    let outcome = match imported {
        Ok(report) => Outcome {
            imported: report.created + report.updated,
            rejected: report.rejected_total,
            listed_of: (report.rejected_total > report.rejected.len())
                .then_some(report.rejected.len()),
            report: Some(report),
            ..Outcome::default()
        },
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
