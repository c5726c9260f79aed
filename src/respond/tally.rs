//! The kept figures of every survey: how many responses have each fact (see [`super::figures`]),
//! added to in the transaction that stores the responses, so that unfiltered results read a
//! few rows instead of counting answers. This module is the only writer of `question_tallies`
//! and `survey_tallies`.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use diesel::upsert::excluded;

use super::figures::{self, Item, Part};
use super::model;
use crate::db::DbConn;
use crate::db::schema::{question_tallies, survey_tallies};
use crate::error::Result;
use crate::survey::question::Question;

/// A fact as stored: (question id, part, item, value).
pub type StoredFact = (String, Part, String, i64);

/// The facts of one response, named as stored (the writer adds them to its batch).
pub fn stored_facts(questions: &[Question], line: &str) -> Vec<StoredFact> {
    let mut out = Vec::new();
    figures::facts(questions, line, |q, part, item, value| {
        let question = &questions[q];
        out.push((question.id.clone(), part, item.name(question), value));
    });
    out
}

/// Counts of facts by position: (question index, part, item, value) → responses.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Counts {
    pub responses: i64,
    /// Keyed with foldhash: a segment's count looks up a key for every fact of every response
    /// it reads, and the standard library's SipHash made that a tenth of the work.
    pub facts: foldhash::HashMap<(usize, Part, Item, i64), i64>,
}

impl Counts {
    /// Adds one response's figures line.
    pub fn add_line(&mut self, questions: &[Question], line: &str) {
        self.responses += 1;
        figures::facts(questions, line, |q, part, item, value| {
            *self.facts.entry((q, part, item, value)).or_default() += 1;
        });
    }

    /// How many responses have this fact.
    pub fn get(&self, q: usize, part: Part, item: Item, value: i64) -> i64 {
        self.facts
            .get(&(q, part, item, value))
            .copied()
            .unwrap_or(0)
    }

    /// The facts of question `q` and `part`, as (item, value, count).
    pub fn of(&self, q: usize, part: Part) -> impl Iterator<Item = (Item, i64, i64)> + '_ {
        self.facts
            .iter()
            .filter(move |((fq, fp, _, _), _)| *fq == q && *fp == part)
            .map(|((_, _, item, value), n)| (*item, *value, *n))
    }
}

/// What a batch of stored responses adds to the kept figures, summed so that each row is
/// written once per batch, in a fixed order (so concurrent writers on PostgreSQL lock rows in
/// the same order and never deadlock).
#[derive(Debug, Default)]
pub struct Batch {
    responses: BTreeMap<String, i64>,
    facts: BTreeMap<FactKey, i64>,
}

impl Batch {
    pub fn add(&mut self, survey_id: &str, facts: &[StoredFact]) {
        *self.responses.entry(survey_id.to_string()).or_default() += 1;
        for (question_id, part, item, value) in facts {
            let key = (
                survey_id.to_string(),
                question_id.clone(),
                part.as_str(),
                item.clone(),
                *value,
            );
            *self.facts.entry(key).or_default() += 1;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.responses.is_empty()
    }

    /// Writes the batch into the kept figures, in the caller's transaction.
    pub fn apply(&self, conn: &mut DbConn) -> Result<()> {
        // The survey's row first: on PostgreSQL its lock makes a recount and the writers of
        // that survey take turns (see [`recount`]).
        for (survey_id, n) in &self.responses {
            macro_rules! add_responses {
                ($c:expr) => {
                    diesel::insert_into(survey_tallies::table)
                        .values((
                            survey_tallies::survey_id.eq(survey_id),
                            survey_tallies::responses.eq(n),
                            survey_tallies::stale.eq(false),
                        ))
                        .on_conflict(survey_tallies::survey_id)
                        .do_update()
                        .set(
                            survey_tallies::responses
                                .eq(survey_tallies::responses + excluded(survey_tallies::responses)),
                        )
                        .execute($c)
                };
            }
            match conn {
                #[cfg(feature = "sqlite")]
                DbConn::Sqlite(c) => add_responses!(c)?,
                #[cfg(feature = "postgres")]
                DbConn::Postgres(c) => add_responses!(c)?,
            };
        }
        // The facts in as few statements as the backends' parameter limits allow: one
        // multi-row upsert per few hundred facts rather than one statement each, since the
        // writer does this for every batch, often of a single response.
        let facts: Vec<_> = self.facts.iter().collect();
        for chunk in facts.chunks(FACTS_PER_STATEMENT) {
            add_facts(conn, chunk)?;
        }
        Ok(())
    }
}

/// Facts per upsert statement: six parameters each, well inside SQLite's 32,766 and
/// PostgreSQL's 65,535.
const FACTS_PER_STATEMENT: usize = 400;

type FactKey = (String, String, &'static str, String, i64);

fn add_facts(conn: &mut DbConn, facts: &[(&FactKey, &i64)]) -> Result<()> {
    use diesel::sql_types::{BigInt, Text};
    // PostgreSQL numbers its parameters; SQLite takes them in order.
    let numbered = match conn {
        #[cfg(feature = "sqlite")]
        DbConn::Sqlite(_) => false,
        #[cfg(feature = "postgres")]
        DbConn::Postgres(_) => true,
    };
    let placeholders = |first: usize| {
        if numbered {
            let n: Vec<String> = (first..first + 6).map(|i| format!("${i}")).collect();
            format!("({})", n.join(", "))
        } else {
            "(?, ?, ?, ?, ?, ?)".to_string()
        }
    };
    let rows: Vec<String> = (0..facts.len()).map(|i| placeholders(i * 6 + 1)).collect();
    let sql = format!(
        "INSERT INTO question_tallies (survey_id, question_id, part, item, value, n) VALUES {} \
         ON CONFLICT (survey_id, question_id, part, item, value) \
         DO UPDATE SET n = question_tallies.n + excluded.n",
        rows.join(", ")
    );
    macro_rules! run {
        ($c:expr, $backend:ty) => {{
            let mut query = diesel::sql_query(sql).into_boxed::<$backend>();
            for ((survey_id, question_id, part, item, value), n) in facts {
                query = query
                    .bind::<Text, _>(survey_id)
                    .bind::<Text, _>(question_id)
                    .bind::<Text, _>(*part)
                    .bind::<Text, _>(item)
                    .bind::<BigInt, _>(*value)
                    .bind::<BigInt, _>(**n);
            }
            query.execute($c)?
        }};
    }
    match conn {
        #[cfg(feature = "sqlite")]
        DbConn::Sqlite(c) => run!(c, diesel::sqlite::Sqlite),
        #[cfg(feature = "postgres")]
        DbConn::Postgres(c) => run!(c, diesel::pg::Pg),
    };
    Ok(())
}

/// The kept figures of a survey, or `None` when they must be counted again first (responses
/// stored before figures were kept). A survey without responses has empty figures.
pub fn kept(conn: &mut DbConn, survey_id: &str, questions: &[Question]) -> Result<Option<Counts>> {
    let survey: Option<(i64, bool)> = survey_tallies::table
        .find(survey_id)
        .select((survey_tallies::responses, survey_tallies::stale))
        .first(conn)
        .optional()?;
    let mut counts = Counts::default();
    match survey {
        None => return Ok(Some(counts)),
        Some((_, true)) => return Ok(None),
        Some((responses, false)) => counts.responses = responses,
    }
    let rows: Vec<(String, String, String, i64, i64)> = question_tallies::table
        .filter(question_tallies::survey_id.eq(survey_id))
        .select((
            question_tallies::question_id,
            question_tallies::part,
            question_tallies::item,
            question_tallies::value,
            question_tallies::n,
        ))
        .load(conn)?;
    let position: HashMap<&str, usize> = questions
        .iter()
        .enumerate()
        .map(|(i, q)| (q.id.as_str(), i))
        .collect();
    for (question_id, part, item, value, n) in rows {
        let Some(&q) = position.get(question_id.as_str()) else {
            continue;
        };
        let Some(part) = Part::parse(&part) else {
            continue;
        };
        if let Some(item) = Item::parse(&questions[q], part, &item) {
            *counts.facts.entry((q, part, item, value)).or_default() += n;
        }
    }
    Ok(Some(counts))
}

/// Every survey that has kept figures (every survey with responses has).
pub fn counted_surveys(conn: &mut DbConn) -> Result<Vec<String>> {
    Ok(survey_tallies::table
        .select(survey_tallies::survey_id)
        .order(survey_tallies::survey_id)
        .load(conn)?)
}

/// Responses read per step of a recount.
const RECOUNT_PAGE: i64 = 2000;

/// Counts a survey's figures again from its stored answers, writes every response's figures
/// line, and replaces the kept figures: in the caller's write transaction, which on PostgreSQL
/// first locks the survey's tally row so that no writer adds to it meanwhile (a writer that
/// stored responses before the lock is waited for and its responses counted here; one after it
/// waits and adds its own). Returns the counts.
pub fn recount(conn: &mut DbConn, survey_id: &str, questions: &[Question]) -> Result<Counts> {
    let locked = diesel::update(survey_tallies::table.find(survey_id))
        .set(survey_tallies::stale.eq(true))
        .execute(conn)?;
    if locked == 0 {
        diesel::insert_into(survey_tallies::table)
            .values((
                survey_tallies::survey_id.eq(survey_id),
                survey_tallies::responses.eq(0i64),
                survey_tallies::stale.eq(true),
            ))
            .execute(conn)?;
    }
    let mut counts = Counts::default();
    let mut after = None;
    loop {
        let rows = model::page(conn, survey_id, after, RECOUNT_PAGE)?;
        let Some(last) = rows.last() else { break };
        after = Some((last.submitted_at, last.id.clone()));
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let mut by_response: HashMap<String, serde_json::Map<String, serde_json::Value>> =
            HashMap::new();
        for (response_id, question_id, value) in model::answers_of(conn, &ids)? {
            let value = model::parse_json(&value)?;
            by_response
                .entry(response_id)
                .or_default()
                .insert(question_id, value);
        }
        for row in &rows {
            let empty = serde_json::Map::new();
            let line = figures::line(questions, by_response.get(&row.id).unwrap_or(&empty));
            if row.figures.as_deref() != Some(line.as_str()) {
                model::set_figures(conn, &row.id, &line)?;
            }
            counts.add_line(questions, &line);
        }
    }
    diesel::delete(question_tallies::table.filter(question_tallies::survey_id.eq(survey_id)))
        .execute(conn)?;
    let mut rows: Vec<_> = counts.facts.iter().collect();
    rows.sort();
    // One row at a time: a survey has a few hundred facts at most, and a multi-row insert is
    // not something both backends build alike.
    for ((q, part, item, value), n) in rows {
        let question = &questions[*q];
        diesel::insert_into(question_tallies::table)
            .values((
                question_tallies::survey_id.eq(survey_id),
                question_tallies::question_id.eq(&question.id),
                question_tallies::part.eq(part.as_str()),
                question_tallies::item.eq(item.name(question)),
                question_tallies::value.eq(*value),
                question_tallies::n.eq(*n),
            ))
            .execute(conn)?;
    }
    diesel::update(survey_tallies::table.find(survey_id))
        .set((
            survey_tallies::responses.eq(counts.responses),
            survey_tallies::stale.eq(false),
        ))
        .execute(conn)?;
    Ok(counts)
}
