//! Bar charts: one horizontal bar per option for choices and rankings, and a rating's
//! distribution as columns.

use serde::Serialize;

use super::{LABEL_CHARS, Table, compact, fraction, number, percent, round, short};
use crate::i18n::staff::StaffCatalog;
use crate::respond::figures::OTHER;
use crate::results::summary::{Ordered, QuestionResult};
use crate::survey::question::Scale;

/// The share of the width the longest bar may take, leaving room for its figures after it.
const SPAN: f64 = 70.0;
/// One labelled bar: the label line, then the bar.
const ROW: u32 = 54;
/// The tallest column of a distribution, and the room above it for its count.
const COLUMN: u32 = 140;
const ABOVE: u32 = 24;

/// Horizontal bars, one per option.
#[derive(Debug, Serialize)]
pub struct Bars {
    pub caption: String,
    pub note: Option<String>,
    pub height: u32,
    pub span: f64,
    pub rows: Vec<BarRow>,
    pub table: Table,
}

#[derive(Debug, Serialize)]
pub struct BarRow {
    pub label: String,
    pub label_y: u32,
    pub bar_y: u32,
    pub text_y: u32,
    pub width: f64,
    pub value: String,
    /// "Other" answers are drawn in the neutral colour, the options in the accent.
    pub other: bool,
}

/// A rating's distribution as columns, with its mean and median.
#[derive(Debug, Serialize)]
pub struct Rating {
    pub caption: String,
    pub mean: String,
    pub median: String,
    pub scale: String,
    pub height: u32,
    pub axis_y: u32,
    pub label_y: u32,
    pub ends_y: u32,
    pub min_label: Option<String>,
    pub max_label: Option<String>,
    pub columns: Vec<Column>,
    pub table: Table,
}

#[derive(Debug, Serialize)]
pub struct Column {
    pub label: String,
    pub x: f64,
    pub width: f64,
    pub center: f64,
    pub y: f64,
    pub height: f64,
    /// The count above the column, shortened when large ("200.1k") so neighbours do not
    /// run together on a phone; the table below gives it in full.
    pub count: String,
    pub count_y: f64,
}

/// One bar before layout: its label, its length as a fraction, the figure after it, whether
/// it is "other", and its table row.
pub(super) struct Row {
    pub(super) label: String,
    pub(super) share: f64,
    pub(super) value: String,
    pub(super) other: bool,
    pub(super) cells: Vec<String>,
}

/// Column headings in `t`'s language, from their keys.
pub(super) fn headings(t: &StaffCatalog, keys: &[&str]) -> Vec<String> {
    keys.iter().map(|key| t.get(key).to_string()).collect()
}

pub(super) fn choice(t: &StaffCatalog, r: &QuestionResult, counts: &Ordered<i64>) -> Bars {
    let rows = counts
        .0
        .iter()
        .map(|(option, n)| {
            let other = option == OTHER;
            let label = if other {
                t.get("charts.other_answer").to_string()
            } else {
                option.clone()
            };
            let share = percent(*n, r.answered);
            Row {
                cells: vec![label.clone(), t.number(*n), share.clone()],
                label,
                share: fraction(*n, r.answered),
                value: format!("{} · {share}", t.number(*n)),
                other,
            }
        })
        .collect();
    let note = (r.kind == "multi_choice").then(|| t.get("charts.multi_note").to_string());
    layout(
        t.format("charts.choice_caption", &[("count", &t.number(r.answered))]),
        note,
        rows,
        headings(
            t,
            &[
                "charts.col_option",
                "charts.col_answers",
                "charts.col_share_answered",
            ],
        ),
    )
}

pub(super) fn ranking(
    t: &StaffCatalog,
    r: &QuestionResult,
    mean_rank: &Ordered<Option<f64>>,
) -> Bars {
    let places = mean_rank.0.len().max(1) as f64;
    let mut ranked: Vec<&(String, Option<f64>)> = mean_rank.0.iter().collect();
    // Best first; an option nobody ranked goes last.
    ranked.sort_by(|a, b| match (a.1, b.1) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    let rows = ranked
        .into_iter()
        .map(|(option, mean)| {
            let value = mean.map_or(t.get("charts.not_ranked").to_string(), |m| t.decimal(m, 1));
            Row {
                label: option.clone(),
                share: mean.map_or(0.0, |m| m / places),
                cells: vec![option.clone(), value.clone()],
                value,
                other: false,
            }
        })
        .collect();
    layout(
        t.format(
            "charts.ranking_caption",
            &[("count", &t.number(r.answered))],
        ),
        Some(t.get("charts.ranking_note").to_string()),
        rows,
        headings(t, &["charts.col_option", "charts.col_mean_rank"]),
    )
}

pub(super) fn layout(
    caption: String,
    note: Option<String>,
    rows: Vec<Row>,
    columns: Vec<String>,
) -> Bars {
    let mut table = Vec::new();
    let rows: Vec<BarRow> = rows
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            table.push(row.cells);
            let top = i as u32 * ROW;
            BarRow {
                label: short(&row.label, LABEL_CHARS),
                label_y: top + 15,
                bar_y: top + 22,
                text_y: top + 38,
                width: round(row.share.clamp(0.0, 1.0) * SPAN),
                value: row.value,
                other: row.other,
            }
        })
        .collect();
    Bars {
        caption,
        note,
        height: rows.len() as u32 * ROW,
        span: SPAN,
        rows,
        table: Table {
            columns,
            rows: table,
        },
    }
}

pub(super) fn rating(
    t: &StaffCatalog,
    r: &QuestionResult,
    (mean, median): (Option<f64>, Option<f64>),
    distribution: &Ordered<i64>,
    scale: Option<&Scale>,
) -> Rating {
    let most = distribution
        .0
        .iter()
        .map(|(_, n)| *n)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let slot = 100.0 / distribution.0.len().max(1) as f64;
    let floor = f64::from(ABOVE + COLUMN);
    let columns = distribution
        .0
        .iter()
        .enumerate()
        .map(|(i, (value, n))| {
            let height = round(*n as f64 / most * f64::from(COLUMN));
            let left = i as f64 * slot;
            Column {
                label: value.clone(),
                x: round(left + slot * 0.15),
                width: round(slot * 0.7),
                center: round(left + slot / 2.0),
                y: round(floor - height),
                height,
                count: compact(t, *n),
                count_y: round(floor - height - 6.0),
            }
        })
        .collect();
    let range = match (distribution.0.first(), distribution.0.last()) {
        (Some((low, _)), Some((high, _))) => format!("{low}–{high}"),
        _ => String::new(),
    };
    let rows = distribution
        .0
        .iter()
        .map(|(value, n)| vec![value.clone(), t.number(*n), percent(*n, r.answered)])
        .collect();
    let mean = mean.map_or("–".to_string(), |m| t.decimal(m, 1));
    let median = median.map_or("–".to_string(), |m| number(t, m));
    Rating {
        caption: t.format(
            "charts.rating_caption",
            &[
                ("count", &t.number(r.answered)),
                ("range", &range),
                ("mean", &mean),
                ("median", &median),
            ],
        ),
        mean,
        median,
        scale: range,
        height: ABOVE + COLUMN + 50,
        axis_y: ABOVE + COLUMN,
        label_y: ABOVE + COLUMN + 20,
        ends_y: ABOVE + COLUMN + 44,
        min_label: scale
            .and_then(|s| s.min_label.as_deref())
            .map(|l| short(l, 22)),
        max_label: scale
            .and_then(|s| s.max_label.as_deref())
            .map(|l| short(l, 22)),
        columns,
        table: Table {
            columns: headings(
                t,
                &["charts.col_value", "charts.col_answers", "charts.col_share"],
            ),
            rows,
        },
    }
}
