//! Surveys: questionnaires with their questions and pages, quality hints (lint), built-in
//! templates and the scoring of scored questionnaires such as the customer-service
//! self-assessment.

pub mod api;
pub mod audience;
pub mod editing;
pub mod hooks;
pub mod incentive;
pub mod lint;
pub mod model;
pub mod pages;
pub mod paging;
pub mod question;
pub mod score;
pub mod survey_view;
pub mod templates;
pub mod workspace;

pub use self::question::{Kind, Question, QuestionInput, Scale};

use rocket::{Build, Rocket};

pub fn mount(rocket: Rocket<Build>) -> Rocket<Build> {
    rocket
        .mount("/api/v1", api::routes())
        .mount("/", pages::routes())
}

/// What a questionnaire says, apart from its identity and state: what lint reads, what a
/// template produces.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SurveyContent {
    pub title: String,
    pub intro: String,
    pub thank_you: String,
    /// A language code: en, nl, de, fr, sv, af, sk or sl.
    pub language: String,
    pub anonymous: bool,
    pub questions: Vec<Question>,
}
