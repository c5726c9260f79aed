//! One survey's workspace: the tab bar every staff page about a survey starts with — Build ·
//! Preview · Distribute (invitations, reward) · Results (results, responses) — so a designer
//! moves between a survey's pages without going back to the list. Rooms that draw a survey page
//! (invitations, coupons, results, the preview) ask for the bar here and pass it to the
//! `survey_tabs` partial.

use serde::Serialize;

use crate::auth::Role;
use crate::auth::model::User;
use crate::db::DbConn;
use crate::error::Result;
use crate::i18n::staff::StaffCatalog;
use crate::respond::model::{count_responses, count_responses_since};
use crate::survey::incentive::Incentive;
use crate::survey::model::{Survey, SurveyStatus};

/// The page a survey workspace shows, and so the tab and sub-link marked current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Build,
    Preview,
    Invitations,
    Reward,
    Coupons,
    Results,
    Responses,
    Coding,
}

/// The tab bar as the `survey_tabs` partial draws it.
#[derive(Debug, Serialize)]
pub struct Tabs {
    id: String,
    title: String,
    status: &'static str,
    /// A staff-catalogue key, as the tab labels are.
    status_label: &'static str,
    /// False on the preview, whose heading is the respondent page's own.
    heading: bool,
    tabs: Vec<Link>,
    /// The links inside the current tab (Distribute and Results have more than one page).
    sub: Vec<Link>,
}

#[derive(Debug, Serialize)]
struct Link {
    /// A staff-catalogue key; the partial translates it.
    label: &'static str,
    href: String,
    current: bool,
}

/// The staff-catalogue key of how a survey's status reads on staff pages.
pub fn status_label(status: SurveyStatus) -> &'static str {
    match status {
        SurveyStatus::Draft => "status.draft",
        SurveyStatus::Open => "status.open",
        SurveyStatus::Closed => "status.closed",
    }
}

/// Whether `user` may distribute `survey` (invite, remind, set its reward): its owner, or an
/// admin, as for editing it.
pub fn can_distribute(user: &User, survey: &Survey) -> bool {
    user.role() == Role::Admin || **survey.owner_id() == user.id
}

/// The tab bar for `survey` on `page`, as `user` may use it: the Distribute tab only for those
/// who may invite, and the Build tab named "Questions" for those who may only read them.
pub fn tabs(survey: &Survey, user: &User, page: Page) -> Tabs {
    let id = survey.id().to_string();
    let link = |label, path: &str, current| Link {
        label,
        href: format!("/surveys/{id}{path}"),
        current,
    };
    let distribute = can_distribute(user, survey);
    let in_distribute = matches!(page, Page::Invitations | Page::Reward | Page::Coupons);
    let in_results = matches!(page, Page::Results | Page::Responses | Page::Coding);
    let mut tabs = vec![
        link(
            if distribute {
                "workspace.tab.build"
            } else {
                "workspace.tab.questions"
            },
            "",
            page == Page::Build,
        ),
        link("workspace.tab.preview", "/preview", page == Page::Preview),
    ];
    if distribute {
        tabs.push(link(
            "workspace.tab.distribute",
            "/invitations",
            in_distribute,
        ));
    }
    tabs.push(link("workspace.tab.results", "/results", in_results));
    let mut sub = Vec::new();
    if in_distribute {
        sub.push(link(
            "workspace.sub.invitations",
            "/invitations",
            page == Page::Invitations,
        ));
        sub.push(link(
            "workspace.sub.reward",
            "/reward",
            page == Page::Reward,
        ));
        if !matches!(survey.incentive(), Incentive::None) {
            sub.push(link(
                "workspace.sub.coupons",
                "/incentive",
                page == Page::Coupons,
            ));
        }
    }
    if in_results {
        sub.push(link(
            "workspace.sub.results",
            "/results",
            page == Page::Results,
        ));
        sub.push(link(
            "workspace.sub.responses",
            "/responses",
            page == Page::Responses,
        ));
    }
    Tabs {
        title: survey.title().to_string(),
        status: survey.status().as_str(),
        status_label: status_label(survey.status()),
        heading: page != Page::Preview,
        id,
        tabs,
        sub,
    }
}

/// How many of those invited answered, as the survey list and the home page note it.
pub fn completion_note(t: &StaffCatalog, progress: &Progress) -> String {
    if progress.invited == 0 {
        t.get("progress.nobody_invited").to_string()
    } else {
        t.format(
            "progress.invited",
            &[
                ("completed", &progress.completed.to_string()),
                ("invited", &progress.invited.to_string()),
            ],
        )
    }
}

/// Where a survey's answers stand, as the survey list and the home page show them.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Progress {
    pub responses: i64,
    /// Responses since midnight UTC.
    pub today: i64,
    pub invited: i64,
    /// Invitations answered.
    pub completed: i64,
}

impl Progress {
    /// The share of invitations answered, as a whole percentage; `None` when nobody was invited.
    pub fn completion(&self) -> Option<i64> {
        (self.invited > 0).then(|| (self.completed * 100 + self.invited / 2) / self.invited)
    }

    /// The completion as pages show it ("38%"), or `None` when nobody was invited.
    pub fn completion_label(&self) -> Option<String> {
        self.completion().map(|p| format!("{p}%"))
    }
}

/// Whose surveys `user` works with: a designer their own, analysts and admins everyone's (as
/// the survey list shows them).
fn owner_filter(user: &User) -> Option<&str> {
    (user.role() == Role::Designer).then_some(user.id.as_str())
}

/// The open surveys `user` works with, newest first, at most `limit`.
pub fn open_surveys(conn: &mut DbConn, user: &User, limit: i64) -> Result<Vec<Survey>> {
    let ids = crate::survey::model::open_ids(conn, owner_filter(user), limit)?;
    let mut surveys = Vec::with_capacity(ids.len());
    for id in ids {
        surveys.extend(crate::survey::editing::load(conn, &id)?);
    }
    Ok(surveys)
}

/// Whether `user` has any survey to work with, open or not.
pub fn has_surveys(conn: &mut DbConn, user: &User) -> Result<bool> {
    crate::survey::model::any(conn, owner_filter(user))
}

/// Where `survey`'s answers stand now.
pub fn progress(conn: &mut DbConn, survey: &Survey) -> Result<Progress> {
    let midnight = chrono::Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    let (invited, completed) = crate::invite::model::completion_of_survey(conn, survey.id())?;
    Ok(Progress {
        responses: count_responses(conn, survey.id())?,
        today: count_responses_since(conn, survey.id(), midnight)?,
        invited,
        completed,
    })
}

/// What to do next with a survey, as a link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextStep {
    pub label: String,
    pub href: String,
}

/// The one thing most worth doing next with a survey: add questions, fix what blocks
/// publishing, publish, invite, remind, or read the results. `blocking` counts the lint's
/// must-fix hints; those who may not distribute are only sent to read. The label is in the
/// language of `t`.
pub fn next_step(
    t: &StaffCatalog,
    survey: &Survey,
    blocking: usize,
    progress: &Progress,
    can_distribute: bool,
) -> Option<NextStep> {
    let id = survey.id();
    let step = |label: String, path: &str| {
        Some(NextStep {
            label,
            href: format!("/surveys/{id}{path}"),
        })
    };
    match survey.status() {
        SurveyStatus::Draft if !can_distribute => None,
        SurveyStatus::Draft if survey.questions().is_empty() => {
            step(t.get("next.add_question").into(), "#add-heading")
        }
        SurveyStatus::Draft if blocking > 0 => step(t.counted("next.fix", blocking as i64), ""),
        SurveyStatus::Draft => step(t.get("next.preview").into(), "/preview"),
        SurveyStatus::Open if progress.responses == 0 && can_distribute => {
            if progress.invited == 0 {
                step(t.get("next.invite").into(), "/invitations")
            } else {
                step(t.get("next.remind").into(), "/invitations")
            }
        }
        SurveyStatus::Open | SurveyStatus::Closed if progress.responses > 0 => {
            step(t.get("next.read").into(), "/results")
        }
        SurveyStatus::Closed if can_distribute => {
            step(t.get("next.reopen").into(), "#state-heading")
        }
        _ => None,
    }
}
