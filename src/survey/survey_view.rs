//! A survey as the API returns it (built by `Survey::view`).

use serde::Serialize;

use super::audience::Audience;
use super::incentive::Incentive;
use super::model::SurveyStatus;
use super::question::Question;
use crate::ids::SurveyId;

/// A survey as the API returns it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Survey)]
pub struct SurveyView {
    #[schema(value_type = String)]
    pub id: SurveyId,
    pub title: String,
    pub intro: String,
    pub thank_you: String,
    pub language: String,
    /// `draft`, `open` or `closed`.
    pub status: SurveyStatus,
    pub anonymous: bool,
    pub invitation_only: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub opens_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub closes_at: Option<String>,
    pub incentive: Incentive,
    pub max_reminders: i32,
    /// Whose voice the answers are.
    pub audience: Audience,
    /// Whether the thank-you page of a personal link asks the respondent to join a focus
    /// group (never asked on anonymous surveys).
    pub focus_group_opt_in: bool,
    pub questions: Vec<Question>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = "uri")]
    pub open_link: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
}
