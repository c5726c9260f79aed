//! The charts of the results page as numbers and labels, worked out here so the template only
//! draws `<rect>` and `<text>` from them (and handlebars escapes every label).
//!
//! Horizontal positions are percentages of the chart's width and vertical ones pixels, with no
//! `viewBox`: the bars stretch to the card at any width while the text keeps its size, so a
//! chart reads as well on a 390 px phone as on a laptop (a `viewBox` would shrink the labels
//! to 8 px there). Every figure drawn is also given as table rows, for screen readers and for
//! copying into a slide.

mod bars;
mod score;
mod stacked;

use serde::Serialize;

pub use self::bars::{BarRow, Bars, Column, Rating};
pub use self::score::{ScoreCard, score_card};
pub use self::stacked::{BrandRow, Cell, Competitor, Duel, DuelRow, Nps, Part};
use super::summary::{QuestionResult, Summary};
use super::terms::Term;
use crate::i18n::staff::StaffCatalog;
use crate::survey::question::{Kind, Question};

/// Longest label drawn in a chart (about a phone's width); the table has the whole text.
const LABEL_CHARS: usize = 44;

/// One question's card.
#[derive(Debug, Serialize)]
pub struct Card {
    pub number: usize,
    pub prompt: String,
    pub kind: String,
    pub answered: i64,
    /// Takes the whole width of the page (the competitor grid needs it).
    pub wide: bool,
    pub bars: Option<Bars>,
    pub rating: Option<Rating>,
    pub nps: Option<Nps>,
    pub competitor: Option<Competitor>,
    pub terms: Option<Terms>,
    /// An open question's themes: the tags on its answers, and where to code them.
    pub themes: Option<Themes>,
}

/// The tags coded on an open question's answers, most used first.
#[derive(Debug, Serialize)]
pub struct Themes {
    pub items: Vec<(String, i64)>,
    pub coding_href: String,
}

/// Figures as a table: its column headings and rows (the first cell heads its row).
#[derive(Debug, Serialize)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// The words open answers use most, each linked to the answers that use it.
#[derive(Debug, Serialize)]
pub struct Terms {
    pub items: Vec<TermItem>,
    pub from: usize,
    pub sampled: bool,
    pub counting: bool,
}

#[derive(Debug, Serialize)]
pub struct TermItem {
    pub term: String,
    pub count: usize,
    pub href: String,
}

/// The cards of a survey's questions, in the survey's order, their words in `t`'s language.
pub fn cards(
    t: &StaffCatalog,
    survey_id: &str,
    questions: &[Question],
    results: &[QuestionResult],
) -> Vec<Card> {
    results
        .iter()
        .enumerate()
        .map(|(i, result)| {
            let question = questions.iter().find(|q| q.id == result.question_id);
            card(t, survey_id, i + 1, question.map(|q| &q.kind), result)
        })
        .collect()
}

fn card(
    t: &StaffCatalog,
    survey_id: &str,
    number: usize,
    kind: Option<&Kind>,
    r: &QuestionResult,
) -> Card {
    let mut card = Card {
        number,
        prompt: r.prompt.clone(),
        kind: t.get(kind_label(r.kind)).to_string(),
        answered: r.answered,
        wide: r.kind == "competitor",
        themes: None,
        bars: None,
        rating: None,
        nps: None,
        competitor: None,
        terms: None,
    };
    // Nobody answered: the page says so instead of drawing an empty chart.
    if r.answered == 0 {
        return card;
    }
    match &r.summary {
        Summary::Choice { counts } => card.bars = Some(bars::choice(t, r, counts)),
        Summary::Ranking { mean_rank } => card.bars = Some(bars::ranking(t, r, mean_rank)),
        Summary::Rating {
            mean,
            median,
            distribution,
        } => {
            let scale = match kind {
                Some(Kind::Rating { scale }) => Some(scale),
                _ => None,
            };
            card.rating = Some(bars::rating(t, r, (*mean, *median), distribution, scale));
        }
        Summary::Nps {
            score,
            promoters,
            passives,
            detractors,
            ..
        } => {
            card.nps = Some(stacked::nps(
                t,
                r,
                *score,
                [*detractors, *passives, *promoters],
            ))
        }
        Summary::Competitor {
            brands,
            head_to_head,
        } => {
            let scale = match kind {
                Some(Kind::Competitor { scale, .. }) => format!("{}–{}", scale.min, scale.max),
                _ => String::new(),
            };
            card.competitor = Some(stacked::competitor(t, brands, head_to_head, scale));
        }
        Summary::Text {
            top_terms,
            terms_from,
            terms_sampled,
            terms_counting,
        } => {
            card.terms = Some(Terms {
                counting: *terms_counting,
                ..terms(survey_id, top_terms, *terms_from, *terms_sampled)
            })
        }
    }
    card
}

/// The key of a question kind's name.
fn kind_label(name: &str) -> &'static str {
    match name {
        "text" => "charts.kind_text",
        "long_text" => "charts.kind_long_text",
        "single_choice" => "charts.kind_single_choice",
        "multi_choice" => "charts.kind_multi_choice",
        "rating" => "charts.kind_rating",
        "nps" => "charts.kind_nps",
        "ranking" => "charts.kind_ranking",
        "competitor" => "charts.kind_competitor",
        _ => "charts.kind_question",
    }
}

fn terms(survey_id: &str, top: &[Term], from: usize, sampled: bool) -> Terms {
    Terms {
        items: top
            .iter()
            .map(|t| TermItem {
                term: t.term.clone(),
                count: t.count,
                href: format!(
                    "/surveys/{survey_id}/responses?{}",
                    form_urlencoded::Serializer::new(String::new())
                        .append_pair("word", &t.term)
                        .finish()
                ),
            })
            .collect(),
        from,
        sampled,
        counting: false,
    }
}

/// `n` of `of` as a fraction from 0 to 1 (0 when there is nothing to divide).
fn fraction(n: i64, of: i64) -> f64 {
    if of <= 0 {
        0.0
    } else {
        (n as f64 / of as f64).clamp(0.0, 1.0)
    }
}

/// A count short enough for a column label: in full below 10,000, else in thousands or
/// millions with one decimal ("200.1k", "1.2M"; "200,1k" in Dutch).
fn compact(t: &StaffCatalog, n: i64) -> String {
    let x = n as f64;
    let short = |key: &str, x: f64| t.format(key, &[("n", &t.decimal(x, 1))]);
    match n.unsigned_abs() {
        0..10_000 => t.number(n),
        10_000..999_950 => short("charts.thousands", x / 1e3),
        _ => short("charts.millions", x / 1e6),
    }
}

fn percent(n: i64, of: i64) -> String {
    format!("{:.0}%", fraction(n, of) * 100.0)
}

/// A figure as people write it: "4" rather than "4.0", "3.5" as it is ("3,5" in Dutch).
fn number(t: &StaffCatalog, x: f64) -> String {
    t.decimal(x, if x.fract() == 0.0 { 0 } else { 1 })
}

/// Two decimals are finer than a pixel and keep the page small.
fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// At most `max` characters, cut with an ellipsis.
fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::staff::staff_catalog;
    use crate::web::template::grouped;

    #[test]
    fn figures_are_written_as_people_read_them() {
        let (en, nl) = (staff_catalog("en"), staff_catalog("nl"));
        assert_eq!(percent(1, 3), "33%");
        assert_eq!(percent(5, 0), "0%");
        assert_eq!(number(en, 4.0), "4");
        assert_eq!(number(en, 3.5), "3.5");
        assert_eq!(number(nl, 3.5), "3,5");
        assert_eq!(short("abcdef", 4), "abc…");
        assert_eq!(short("abc", 4), "abc");
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1_000_000), "1,000,000");
        assert_eq!(grouped(-12_345), "-12,345");
        assert_eq!(compact(en, 9_999), "9,999");
        assert_eq!(compact(nl, 9_999), "9.999");
        assert_eq!(compact(en, 200_148), "200.1k");
        assert_eq!(compact(nl, 200_148), "200,1k");
        assert_eq!(compact(en, 999_949), "999.9k");
        assert_eq!(compact(en, 999_950), "1.0M");
        assert_eq!(compact(en, 1_000_000), "1.0M");
    }
}
