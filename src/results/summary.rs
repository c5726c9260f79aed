//! Per-question figures from counted facts: choice counts, a rating's mean, median and
//! distribution, the NPS split and score, mean ranks, and for competitor questions each brand's
//! mean per attribute and the head-to-head of ours against each other brand. The same
//! functions serve the kept figures and a segment's, so the two can never disagree in method.

use serde::Serialize as DeriveSerialize;
use serde::ser::{Serialize, SerializeMap, Serializer};

use super::terms::Term;
use crate::respond::figures::{Item, Part};
use crate::respond::tally::Counts;
use crate::survey::question::{Kind, Question};

/// A JSON object whose keys keep the order they were added in (options in the survey's order).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ordered<V>(pub Vec<(String, V)>);

impl<V: Serialize> Serialize for Ordered<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl<V> Ordered<V> {
    pub fn get(&self, key: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// One question's figures, as the API serves them.
#[derive(Debug, Clone, DeriveSerialize)]
pub struct QuestionResult {
    pub question_id: String,
    pub kind: &'static str,
    pub prompt: String,
    pub answered: i64,
    #[serde(flatten)]
    pub summary: Summary,
}

#[derive(Debug, Clone, DeriveSerialize)]
#[serde(untagged)]
pub enum Summary {
    Choice {
        counts: Ordered<i64>,
    },
    Rating {
        mean: Option<f64>,
        median: Option<f64>,
        distribution: Ordered<i64>,
    },
    Nps {
        score: Option<f64>,
        promoters: i64,
        passives: i64,
        detractors: i64,
        distribution: Ordered<i64>,
    },
    Ranking {
        mean_rank: Ordered<Option<f64>>,
    },
    Text {
        top_terms: Vec<Term>,
        /// How many of the latest matching answers the terms were counted from.
        terms_from: usize,
        /// True when there were more answers than that (the terms are from a sample).
        terms_sampled: bool,
        /// True while the terms of a large survey are counted for the first time, in the
        /// background; `top_terms` is empty until then.
        terms_counting: bool,
    },
    Competitor {
        brands: Ordered<Ordered<BrandScore>>,
        head_to_head: Ordered<HeadToHead>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, DeriveSerialize)]
pub struct BrandScore {
    pub mean: Option<f64>,
    pub n: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, DeriveSerialize)]
pub struct HeadToHead {
    pub wins: i64,
    pub ties: i64,
    pub losses: i64,
}

/// The figures of every question from `counts`; open questions get their terms later.
pub fn summarize(questions: &[Question], counts: &Counts) -> Vec<QuestionResult> {
    questions
        .iter()
        .enumerate()
        .map(|(q, question)| QuestionResult {
            question_id: question.id.clone(),
            kind: question.kind.name(),
            prompt: question.prompt.clone(),
            answered: counts.get(q, Part::Answered, Item::Whole, 0),
            summary: summary(q, question, counts),
        })
        .collect()
}

fn summary(q: usize, question: &Question, counts: &Counts) -> Summary {
    match &question.kind {
        Kind::Text { .. } | Kind::LongText { .. } => Summary::Text {
            top_terms: Vec::new(),
            terms_from: 0,
            terms_sampled: false,
            terms_counting: false,
        },
        Kind::SingleChoice { options, other } => {
            let mut listed = choices(q, options, counts);
            let others = counts.get(q, Part::Choice, Item::Other, 0);
            if *other || others > 0 {
                listed
                    .0
                    .push((crate::respond::figures::OTHER.to_string(), others));
            }
            Summary::Choice { counts: listed }
        }
        Kind::MultiChoice { options, .. } => Summary::Choice {
            counts: choices(q, options, counts),
        },
        Kind::Rating { scale } => {
            let values = values(q, counts);
            let (mean, median) = mean_and_median(&values);
            Summary::Rating {
                mean,
                median,
                distribution: distribution(scale.min, scale.max, &values),
            }
        }
        Kind::Nps => {
            let values = values(q, counts);
            let share = |range: std::ops::RangeInclusive<i64>| {
                values
                    .iter()
                    .filter(|(v, _)| range.contains(v))
                    .map(|(_, n)| n)
                    .sum::<i64>()
            };
            let (promoters, passives, detractors) = (share(9..=10), share(7..=8), share(0..=6));
            let total = promoters + passives + detractors;
            Summary::Nps {
                score: (total > 0).then(|| (promoters - detractors) as f64 * 100.0 / total as f64),
                promoters,
                passives,
                detractors,
                distribution: distribution(0, 10, &values),
            }
        }
        Kind::Ranking { options } => Summary::Ranking {
            mean_rank: Ordered(
                options
                    .iter()
                    .enumerate()
                    .map(|(i, option)| {
                        let (sum, n) = counts
                            .of(q, Part::Rank)
                            .filter(|(item, _, _)| *item == Item::Option(i as u32))
                            .fold((0i64, 0i64), |(s, c), (_, rank, n)| (s + rank * n, c + n));
                        (option.clone(), (n > 0).then(|| sum as f64 / n as f64))
                    })
                    .collect(),
            ),
        },
        Kind::Competitor {
            brands, attributes, ..
        } => competitor(q, brands, attributes, counts),
    }
}

fn choices(q: usize, options: &[String], counts: &Counts) -> Ordered<i64> {
    Ordered(
        options
            .iter()
            .enumerate()
            .map(|(i, option)| {
                (
                    option.clone(),
                    counts.get(q, Part::Choice, Item::Option(i as u32), 0),
                )
            })
            .collect(),
    )
}

/// A question's values and how many gave each, smallest first.
fn values(q: usize, counts: &Counts) -> Vec<(i64, i64)> {
    let mut values: Vec<(i64, i64)> = counts
        .of(q, Part::Value)
        .map(|(_, value, n)| (value, n))
        .collect();
    values.sort();
    values
}

/// The mean and the median of values given with their counts (sorted by value). The median of
/// an even number of answers is the mean of the two middle ones.
pub fn mean_and_median(values: &[(i64, i64)]) -> (Option<f64>, Option<f64>) {
    let total: i64 = values.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return (None, None);
    }
    let sum: i128 = values
        .iter()
        .map(|(v, n)| i128::from(*v) * i128::from(*n))
        .sum();
    let nth = |k: i64| {
        let mut seen = 0;
        for (value, n) in values {
            seen += n;
            if seen > k {
                return *value;
            }
        }
        values.last().map_or(0, |(v, _)| *v)
    };
    let median = if total % 2 == 1 {
        nth(total / 2) as f64
    } else {
        (nth(total / 2 - 1) + nth(total / 2)) as f64 / 2.0
    };
    (Some(sum as f64 / total as f64), Some(median))
}

fn distribution(min: i64, max: i64, values: &[(i64, i64)]) -> Ordered<i64> {
    Ordered(
        (min..=max)
            .map(|v| {
                let n = values
                    .iter()
                    .find(|(value, _)| *value == v)
                    .map_or(0, |(_, n)| *n);
                (v.to_string(), n)
            })
            .collect(),
    )
}

fn competitor(q: usize, brands: &[String], attributes: &[String], counts: &Counts) -> Summary {
    let scores = Ordered(
        brands
            .iter()
            .enumerate()
            .map(|(b, brand)| {
                let per_attribute = attributes
                    .iter()
                    .enumerate()
                    .map(|(a, attribute)| {
                        let cell = Item::Cell(b as u32, a as u32);
                        let (sum, n) = counts
                            .of(q, Part::Score)
                            .filter(|(item, _, _)| *item == cell)
                            .fold((0i64, 0i64), |(s, c), (_, v, n)| (s + v * n, c + n));
                        let mean = (n > 0).then(|| sum as f64 / n as f64);
                        (attribute.clone(), BrandScore { mean, n })
                    })
                    .collect();
                (brand.clone(), Ordered(per_attribute))
            })
            .collect(),
    );
    let head_to_head = Ordered(
        brands
            .iter()
            .enumerate()
            .skip(1)
            .map(|(b, brand)| {
                let item = Item::Brand(b as u32);
                let outcome = |value| counts.get(q, Part::HeadToHead, item, value);
                (
                    brand.clone(),
                    HeadToHead {
                        wins: outcome(1),
                        ties: outcome(0),
                        losses: outcome(-1),
                    },
                )
            })
            .collect(),
    );
    Summary::Competitor {
        brands: scores,
        head_to_head,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(mean_and_median(&[]), (None, None));
        assert_eq!(mean_and_median(&[(3, 1)]), (Some(3.0), Some(3.0)));
        assert_eq!(mean_and_median(&[(1, 1), (4, 1)]), (Some(2.5), Some(2.5)));
        assert_eq!(
            mean_and_median(&[(1, 2), (2, 1), (5, 1)]),
            (Some(2.25), Some(1.5))
        );
    }
}
