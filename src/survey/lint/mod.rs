//! The questionnaire quality lint: hints that hold a questionnaire to the survey advice of the
//! reference material (10–15 questions, a battery of scored statements counting as one; open
//! questions rather than only ratings, neutral wording, one subject per question, an intro that
//! says why answers matter, real companies in a competitor grid rather than a template's
//! stand-ins), errors that block publishing (no questions, empty or duplicate options) and the
//! estimated time to complete.
//!
//! The rules are data: one JSON table per language in `lint/` holds the phrase lists and the
//! message text, so changing a wording or adding a language never means touching this file's
//! control flow. A survey in a language without a table is checked with the English one.

use std::collections::HashSet;

use serde::Serialize;

use super::{Kind, Question, SurveyContent};

mod table;
#[cfg(test)]
mod tests;
mod words;

use self::table::*;
use self::words::*;

/// How much a hint matters: errors block publishing, warnings and info do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

/// One finding, with a stable `code` for clients and a `message` in the survey's language.
///
/// Staff pages say the same in the member's language instead: the staff catalogue's
/// `lint.<key>` filled with `args` (neither is part of the API's JSON).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Hint {
    pub severity: Severity,
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question_id: Option<String>,
    pub message: String,
    /// The message's key: the code, or a variant of it (`missing_intro_empty`).
    #[serde(skip)]
    pub key: &'static str,
    /// The message's placeholders; `list` names a question's list by its field (`options`,
    /// `brands`, `attributes`), not in words.
    #[serde(skip)]
    pub args: Vec<(&'static str, String)>,
}

/// Every hint for one questionnaire, errors first, and how long it takes to fill in.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = LintReport)]
pub struct Report {
    pub hints: Vec<Hint>,
    pub estimated_seconds: u32,
}

impl Report {
    /// Whether any hint must be fixed before the survey can be published.
    pub fn has_errors(&self) -> bool {
        self.blocking_count() > 0
    }

    /// How many hints must be fixed before the survey can be published.
    pub fn blocking_count(&self) -> usize {
        self.hints
            .iter()
            .filter(|h| h.severity == Severity::Error)
            .count()
    }
}

/// Beyond this, respondents start to give up (the advice: no more than 10–15 questions).
const MAX_QUESTIONS: usize = 15;

/// Time to read the intro, counted even before the first question.
const INTRO_SECONDS: u32 = 15;

/// About how long a respondent needs for these questions, intro included.
pub fn estimated_seconds(questions: &[Question]) -> u32 {
    questions.iter().fold(INTRO_SECONDS, |total, q| {
        total.saturating_add(question_seconds(&q.kind))
    })
}

fn question_seconds(kind: &Kind) -> u32 {
    // Content reaching lint may not have been validated, so list sizes are not trusted.
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    match kind {
        Kind::Text { .. } => 30,
        Kind::LongText { .. } => 60,
        Kind::SingleChoice { .. } => 8,
        Kind::MultiChoice { .. } => 12,
        Kind::Rating { .. } | Kind::Nps => 6,
        Kind::Ranking { options } => count(options.len()).saturating_mul(5),
        Kind::Competitor {
            brands, attributes, ..
        } => count(brands.len())
            .saturating_mul(count(attributes.len()))
            .saturating_mul(4),
    }
}

/// How many questions a respondent meets. Statements rated on one scale one after another in
/// the same section form one battery, read and answered as a single question with several
/// items (as a grid is counted); every other question counts once.
pub fn questions_asked(questions: &[Question]) -> usize {
    let mut count = 0;
    let mut previous: Option<&Question> = None;
    for question in questions {
        let continues = previous.is_some_and(|p| same_battery(p, question));
        if !continues {
            count += 1;
        }
        previous = Some(question);
    }
    count
}

/// A rating that counts towards a section score (see `survey::score`).
fn is_scored_statement(question: &Question) -> bool {
    matches!(question.kind, Kind::Rating { .. }) && question.section.is_some()
}

/// Whether `next` carries on the statement battery `previous` belongs to: both scored ratings
/// on the same scale in the same section, with no new page between them.
fn same_battery(previous: &Question, next: &Question) -> bool {
    match (&previous.kind, &next.kind) {
        (Kind::Rating { scale: a }, Kind::Rating { scale: b }) => {
            a == b
                && is_scored_statement(next)
                && previous.section == next.section
                && !next.page_break
        }
        _ => false,
    }
}

/// Checks a questionnaire against the rules of its language's table.
pub fn lint(survey: &SurveyContent) -> Report {
    let tables = tables();
    let table = tables.get(&survey.language);
    let english = &tables.english;
    // English wording turns up in surveys of every language, so it is checked as well.
    let mut wording = vec![table];
    if !std::ptr::eq(table, english) {
        wording.push(english);
    }
    let mut out = Hints {
        table,
        english,
        hints: Vec::new(),
    };
    let questions = &survey.questions;

    if questions.is_empty() {
        out.push(Severity::Error, "no_questions", None, "no_questions", &[]);
    } else {
        let asked = questions_asked(questions);
        if asked > MAX_QUESTIONS {
            let n = asked.to_string();
            out.push(
                Severity::Warning,
                "too_long",
                None,
                "too_long",
                &[("n", &n)],
            );
        }
        let open = questions.iter().filter(|q| q.kind.is_open()).count();
        // A scored statement is there to be added into its section's score, which already says
        // where to look; asking why of each would double the survey. Stand-alone ratings are
        // the ones that need an open question beside them.
        let ratings = questions
            .iter()
            .filter(|q| q.kind.is_rating() && !is_scored_statement(q))
            .count();
        if open == 0 {
            out.push(
                Severity::Warning,
                "no_open_question",
                None,
                "no_open_question",
                &[],
            );
        }
        // Why a rating was given matters more than the rating itself.
        if ratings > open {
            let (ratings, open) = (ratings.to_string(), open.to_string());
            out.push(
                Severity::Warning,
                "rating_heavy",
                None,
                "rating_heavy",
                &[("ratings", &ratings), ("open", &open)],
            );
        }
    }

    let intro = tokens(&survey.intro);
    if intro.is_empty() {
        out.push(
            Severity::Warning,
            "missing_intro",
            None,
            "missing_intro_empty",
            &[],
        );
    } else if !table.purpose.iter().any(|p| p.find(&intro).is_some()) {
        out.push(
            Severity::Warning,
            "missing_intro",
            None,
            "missing_intro",
            &[],
        );
    }

    for question in questions {
        check_items(&mut out, question);
        if let Kind::Competitor { brands, .. } = &question.kind {
            let stand_in = brands
                .iter()
                .filter(|b| wording.iter().any(|t| t.is_placeholder_brand(b)));
            for brand in stand_in {
                out.push(
                    Severity::Warning,
                    "placeholder_brand",
                    Some(&question.id),
                    "placeholder_brand",
                    &[("brand", brand.trim())],
                );
            }
        }
        let words = tokens(&question.prompt);
        let leading = wording.iter().find_map(|t| {
            t.leading.iter().find_map(|p| {
                let start = p.find(&words)?;
                Some(span(&words[start..start + p.words.len()]))
            })
        });
        if let Some(found) = leading {
            out.push(
                Severity::Warning,
                "leading_wording",
                Some(&question.id),
                "leading_wording",
                &[("phrase", &question.prompt[found])],
            );
        }
        let pair = wording
            .iter()
            .find_map(|t| t.double_barrelled(&question.prompt, &words));
        if let Some(pair) = pair {
            out.push(
                Severity::Warning,
                "double_barrelled",
                Some(&question.id),
                "double_barrelled",
                &[("pair", &question.prompt[pair])],
            );
        }
    }

    let seconds = estimated_seconds(questions);
    if !questions.is_empty() {
        // Rounded up like the respondent page's "about N minutes", so the two agree.
        let minutes = seconds.div_ceil(60).max(1);
        let key = if minutes == 1 {
            "estimated_time_one"
        } else {
            "estimated_time"
        };
        let minutes = minutes.to_string();
        out.push(
            Severity::Info,
            "estimated_time",
            None,
            key,
            &[("minutes", &minutes)],
        );
    }

    let mut hints = out.hints;
    // Stable, so hints of one severity keep survey-then-question order.
    hints.sort_by_key(|h| match h.severity {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
    });
    Report {
        hints,
        estimated_seconds: seconds,
    }
}

/// Empty and duplicate items of each list a question offers.
fn check_items(out: &mut Hints<'_>, question: &Question) {
    let lists: Vec<(&str, &[String])> = match &question.kind {
        Kind::Competitor {
            brands, attributes, ..
        } => vec![
            ("brands", brands.as_slice()),
            ("attributes", attributes.as_slice()),
        ],
        kind => vec![("options", kind.options())],
    };
    for (list, items) in lists {
        let mut seen = HashSet::new();
        let mut reported = HashSet::new();
        for (i, item) in items.iter().enumerate() {
            let item = item.trim();
            if item.is_empty() {
                let n = (i + 1).to_string();
                out.push(
                    Severity::Error,
                    "empty_option",
                    Some(&question.id),
                    "empty_option",
                    &[("n", &n), ("list", list)],
                );
                continue;
            }
            // The same folding as question validation, so lint and the API agree on "equal".
            let key = item.to_lowercase();
            if !seen.insert(key.clone()) && reported.insert(key) {
                out.push(
                    Severity::Error,
                    "duplicate_option",
                    Some(&question.id),
                    "duplicate_option",
                    &[("value", item), ("list", list)],
                );
            }
        }
    }
}

/// Collects hints, with messages from the survey's table or else the English one.
struct Hints<'a> {
    table: &'a Table,
    english: &'a Table,
    hints: Vec<Hint>,
}

impl Hints<'_> {
    fn push(
        &mut self,
        severity: Severity,
        code: &'static str,
        question_id: Option<&str>,
        key: &'static str,
        params: &[(&'static str, &str)],
    ) {
        let template = self
            .table
            .messages
            .get(key)
            .or_else(|| self.english.messages.get(key))
            .map_or(key, String::as_str);
        // A list is named in the survey's words in its message.
        let named: Vec<(&str, String)> = params
            .iter()
            .map(|&(name, value)| match name {
                "list" => (name, self.list_name(value)),
                _ => (name, value.to_string()),
            })
            .collect();
        let named: Vec<(&str, &str)> = named.iter().map(|(n, v)| (*n, v.as_str())).collect();
        self.hints.push(Hint {
            severity,
            code,
            question_id: question_id.map(str::to_string),
            message: fill(template, &named),
            key,
            args: params
                .iter()
                .map(|&(name, value)| (name, value.to_string()))
                .collect(),
        });
    }

    fn list_name(&self, list: &str) -> String {
        self.table
            .lists
            .get(list)
            .or_else(|| self.english.lists.get(list))
            .map_or(list, String::as_str)
            .to_string()
    }
}

/// Fills `{name}` placeholders in one pass, so a value that itself contains braces (an
/// option's text) is never expanded again; unknown placeholders stay as written.
fn fill(template: &str, params: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            params
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (close, *v))
        });
        match value {
            Some((close, value)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}
