//! Questions and their eight kinds: the typed form stored and served. The flat input form the
//! API accepts lives in `input`, the check of an answer value against its question in `answer`.

mod answer;
mod input;

use serde::{Deserialize, Serialize};

pub use self::answer::{AnswerProblem, is_blank};
pub use self::input::{MAX_OPTION, MAX_OPTIONS, MAX_PROMPT, MAX_TEXT_ANSWER, QuestionInput};

/// A rating scale; 1–5 unless a question says otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Scale {
    pub min: i64,
    pub max: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_label: Option<String>,
}

impl Default for Scale {
    fn default() -> Self {
        Scale {
            min: 1,
            max: 5,
            min_label: None,
            max_label: None,
        }
    }
}

/// What a question asks for, with the fields that kind needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Kind {
    Text {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_length: Option<u32>,
    },
    LongText {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_length: Option<u32>,
    },
    SingleChoice {
        options: Vec<String>,
        #[serde(default)]
        other: bool,
    },
    MultiChoice {
        options: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_choices: Option<u32>,
    },
    Rating {
        #[serde(default)]
        scale: Scale,
    },
    Nps,
    Ranking {
        options: Vec<String>,
    },
    Competitor {
        brands: Vec<String>,
        attributes: Vec<String>,
        #[serde(default)]
        scale: Scale,
    },
}

impl Kind {
    /// The name used in the API (`single_choice`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Text { .. } => "text",
            Kind::LongText { .. } => "long_text",
            Kind::SingleChoice { .. } => "single_choice",
            Kind::MultiChoice { .. } => "multi_choice",
            Kind::Rating { .. } => "rating",
            Kind::Nps => "nps",
            Kind::Ranking { .. } => "ranking",
            Kind::Competitor { .. } => "competitor",
        }
    }

    /// Open questions ask for the respondent's own words.
    pub fn is_open(&self) -> bool {
        matches!(self, Kind::Text { .. } | Kind::LongText { .. })
    }

    /// Ratings and scores: a number on a scale.
    pub fn is_rating(&self) -> bool {
        matches!(self, Kind::Rating { .. } | Kind::Nps)
    }

    /// The options of a choice or ranking question.
    pub fn options(&self) -> &[String] {
        match self {
            Kind::SingleChoice { options, .. }
            | Kind::MultiChoice { options, .. }
            | Kind::Ranking { options } => options,
            _ => &[],
        }
    }
}

/// A question as stored and served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Question {
    pub id: String,
    #[serde(flatten)]
    pub kind: Kind,
    pub prompt: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    pub required: bool,
    /// The section of a scored questionnaire (e.g. the self-assessment) this question belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// A new page starts at this question. Left out when false, so questions of surveys that
    /// never page read as they always did.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub page_break: bool,
    /// The heading of the page this question starts (only with `page_break`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_title: Option<String>,
}
