//! The top problems: every tag with the number of distinct things it tags (answers, notes,
//! complaints) in a period, split by source and by whose voice it is, most first. Ties go to the
//! tag heard from more kinds of source, then by name. Each comes with a few examples of what
//! people said.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDateTime;
use serde::Serialize;

use super::model::{self, LinkRow};
use super::{Target, sources};
use crate::auth::model::User;
use crate::db::DbConn;
use crate::error::{Error, Result};
use crate::survey::audience::Audience;

/// Examples shown per problem.
const EXAMPLES: usize = 3;
/// The longest example, in characters.
const EXAMPLE_CHARS: usize = 240;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BySource {
    pub answers: usize,
    pub notes: usize,
    pub complaints: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ByAudience {
    pub customers: usize,
    pub employees: usize,
    pub suppliers: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Problem {
    pub tag: String,
    /// Distinct things tagged.
    pub total: usize,
    pub sources: BySource,
    pub audiences: ByAudience,
    pub examples: Vec<String>,
}

pub(super) fn target_of(link: &LinkRow) -> Target {
    match link.kind.as_str() {
        "answer" => Target::Answer {
            response_id: link.target.clone(),
            question_id: link.question_id.clone(),
        },
        "note" => Target::Note(link.target.clone()),
        _ => Target::Complaint(link.target.clone()),
    }
}

pub fn cut(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= EXAMPLE_CHARS {
        return text;
    }
    let mut out: String = text.chars().take(EXAMPLE_CHARS).collect();
    if let Some(space) = out.rfind(' ') {
        out.truncate(space);
    }
    out.push('…');
    out
}

/// A problem with every link of its tag in the period, the latest first: the page lists them
/// all.
pub struct Ranked {
    pub problem: Problem,
    pub links: Vec<LinkRow>,
}

/// The `limit` top problems of things said in `[from, to)`.
pub fn top(
    conn: &mut DbConn,
    user: &User,
    limit: usize,
    from: Option<NaiveDateTime>,
    to: Option<NaiveDateTime>,
) -> Result<Vec<Problem>> {
    Ok(ranked(conn, user, limit, from, to)?
        .into_iter()
        .map(|r| r.problem)
        .collect())
}

/// Whether `user` may read the answers of `survey`, asked once per survey.
pub fn survey_visible(
    conn: &mut DbConn,
    user: &User,
    survey: &str,
    known: &mut HashMap<String, bool>,
) -> Result<bool> {
    if let Some(visible) = known.get(survey) {
        return Ok(*visible);
    }
    let visible = match crate::survey::editing::visible_to(conn, user, survey) {
        Ok(_) => true,
        Err(Error::NotFound) => false,
        Err(other) => return Err(other),
    };
    known.insert(survey.to_string(), visible);
    Ok(visible)
}

/// The `limit` top problems of things said in `[from, to)`, with their links.
pub fn ranked(
    conn: &mut DbConn,
    user: &User,
    limit: usize,
    from: Option<NaiveDateTime>,
    to: Option<NaiveDateTime>,
) -> Result<Vec<Ranked>> {
    let mut by_tag: BTreeMap<String, Vec<LinkRow>> = BTreeMap::new();
    for (tag, link) in model::links_between(conn, from, to)? {
        by_tag.entry(tag).or_default().push(link);
    }
    let mut ranked: Vec<(String, Vec<LinkRow>, BySource)> = by_tag
        .into_iter()
        .map(|(tag, links)| {
            let mut sources = BySource::default();
            let mut seen = BTreeSet::new();
            for link in &links {
                if seen.insert((&link.kind, &link.target, &link.question_id)) {
                    match link.kind.as_str() {
                        "answer" => sources.answers += 1,
                        "note" => sources.notes += 1,
                        _ => sources.complaints += 1,
                    }
                }
            }
            (tag, links, sources)
        })
        .collect();
    let kinds = |s: &BySource| {
        [s.answers, s.notes, s.complaints]
            .iter()
            .filter(|n| **n > 0)
            .count()
    };
    let total = |s: &BySource| s.answers + s.notes + s.complaints;
    ranked.sort_by(|a, b| {
        total(&b.2)
            .cmp(&total(&a.2))
            .then_with(|| kinds(&b.2).cmp(&kinds(&a.2)))
            .then_with(|| a.0.to_lowercase().cmp(&b.0.to_lowercase()))
    });
    ranked.truncate(limit);
    let mut problems = Vec::with_capacity(ranked.len());
    let mut surveys: HashMap<String, Audience> = HashMap::new();
    let mut shown: HashMap<String, bool> = HashMap::new();
    for (tag, mut links, sources_count) in ranked {
        // The latest things said give the examples.
        links.sort_by_key(|l| std::cmp::Reverse(l.happened_at));
        let mut audiences = ByAudience::default();
        for link in &links {
            let audience = match (link.kind.as_str(), &link.survey_id) {
                ("answer", Some(survey)) => match surveys.get(survey) {
                    Some(audience) => *audience,
                    None => {
                        let audience = sources().survey_audience(conn, survey)?;
                        surveys.insert(survey.clone(), audience);
                        audience
                    }
                },
                ("complaint", _) => Audience::Customers,
                _ => match sources().said(conn, &target_of(link))? {
                    Some(said) => said.audience,
                    None => continue,
                },
            };
            match audience {
                Audience::Customers => audiences.customers += 1,
                Audience::Employees => audiences.employees += 1,
                Audience::Suppliers => audiences.suppliers += 1,
            }
        }
        let mut examples = Vec::new();
        for link in &links {
            if examples.len() == EXAMPLES {
                break;
            }
            // Every tag is counted whole, but a designer reads examples only from the surveys
            // they may see.
            if let Some(survey) = &link.survey_id
                && !survey_visible(conn, user, survey, &mut shown)?
            {
                continue;
            }
            if let Some(said) = sources().said(conn, &target_of(link))? {
                let example = cut(&said.text);
                if !example.is_empty() && !examples.contains(&example) {
                    examples.push(example);
                }
            }
        }
        problems.push(Ranked {
            problem: Problem {
                total: total(&sources_count),
                tag,
                sources: sources_count,
                audiences,
                examples,
            },
            links,
        });
    }
    Ok(problems)
}
