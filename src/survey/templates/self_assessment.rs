//! The customer-service self-assessment template: 25 statements in seven sections, rated 1–5,
//! each section on a page of its own under its title, and one open question on a last page.

use super::TemplateInfo;
use crate::survey::{Kind, Question, Scale, SurveyContent};

/// The self-assessment after Forum Corporation's self-test: section titles with their
/// statements, verbatim from the reference material. Scoring (`survey::score`) relies on each
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

/// The heading of the last page. An open question is never scored, so this section adds nothing
/// to the total or its band.
const CLOSING_SECTION: &str = "Where to start";

pub(super) fn build(info: &TemplateInfo) -> SurveyContent {
    let scale = Scale {
        min: 1,
        max: 5,
        min_label: Some("Never / not at all".to_string()),
        max_label: Some("Always".to_string()),
    };
    let mut questions: Vec<Question> = SELF_ASSESSMENT
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
                    // One section a page, headed by its title: the intro speaks of sections,
                    // and 25 statements on one screen hide where one ends.
                    page_break: q == 0,
                    page_title: None,
                })
        })
        .collect();
    // The score says where a business stands; the one thing to change first is what the owner
    // acts on, and only their own words can say it. Optional, so the score never waits on it.
    questions.push(Question {
        id: "first_change".to_string(),
        kind: Kind::LongText { max_length: None },
        prompt: "Which one change would do most for your customers, in your own words?".to_string(),
        help: Some(
            "For example a habit to start, a tool your staff lack, or a complaint that keeps \
             coming back."
                .to_string(),
        ),
        required: false,
        section: Some(CLOSING_SECTION.to_string()),
        page_break: true,
        page_title: None,
    });
    SurveyContent {
        title: info.title.to_string(),
        intro: "How well does your business serve its customers? Rate each statement from 1 \
            (never / not at all) to 5 (always) as it is today, not as you would like it to be. \
            The ratings in each section are averaged, and the seven section averages are added \
            to a total from 7 to 35: 28 or more means customer service is an asset; from 21 up \
            to 28, it is good but needs general improvement; below 21, you are probably losing \
            customers through poor service. Each section is a page of its own, and a last page asks what you would change \
            first. Honest answers show which areas to work on first."
            .to_string(),
        thank_you: "Thank you for completing the self-assessment. Your section averages and \
            total are shown below: start with the sections that scored lowest."
            .to_string(),
        language: "en".to_string(),
        anonymous: false,
        questions,
    }
}
