//! Which part of a survey one respondent page shows: the questions of the current page, the
//! "page 2 of 4" line and heading of a paged survey, and the hidden fields that carry the
//! answers given on its other pages. A survey of one page shows every question and carries
//! nothing, as before pages existed.

use std::ops::Range;

use serde::Serialize;
use serde_json::{Map, Value};

use super::carry::{self, Field};
use crate::i18n::Catalog;
use crate::survey::paging;
use crate::survey::question::{AnswerProblem, Question};

/// Where a paged survey's page stands, for the template.
#[derive(Debug, Serialize)]
pub struct Nav {
    /// 1-based, as the `page` field posts it.
    pub number: usize,
    pub pages: usize,
    pub title: Option<String>,
    pub progress: String,
    pub is_first: bool,
    pub is_last: bool,
}

/// One page of a survey as shown.
pub struct Layout {
    pub questions: Range<usize>,
    /// None for a survey of one page.
    pub nav: Option<Nav>,
    pub carried: Vec<Field>,
}

/// The layout of page `page` (0-based, held to the pages there are) with `answers` given.
pub fn layout(
    questions: &[Question],
    page: usize,
    answers: &Map<String, Value>,
    t: &Catalog,
) -> Layout {
    let pages = paging::pages(questions);
    let last = pages.len().saturating_sub(1);
    let index = page.min(last);
    let range = pages
        .get(index)
        .map_or(0..questions.len(), |p| p.questions.clone());
    if pages.len() <= 1 {
        return Layout {
            questions: range,
            nav: None,
            carried: Vec::new(),
        };
    }
    let carried = questions
        .iter()
        .enumerate()
        .filter(|(i, _)| !range.contains(i))
        .filter_map(|(_, q)| answers.get(&q.id).map(|value| carry::fields(q, value)))
        .flatten()
        .collect();
    let (number, total) = (index + 1, pages.len());
    let nav = Nav {
        number,
        pages: total,
        title: pages.get(index).and_then(|p| p.title.clone()),
        progress: t.format(
            "page_progress",
            &[("page", &number.to_string()), ("pages", &total.to_string())],
        ),
        is_first: index == 0,
        is_last: index == last,
    };
    Layout {
        questions: range,
        nav: Some(nav),
        carried,
    }
}

/// The section headings to show between the questions of one page: where the section changes,
/// except at the top of a page its heading already names.
pub fn section_headings<'q>(
    questions: &'q [Question],
    range: Range<usize>,
    page_title: Option<&str>,
) -> Vec<Option<&'q str>> {
    let mut shown = page_title;
    range
        .filter_map(|i| questions.get(i))
        .map(|q| {
            let section = q.section.as_deref();
            let heading = section.filter(|s| Some(*s) != shown);
            if section.is_some() {
                shown = section;
            }
            heading
        })
        .collect()
}

/// The page (0-based) to show `problems` on: the first one that has any, else `fallback`.
pub fn page_of_problems(
    questions: &[Question],
    problems: &[(String, AnswerProblem)],
    fallback: usize,
) -> usize {
    let pages = paging::pages(questions);
    questions
        .iter()
        .position(|q| problems.iter().any(|(id, _)| *id == q.id))
        .map_or(fallback, |at| paging::page_of(&pages, at))
}
