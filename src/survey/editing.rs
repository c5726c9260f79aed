//! Creating, changing, publishing, closing and deleting surveys, with the rules that keep a
//! response's meaning: questions are frozen once a survey has been published, only drafts are
//! deleted, and closing keeps every response.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::audience::Audience;
use super::incentive::{Incentive, IncentiveInput};
pub use super::model::SurveyView;
use super::model::{self, Survey, SurveyRow, SurveyStatus};
use super::question::{Question, QuestionInput};
use super::{SurveyContent, lint};
use crate::auth::Role;
use crate::auth::model::User;
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::ids::SurveyId;
use crate::web::text::{self, Lines};

pub const MAX_QUESTIONS: usize = 100;
/// Reminders a survey may send an invitee at most, and how many it sends unless told.
pub const MAX_REMINDERS: i32 = 5;
pub const DEFAULT_REMINDERS: i32 = 2;

/// A survey as the API accepts it, for creating (title required) and for changing (every
/// field optional). Fields the server controls (`id`, `status`, `created_at`, `open_link`) are
/// unknown here and refused.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyInput {
    pub title: Option<String>,
    pub intro: Option<String>,
    pub thank_you: Option<String>,
    /// en, nl, de, fr, sv, af, sk or sl.
    pub language: Option<String>,
    pub anonymous: Option<bool>,
    pub invitation_only: Option<bool>,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<Incentive>)]
    pub incentive: Option<IncentiveInput>,
    /// Reminders sent at most to an invitee who has not answered; 2 unless given.
    #[schema(minimum = 0, maximum = 5)]
    pub max_reminders: Option<i32>,
    /// customers (the default), employees or suppliers.
    pub audience: Option<Audience>,
    /// Ask personal-link respondents on the thank-you page to join a focus group.
    pub focus_group_opt_in: Option<bool>,
    pub questions: Option<Vec<QuestionInput>>,
}

pub fn load(conn: &mut DbConn, id: &str) -> Result<Option<Survey>> {
    let Some(row) = model::find(conn, id)? else {
        return Ok(None);
    };
    let questions = model::questions_of(conn, id)?;
    Ok(Some(Survey { row, questions }))
}

/// The first survey `owner` made with this exact title, if any: its id.
pub fn owned_with_title(conn: &mut DbConn, owner: &User, title: &str) -> Result<Option<String>> {
    let mut after = None;
    loop {
        let rows = model::page(conn, Some(&owner.id), after, 500)?;
        if let Some(row) = rows.iter().find(|row| row.title == title) {
            return Ok(Some(row.id.to_string()));
        }
        match rows.last() {
            Some(last) if rows.len() == 500 => after = Some((last.created_at, last.id.to_string())),
            _ => return Ok(None),
        }
    }
}

/// A survey the user may see: designers see their own, analysts and admins every survey.
/// Anything else is 404, the same as a survey that does not exist.
pub fn visible_to(conn: &mut DbConn, user: &User, id: &str) -> Result<Survey> {
    let survey = load(conn, id)?.ok_or(Error::NotFound)?;
    let allowed = match user.role() {
        Role::Admin | Role::Analyst => true,
        Role::Designer => survey.owner_id().as_str() == user.id,
    };
    if allowed {
        Ok(survey)
    } else {
        Err(Error::NotFound)
    }
}

/// A survey the user may change: its owner, or an admin.
pub fn editable_by(conn: &mut DbConn, user: &User, id: &str) -> Result<Survey> {
    let survey = load(conn, id)?.ok_or(Error::NotFound)?;
    if user.role() == Role::Admin || survey.owner_id().as_str() == user.id {
        Ok(survey)
    } else if user.role() == Role::Analyst {
        Err(Error::forbidden())
    } else {
        Err(Error::NotFound)
    }
}

fn text(field: &str, value: &str, max: usize, required: bool, lines: Lines) -> Result<String> {
    let value = value.trim();
    text::check(field, value, lines)?;
    if required && value.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(value.to_string())
}

fn validate_questions(inputs: Vec<QuestionInput>) -> Result<Vec<Question>> {
    if inputs.len() > MAX_QUESTIONS {
        return Err(Error::invalid(
            "questions",
            format!("may hold at most {MAX_QUESTIONS} questions"),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    let mut questions = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.into_iter().enumerate() {
        let question = input.validate(&format!("questions[{i}]"))?;
        if !seen.insert(question.id.clone()) {
            return Err(Error::invalid(
                format!("questions[{i}].id"),
                "is used by another question",
            ));
        }
        questions.push(question);
    }
    Ok(questions)
}

/// Applies `input` to `row` (and the questions), checking every value.
fn apply(row: &mut SurveyRow, questions: &mut Vec<Question>, input: SurveyInput) -> Result<()> {
    if let Some(title) = input.title {
        row.title = text("title", &title, 200, true, Lines::One)?;
    }
    if let Some(intro) = input.intro {
        row.intro = text("intro", &intro, 5000, false, Lines::Many)?;
    }
    if let Some(thank_you) = input.thank_you {
        row.thank_you = text("thank_you", &thank_you, 5000, false, Lines::Many)?;
    }
    if let Some(language) = input.language {
        let language = language.trim().to_lowercase();
        if !crate::i18n::is_supported(&language) {
            return Err(Error::invalid(
                "language",
                format!("must be one of {}", crate::i18n::LANGUAGES.join(", ")),
            ));
        }
        row.language = language;
    }
    if let Some(anonymous) = input.anonymous {
        row.anonymous = anonymous;
    }
    if let Some(invitation_only) = input.invitation_only {
        row.invitation_only = invitation_only;
    }
    if let Some(opens_at) = input.opens_at {
        row.opens_at = Some(opens_at.naive_utc());
    }
    if let Some(closes_at) = input.closes_at {
        row.closes_at = Some(closes_at.naive_utc());
    }
    if let (Some(opens), Some(closes)) = (row.opens_at, row.closes_at)
        && closes <= opens
    {
        return Err(Error::invalid("closes_at", "must be after opens_at"));
    }
    if let Some(incentive) = input.incentive {
        let incentive = incentive.check("incentive")?;
        row.incentive = serde_json::to_string(&incentive).map_err(Error::internal)?;
    }
    if let Some(max) = input.max_reminders {
        if !(0..=MAX_REMINDERS).contains(&max) {
            return Err(Error::invalid(
                "max_reminders",
                format!("must be 0 to {MAX_REMINDERS}"),
            ));
        }
        row.max_reminders = max;
    }
    if let Some(audience) = input.audience {
        row.audience = audience.as_str().to_string();
    }
    if let Some(recruits) = input.focus_group_opt_in {
        row.focus_group_opt_in = recruits;
    }
    if let Some(inputs) = input.questions {
        *questions = validate_questions(inputs)?;
    }
    Ok(())
}

/// Creates a draft survey owned by `owner`, from `input` laid over `base` (a template or empty).
pub fn create(
    conn: &mut DbConn,
    owner: &User,
    base: Option<SurveyContent>,
    input: SurveyInput,
) -> Result<Survey> {
    let now = db::now();
    let base_given = base.is_some();
    let base = base.unwrap_or(SurveyContent {
        title: String::new(),
        intro: String::new(),
        thank_you: String::new(),
        language: "en".to_string(),
        anonymous: false,
        questions: Vec::new(),
    });
    let mut row = SurveyRow {
        id: SurveyId::new(),
        owner_id: owner.id.clone().into(),
        title: base.title,
        intro: base.intro,
        thank_you: base.thank_you,
        language: base.language,
        status: SurveyStatus::Draft,
        anonymous: base.anonymous,
        invitation_only: false,
        opens_at: None,
        closes_at: None,
        incentive: serde_json::to_string(&Incentive::None).map_err(Error::internal)?,
        created_at: now,
        updated_at: now,
        max_reminders: DEFAULT_REMINDERS,
        audience: Audience::default().as_str().to_string(),
        focus_group_opt_in: false,
    };
    let mut questions = base.questions;
    if input.title.is_none() && !base_given {
        return Err(Error::invalid("title", "is required"));
    }
    apply(&mut row, &mut questions, input)?;
    db::write(conn, |conn| {
        model::insert(conn, &row)?;
        model::replace_questions(conn, &row.id, &questions)
    })?;
    Ok(Survey { row, questions })
}

/// Changes a survey. Once published, its questions, language and anonymity are frozen (409),
/// so every response keeps its meaning; wording around them may still be corrected.
pub fn change(conn: &mut DbConn, user: &User, id: &str, input: SurveyInput) -> Result<Survey> {
    db::write(conn, |conn| {
        let Survey {
            mut row,
            mut questions,
        } = editable_by(conn, user, id)?;
        if row.status != SurveyStatus::Draft {
            let frozen = [
                ("questions", input.questions.is_some()),
                ("language", input.language.is_some()),
                ("anonymous", input.anonymous.is_some()),
            ];
            if let Some((field, _)) = frozen.iter().find(|(_, given)| *given) {
                return Err(Error::conflict(
                    "survey_published",
                    format!(
                        "the survey is {}; its {field} can no longer change (copy it to make a new version)",
                        row.status
                    ),
                ));
            }
        }
        apply(&mut row, &mut questions, input)?;
        row.updated_at = db::now();
        model::update(conn, &row)?;
        if row.status == SurveyStatus::Draft {
            model::replace_questions(conn, &row.id, &questions)?;
        }
        Ok(Survey { row, questions })
    })
}

/// Opens a survey for answers, unless lint still finds an error (409 with the hints).
/// Other rooms do their part in the same transaction ([`super::hooks`]).
pub fn publish(conn: &mut DbConn, user: &User, id: &str) -> Result<Survey> {
    db::write(conn, |conn| {
        let mut survey = editable_by(conn, user, id)?;
        if survey.status() == SurveyStatus::Open {
            return Ok(survey);
        }
        let report = lint::lint(&survey.content());
        if report.has_errors() {
            let hints = serde_json::to_value(&report.hints).map_err(Error::internal)?;
            return Err(Error::ConflictWith {
                code: "lint_errors",
                message: "the survey has problems to fix before it can be published".into(),
                key: "hints",
                details: hints,
            });
        }
        survey.set_status(SurveyStatus::Open, db::now());
        model::update(conn, &survey.row)?;
        super::hooks::installed().publishing(conn, &survey)?;
        Ok(survey)
    })
}

/// Stops accepting answers; every response and invitation is kept.
pub fn close(conn: &mut DbConn, user: &User, id: &str) -> Result<Survey> {
    db::write(conn, |conn| {
        let mut survey = editable_by(conn, user, id)?;
        if survey.status() == SurveyStatus::Draft {
            return Err(Error::conflict(
                "survey_draft",
                "a draft is not open; delete it instead",
            ));
        }
        survey.set_status(SurveyStatus::Closed, db::now());
        model::update(conn, &survey.row)?;
        Ok(survey)
    })
}

/// Deletes a draft. Published surveys hold responses: they are closed, never deleted.
pub fn delete(conn: &mut DbConn, user: &User, id: &str) -> Result<()> {
    db::write(conn, |conn| {
        let survey = editable_by(conn, user, id)?;
        if survey.status() != SurveyStatus::Draft {
            return Err(Error::conflict(
                "survey_published",
                format!(
                    "the survey is {}; close it instead of deleting it",
                    survey.status()
                ),
            ));
        }
        model::delete(conn, id)
    })
}
