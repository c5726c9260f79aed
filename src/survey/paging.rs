//! How a questionnaire falls into pages: a page starts at the first question and at every
//! question marked `page_break`. A survey without breaks is one page, answered as it always was.
//! The heading of a page is its first question's `page_title`, or else that question's section,
//! so a scored questionnaire broken at its sections is headed by them without saying each twice.

use std::ops::Range;

use super::Question;

/// One page: which questions (by position) it holds, and its heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub questions: Range<usize>,
    pub title: Option<String>,
}

/// The pages of `questions`, in order; never empty (a survey without questions is one empty
/// page, so every caller can show "page 1").
pub fn pages(questions: &[Question]) -> Vec<Page> {
    let mut starts: Vec<usize> = questions
        .iter()
        .enumerate()
        .filter(|(i, q)| *i == 0 || q.page_break)
        .map(|(i, _)| i)
        .collect();
    if starts.is_empty() {
        starts.push(0);
    }
    starts
        .iter()
        .enumerate()
        .map(|(n, &start)| {
            let end = starts.get(n + 1).copied().unwrap_or(questions.len());
            let title = questions
                .get(start)
                .and_then(|q| q.page_title.clone().or_else(|| heading_section(q)));
            Page {
                questions: start..end,
                title,
            }
        })
        .collect()
}

/// A section names a page only where a break was asked for: a single-page survey's sections
/// are shown as headings between its questions instead.
fn heading_section(question: &Question) -> Option<String> {
    question.section.clone().filter(|_| question.page_break)
}

/// The page (0-based) that holds the question at `position`.
pub fn page_of(pages: &[Page], position: usize) -> usize {
    pages
        .iter()
        .position(|p| p.questions.contains(&position))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::Kind;

    fn q(id: &str, page_break: bool, page_title: Option<&str>, section: Option<&str>) -> Question {
        Question {
            id: id.to_string(),
            kind: Kind::Text { max_length: None },
            prompt: "What should we improve?".to_string(),
            help: None,
            required: false,
            section: section.map(str::to_string),
            page_break,
            page_title: page_title.map(str::to_string),
        }
    }

    #[test]
    fn without_breaks_the_survey_is_one_page() {
        let list = [q("a", false, None, None), q("b", false, None, Some("S"))];
        assert_eq!(
            pages(&list),
            [Page {
                questions: 0..2,
                title: None
            }]
        );
        assert_eq!(pages(&[]).len(), 1);
    }

    #[test]
    fn breaks_start_pages_headed_by_their_title_or_section() {
        let list = [
            q("a", true, Some("About you"), None),
            q("b", false, None, None),
            q("c", true, None, Some("Our staff")),
            q("d", true, Some("Last"), Some("Ignored")),
            q("e", false, None, None),
        ];
        let found = pages(&list);
        let ranges: Vec<_> = found.iter().map(|p| p.questions.clone()).collect();
        assert_eq!(ranges, [0..2, 2..3, 3..5]);
        let titles: Vec<_> = found.iter().map(|p| p.title.as_deref()).collect();
        assert_eq!(titles, [Some("About you"), Some("Our staff"), Some("Last")]);
        assert_eq!(page_of(&found, 4), 2);
        assert_eq!(page_of(&found, 2), 1);
        assert_eq!(page_of(&found, 99), 0);
    }
}
