//! The list of surveys a staff member may see, and creating one: blank (title and language) or
//! from a built-in template.

use rocket::form::FromForm;
use rocket::http::Status;
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::{State, get, post};
use rocket_dyn_templates::{Template, context};
use serde::Serialize;

use super::view;
use crate::auth::model::User;
use crate::auth::{Designers, Role, Staff};
use crate::db::{Db, DbConn};
use crate::error::{Error, Result};
use crate::i18n::staff::StaffCatalog;
use crate::ids::SurveyId;
use crate::survey::audience::Audience;
use crate::survey::editing::{self, SurveyInput};
use crate::survey::lint;
use crate::survey::model::{self, SurveyRow, SurveyStatus};
use crate::survey::templates;
use crate::survey::workspace::{self, NextStep, Progress};
use crate::web::csrf::{CsrfForm, CsrfToken};
use crate::web::paging;
use crate::web::{Reply, rfc3339};

/// Surveys shown per page of the list.
const PAGE_SIZE: i64 = 100;

#[derive(Serialize)]
struct Row {
    id: SurveyId,
    title: String,
    status: SurveyStatus,
    status_label: &'static str,
    audience: String,
    questions_label: String,
    progress: Progress,
    responses_label: String,
    /// "38%", or `None` when nobody was invited.
    completion: Option<String>,
    completion_note: String,
    next: Option<NextStep>,
    created: String,
    created_label: String,
}

impl Row {
    fn of(conn: &mut DbConn, t: &StaffCatalog, user: &User, row: SurveyRow) -> Result<Row> {
        let survey = editing::load(conn, &row.id)?.ok_or(Error::NotFound)?;
        let progress = workspace::progress(conn, &survey)?;
        let blocking = if survey.status() == SurveyStatus::Draft {
            lint::lint(&survey.content()).blocking_count()
        } else {
            0
        };
        let distribute = workspace::can_distribute(user, &survey);
        Ok(Row {
            questions_label: t.counted("surveys.questions", survey.questions().len() as i64),
            responses_label: t.counted("progress.responses", progress.responses),
            completion: progress.completion_label(),
            completion_note: workspace::completion_note(t, &progress),
            next: workspace::next_step(t, &survey, blocking, &progress, distribute),
            progress,
            status_label: workspace::status_label(survey.status()),
            created: rfc3339(row.created_at),
            created_label: super::when(row.created_at),
            id: row.id,
            title: row.title,
            status: row.status,
            audience: t
                .get(audience_key(
                    Audience::parse(&row.audience).unwrap_or_default(),
                ))
                .to_string(),
        })
    }
}

/// The staff-catalogue key of what the staff pages call an audience.
fn audience_key(audience: Audience) -> &'static str {
    match audience {
        Audience::Customers => "audience.customers",
        Audience::Employees => "audience.employees",
        Audience::Suppliers => "audience.suppliers",
    }
}

/// The audience choices of the "New survey" form, named in the member's language.
fn audiences(t: &StaffCatalog, chosen: Audience) -> Vec<serde_json::Value> {
    Audience::ALL
        .into_iter()
        .map(|a| {
            serde_json::json!({"code": a.as_str(), "name": t.get(audience_key(a)), "selected": a == chosen})
        })
        .collect()
}

/// What was typed into the "New survey" form, kept when it is shown again with an error.
#[derive(Default, Serialize)]
struct Typed {
    title: String,
    language: String,
    audience: String,
    error: Option<String>,
}

async fn render(
    db: &Db,
    staff: &Staff<impl crate::auth::Policy>,
    csrf: String,
    after: Option<String>,
    notice: Option<String>,
    typed: Typed,
) -> Result<Template> {
    let after = paging::decode(after.as_deref())?;
    // Designers see their own surveys; analysts and admins every survey (as the API lists them).
    let owner = (staff.role() == Role::Designer).then(|| staff.user.id.clone());
    let user = staff.user.clone();
    let t = staff.t();
    let (rows, next) = db
        .run(move |conn| {
            let mut rows = model::page(conn, owner.as_deref(), after, PAGE_SIZE + 1)?;
            let next = (rows.len() as i64 > PAGE_SIZE)
                .then(|| {
                    rows.truncate(PAGE_SIZE as usize);
                    // The cursor is URL-safe base64, so it needs no escaping in the link.
                    rows.last()
                        .map(|r| format!("/surveys?after={}", paging::encode(r.created_at, &r.id)))
                })
                .flatten();
            let rows = rows
                .into_iter()
                .map(|row| Row::of(conn, t, &user, row))
                .collect::<Result<Vec<_>>>()?;
            Ok((rows, next))
        })
        .await?;
    let language = if typed.language.is_empty() {
        "en"
    } else {
        typed.language.as_str()
    };
    Ok(Template::render(
        "survey_list",
        context! {
            title: t.get("surveys.title"),
            me: staff.me(),
            csrf,
            notice,
            surveys: rows,
            next,
            can_design: staff.role().is_allowed(&[Role::Designer]),
            languages: view::languages(language),
            audiences: audiences(t, Audience::parse(&typed.audience).unwrap_or_default()),
            templates: templates::list(),
            typed,
        },
    ))
}

#[get("/surveys?<after>")]
pub(super) async fn list_page(
    db: &State<Db>,
    staff: Staff,
    csrf: CsrfToken,
    after: Option<String>,
    flash: Option<FlashMessage<'_>>,
) -> Result<Template> {
    let notice = flash.map(|f| f.message().to_string());
    render(db, &staff, csrf.0, after, notice, Typed::default()).await
}

#[derive(FromForm)]
pub(super) struct NewSurveyForm {
    csrf: String,
    #[field(default = String::new())]
    title: String,
    #[field(default = String::from("en"))]
    language: String,
    #[field(default = String::new())]
    audience: String,
}

fn created(id: &str, what: String) -> Reply {
    Reply::Flash(Flash::success(Redirect::to(format!("/surveys/{id}")), what))
}

#[post("/surveys", data = "<form>")]
pub(super) async fn create_survey(
    db: &State<Db>,
    staff: Staff<Designers>,
    csrf: CsrfToken,
    form: CsrfForm<NewSurveyForm>,
) -> Result<Reply> {
    let form = form.0;
    let (title, language) = (form.title.clone(), form.language.clone());
    let audience = form.audience.clone();
    let owner = staff.user.clone();
    let made = db
        .run(move |conn| {
            let input = SurveyInput {
                title: Some(title),
                language: Some(language),
                audience: super::forms::audience_of(Some(&audience))?,
                ..SurveyInput::default()
            };
            editing::create(conn, &owner, None, input)
        })
        .await;
    match made {
        Ok(survey) => Ok(created(
            survey.id(),
            staff.t().get("surveys.created_draft").to_string(),
        )),
        Err(error @ Error::Invalid { .. }) => {
            let typed = Typed {
                title: form.title,
                language: form.language,
                audience: form.audience,
                error: Some(staff.t().explain_in(&error, None)),
            };
            let page = render(db, &staff, csrf.0, None, None, typed).await?;
            Ok(Reply::Status((Status::UnprocessableEntity, page)))
        }
        Err(other) => Err(other),
    }
}

#[derive(FromForm)]
pub(super) struct TemplateForm {
    csrf: String,
    #[field(default = String::new())]
    template: String,
}

#[post("/surveys/from-template", data = "<form>")]
pub(super) async fn create_from_template(
    db: &State<Db>,
    staff: Staff<Designers>,
    csrf: CsrfToken,
    form: CsrfForm<TemplateForm>,
) -> Result<Reply> {
    let name = form.0.template;
    let Some(base) = templates::build(&name) else {
        let typed = Typed {
            error: Some(
                staff
                    .t()
                    .format("surveys.no_such_template", &[("name", &name)]),
            ),
            ..Typed::default()
        };
        let page = render(db, &staff, csrf.0, None, None, typed).await?;
        return Ok(Reply::Status((Status::UnprocessableEntity, page)));
    };
    let owner = staff.user.clone();
    let survey = db
        .run(move |conn| editing::create(conn, &owner, Some(base), SurveyInput::default()))
        .await?;
    Ok(created(
        survey.id(),
        staff.t().get("surveys.created_from_template").to_string(),
    ))
}

crate::csrf_protected!(NewSurveyForm, TemplateForm);
