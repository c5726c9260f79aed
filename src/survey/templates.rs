//! Built-in questionnaires a designer can start from: a short customer-needs survey written to
//! the survey advice in the reference material (short, mostly open, neutral wording, asks about
//! improvements and competitors, says why answers matter, thanks the customer) and the scored
//! customer-service self-assessment (25 statements in seven sections, rated 1–5).
//!
//! Both are plain data tables turned into [`Question`]s, so changing a wording never means
//! touching control flow.

use super::{Kind, Question, Scale, SurveyContent};

/// What `GET /api/v1/templates` lists for one template.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TemplateInfo {
    pub name: &'static str,
    pub title: &'static str,
    pub description: &'static str,
}

/// One built-in questionnaire: what is listed, and how its content is made.
struct Template {
    info: TemplateInfo,
    build: fn(&TemplateInfo) -> SurveyContent,
}

const TEMPLATES: &[Template] = &[
    Template {
        info: TemplateInfo {
            name: "customer-needs",
            title: "What our customers need",
            description: "A short survey (11 questions, mostly open) that asks customers what to \
                improve first, how their last contact went and how we compare with competitors.",
        },
        build: customer_needs,
    },
    Template {
        info: TemplateInfo {
            name: "self-assessment",
            title: "Customer-service self-assessment",
            description: "25 statements in seven sections, each rated from 1 (never) to 5 \
                (always); section averages add up to a score from 7 to 35 with a band.",
        },
        build: self_assessment,
    },
];

/// Every built-in template, in a stable order.
pub fn list() -> Vec<TemplateInfo> {
    TEMPLATES.iter().map(|t| t.info.clone()).collect()
}

/// The content of the named template, or None when there is no such template.
pub fn build(name: &str) -> Option<SurveyContent> {
    TEMPLATES
        .iter()
        .find(|t| t.info.name == name)
        .map(|t| (t.build)(&t.info))
}

// ----- customer-needs -----------------------------------------------------------------------

/// The shape of one customer-needs question; only the kinds that template uses.
enum Spec {
    Text,
    LongText,
    SingleChoice {
        options: &'static [&'static str],
        other: bool,
    },
    Nps,
    Competitor {
        brands: &'static [&'static str],
        attributes: &'static [&'static str],
        min_label: &'static str,
        max_label: &'static str,
    },
}

/// id, prompt, help, required, shape.
type Row = (&'static str, &'static str, Option<&'static str>, bool, Spec);

// Wording follows the source advice: open questions that invite specifics, no prompt that
// steers towards a favourable answer, one subject per question (the lint would flag a
// double-barrelled "X and Y?"), and no more than 10–15 questions in all.
const CUSTOMER_NEEDS: &[Row] = &[
    (
        "improve_first",
        "What should we improve first?",
        Some("Please be as specific as you can, for example a step that takes too long."),
        true,
        Spec::LongText,
    ),
    (
        "improve_example",
        "Think of a recent experience with us. What happened, step by step?",
        Some("A concrete example helps us find the cause, not just the symptom."),
        false,
        Spec::LongText,
    ),
    (
        "unmet_needs",
        "What do you need from us that you do not get today?",
        None,
        false,
        Spec::LongText,
    ),
    (
        "contact_channel",
        "How did you contact us the last time?",
        None,
        false,
        Spec::SingleChoice {
            options: &[
                "Phone",
                "Email",
                "Website chat",
                "In person",
                "Social media",
            ],
            other: true,
        },
    ),
    (
        "resolution_time",
        "How quickly was the matter you contacted us about resolved?",
        None,
        false,
        Spec::SingleChoice {
            options: &[
                "The same day",
                "Within 2–3 days",
                "Within a week",
                "Longer than a week",
                "Not solved yet",
            ],
            other: false,
        },
    ),
    (
        "contact_experience",
        "What, if anything, would have made that contact go better?",
        None,
        false,
        Spec::LongText,
    ),
    (
        "competitor_comparison",
        "How would you rate each company on the following points?",
        Some("Leave a cell empty if you do not know."),
        false,
        Spec::Competitor {
            brands: &["Us", "Competitor A", "Competitor B"],
            attributes: &["Price", "Quality", "Speed of service", "Friendliness"],
            min_label: "Very poor",
            max_label: "Very good",
        },
    ),
    (
        "competitors_better",
        "What do other companies you buy from do better than we do?",
        None,
        false,
        Spec::LongText,
    ),
    (
        "recommend",
        "How likely is it that you would recommend us to someone you know?",
        None,
        false,
        Spec::Nps,
    ),
    (
        "recommend_why",
        "Why did you give that score?",
        Some("The reason behind a score tells us more than the score itself."),
        false,
        Spec::LongText,
    ),
    (
        "anything_else",
        "Is there anything else you would like to tell us?",
        None,
        false,
        Spec::Text,
    ),
];

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn question((id, prompt, help, required, spec): &Row) -> Question {
    let kind = match spec {
        Spec::Text => Kind::Text { max_length: None },
        Spec::LongText => Kind::LongText { max_length: None },
        Spec::SingleChoice { options, other } => Kind::SingleChoice {
            options: strings(options),
            other: *other,
        },
        Spec::Nps => Kind::Nps,
        Spec::Competitor {
            brands,
            attributes,
            min_label,
            max_label,
        } => Kind::Competitor {
            brands: strings(brands),
            attributes: strings(attributes),
            scale: Scale {
                min: 1,
                max: 5,
                min_label: Some(min_label.to_string()),
                max_label: Some(max_label.to_string()),
            },
        },
    };
    Question {
        id: id.to_string(),
        kind,
        prompt: prompt.to_string(),
        help: help.map(str::to_string),
        required: *required,
        section: None,
    }
}

fn customer_needs(info: &TemplateInfo) -> SurveyContent {
    SurveyContent {
        title: info.title.to_string(),
        // The advice: explain why taking part matters, and keep it short.
        intro: "We want to get better at what matters to you. Your answers help us decide what \
            to improve first, so please tell us in your own words what works and what does not. \
            The survey has 11 short questions."
            .to_string(),
        thank_you: "Thank you for your time. We read every answer and will use them to improve \
            our service."
            .to_string(),
        language: "en".to_string(),
        anonymous: false,
        questions: CUSTOMER_NEEDS.iter().map(question).collect(),
    }
}

// ----- self-assessment ----------------------------------------------------------------------

/// The self-assessment after Forum Corporation's self-test: section titles with their
/// statements, verbatim from the reference material. Scoring (`super::score`) relies on each
/// question's `section` to group them.
const SELF_ASSESSMENT: &[(&str, &[&str])] = &[
    (
        "Customer focus",
        &[
            "We are committed to doing whatever it takes to create satisfied customers.",
            "We try to do things right the first time.",
            "As the owner, I set the example that customer service matters.",
            "Our customers' needs come before our internal needs.",
        ],
    ),
    (
        "Products and sales material",
        &[
            "When we sell, we aim for a partnership with the customer.",
            "Our advertising does not promise what we cannot deliver.",
            "We know the features and benefits that matter most to our customers.",
            "We design new products and services from what our customers tell us.",
        ],
    ),
    (
        "Responding to feedback",
        &[
            "We review customer complaints.",
            "We keep asking our customers for feedback.",
            "We regularly look for ways to eliminate errors based on customers' input.",
        ],
    ),
    (
        "Knowing our customers",
        &[
            "We have established what our customers expect from us.",
            "We are in regular contact with our customers.",
            "Every employee knows what matters to our customers.",
        ],
    ),
    (
        "Being easy to reach",
        &[
            "We make it easy for customers to do business with us.",
            "We strive to resolve every customer complaint.",
            "We encourage giving the customer a \"wow\" experience.",
        ],
    ),
    (
        "Our staff",
        &[
            "I respect my employees.",
            "Every employee understands our products and services well.",
            "Every employee has the tools and skills to do the job well.",
            "Every employee is encouraged to solve customers' problems.",
            "Every employee believes customer satisfaction is part of the job.",
        ],
    ),
    (
        "Continuous improvement",
        &[
            "We keep improving our processes and products.",
            "We network with other groups to learn from their strengths and weaknesses.",
            "When we find a problem, we try to solve it quickly.",
        ],
    ),
];

fn self_assessment(info: &TemplateInfo) -> SurveyContent {
    let scale = Scale {
        min: 1,
        max: 5,
        min_label: Some("Never / not at all".to_string()),
        max_label: Some("Always".to_string()),
    };
    let questions = SELF_ASSESSMENT
        .iter()
        .enumerate()
        .flat_map(|(s, (title, statements))| {
            let scale = &scale;
            statements
                .iter()
                .enumerate()
                .map(move |(q, statement)| Question {
                    // Numbered from 1 so ids read like the printed self-test ("s1_q1").
                    id: format!("s{}_q{}", s + 1, q + 1),
                    kind: Kind::Rating {
                        scale: scale.clone(),
                    },
                    prompt: statement.to_string(),
                    help: None,
                    // Every statement is needed: an unanswered section cannot be averaged.
                    required: true,
                    section: Some(title.to_string()),
                })
        })
        .collect();
    SurveyContent {
        title: info.title.to_string(),
        intro: "How well does your business serve its customers? Rate each statement from 1 \
            (never / not at all) to 5 (always) as it is today, not as you would like it to be. \
            The ratings in each section are averaged, and the seven section averages are added \
            to a total from 7 to 35: 28 or more means customer service is an asset; from 21 up \
            to 28, it is good but needs general improvement; below 21, you are probably losing \
            customers through poor service. Honest answers show which areas to work on first."
            .to_string(),
        thank_you: "Thank you for completing the self-assessment. Your section averages and \
            total are shown below: start with the sections that scored lowest."
            .to_string(),
        language: "en".to_string(),
        anonymous: false,
        questions,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn list_has_both_templates() {
        let names: Vec<&str> = list().iter().map(|t| t.name).collect();
        assert_eq!(names, ["customer-needs", "self-assessment"]);
        for info in list() {
            assert!(!info.title.is_empty() && !info.description.is_empty());
        }
    }

    #[test]
    fn every_listed_template_builds() {
        for info in list() {
            let content = build(info.name).unwrap();
            assert_eq!(content.title, info.title);
            assert_eq!(content.language, "en");
            assert!(!content.anonymous);
            assert!(!content.intro.is_empty() && !content.thank_you.is_empty());
        }
    }

    #[test]
    fn unknown_template_is_none() {
        assert!(build("no-such-template").is_none());
        assert!(build("").is_none());
        assert!(build("Customer-Needs").is_none());
    }

    #[test]
    fn customer_needs_is_short_open_and_compares_competitors() {
        let content = build("customer-needs").unwrap();
        let qs = &content.questions;
        assert!((10..=15).contains(&qs.len()), "{} questions", qs.len());
        assert!(qs.iter().filter(|q| q.kind.is_open()).count() * 2 > qs.len());
        let ids: HashSet<&str> = qs.iter().map(|q| q.id.as_str()).collect();
        assert_eq!(ids.len(), qs.len(), "question ids must be unique");

        let competitor = qs
            .iter()
            .find_map(|q| match &q.kind {
                Kind::Competitor { brands, .. } => Some(brands),
                _ => None,
            })
            .unwrap();
        assert_eq!(competitor[0], "Us");

        let improve = qs.iter().find(|q| q.id == "improve_first").unwrap();
        assert!(improve.required);
        assert!(matches!(improve.kind, Kind::LongText { .. }));
        assert!(qs.iter().any(|q| q.id == "competitors_better"));
        assert!(qs.iter().any(|q| matches!(q.kind, Kind::Nps)));

        let channel = qs.iter().find(|q| q.id == "contact_channel").unwrap();
        assert!(matches!(
            channel.kind,
            Kind::SingleChoice { other: true, .. }
        ));

        assert!(content.intro.contains("help us") && content.intro.contains("improve"));
        // The intro and the listing state the length; keep them true when the table changes.
        assert!(
            content
                .intro
                .contains(&format!("{} short questions", qs.len()))
        );
        assert!(
            list()[0]
                .description
                .contains(&format!("{} questions", qs.len()))
        );
        // Not a scored questionnaire.
        assert!(qs.iter().all(|q| q.section.is_none()));
    }

    #[test]
    fn customer_needs_wording_is_neutral() {
        let content = build("customer-needs").unwrap();
        for q in &content.questions {
            let prompt = q.prompt.to_lowercase();
            for phrase in [
                "how great",
                "how much did you enjoy",
                "don't you",
                "wouldn't you",
            ] {
                assert!(!prompt.contains(phrase), "{}: {}", q.id, q.prompt);
            }
            // One subject per question.
            assert!(!prompt.contains(" and "), "{}: {}", q.id, q.prompt);
        }
    }

    #[test]
    fn questions_survive_validation() {
        // What a template produces must be something the API would accept as input too.
        for info in list() {
            let content = build(info.name).unwrap();
            for (i, q) in content.questions.iter().enumerate() {
                let again = crate::survey::QuestionInput::from(q)
                    .validate(&format!("questions[{i}]"))
                    .unwrap();
                assert_eq!(&again, q);
            }
        }
    }

    #[test]
    fn self_assessment_has_the_statements_in_seven_sections() {
        let content = build("self-assessment").unwrap();
        let qs = &content.questions;
        assert_eq!(qs.len(), 25);

        let mut sizes: Vec<(String, usize)> = Vec::new();
        for q in qs {
            let section = q.section.clone().unwrap();
            match sizes.last_mut() {
                Some((title, n)) if *title == section => *n += 1,
                _ => sizes.push((section, 1)),
            }
        }
        let titles: Vec<&str> = sizes.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Customer focus",
                "Products and sales material",
                "Responding to feedback",
                "Knowing our customers",
                "Being easy to reach",
                "Our staff",
                "Continuous improvement",
            ]
        );
        let counts: Vec<usize> = sizes.iter().map(|(_, n)| *n).collect();
        assert_eq!(counts, [4, 4, 3, 3, 3, 5, 3]);

        let prompt = |id: &str| qs.iter().find(|q| q.id == id).unwrap().prompt.as_str();
        assert_eq!(
            prompt("s1_q1"),
            "We are committed to doing whatever it takes to create satisfied customers."
        );
        assert_eq!(
            prompt("s1_q4"),
            "Our customers' needs come before our internal needs."
        );
        assert_eq!(
            prompt("s5_q3"),
            "We encourage giving the customer a \"wow\" experience."
        );
        assert_eq!(prompt("s6_q1"), "I respect my employees.");
        assert_eq!(
            prompt("s7_q3"),
            "When we find a problem, we try to solve it quickly."
        );

        for q in qs {
            assert!(q.required);
            match &q.kind {
                Kind::Rating { scale } => {
                    assert_eq!((scale.min, scale.max), (1, 5));
                    assert_eq!(scale.min_label.as_deref(), Some("Never / not at all"));
                    assert_eq!(scale.max_label.as_deref(), Some("Always"));
                }
                other => panic!("{} is {}", q.id, other.name()),
            }
        }
        let ids: HashSet<&str> = qs.iter().map(|q| q.id.as_str()).collect();
        assert_eq!(ids.len(), 25);
        assert!(content.intro.contains("7 to 35"));
    }
}
