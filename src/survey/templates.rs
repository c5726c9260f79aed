//! Built-in questionnaires a designer can start from: a short customer-needs survey written to
//! the survey advice in the reference material (short, mostly open, neutral wording, asks about
//! improvements and competitors, says why answers matter, thanks the customer) and the scored
//! customer-service self-assessment (25 statements in seven sections, rated 1–5, a page a
//! section, and one open question to close).
//!
//! Both are plain data tables turned into [`Question`](super::Question)s, so changing a wording never means
//! touching control flow.

mod customer_needs;
mod self_assessment;

use super::SurveyContent;

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
        build: customer_needs::build,
    },
    Template {
        info: TemplateInfo {
            name: "self-assessment",
            title: "Customer-service self-assessment",
            description: "25 statements in seven sections, a page each, rated from 1 (never) \
                to 5 (always); section averages add up to a score from 7 to 35 with a band. One \
                open question at the end asks what to change first.",
        },
        build: self_assessment::build,
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

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::survey::Kind;

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
        assert!(
            competitor[1..].iter().all(|b| b.starts_with('[')),
            "competitors are stand-ins for the designer to name: {competitor:?}"
        );

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
        let (qs, open): (Vec<_>, Vec<_>) = content
            .questions
            .iter()
            .partition(|q| matches!(q.kind, Kind::Rating { .. }));
        assert_eq!(qs.len(), 25);
        // The open question closes the survey, on its own page, and is never scored.
        assert_eq!(open.len(), 1);
        let last = content.questions.last().unwrap();
        assert_eq!(last.id, "first_change");
        assert!(last.kind.is_open() && !last.required && last.page_break);

        let mut sizes: Vec<(String, usize)> = Vec::new();
        for q in &qs {
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
        // Each section is a page of its own, headed by the section's title.
        let pages = crate::survey::paging::pages(&content.questions);
        let headings: Vec<Option<&str>> = pages.iter().map(|p| p.title.as_deref()).collect();
        let mut expected: Vec<Option<&str>> = titles.iter().copied().map(Some).collect();
        expected.push(Some("Where to start"));
        assert_eq!(headings, expected);

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

        for q in &qs {
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
