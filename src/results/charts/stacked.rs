//! Stacked bars: the NPS split with its score, and the competitor question's grid of means
//! with ours against each other brand (wins, ties, losses).

use serde::Serialize;

use super::bars::headings;
use super::{LABEL_CHARS, Table, fraction, percent, round, short};
use crate::i18n::staff::StaffCatalog;
use crate::results::summary::{BrandScore, HeadToHead, Ordered, QuestionResult};

/// One head-to-head: its label, its bar and its line of figures, below the legend.
const DUEL_ROW: u32 = 84;
const LEGEND: u32 = 28;

/// The NPS split as one stacked bar, with the score.
#[derive(Debug, Serialize)]
pub struct Nps {
    pub caption: String,
    pub score: String,
    pub parts: Vec<Part>,
    pub table: Table,
}

/// A part of a stacked bar, with its line of the legend.
#[derive(Debug, Serialize)]
pub struct Part {
    pub name: String,
    pub class: &'static str,
    pub x: f64,
    pub width: f64,
    pub center: f64,
    /// The share written inside the part, when it is wide enough to hold it.
    pub inside: Option<String>,
    pub legend: String,
    /// The top of the legend's colour swatch, and the baseline of its text beside it.
    pub legend_y: u32,
    pub legend_text_y: u32,
}

/// The competitor grid (means per brand and attribute) and ours against each other brand.
#[derive(Debug, Serialize)]
pub struct Competitor {
    pub ours: String,
    pub scale: String,
    pub attributes: Vec<String>,
    pub brands: Vec<BrandRow>,
    pub duel: Duel,
}

#[derive(Debug, Serialize)]
pub struct BrandRow {
    pub name: String,
    pub ours: bool,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Serialize)]
pub struct Cell {
    pub mean: String,
    pub n: i64,
    /// The highest mean of its attribute.
    pub best: bool,
}

/// Win, tie and loss bars of ours against each other brand.
#[derive(Debug, Serialize)]
pub struct Duel {
    pub caption: String,
    pub height: u32,
    pub rows: Vec<DuelRow>,
    pub table: Table,
}

#[derive(Debug, Serialize)]
pub struct DuelRow {
    pub label: String,
    pub label_y: u32,
    pub bar_y: u32,
    pub inside_y: u32,
    pub text_y: u32,
    pub parts: Vec<Part>,
    pub summary: String,
}

/// A part's name (a key of the staff catalogue), the range it covers (empty for none) and its
/// colour class.
type Name = (&'static str, &'static str, &'static str);

pub(super) fn nps(
    t: &StaffCatalog,
    r: &QuestionResult,
    score: Option<f64>,
    split: [i64; 3],
) -> Nps {
    let names: [Name; 3] = [
        ("charts.detractors", "0–6", "c-detractor"),
        ("charts.passives", "7–8", "c-passive"),
        ("charts.promoters", "9–10", "c-promoter"),
    ];
    let total: i64 = split.iter().sum();
    let rows = names
        .iter()
        .zip(split)
        .map(|((name, range, _), n)| {
            vec![
                format!("{} ({range})", t.get(name)),
                t.number(n),
                percent(n, total),
            ]
        })
        .collect();
    let score = score.map_or("–".to_string(), |x| signed(t, x));
    Nps {
        caption: t.format(
            "charts.nps_caption",
            &[("count", &t.number(r.answered)), ("score", &score)],
        ),
        score,
        // The bar is 36 px high; the legend starts below it.
        parts: stack(t, &names, &split, 64),
        table: Table {
            columns: headings(
                t,
                &["charts.col_group", "charts.col_answers", "charts.col_share"],
            ),
            rows,
        },
    }
}

/// The parts of one stacked bar, each with a legend line, the first at `legend_top`.
fn stack(t: &StaffCatalog, names: &[Name], counts: &[i64], legend_top: u32) -> Vec<Part> {
    let total: i64 = counts.iter().sum();
    let mut x = 0.0;
    names
        .iter()
        .zip(counts)
        .enumerate()
        .map(|(i, ((name, range, class), n))| {
            let width = fraction(*n, total) * 100.0;
            let share = percent(*n, total);
            let name = t.get(name);
            let part = Part {
                name: name.to_string(),
                class,
                x: round(x),
                width: round(width),
                center: round(x + width / 2.0),
                inside: (width >= 14.0).then(|| share.clone()),
                legend: if range.is_empty() {
                    format!("{name}: {} ({share})", t.number(*n))
                } else {
                    format!("{name} ({range}): {} ({share})", t.number(*n))
                },
                legend_y: legend_top + i as u32 * 24,
                legend_text_y: legend_top + i as u32 * 24 + 12,
            };
            x += width;
            part
        })
        .collect()
}

pub(super) fn competitor(
    t: &StaffCatalog,
    brands: &Ordered<Ordered<BrandScore>>,
    duels: &Ordered<HeadToHead>,
    scale: String,
) -> Competitor {
    let attributes: Vec<String> = brands
        .0
        .first()
        .map(|(_, scores)| scores.0.iter().map(|(name, _)| name.clone()).collect())
        .unwrap_or_default();
    let best: Vec<Option<f64>> = (0..attributes.len())
        .map(|a| {
            brands
                .0
                .iter()
                .filter_map(|(_, scores)| scores.0.get(a)?.1.mean)
                .max_by(f64::total_cmp)
        })
        .collect();
    let rows = brands
        .0
        .iter()
        .enumerate()
        .map(|(b, (name, scores))| BrandRow {
            name: name.clone(),
            ours: b == 0,
            cells: scores
                .0
                .iter()
                .enumerate()
                .map(|(a, (_, score))| Cell {
                    mean: score.mean.map_or("–".to_string(), |m| t.decimal(m, 1)),
                    n: score.n,
                    best: score.mean.is_some() && score.mean == best.get(a).copied().flatten(),
                })
                .collect(),
        })
        .collect();
    let ours = brands
        .0
        .first()
        .map(|(name, _)| name.clone())
        .unwrap_or_default();
    Competitor {
        duel: duel(t, &ours, duels),
        ours,
        scale,
        attributes,
        brands: rows,
    }
}

fn duel(t: &StaffCatalog, ours: &str, duels: &Ordered<HeadToHead>) -> Duel {
    let names: [Name; 3] = [
        ("charts.wins", "", "c-win"),
        ("charts.ties", "", "c-tie"),
        ("charts.losses", "", "c-loss"),
    ];
    let mut table = Vec::new();
    let rows: Vec<DuelRow> = duels
        .0
        .iter()
        .enumerate()
        .map(|(i, (brand, h))| {
            let top = LEGEND + i as u32 * DUEL_ROW;
            let counts = [h.wins, h.ties, h.losses];
            let total: i64 = counts.iter().sum();
            table.push(vec![
                brand.clone(),
                t.number(h.wins),
                t.number(h.ties),
                t.number(h.losses),
                t.number(total),
            ]);
            let versus = t.format("charts.versus", &[("ours", ours), ("brand", brand)]);
            DuelRow {
                label: short(&versus, LABEL_CHARS),
                label_y: top + 15,
                bar_y: top + 22,
                inside_y: top + 37,
                text_y: top + 64,
                // One legend above all the bars rather than one under each.
                parts: stack(t, &names, &counts, 0),
                summary: if total == 0 {
                    t.get("charts.duel_none").to_string()
                } else {
                    t.format(
                        "charts.duel_summary",
                        &[
                            ("wins", &t.number(h.wins)),
                            ("ties", &t.number(h.ties)),
                            ("losses", &t.number(h.losses)),
                            ("total", &t.number(total)),
                        ],
                    )
                },
            }
        })
        .collect();
    Duel {
        caption: t.format("charts.duel_caption", &[("ours", ours)]),
        height: LEGEND + rows.len() as u32 * DUEL_ROW,
        rows,
        table: Table {
            columns: headings(
                t,
                &[
                    "charts.col_us_against",
                    "charts.col_won",
                    "charts.col_tied",
                    "charts.col_lost",
                    "charts.col_of",
                ],
            ),
            rows: table,
        },
    }
}

/// A score with its sign, as NPS is written: "+23", "-8", "0" (whole, so the same in every
/// staff language but for the grouping of digits, which a score never reaches).
fn signed(t: &StaffCatalog, x: f64) -> String {
    let x = x.round();
    if x == 0.0 {
        "0".to_string()
    } else if x > 0.0 {
        format!("+{}", t.decimal(x, 0))
    } else {
        t.decimal(x, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_of_a_stacked_bar_fill_it_in_order() {
        let t = crate::i18n::staff::staff_catalog("en");
        let names: [Name; 3] = [("A", "", "a"), ("B", "", "b"), ("C", "", "c")];
        let parts = stack(t, &names, &[1, 0, 3], 10);
        let spans: Vec<(f64, f64)> = parts.iter().map(|p| (p.x, p.width)).collect();
        assert_eq!(spans, [(0.0, 25.0), (25.0, 0.0), (25.0, 75.0)]);
        assert_eq!(parts[0].inside.as_deref(), Some("25%"));
        assert_eq!(parts[1].inside, None);
        assert_eq!(parts[2].legend_y, 58);
        assert!(
            stack(t, &names, &[0, 0, 0], 0)
                .iter()
                .all(|p| p.width == 0.0)
        );
        assert_eq!(
            (signed(t, 23.4), signed(t, -0.4), signed(t, -8.0)),
            ("+23".into(), "0".into(), "-8".into())
        );
    }
}
