//! The score card of a scored questionnaire: the mean total against its range, how many
//! responses fell in each band, and each section's mean on the rating scale.

use serde::Serialize;

use super::bars::{Bars, Row, headings, layout};
use super::{number, percent};
use crate::i18n::staff::StaffCatalog;
use crate::results::scores::{BANDS, Scores};

#[derive(Debug, Serialize)]
pub struct ScoreCard {
    pub scored: i64,
    pub mean: String,
    pub lowest: String,
    pub highest: String,
    pub bands: Bars,
    pub sections: Bars,
}

pub fn score_card(t: &StaffCatalog, scores: &Scores) -> ScoreCard {
    let (min, max) = scores.scale;
    let count = scores.sections.len() as f64;
    let band_rows = BANDS
        .iter()
        .zip(scores.bands)
        .map(|(band, n)| {
            let name = crate::web::capitalized(t.get(&format!("responses.band_{}", band.code())));
            let share = percent(n, scores.scored);
            Row {
                share: n as f64 / scores.scored.max(1) as f64,
                value: format!("{} · {share}", t.number(n)),
                other: false,
                cells: vec![name.clone(), t.number(n), share],
                label: name,
            }
        })
        .collect();
    let span = (max - min).max(1) as f64;
    let section_rows = scores
        .sections
        .iter()
        .map(|(title, mean)| {
            let shown = t.decimal(*mean, 1);
            Row {
                share: (mean - min as f64) / span,
                value: shown.clone(),
                other: false,
                cells: vec![title.clone(), shown],
                label: title.clone(),
            }
        })
        .collect();
    let scored = t.number(scores.scored);
    ScoreCard {
        scored: scores.scored,
        mean: t.decimal(scores.mean_total, 1),
        lowest: number(t, min as f64 * count),
        highest: number(t, max as f64 * count),
        bands: layout(
            t.format("results.score_bands_caption", &[("count", &scored)]),
            None,
            band_rows,
            headings(
                t,
                &["charts.col_band", "charts.col_answers", "charts.col_share"],
            ),
        ),
        sections: layout(
            t.format(
                "results.score_sections_caption",
                &[("min", &min.to_string()), ("max", &max.to_string())],
            ),
            None,
            section_rows,
            headings(t, &["charts.col_section", "charts.col_mean"]),
        ),
    }
}
