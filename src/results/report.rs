//! A survey's results as the API and the results page show them: the response count and
//! completion rate, then every question's figures (open questions with their terms).

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::thread::ScopedJoinHandle;

use serde::{Deserialize, Serialize};

use super::counting::{self, TERMS_SAMPLE};
use super::model::{self, TermsRow};
use super::segment::Segment;
use super::summary::{self, QuestionResult, Summary};
use super::terms::{self, Term};
use crate::db::{Db, DbConn};
use crate::error::{Error, Result};
use crate::respond::figures::{Item, Part};
use crate::respond::tally::Counts;
use crate::survey::model::Survey;
use crate::survey::question::Kind;

/// Terms listed per open question.
pub const TERMS_LISTED: usize = 20;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub responses: i64,
    pub invited: i64,
    pub completion_rate: f64,
    pub questions: Vec<QuestionResult>,
}

/// The text summary of an open question, as kept between counts.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Words {
    top_terms: Vec<Term>,
    terms_from: usize,
    terms_sampled: bool,
    #[serde(skip)]
    counting: bool,
}

impl Words {
    /// Terms that are not there yet: being counted in the background.
    fn counting() -> Self {
        Words {
            top_terms: Vec::new(),
            terms_from: 0,
            terms_sampled: false,
            counting: true,
        }
    }
}

/// How long counted terms for everyone are served before a count in the background.
const TERMS_FRESH_SECONDS: i64 = 60;
/// Surveys with more responses than this have their first terms counted in the background,
/// so that no results call waits for them (a thousand answers to each of eight long open
/// questions are counted in well under a tenth of a second; twenty thousand take seconds).
pub const TERMS_COUNTED_AT_ONCE: i64 = 1000;
/// Open questions whose answers are gathered and counted together: one per processor, so the
/// counting runs in parallel while no more than that many questions' answers are held at once.
const QUESTIONS_AT_ONCE: usize = 2;

/// Surveys whose terms this process is counting in the background, so that a burst of
/// requests starts one count, not one each.
static COUNTING: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
/// Held while open answers are gathered and counted: one count at a time in the process, so
/// the answers held in memory stay those of one count however many segments are asked for at
/// once (the counting already keeps every processor busy).
static ONE_COUNT_AT_A_TIME: Mutex<()> = Mutex::new(());
/// Requests counting terms or waiting to; background counts wait while there are any.
static REQUESTS_COUNTING: AtomicUsize = AtomicUsize::new(0);

/// The results of `survey` for `segment`. For everyone, open questions' terms are the last
/// counted ones: counted now when there are none, else served at once and, when responses have
/// come in and they are older than a minute, counted again in the background through `db`.
pub fn report(db: &Db, conn: &mut DbConn, survey: &Survey, segment: &Segment) -> Result<Report> {
    let (counts, words) = if segment.is_everyone() {
        let counts = counting::counts(conn, survey, segment)?;
        let open = open_questions(survey, Some(&counts));
        let words = kept_words(db, conn, survey, counts.responses, &open)?;
        (counts, words)
    } else {
        // A segment's figures and its open answers' terms are counted at once: the figures
        // on a second connection, while this one gathers the answers.
        let open = open_questions(survey, None);
        std::thread::scope(|scope| {
            let counted = scope.spawn(|| {
                let mut second = db.conn()?;
                counting::counts(&mut second, survey, segment)
            });
            let words = count_words(conn, survey, segment, &open);
            let counts = counted.join().map_err(|_| {
                Error::internal(std::io::Error::other(
                    "counting a segment's figures panicked",
                ))
            })??;
            Ok::<_, Error>((counts, words?))
        })?
    };
    let (invited, completed) = crate::invite::model::completion_of_survey(conn, survey.id())?;
    let mut questions = summary::summarize(survey.questions(), &counts);
    for result in &mut questions {
        if let Summary::Text {
            top_terms,
            terms_from,
            terms_sampled,
            terms_counting,
        } = &mut result.summary
            && let Some(found) = words.get(&result.question_id)
        {
            *top_terms = found.top_terms.clone();
            *terms_from = found.terms_from;
            *terms_sampled = found.terms_sampled;
            *terms_counting = found.counting;
        }
    }
    Ok(Report {
        responses: counts.responses,
        invited,
        completion_rate: if invited == 0 {
            0.0
        } else {
            completed as f64 / invited as f64
        },
        questions,
    })
}

/// The ids of the open questions of `survey`; given `counts`, of those somebody answered.
fn open_questions(survey: &Survey, counts: Option<&Counts>) -> Vec<String> {
    (0..)
        .zip(survey.questions())
        .filter(|(_, q)| matches!(q.kind, Kind::Text { .. } | Kind::LongText { .. }))
        .filter(|(i, _)| counts.is_none_or(|c| c.get(*i, Part::Answered, Item::Whole, 0) > 0))
        .map(|(_, q)| q.id.clone())
        .collect()
}

/// The kept terms of everyone's answers, counting the missing ones now (in the background
/// when the survey is large) and the stale ones in the background.
fn kept_words(
    db: &Db,
    conn: &mut DbConn,
    survey: &Survey,
    responses: i64,
    open: &[String],
) -> Result<HashMap<String, Words>> {
    let now = crate::db::now();
    let mut words = HashMap::new();
    let mut stale = false;
    for row in model::terms_of(conn, survey.id())? {
        if let Ok(kept) = serde_json::from_str::<Words>(&row.terms) {
            stale |= row.responses != responses
                && (now - row.counted_at).num_seconds() >= TERMS_FRESH_SECONDS;
            words.insert(row.question_id, kept);
        }
    }
    let missing: Vec<String> = open
        .iter()
        .filter(|q| !words.contains_key(*q))
        .cloned()
        .collect();
    if !missing.is_empty() && responses > TERMS_COUNTED_AT_ONCE {
        words.extend(missing.into_iter().map(|q| (q, Words::counting())));
        stale = true;
    } else if !missing.is_empty() {
        let counted = count_words(conn, survey, &Segment::default(), &missing)?;
        save_words(conn, survey.id(), responses, &counted)?;
        words.extend(counted);
    }
    if stale {
        count_in_background(db.clone(), survey.clone(), open.to_vec());
    }
    Ok(words)
}

/// The most used words of everyone's answers to an open question, as last counted (none
/// before the first count).
pub fn kept_terms(conn: &mut DbConn, survey_id: &str, question: &str) -> Result<Vec<String>> {
    Ok(model::terms_of(conn, survey_id)?
        .into_iter()
        .filter(|row| row.question_id == question)
        .filter_map(|row| serde_json::from_str::<Words>(&row.terms).ok())
        .flat_map(|words| words.top_terms.into_iter().map(|t| t.term))
        .collect())
}

fn save_words(
    conn: &mut DbConn,
    survey_id: &str,
    responses: i64,
    words: &HashMap<String, Words>,
) -> Result<()> {
    crate::db::write(conn, |conn| {
        for (question_id, found) in words {
            model::save_terms(
                conn,
                &TermsRow {
                    survey_id: survey_id.to_string(),
                    question_id: question_id.clone(),
                    responses,
                    counted_at: crate::db::now(),
                    terms: serde_json::to_string(found).map_err(Error::internal)?,
                },
            )?;
        }
        Ok(())
    })
}

fn count_in_background(db: Db, survey: Survey, open: Vec<String>) {
    let id = survey.id().to_string();
    let started = COUNTING
        .lock()
        .is_ok_and(|mut counting| counting.insert(id.clone()));
    if !started {
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("hearken-terms".into())
        .spawn(move || {
            let counted = db.conn().and_then(|mut conn| {
                let responses =
                    counting::counts(&mut conn, &survey, &Segment::default())?.responses;
                let words = count_words_in_background(&mut conn, &survey, &open)?;
                save_words(&mut conn, survey.id(), responses, &words)
            });
            if let Err(e) = counted {
                log::warn!(
                    "counting the terms of survey {} failed: {}",
                    survey.id(),
                    e.chain()
                );
            }
            if let Ok(mut counting) = COUNTING.lock() {
                counting.remove(survey.id().as_str());
            }
        });
    if spawned.is_err()
        && let Ok(mut counting) = COUNTING.lock()
    {
        counting.remove(&id);
    }
}

/// Counts the terms of the open questions `open` in a segment for a request: their latest
/// answers gathered a few questions at a time, each question counted on its own thread while
/// the next few questions' answers are gathered (so at most two groups' answers are held).
fn count_words(
    conn: &mut DbConn,
    survey: &Survey,
    segment: &Segment,
    open: &[String],
) -> Result<HashMap<String, Words>> {
    REQUESTS_COUNTING.fetch_add(1, Ordering::SeqCst);
    let _counting = Leaving(&REQUESTS_COUNTING);
    let _turn = ONE_COUNT_AT_A_TIME
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    std::thread::scope(|scope| {
        let mut words = HashMap::new();
        let mut running = Vec::new();
        for group in open.chunks(QUESTIONS_AT_ONCE) {
            let texts = counting::latest_texts(conn, survey, segment, group)?;
            words.extend(
                running
                    .drain(..)
                    .filter_map(|t: ScopedJoinHandle<_>| t.join().ok()),
            );
            for (id, (list, more)) in texts {
                let language = survey.language();
                running.push(scope.spawn(move || (id, count_one(language, &list, more))));
            }
        }
        words.extend(running.into_iter().filter_map(|t| t.join().ok()));
        Ok(words)
    })
}

/// Counts everyone's terms in the background, a few questions at a time, stepping aside
/// between them whenever a request is counting: a results call never waits for more than one
/// group of a background count.
fn count_words_in_background(
    conn: &mut DbConn,
    survey: &Survey,
    open: &[String],
) -> Result<HashMap<String, Words>> {
    let mut words = HashMap::new();
    for group in open.chunks(QUESTIONS_AT_ONCE) {
        while REQUESTS_COUNTING.load(Ordering::SeqCst) > 0 {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _turn = ONE_COUNT_AT_A_TIME
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let texts = counting::latest_texts(conn, survey, &Segment::default(), group)?;
        let language = survey.language();
        std::thread::scope(|scope| {
            let running: Vec<_> = texts
                .into_iter()
                .map(|(id, (list, more))| {
                    scope.spawn(move || (id, count_one(language, &list, more)))
                })
                .collect();
            words.extend(running.into_iter().filter_map(|t| t.join().ok()));
        });
    }
    Ok(words)
}

fn count_one(language: &str, list: &[String], more: bool) -> Words {
    let borrowed: Vec<&str> = list.iter().map(String::as_str).collect();
    Words {
        top_terms: terms::top_terms(language, &borrowed, TERMS_LISTED),
        terms_from: list.len(),
        terms_sampled: more && list.len() == TERMS_SAMPLE,
        counting: false,
    }
}

/// Takes one off a count when dropped, however the counting ends.
struct Leaving(&'static AtomicUsize);

impl Drop for Leaving {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
