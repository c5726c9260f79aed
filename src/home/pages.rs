//! `GET /`: the staff home page, built from what each room says about today.

use rocket::{State, get, routes};
use rocket_dyn_templates::{Template, context};
use serde::Serialize;

use crate::auth::model::User;
use crate::auth::{Role, Staff};
use crate::complaint::model::{self as complaints, Filter};
use crate::db::{Db, DbConn};
use crate::error::Result;
use crate::i18n::staff::StaffCatalog;
use crate::insight::problems::{self, Problem};
use crate::invite::model::InvitationStatus;
use crate::survey::workspace::{self, NextStep, Progress};
use crate::web::csrf::CsrfToken;

/// Open surveys listed; the survey list has the rest.
const OPEN_SURVEYS: i64 = 8;
/// Complaint follow-ups listed by name.
const FOLLOW_UPS: i64 = 5;
/// The problems the home page names (the advice: fix the top three first).
const PROBLEMS: usize = 3;
/// How far back the problems are counted.
const PROBLEM_DAYS: i64 = 90;

pub fn routes() -> Vec<rocket::Route> {
    routes![home]
}

#[derive(Serialize)]
struct OpenSurvey {
    id: String,
    title: String,
    progress: Progress,
    responses_label: String,
    completion: Option<String>,
    completion_note: String,
    next: Option<NextStep>,
}

#[derive(Serialize)]
struct Failing {
    survey_id: String,
    title: String,
    label: String,
}

#[derive(Serialize)]
struct FollowUp {
    id: String,
    customer: String,
    category: String,
    due: String,
}

#[derive(Serialize)]
struct Today {
    open: Vec<OpenSurvey>,
    failing: Vec<Failing>,
    follow_ups: Vec<FollowUp>,
    follow_ups_due: i64,
    problems: Vec<Problem>,
    /// First steps for an install with nothing in it yet.
    has_surveys: bool,
    has_contacts: bool,
}

fn open_survey(
    conn: &mut DbConn,
    t: &StaffCatalog,
    user: &User,
    survey: &crate::survey::model::Survey,
) -> Result<OpenSurvey> {
    let progress = workspace::progress(conn, survey)?;
    let distribute = workspace::can_distribute(user, survey);
    Ok(OpenSurvey {
        id: survey.id().to_string(),
        title: survey.title().to_string(),
        responses_label: t.counted("progress.responses", progress.responses),
        completion: progress.completion_label(),
        completion_note: workspace::completion_note(t, &progress),
        next: workspace::next_step(t, survey, 0, &progress, distribute),
        progress,
    })
}

fn today(conn: &mut DbConn, t: &StaffCatalog, user: &User) -> Result<Today> {
    let surveys = workspace::open_surveys(conn, user, OPEN_SURVEYS)?;
    let mut open = Vec::with_capacity(surveys.len());
    let mut failing = Vec::new();
    for survey in &surveys {
        open.push(open_survey(conn, t, user, survey)?);
        if workspace::can_distribute(user, survey) {
            let failed = crate::invite::statuses::counts(conn, survey.id())?
                .into_iter()
                .find(|(status, _)| *status == InvitationStatus::Failed)
                .map_or(0, |(_, n)| n);
            if failed > 0 {
                failing.push(Failing {
                    survey_id: survey.id().to_string(),
                    title: survey.title().to_string(),
                    label: t.counted("home.failed", failed),
                });
            }
        }
    }
    let now = chrono::Utc::now().naive_utc();
    let due_filter = Filter {
        follow_up_due: Some(now),
        ..Filter::default()
    };
    let due = complaints::page(conn, &due_filter, None, FOLLOW_UPS + 1)?;
    let follow_ups_due = complaints::follow_ups_due(conn, now)?;
    let follow_ups = due
        .into_iter()
        .take(FOLLOW_UPS as usize)
        .map(|row| FollowUp {
            due: row
                .follow_up_at
                .map(crate::web::to_the_minute)
                .unwrap_or_default(),
            id: row.id,
            customer: row.customer_name,
            category: row.category,
        })
        .collect();
    let since = now - chrono::Duration::days(PROBLEM_DAYS);
    let problems = problems::top(conn, user, PROBLEMS, Some(since), None)?;
    Ok(Today {
        open,
        failing,
        follow_ups,
        follow_ups_due,
        problems,
        has_surveys: workspace::has_surveys(conn, user)?,
        has_contacts: crate::contact::model::any(conn)?,
    })
}

#[get("/")]
async fn home(db: &State<Db>, staff: Staff, csrf: CsrfToken) -> Result<Template> {
    let user = staff.user.clone();
    let t = staff.t();
    let today = db.run(move |conn| today(conn, t, &user)).await?;
    let designs = staff.role() != Role::Analyst;
    Ok(Template::render(
        "home",
        context! {
            title: t.get("home.title"),
            me: staff.me(),
            csrf: csrf.0,
            designs,
            problem_days: PROBLEM_DAYS,
            follow_ups_label: t.counted("home.follow_ups", today.follow_ups_due),
            today,
        },
    ))
}
