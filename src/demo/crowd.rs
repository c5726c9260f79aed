//! Demo respondents and their answers. Each respondent has a mood, drawn from a Net Promoter
//! Score skewed positive with a tail of detractors, and every answer follows it: a detractor's
//! open answers complain, their ratings are low and their matter took longer to resolve.
//! Choices follow weights shaped like a bicycle shop's customers rather than a uniform spread.

use std::collections::BTreeMap;

use rand::seq::IndexedRandom;
use rand::{Rng, RngExt};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::survey::{Kind, Question};

/// How a respondent feels about the business, after the NPS bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mood {
    Promoter,
    Passive,
    Detractor,
}

impl Mood {
    pub const ALL: [Mood; 3] = [Mood::Promoter, Mood::Passive, Mood::Detractor];

    fn of_score(nps: i64) -> Mood {
        match nps {
            9.. => Mood::Promoter,
            7 | 8 => Mood::Passive,
            _ => Mood::Detractor,
        }
    }

    /// Where on a rating scale this mood's answers centre, from 0 (lowest) to 1 (highest).
    fn centre(self) -> f64 {
        match self {
            Mood::Promoter => 0.85,
            Mood::Passive => 0.62,
            Mood::Detractor => 0.3,
        }
    }
}

/// One thing respondents write about in answer to one open question: a few ways of saying it,
/// each of which may be followed by one of a few details, so that answers vary while each
/// stays a sentence somebody would write.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    /// The moods whose respondents write this; every mood when empty.
    #[serde(default)]
    pub moods: Vec<Mood>,
    pub say: Vec<String>,
    #[serde(default)]
    pub then: Vec<String>,
    /// The theme an analyst codes these answers with, if they are coded. Themes are staff's
    /// words, in the staff interface's language whatever the survey's, so the same problem
    /// named in any language adds up in the problems ranking.
    #[serde(default)]
    pub theme: Option<String>,
}

impl Topic {
    fn fits(&self, mood: Mood) -> bool {
        self.moods.is_empty() || self.moods.contains(&mood)
    }

    /// Every answer this topic can give.
    pub fn every_answer(&self) -> impl Iterator<Item = String> + '_ {
        self.say.iter().flat_map(|say| {
            std::iter::once(say.clone()).chain(self.then.iter().map(move |then| join(say, then)))
        })
    }
}

fn join(say: &str, then: &str) -> String {
    format!("{say} {then}")
}

/// Per open question id, what its respondents write about.
pub type Topics = BTreeMap<String, Vec<Topic>>;

/// NPS scores 0–10, how often each is given: about half promoters, a fifth detractors.
const NPS_WEIGHTS: [f64; 11] = [2., 1., 2., 2., 3., 5., 7., 12., 18., 24., 24.];

pub struct Respondent {
    pub nps: i64,
    pub mood: Mood,
    /// Answered on the tablet in a shop (through the API) rather than through the open link.
    pub in_shop: bool,
    /// Where this person's self-assessment ratings centre, 1–5.
    self_view: f64,
}

impl Respondent {
    pub fn draw(rng: &mut impl Rng) -> Respondent {
        let nps = weighted(&NPS_WEIGHTS, rng) as i64;
        Respondent {
            nps,
            mood: Mood::of_score(nps),
            in_shop: rng.random_bool(0.3),
            self_view: 2.1 + 2.6 * rng.random::<f64>(),
        }
    }

    /// The channel the response is stored under (as the writer names them).
    pub fn channel(&self) -> &'static str {
        if self.in_shop { "api" } else { "link" }
    }
}

/// An index drawn with the given weights.
fn weighted(weights: &[f64], rng: &mut impl Rng) -> usize {
    let total: f64 = weights.iter().sum();
    let mut left = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if left < *w {
            return i;
        }
        left -= w;
    }
    weights.len().saturating_sub(1)
}

/// Weights for `count` options: the given ones, and 1 for any option beyond them.
fn weights_for(count: usize, given: &[f64]) -> Vec<f64> {
    (0..count)
        .map(|i| given.get(i).copied().unwrap_or(1.0))
        .collect()
}

/// Noise between -1 and 1, more often near 0 than at the ends.
fn wobble(rng: &mut impl Rng) -> f64 {
    rng.random::<f64>() + rng.random::<f64>() - 1.0
}

fn on_scale(min: i64, max: i64, value: f64) -> i64 {
    (value.round() as i64).clamp(min, max)
}

/// What the demo knows about the survey being answered.
pub struct Plan<'a> {
    pub topics: &'a Topics,
    /// The sections of a scored questionnaire, in their order.
    pub sections: Vec<String>,
}

/// One answer, with the theme it is coded with when it is an open answer about one.
pub struct Answer {
    pub value: Value,
    pub theme: Option<String>,
}

impl Plan<'_> {
    /// `who`'s answer to `question`, or `None` when they leave an optional question out.
    pub fn answer(
        &self,
        question: &Question,
        who: &Respondent,
        rng: &mut impl Rng,
    ) -> Option<Answer> {
        if !question.required && rng.random_bool(skip_chance(question, who.mood)) {
            return None;
        }
        let value = match &question.kind {
            Kind::Text { .. } | Kind::LongText { .. } => {
                let (text, theme) = self.words(&question.id, who.mood, rng)?;
                return Some(Answer {
                    value: Value::String(text),
                    theme,
                });
            }
            Kind::SingleChoice { options, .. } => {
                let weights = weights_for(options.len(), &single_weights(&question.id, who));
                Value::String(options.get(weighted(&weights, rng))?.clone())
            }
            Kind::MultiChoice {
                options,
                max_choices,
            } => multi(&question.id, options, *max_choices, rng)?,
            Kind::Rating { scale } => {
                let centre = match &question.section {
                    Some(section) => {
                        let at = self.sections.iter().position(|s| s == section);
                        let offset = at.and_then(|i| SECTION_OFFSETS.get(i)).unwrap_or(&0.0);
                        (who.self_view + offset - 1.0) / 4.0
                    }
                    None => who.mood.centre(),
                };
                let span = (scale.max - scale.min) as f64;
                let value = scale.min as f64 + (centre + 0.35 * wobble(rng)) * span;
                Value::from(on_scale(scale.min, scale.max, value))
            }
            Kind::Nps => Value::from(who.nps),
            Kind::Ranking { options } => ranking(&question.id, options, rng),
            Kind::Competitor {
                brands,
                attributes,
                scale,
            } => competitor(brands, attributes, (scale.min, scale.max), who.mood, rng),
        };
        Some(Answer { value, theme: None })
    }

    /// An open answer written for this question and mood, with its topic's theme.
    fn words(
        &self,
        question_id: &str,
        mood: Mood,
        rng: &mut impl Rng,
    ) -> Option<(String, Option<String>)> {
        let fitting: Vec<&Topic> = self
            .topics
            .get(question_id)?
            .iter()
            .filter(|t| t.fits(mood))
            .collect();
        let topic = fitting.choose(rng)?;
        let say = topic.say.choose(rng)?;
        let text = match topic.then.choose(rng) {
            Some(then) if rng.random_bool(0.6) => join(say, then),
            _ => say.clone(),
        };
        Some((text, topic.theme.clone()))
    }
}

/// How likely an optional question is left out: the short "anything else?" often is, and a
/// detractor asked what works well often has nothing to say.
fn skip_chance(question: &Question, mood: Mood) -> f64 {
    match (&question.kind, question.id.as_str(), mood) {
        (Kind::Text { .. }, ..) => 0.35,
        (_, "works_well", Mood::Detractor) => 0.35,
        (Kind::LongText { .. }, ..) => 0.12,
        (Kind::Competitor { .. }, ..) => 0.08,
        _ => 0.04,
    }
}

/// Self-assessment sections, in the template's order, and how far each sits from a person's
/// usual rating: owners rate their staff and customer focus above their feedback loops and
/// continuous improvement.
const SECTION_OFFSETS: [f64; 7] = [0.3, 0.0, -0.3, -0.4, 0.1, 0.5, -0.5];

fn single_weights(question_id: &str, who: &Respondent) -> Vec<f64> {
    match question_id {
        // Phone, email, chat, in the shop, social media.
        "contact_channel" if who.in_shop => vec![20., 12., 6., 60., 2.],
        "contact_channel" => vec![30., 24., 12., 26., 8.],
        // Same day … not solved yet: the unhappy waited longer.
        "resolution_time" => match who.mood {
            Mood::Promoter => vec![55., 28., 10., 4., 3.],
            Mood::Passive => vec![32., 33., 18., 10., 7.],
            Mood::Detractor => vec![10., 18., 20., 27., 25.],
        },
        _ => Vec::new(),
    }
}

fn multi(
    question_id: &str,
    options: &[String],
    max_choices: Option<u32>,
    rng: &mut impl Rng,
) -> Option<Value> {
    // A new bike, a repair, parts, rental, advice: most come for the workshop.
    let chances: &[f64] = match question_id {
        "visit_reason" => &[0.35, 0.6, 0.45, 0.1, 0.2],
        _ => &[],
    };
    let mut chosen: Vec<&String> = options
        .iter()
        .enumerate()
        .filter(|(i, _)| rng.random_bool(chances.get(*i).copied().unwrap_or(0.3)))
        .map(|(_, o)| o)
        .collect();
    if chosen.is_empty() {
        chosen.push(options.choose(rng)?);
    }
    chosen.truncate(max_choices.map_or(options.len(), |m| m as usize).max(1));
    Some(Value::Array(
        chosen.into_iter().cloned().map(Value::String).collect(),
    ))
}

/// A full order, drawn one place at a time with the weights of what is left.
fn ranking(question_id: &str, options: &[String], rng: &mut impl Rng) -> Value {
    // Price, repair turnaround, advice, stock on hand, opening hours.
    let given: &[f64] = match question_id {
        "priorities" => &[30., 28., 20., 14., 8.],
        _ => &[],
    };
    let mut left: Vec<(&String, f64)> = options
        .iter()
        .zip(weights_for(options.len(), given))
        .collect();
    let mut order = Vec::with_capacity(options.len());
    while !left.is_empty() {
        let weights: Vec<f64> = left.iter().map(|(_, w)| *w).collect();
        let (option, _) = left.remove(weighted(&weights, rng));
        order.push(Value::String(option.clone()));
    }
    Value::Array(order)
}

/// Mean score per attribute (price, quality, speed of service, friendliness) of each brand in
/// the grid's order, ours first: we are liked for quality and friendliness, not for price; the
/// discount chain is cheap and brisk; the premium shop is dear and good; the webshop is cheap
/// and slow to help.
const BRAND_PROFILES: [[f64; 4]; 4] = [
    [3.0, 4.2, 3.4, 4.5],
    [4.3, 3.0, 3.6, 3.0],
    [2.3, 4.5, 3.9, 3.8],
    [4.0, 3.3, 2.8, 3.1],
];
/// How likely a respondent knows each brand well enough to score it.
const BRAND_KNOWN: [f64; 4] = [0.98, 0.7, 0.5, 0.6];

fn competitor(
    brands: &[String],
    attributes: &[String],
    (min, max): (i64, i64),
    mood: Mood,
    rng: &mut impl Rng,
) -> Value {
    // Our own scores follow the respondent's mood; the others' do not.
    let ours_shift = match mood {
        Mood::Promoter => 0.4,
        Mood::Passive => 0.0,
        Mood::Detractor => -1.3,
    };
    let span = (max - min) as f64 / 4.0;
    let mut grid = Map::new();
    for (b, brand) in brands.iter().enumerate() {
        if !rng.random_bool(BRAND_KNOWN.get(b).copied().unwrap_or(0.5)) {
            continue;
        }
        let shift = if b == 0 { ours_shift } else { 0.0 };
        let row: Map<String, Value> = attributes
            .iter()
            .enumerate()
            .map(|(a, attribute)| {
                let mean = BRAND_PROFILES
                    .get(b)
                    .and_then(|p| p.get(a))
                    .copied()
                    .unwrap_or(3.5);
                let value = if rng.random_bool(0.05) {
                    Value::Null
                } else {
                    let score = min as f64 + (mean + shift + 1.1 * wobble(rng) - 1.0) * span;
                    Value::from(on_scale(min, max, score))
                };
                (attribute.clone(), value)
            })
            .collect();
        grid.insert(brand.clone(), Value::Object(row));
    }
    Value::Object(grid)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    #[test]
    fn scores_lean_positive_with_a_tail_of_detractors() {
        let mut rng = StdRng::seed_from_u64(7);
        let crowd: Vec<Respondent> = (0..2000).map(|_| Respondent::draw(&mut rng)).collect();
        let share = |mood| crowd.iter().filter(|r| r.mood == mood).count() as f64 / 2000.0;
        let (promoters, detractors) = (share(Mood::Promoter), share(Mood::Detractor));
        assert!((0.4..0.6).contains(&promoters), "{promoters}");
        assert!((0.12..0.3).contains(&detractors), "{detractors}");
        assert!(crowd.iter().any(|r| r.nps <= 2), "some are very unhappy");
    }

    #[test]
    fn every_answer_lists_each_saying_alone_and_with_each_detail() {
        let topic = Topic {
            moods: Vec::new(),
            say: vec!["A.".into(), "B.".into()],
            then: vec!["x".into()],
            theme: None,
        };
        let all: Vec<String> = topic.every_answer().collect();
        assert_eq!(all, ["A.", "A. x", "B.", "B. x"]);
    }
}
