//! The staff page for contacts: search and page through them, and import a CSV pasted into the
//! form, with the result shown on the page: what was imported in a success box, the rejected
//! rows and why apart from it as a warning, since they still need the designer's attention. Big
//! files go through the API, which takes uploads up to the `file` limit.

use rocket::form::FromForm;
use rocket::http::Status;
use rocket::{State, get, post, routes};
use rocket_dyn_templates::{Template, context};
use serde::Serialize;

use super::import::{self, Rejected, Report};
use super::model;
use crate::auth::{Designers, Staff};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::i18n::staff::StaffCatalog;
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

/// A rejected row as the page lists it, its reason in the member's language.
#[derive(Serialize)]
struct RejectedRow {
    row: usize,
    email: Option<String>,
    reason: String,
}

/// What the import form shows after a submission.
#[derive(Default, Serialize)]
struct Outcome {
    report: Option<Report>,
    /// Rows created or updated; the success box is shown only when there are some.
    imported: usize,
    /// What was created and updated, in words.
    imported_label: String,
    rejected: usize,
    /// The report's rejected rows, as listed.
    rows: Vec<RejectedRow>,
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
            title: staff.t().get("contacts.title"),
            me: staff.me(),
            csrf,
            // A machine name, the same in every language.
            api_upload: "POST /api/v1/contacts",
            // Column names are typed as written, in every language.
            csv_columns: "email, name, phone, address, language",
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
    let t = staff.t();
    let csv = form.0.csv;
    let bytes = csv.clone().into_bytes();
    let imported = db
        .run(move |conn| Ok(import::import(conn, import::Format::Csv, &bytes)))
        .await?;
    let outcome = match imported {
        Ok(report) => Outcome {
            imported: report.created + report.updated,
            imported_label: t.format(
                "contacts.imported",
                &[
                    (
                        "created",
                        &t.counted("contacts.created", report.created as i64),
                    ),
                    (
                        "updated",
                        &t.counted("contacts.updated", report.updated as i64),
                    ),
                ],
            ),
            rejected: report.rejected_total,
            rows: report
                .rejected
                .iter()
                .map(|r| RejectedRow {
                    row: r.row,
                    email: r.email.clone(),
                    reason: reason_shown(t, r),
                })
                .collect(),
            listed_of: (report.rejected_total > report.rejected.len())
                .then_some(report.rejected.len()),
            report: Some(report),
            ..Outcome::default()
        },
        Err(error @ Error::Invalid { .. }) => {
            let outcome = Outcome {
                error: Some(t.reason(&error)),
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

/// The sentences the import gives a rejected row, with `{name}` for what varies, and the
/// catalogue key that says them on this page.
const REASONS: &[(&str, &str)] = &[
    ("email is missing", "contacts.reason.missing_email"),
    (
        "email is not a valid email address",
        "contacts.reason.invalid_email",
    ),
    ("is not valid UTF-8", "contacts.reason.not_utf8"),
    (
        "has {found} columns where the header has {expected}",
        "contacts.reason.wrong_columns",
    ),
    ("unreadable CSV row: {detail}", "contacts.reason.unreadable"),
    (
        "more than {max} attributes",
        "contacts.reason.too_many_attributes",
    ),
    (
        "attribute names must be at most {max} characters on one line",
        "contacts.reason.attribute_name",
    ),
    (
        "{field} is longer than {max} characters",
        "contacts.reason.too_long",
    ),
    (
        "{field} contains control characters or line breaks",
        "contacts.reason.line_breaks",
    ),
    (
        "{field} contains control characters",
        "contacts.reason.control_characters",
    ),
];

/// A field a rejection names (`name`, ``attribute `size` ``), in the member's language.
fn field_shown(t: &StaffCatalog, field: &str) -> String {
    if let Some(key) = field
        .strip_prefix("attribute `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        return t.format("contacts.field.attribute", &[("key", key)]);
    }
    let catalogued = format!("contacts.field.{field}");
    match t.get(&catalogued) {
        found if found != catalogued => found.to_string(),
        _ => field.to_string(),
    }
}

/// Why a row was rejected, in the member's language; a reason the page has no words for (a
/// JSON row's shape, which only the API takes) is shown as the import gave it.
fn reason_shown(t: &StaffCatalog, rejected: &Rejected) -> String {
    REASONS
        .iter()
        .find_map(|(pattern, key)| {
            let values = crate::i18n::staff_messages::capture(pattern, &rejected.reason)?;
            let values: Vec<(&str, String)> = values
                .into_iter()
                .map(|(name, value)| match name {
                    "field" => (name, field_shown(t, value)),
                    _ => (name, value.to_string()),
                })
                .collect();
            let args: Vec<(&str, &str)> = values.iter().map(|(n, v)| (*n, v.as_str())).collect();
            Some(t.format(key, &args))
        })
        .unwrap_or_else(|| rejected.reason.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::staff::staff_catalog;

    fn rejected(reason: &str) -> Rejected {
        Rejected {
            row: 2,
            email: None,
            code: "invalid_field",
            reason: reason.to_string(),
        }
    }

    const SAMPLES: &[&str] = &[
        "email is missing",
        "email is not a valid email address",
        "is not valid UTF-8",
        "has 3 columns where the header has 2",
        "unreadable CSV row: bad quote",
        "more than 50 attributes",
        "attribute names must be at most 100 characters on one line",
        "name is longer than 200 characters",
        "attribute `colour` is longer than 1000 characters",
        "phone contains control characters or line breaks",
        "address contains control characters",
    ];

    #[test]
    fn every_import_reason_reads_the_same_in_english_and_is_translated_in_dutch() {
        let (en, nl) = (staff_catalog("en"), staff_catalog("nl"));
        for sample in SAMPLES {
            assert_eq!(reason_shown(en, &rejected(sample)), *sample);
            let dutch = reason_shown(nl, &rejected(sample));
            assert_ne!(dutch, *sample, "{sample}");
            assert!(!dutch.contains('{'), "{dutch}");
        }
        assert_eq!(
            reason_shown(
                nl,
                &rejected("attribute `colour` is longer than 1000 characters")
            ),
            "kenmerk `colour` is langer dan 1000 tekens"
        );
        assert_eq!(reason_shown(nl, &rejected("[0]: odd")), "[0]: odd");
    }
}
