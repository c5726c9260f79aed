//! The submission writer: one thread that takes queued submissions, stores a batch of them in
//! one write transaction (each in its own savepoint, so one refusal never sinks the others) and
//! answers each caller only after the commit. One fsync then covers many durable submissions.
//! A completion's reward (coupon or draw entry) is given in its savepoint, so a response never
//! exists without it and a refused response leaves none behind.

use std::sync::Arc;

use chrono::NaiveDateTime;

use rocket::http::Status;
use rocket::tokio::sync::{mpsc, oneshot};

use super::model::{self, ResponseRow};
use super::tally::{Batch, StoredFact};
use crate::config::Settings;
use crate::counters;
use crate::db::{self, Db, DbConn};
use crate::error::{Error, Result};
use crate::incentive::{self, Completion, Plan};
use crate::survey::model::{self as surveys, Availability};

/// How many queued submissions one transaction takes at most.
const MAX_BATCH: usize = 256;
/// How many submissions may wait before callers wait for room.
const QUEUE: usize = 8192;

/// A complete, checked submission, ready to store.
#[derive(Debug, Clone)]
pub struct Submission {
    pub survey_id: String,
    pub invitation_id: Option<String>,
    pub contact_id: Option<String>,
    /// Keeps the response of an anonymous survey unlinkable to its invitation.
    pub anonymous: bool,
    /// One per rendered form (or API idempotency key): a replay returns the first result.
    pub submission_key: String,
    pub payload_digest: String,
    pub channel: &'static str,
    /// (question id, answer as JSON)
    pub answers: Vec<(String, String)>,
    pub score: Option<String>,
    /// The response in short, and the facts it adds to the kept figures.
    pub figures: String,
    pub facts: Vec<StoredFact>,
    /// The reward a completion earns (a coupon, a draw entry), given in the same savepoint.
    pub reward: Option<Plan>,
}

/// What happened to a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// Stored now, with this response id.
    New(String),
    /// The same submission was stored before (a double click, a retry): its response id.
    Replayed(String),
}

impl Stored {
    pub fn response_id(&self) -> &str {
        match self {
            Stored::New(id) | Stored::Replayed(id) => id,
        }
    }
}

type Job = (Submission, oneshot::Sender<Result<Stored>>);

/// The handle request handlers use; cheap to clone.
#[derive(Clone)]
pub struct Writer {
    queue: mpsc::Sender<Job>,
    _thread: Arc<()>,
}

impl Writer {
    /// Starts the writer thread; it stops when the last handle is dropped.
    pub fn start(db: Db, settings: Settings) -> std::io::Result<Writer> {
        let (queue, jobs) = mpsc::channel(QUEUE);
        std::thread::Builder::new()
            .name("hearken-submissions".into())
            .spawn(move || run(&db, &settings, jobs))?;
        Ok(Writer {
            queue,
            _thread: Arc::new(()),
        })
    }

    /// Stores a submission; returns once it is committed (or refused).
    pub async fn submit(&self, submission: Submission) -> Result<Stored> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((submission, reply))
            .await
            .map_err(|_| Error::Internal("the submission writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| Error::Internal("the submission writer dropped a submission".into()))?
    }
}

fn run(db: &Db, settings: &Settings, mut jobs: mpsc::Receiver<Job>) {
    while let Some(first) = jobs.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let outcome = db.conn().and_then(|mut conn| {
            db::write(&mut conn, |conn| {
                let mut results: Vec<Result<Stored>> = Vec::with_capacity(batch.len());
                let mut tallies = Batch::default();
                let keys: Vec<&str> = batch
                    .iter()
                    .map(|(s, _)| s.submission_key.as_str())
                    .collect();
                let mut lookups = Lookups::for_keys(conn, &keys)?;
                for (submission, _) in &batch {
                    // A savepoint per submission: a refusal rolls back only its own rows. A
                    // database that cannot take writes fails the whole batch instead (SQLite
                    // has then ended the transaction itself, and the savepoint's rollback
                    // error would hide why).
                    let mut unavailable = None;
                    let result = diesel::Connection::transaction(conn, |conn| {
                        store_in_batch(conn, settings, &mut lookups, submission).inspect_err(|e| {
                            if e.status() == Status::ServiceUnavailable {
                                unavailable = Some(e.unavailable_copy());
                            }
                        })
                    });
                    if let Some(error) = unavailable {
                        return Err(error);
                    }
                    if let Ok(Stored::New(_)) = &result {
                        tallies.add(&submission.survey_id, &submission.facts);
                    }
                    results.push(result);
                }
                // The kept figures once for the whole batch, in the same transaction.
                tallies.apply(conn)?;
                Ok::<_, Error>(results)
            })
        });
        match outcome {
            Ok(results) => {
                for ((_, reply), result) in batch.into_iter().zip(results) {
                    count(&result);
                    let _ = reply.send(result);
                }
            }
            Err(error) => {
                // Each caller reports a database that cannot take writes (rate-limited there);
                // anything else is logged here, once for the batch.
                let unavailable = error.status() == Status::ServiceUnavailable;
                if !unavailable {
                    log::error!(
                        "a batch of {} submissions failed: {}",
                        batch.len(),
                        error.chain()
                    );
                }
                counters::add(&counters::SUBMISSIONS_REFUSED, batch.len() as u64);
                for (_, reply) in batch {
                    let copy = if unavailable {
                        error.unavailable_copy()
                    } else {
                        Error::Internal(error.chain().into())
                    };
                    let _ = reply.send(Err(copy));
                }
            }
        }
    }
}

fn count(result: &Result<Stored>) {
    let counter = match result {
        Ok(Stored::New(_)) => &counters::SUBMISSIONS_STORED,
        Ok(Stored::Replayed(_)) => &counters::SUBMISSIONS_REPLAYED,
        Err(_) => &counters::SUBMISSIONS_REFUSED,
    };
    counters::add(counter, 1);
}

/// Stores one submission and adds it to the kept figures, in the caller's write transaction
/// (command-line tools that load data use this; the writer thread stores batches).
pub fn store(conn: &mut DbConn, settings: &Settings, submission: &Submission) -> Result<Stored> {
    let mut lookups = Lookups::for_keys(conn, &[&submission.submission_key])?;
    let stored = store_in_batch(conn, settings, &mut lookups, submission)?;
    if let Stored::New(_) = &stored {
        let mut tallies = Batch::default();
        tallies.add(&submission.survey_id, &submission.facts);
        tallies.apply(conn)?;
    }
    Ok(stored)
}

/// What a batch looks up once rather than per submission (on PostgreSQL every lookup is a
/// round trip): whether each survey it answers takes answers (the batch is one transaction of
/// a few milliseconds), and which of its submission keys are stored already, found in one
/// query and added to as the batch stores them, so a key sent twice in one batch is a replay
/// too: key → (response id, payload digest, survey id).
struct Lookups {
    open: std::collections::HashMap<String, bool>,
    known: std::collections::HashMap<String, (String, String, String)>,
}

impl Lookups {
    fn for_keys(conn: &mut DbConn, keys: &[&str]) -> Result<Lookups> {
        let known = model::find_by_submission_keys(conn, keys)?
            .into_iter()
            .map(|(key, id, digest, survey)| (key, (id, digest, survey)))
            .collect();
        Ok(Lookups {
            open: Default::default(),
            known,
        })
    }

    fn check_open(&mut self, conn: &mut DbConn, survey_id: &str, now: NaiveDateTime) -> Result<()> {
        let open = match self.open.get(survey_id) {
            Some(open) => *open,
            None => {
                let open =
                    surveys::stored_availability(conn, survey_id, now)? == Availability::Open;
                self.open.insert(survey_id.to_string(), open);
                open
            }
        };
        if open {
            Ok(())
        } else {
            Err(Error::conflict(
                "survey_not_open",
                "the survey does not accept answers now",
            ))
        }
    }
}

/// Stores one submission in the caller's write transaction; its facts are the caller's to add
/// to the kept figures.
fn store_in_batch(
    conn: &mut DbConn,
    settings: &Settings,
    lookups: &mut Lookups,
    submission: &Submission,
) -> Result<Stored> {
    if let Some((id, digest, survey_id)) = lookups.known.get(&submission.submission_key) {
        return if *digest == submission.payload_digest && *survey_id == submission.survey_id {
            Ok(Stored::Replayed(id.clone()))
        } else {
            Err(Error::invalid(
                "submission",
                "this form was already sent with different answers; reload the page to answer again",
            ))
        };
    }
    let now = db::now();
    // Checked again here, inside the transaction: pages may show a survey a moment after it
    // closed, but no answer is stored after that.
    lookups.check_open(conn, &submission.survey_id, now)?;
    if let Some(invitation_id) = &submission.invitation_id {
        // For an anonymous survey the invitation keeps only the day it was answered, so its time
        // cannot be joined with the response's to tell who answered what.
        let completed = if submission.anonymous {
            db::day_of(now)
        } else {
            now
        };
        if !crate::invite::model::complete(conn, invitation_id, completed)? {
            return Err(Error::conflict(
                "already_answered",
                "this invitation has already been answered",
            ));
        }
        model::delete_draft(conn, invitation_id)?;
    }
    let row = ResponseRow {
        // Appended at the end of the responses' and answers' indexes rather than written to a
        // random page of each; an anonymous survey's response keeps a random id, as nothing
        // that ties it to a time beyond its stored one should be made.
        id: if submission.anonymous {
            crate::ids::new_id()
        } else {
            crate::ids::new_time_ordered_id()
        },
        survey_id: submission.survey_id.clone(),
        invitation_id: submission
            .invitation_id
            .clone()
            .filter(|_| !submission.anonymous),
        contact_id: submission
            .contact_id
            .clone()
            .filter(|_| !submission.anonymous),
        submission_key: submission.submission_key.clone(),
        payload_digest: submission.payload_digest.clone(),
        channel: submission.channel.to_string(),
        submitted_at: now,
        score: submission.score.clone(),
        figures: Some(submission.figures.clone()),
    };
    model::insert_response(conn, &row)?;
    model::insert_answers(conn, &row.id, &submission.answers)?;
    if let Some(plan) = &submission.reward {
        let completion = Completion {
            response_id: &row.id,
            invitation_id: submission.invitation_id.as_deref(),
            contact_id: submission.contact_id.as_deref(),
            at: now,
        };
        incentive::on_completion(conn, settings, plan, &completion)?;
    }
    lookups.known.insert(
        row.submission_key.clone(),
        (
            row.id.clone(),
            row.payload_digest.clone(),
            row.survey_id.clone(),
        ),
    );
    Ok(Stored::New(row.id))
}
