//! Scoring of scored questionnaires such as the customer-service self-assessment: the rating
//! questions that carry a `section` are averaged per section, the section averages are added to
//! a total, and the total falls in one of three bands (for seven sections: 28 and up, 21 up to
//! 28, below 21).

use serde_json::{Map, Value};

use super::{Kind, Question};

/// One section's average rating.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct SectionScore {
    pub title: String,
    pub average: f64,
}

/// What a total means, from the self-test's verdicts.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// Customer service is an asset: responsive and tuned to customers' needs.
    Asset,
    /// Good, but needs general improvement.
    NeedsImprovement,
    /// Probably losing customers through poor service.
    LosingCustomers,
}

impl Band {
    /// The name used in the API (the same as its serde form).
    pub fn code(self) -> &'static str {
        match self {
            Band::Asset => "asset",
            Band::NeedsImprovement => "needs_improvement",
            Band::LosingCustomers => "losing_customers",
        }
    }

    /// The band of a total over `sections` sections. The self-test's thresholds (28 and 21 for
    /// seven sections) are 4 and 3 per section, so other section counts scale the same way.
    fn of(total: f64, sections: usize) -> Band {
        let n = sections as f64;
        // Averages such as 14/3 are not exact in binary, so a total that is 28 on paper can
        // come out a hair below; the tolerance keeps it in the band the respondent expects.
        const TOLERANCE: f64 = 1e-9;
        if total + TOLERANCE >= 4.0 * n {
            Band::Asset
        } else if total + TOLERANCE >= 3.0 * n {
            Band::NeedsImprovement
        } else {
            Band::LosingCustomers
        }
    }
}

/// The score of one response. It is stored with the response as JSON and read back for the
/// thank-you page and the API, hence Deserialize as well.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Score {
    pub sections: Vec<SectionScore>,
    pub total: f64,
    pub band: Band,
}

/// The section of a question that counts towards the score, if it does.
fn scored_section(question: &Question) -> Option<&str> {
    match question.kind {
        Kind::Rating { .. } => question.section.as_deref(),
        _ => None,
    }
}

/// True when the questionnaire is scored: at least one rating question has a section.
pub fn is_scored(questions: &[Question]) -> bool {
    questions.iter().any(|q| scored_section(q).is_some())
}

/// The score of one response's answers (question id → value), or None when the questionnaire
/// is not scored or some section has no answered statement (its average would be undefined,
/// and a total without it would land in the wrong band).
pub fn score(questions: &[Question], answers: &Map<String, Value>) -> Option<Score> {
    // (title, sum, answered), in the order sections first appear.
    let mut sections: Vec<(&str, f64, u32)> = Vec::new();
    for question in questions {
        let (Some(title), Kind::Rating { scale }) = (scored_section(question), &question.kind)
        else {
            continue;
        };
        let at = match sections.iter().position(|(t, _, _)| *t == title) {
            Some(at) => at,
            None => {
                sections.push((title, 0.0, 0));
                sections.len() - 1
            }
        };
        // Stored answers were checked against the scale; anything else (a stale answer after
        // an edit, a hand-made import) is treated as unanswered rather than skewing the score.
        let rating = answers
            .get(&question.id)
            .and_then(Value::as_i64)
            .filter(|r| (scale.min..=scale.max).contains(r));
        if let (Some(rating), Some((_, sum, answered))) = (rating, sections.get_mut(at)) {
            *sum += rating as f64;
            *answered += 1;
        }
    }
    if sections.is_empty() {
        return None;
    }
    let sections = sections
        .into_iter()
        .map(|(title, sum, answered)| {
            (answered > 0).then(|| SectionScore {
                title: title.to_string(),
                average: sum / f64::from(answered),
            })
        })
        .collect::<Option<Vec<_>>>()?;
    // Averages are added as they are: rounding first would shift totals across a band edge.
    let total: f64 = sections.iter().map(|s| s.average).sum();
    Some(Score {
        band: Band::of(total, sections.len()),
        sections,
        total,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::survey::templates;

    fn self_assessment() -> Vec<Question> {
        templates::build("self-assessment").unwrap().questions
    }

    /// Answers giving every statement of section `s` (0-based) the rating `ratings[s]`.
    fn answers_per_section(questions: &[Question], ratings: &[i64]) -> Map<String, Value> {
        let mut titles: Vec<&str> = Vec::new();
        let mut answers = Map::new();
        // The closing open question has a section of its own but no score.
        for q in questions.iter().filter(|q| q.kind.is_rating()) {
            let title = q.section.as_deref().unwrap();
            if !titles.contains(&title) {
                titles.push(title);
            }
            let rating = ratings[titles.len() - 1];
            answers.insert(q.id.clone(), json!(rating));
        }
        answers
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn band_codes_match_serde() {
        for band in [Band::Asset, Band::NeedsImprovement, Band::LosingCustomers] {
            assert_eq!(serde_json::to_value(band).unwrap(), json!(band.code()));
        }
    }

    #[test]
    fn a_stored_score_reads_back_the_same() {
        let qs = self_assessment();
        let mut answers = answers_per_section(&qs, &[4; 7]);
        answers.insert("s3_q1".to_string(), json!(5));
        let s = score(&qs, &answers).unwrap();
        let stored = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<Score>(&stored).unwrap(), s);
    }

    #[test]
    fn all_fives_is_35_and_an_asset() {
        let qs = self_assessment();
        let s = score(&qs, &answers_per_section(&qs, &[5; 7])).unwrap();
        assert_eq!(s.total, 35.0);
        assert_eq!(s.band, Band::Asset);
        assert_eq!(s.sections.len(), 7);
        assert_eq!(s.sections[0].title, "Customer focus");
        assert_eq!(s.sections[6].title, "Continuous improvement");
        assert!(s.sections.iter().all(|s| s.average == 5.0));
    }

    #[test]
    fn all_ones_is_7_and_losing_customers() {
        let qs = self_assessment();
        let s = score(&qs, &answers_per_section(&qs, &[1; 7])).unwrap();
        assert_eq!(s.total, 7.0);
        assert_eq!(s.band, Band::LosingCustomers);
    }

    #[test]
    fn exactly_28_is_an_asset() {
        let qs = self_assessment();
        let s = score(&qs, &answers_per_section(&qs, &[5, 3, 4, 4, 4, 4, 4])).unwrap();
        assert_eq!(s.total, 28.0);
        assert_eq!(s.band, Band::Asset);
    }

    #[test]
    fn exactly_28_from_thirds_is_an_asset() {
        // 14/3 + 10/3 + 5 × 4 = 28 on paper, whatever the binary rounding of the thirds.
        let qs = self_assessment();
        let mut answers = answers_per_section(&qs, &[4; 7]);
        for (id, rating) in [
            ("s3_q1", 4),
            ("s3_q2", 5),
            ("s3_q3", 5),
            ("s4_q1", 4),
            ("s4_q2", 3),
            ("s4_q3", 3),
        ] {
            answers.insert(id.to_string(), json!(rating));
        }
        let s = score(&qs, &answers).unwrap();
        assert!(close(s.total, 28.0), "{}", s.total);
        assert_eq!(s.band, Band::Asset);
    }

    #[test]
    fn exactly_21_needs_improvement() {
        let qs = self_assessment();
        let s = score(&qs, &answers_per_section(&qs, &[4, 2, 3, 3, 3, 3, 3])).unwrap();
        assert_eq!(s.total, 21.0);
        assert_eq!(s.band, Band::NeedsImprovement);
    }

    #[test]
    fn just_under_28_needs_improvement() {
        let qs = self_assessment();
        let mut answers = answers_per_section(&qs, &[4; 7]);
        answers.insert("s6_q1".to_string(), json!(3)); // Our staff: 19/5 = 3.8
        let s = score(&qs, &answers).unwrap();
        assert!(close(s.total, 27.8), "{}", s.total);
        assert_eq!(s.band, Band::NeedsImprovement);
    }

    #[test]
    fn below_21_is_losing_customers() {
        // 3 × 6 sections + Our staff at 14/5 = 2.8 → 20.8; and 20.9 via a hand-made survey.
        let qs = self_assessment();
        let mut answers = answers_per_section(&qs, &[3; 7]);
        answers.insert("s6_q1".to_string(), json!(2));
        let s = score(&qs, &answers).unwrap();
        assert!(close(s.total, 20.8), "{}", s.total);
        assert_eq!(s.band, Band::LosingCustomers);

        // Seven sections, the last with ten statements: nine 3s and one 2 → 2.9; total 20.9.
        let mut qs = Vec::new();
        let mut answers = Map::new();
        for s in 0..7 {
            let count = if s == 6 { 10 } else { 1 };
            for i in 0..count {
                let id = format!("s{s}_q{i}");
                let rating = if s == 6 && i == 0 { 2 } else { 3 };
                answers.insert(id.clone(), json!(rating));
                qs.push(rating_question(&id, Some(&format!("Section {s}"))));
            }
        }
        let s = score(&qs, &answers).unwrap();
        assert!(close(s.total, 20.9), "{}", s.total);
        assert_eq!(s.band, Band::LosingCustomers);
    }

    #[test]
    fn averages_are_not_rounded() {
        let qs = self_assessment();
        let mut answers = answers_per_section(&qs, &[5; 7]);
        answers.insert("s3_q1".to_string(), json!(4)); // Responding to feedback: 4, 5, 5
        let s = score(&qs, &answers).unwrap();
        let section = &s.sections[2];
        assert_eq!(section.title, "Responding to feedback");
        assert_eq!(section.average, 14.0 / 3.0);
        assert!(close(s.total, 30.0 + 14.0 / 3.0));
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["band"], "asset");
        assert_eq!(json["sections"][2]["average"], json!(14.0 / 3.0));
    }

    #[test]
    fn unanswered_statements_are_skipped() {
        let qs = self_assessment();
        let mut answers = answers_per_section(&qs, &[4; 7]);
        answers.remove("s6_q1");
        answers.insert("s6_q2".to_string(), Value::Null);
        answers.insert("s6_q3".to_string(), json!(5));
        // Our staff: 5, 4, 4 → 13/3.
        let s = score(&qs, &answers).unwrap();
        assert_eq!(s.sections[5].average, 13.0 / 3.0);
    }

    #[test]
    fn out_of_scale_or_malformed_ratings_are_unanswered() {
        let qs = self_assessment();
        let mut answers = answers_per_section(&qs, &[4; 7]);
        answers.insert("s1_q1".to_string(), json!(9));
        answers.insert("s1_q2".to_string(), json!("5"));
        answers.insert("s1_q3".to_string(), json!(0));
        let s = score(&qs, &answers).unwrap();
        assert_eq!(s.sections[0].average, 4.0);
    }

    #[test]
    fn a_section_without_answers_gives_no_score() {
        let qs = self_assessment();
        let mut answers = answers_per_section(&qs, &[4; 7]);
        for id in ["s4_q1", "s4_q2", "s4_q3"] {
            answers.remove(id);
        }
        assert_eq!(score(&qs, &answers), None);
        assert_eq!(score(&qs, &Map::new()), None);
    }

    #[test]
    fn unscored_surveys_give_no_score() {
        let needs = templates::build("customer-needs").unwrap().questions;
        assert!(!is_scored(&needs));
        let answers: Map<String, Value> = needs.iter().map(|q| (q.id.clone(), json!(5))).collect();
        assert_eq!(score(&needs, &answers), None);
        assert_eq!(score(&[], &Map::new()), None);

        // A rating without a section does not count, nor does a section on another kind.
        let mut text = rating_question("t", Some("Section"));
        text.kind = Kind::Text { max_length: None };
        let qs = vec![rating_question("r", None), text];
        assert!(!is_scored(&qs));
        assert_eq!(score(&qs, &answers), None);

        assert!(is_scored(&self_assessment()));
    }

    #[test]
    fn other_questions_in_a_scored_survey_are_ignored() {
        let mut qs = vec![rating_question("r1", Some("Only"))];
        qs.push(rating_question("free", None));
        let answers: Map<String, Value> = [("r1", json!(2)), ("free", json!(5))]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let s = score(&qs, &answers).unwrap();
        assert_eq!(s.total, 2.0);
        // One section: asset from 4, needs improvement from 3.
        assert_eq!(s.band, Band::LosingCustomers);
        assert_eq!(Band::of(3.0, 1), Band::NeedsImprovement);
        assert_eq!(Band::of(4.0, 1), Band::Asset);
    }

    fn rating_question(id: &str, section: Option<&str>) -> Question {
        Question {
            id: id.to_string(),
            kind: Kind::Rating {
                scale: crate::survey::Scale::default(),
            },
            prompt: format!("Statement {id}"),
            help: None,
            required: true,
            section: section.map(str::to_string),
            page_break: false,
            page_title: None,
        }
    }
}
