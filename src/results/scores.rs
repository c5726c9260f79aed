//! A scored questionnaire's scores across its responses (the self-assessment's "section
//! averages add up to a score with a band"): how many responses have a score, their mean total,
//! how many fell in each band, and each section's mean, for everyone or a segment. Each
//! response keeps its own score; these are read a page at a time, as a segment's figures are.

use super::counting;
use super::segment::Segment;
use crate::db::DbConn;
use crate::error::Result;
use crate::survey::model::Survey;
use crate::survey::question::Kind;
use crate::survey::score::{self, Band, Score};

/// The bands, best first, as the results show them.
pub const BANDS: [Band; 3] = [Band::Asset, Band::NeedsImprovement, Band::LosingCustomers];

#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// Responses with a score.
    pub scored: i64,
    /// The mean of their totals.
    pub mean_total: f64,
    /// How many fell in each of [`BANDS`], in that order.
    pub bands: [i64; 3],
    /// Each section's title and the mean of its averages, in the questionnaire's order.
    pub sections: Vec<(String, f64)>,
    /// The rating scale the statements use, so a mean can be read against it.
    pub scale: (i64, i64),
}

/// Scores added up one response at a time.
#[derive(Default)]
struct Sums {
    scored: i64,
    total: f64,
    bands: [i64; 3],
    sections: Vec<(String, f64)>,
}

impl Sums {
    fn add(&mut self, score: &Score) {
        self.scored += 1;
        self.total += score.total;
        if let Some(at) = BANDS.iter().position(|b| *b == score.band) {
            self.bands[at] += 1;
        }
        for section in &score.sections {
            match self.sections.iter_mut().find(|(t, _)| *t == section.title) {
                Some((_, sum)) => *sum += section.average,
                None => self.sections.push((section.title.clone(), section.average)),
            }
        }
    }

    fn into_scores(self, scale: (i64, i64)) -> Scores {
        let n = self.scored.max(1) as f64;
        Scores {
            scored: self.scored,
            mean_total: self.total / n,
            bands: self.bands,
            sections: self
                .sections
                .into_iter()
                .map(|(title, sum)| (title, sum / n))
                .collect(),
            scale,
        }
    }
}

/// The scores of `survey`'s responses in `segment`; `None` when the questionnaire is not scored.
pub fn scores(conn: &mut DbConn, survey: &Survey, segment: &Segment) -> Result<Option<Scores>> {
    let questions = survey.questions();
    if !score::is_scored(questions) {
        return Ok(None);
    }
    let scale = questions
        .iter()
        .find_map(|q| match (&q.kind, &q.section) {
            (Kind::Rating { scale }, Some(_)) => Some((scale.min, scale.max)),
            _ => None,
        })
        .unwrap_or((1, 5));
    let mut sums = Sums::default();
    counting::for_each_response(conn, survey, segment, |row| {
        // A score that cannot be read (a hand-made import) is left out, not guessed at.
        if let Some(score) = row
            .score
            .as_deref()
            .and_then(|s| serde_json::from_str::<Score>(s).ok())
        {
            sums.add(&score);
        }
    })?;
    Ok(Some(sums.into_scores(scale)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::score::SectionScore;

    fn score(sections: &[(&str, f64)], band: Band) -> Score {
        Score {
            total: sections.iter().map(|(_, a)| a).sum(),
            sections: sections
                .iter()
                .map(|(title, average)| SectionScore {
                    title: title.to_string(),
                    average: *average,
                })
                .collect(),
            band,
        }
    }

    #[test]
    fn means_are_taken_per_section_and_bands_counted() {
        let mut sums = Sums::default();
        sums.add(&score(&[("Listening", 4.0), ("Speed", 5.0)], Band::Asset));
        sums.add(&score(
            &[("Listening", 2.0), ("Speed", 3.0)],
            Band::LosingCustomers,
        ));
        sums.add(&score(&[("Listening", 3.0), ("Speed", 4.0)], Band::Asset));
        let scores = sums.into_scores((1, 5));
        assert_eq!(scores.scored, 3);
        assert_eq!(scores.mean_total, 7.0);
        assert_eq!(scores.bands, [2, 0, 1]);
        assert_eq!(
            scores.sections,
            [("Listening".to_string(), 3.0), ("Speed".to_string(), 4.0)]
        );
        assert_eq!(Sums::default().into_scores((1, 5)).mean_total, 0.0);
    }
}
