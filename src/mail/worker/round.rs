//! One round of the outbox worker: claiming due rows, sending them a few at a time within the
//! pacing limits, and recording each outcome as the sends end; and the renewal of the leases on
//! the rows it holds meanwhile.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{NaiveDateTime, TimeDelta};
use lettre::message::Mailbox;
use rocket::futures::future::LocalBoxFuture;
use rocket::futures::stream::FuturesUnordered;
use rocket::futures::{FutureExt, StreamExt};

use super::pacing::{Pacer, domain_of};
use super::{CONCURRENT_SENDS, WorkerOptions, backoff};
use crate::config::Settings;
use crate::db::{self, Db};
use crate::mail::outbox::{self, OutboxRow, Outcome};
use crate::mail::render::{self, Templates};
use crate::mail::transport::{Mailer, SendError};
use crate::mail::{Listener, Node};
/// What finished, in [`Worker::round`].
enum Event {
    Attempted {
        domain: String,
        // Boxed: a row is large next to the other events.
        row: Box<OutboxRow>,
        outcome: Outcome,
    },
    Claimed(crate::Result<Vec<OutboxRow>>),
    Recorded {
        ids: Vec<String>,
        result: Result<(), (crate::Error, Vec<(OutboxRow, Outcome)>)>,
    },
}

/// What one round did.
pub(super) struct Round {
    pub(super) claimed: usize,
    /// The earliest retry it scheduled.
    pub(super) next_retry: Option<NaiveDateTime>,
}

pub(super) struct Worker<'a> {
    pub(super) db: &'a Db,
    pub(super) settings: &'a Settings,
    pub(super) listener: Arc<dyn Listener>,
    pub(super) options: WorkerOptions,
    pub(super) mailer: Mailer,
    pub(super) templates: Templates,
    pub(super) from: Result<Mailbox, String>,
    pub(super) pacer: Pacer,
    /// This worker's name in its leases.
    pub(super) node: Node,
    /// The rows this worker holds, with the end of the lease on each as last written.
    pub(super) held: RefCell<HashMap<String, NaiveDateTime>>,
}

impl Worker<'_> {
    /// Claims, sends and records due rows until none is left. Sends, claims and records run
    /// side by side: the next batch is claimed while the last sends of the one before are
    /// under way, and whatever finished while one record was being written goes into the
    /// next (a group commit). A row holds one of the [`CONCURRENT_SENDS`] places from its send
    /// until its outcome is committed, so a crash at any moment leaves at most that many rows
    /// sent but not recorded, to be sent again; and a paced worker never stops to drain.
    pub(super) async fn round(&self, stop: &AtomicBool) -> crate::Result<Round> {
        let batch = usize::try_from(self.options.batch).unwrap_or(1).max(1);
        let per_domain = usize::try_from(self.settings.mail_per_domain)
            .unwrap_or(usize::MAX)
            .max(1);
        let mut round = Round {
            claimed: 0,
            next_retry: None,
        };
        let mut events: FuturesUnordered<LocalBoxFuture<'_, Event>> = FuturesUnordered::new();
        // Claimed rows not started yet, with their recipient's domain.
        let mut waiting: VecDeque<(String, OutboxRow)> = VecDeque::new();
        // Sends under way per recipient domain.
        let mut busy_domains: HashMap<String, usize> = HashMap::new();
        // Rows started whose outcome is not committed yet.
        let mut live = 0;
        // Outcomes waiting for the next record.
        let mut unrecorded: Vec<(OutboxRow, Outcome)> = Vec::new();
        let (mut claiming, mut recording) = (false, false);
        // No more claims this round: nothing was due, the worker is stopping, or the database
        // failed.
        let mut exhausted = false;
        // A record failed: no more until the last try at the end, and no new sends once the
        // places are used up, so a broken database stops the sending rather than repeating it.
        let mut record_failed = false;
        loop {
            // A row whose domain is at its ceiling waits, and a later row for another domain
            // goes first.
            while live < CONCURRENT_SENDS {
                let free = waiting.iter().position(|(domain, _)| {
                    busy_domains.get(domain).copied().unwrap_or(0) < per_domain
                });
                let Some((domain, row)) = free.and_then(|i| waiting.remove(i)) else {
                    break;
                };
                *busy_domains.entry(domain.clone()).or_default() += 1;
                live += 1;
                events.push(
                    async move {
                        let outcome = self.attempt(&row).await;
                        Event::Attempted {
                            domain,
                            row: Box::new(row),
                            outcome,
                        }
                    }
                    .boxed_local(),
                );
            }
            if !exhausted && !claiming && live < CONCURRENT_SENDS && waiting.len() < batch {
                exhausted = stop.load(Ordering::SeqCst);
                if !exhausted {
                    claiming = true;
                    events.push(async { Event::Claimed(self.claim().await) }.boxed_local());
                }
            }
            if !recording && !record_failed && !unrecorded.is_empty() {
                recording = true;
                let outcomes = std::mem::take(&mut unrecorded);
                events.push(
                    async move {
                        let ids = outcomes.iter().map(|(row, _)| row.id.clone()).collect();
                        Event::Recorded {
                            ids,
                            result: self.record(outcomes).await,
                        }
                    }
                    .boxed_local(),
                );
            }
            let Some(event) = events.next().await else {
                break;
            };
            match event {
                Event::Attempted {
                    domain,
                    row,
                    outcome,
                } => {
                    if let Some(busy) = busy_domains.get_mut(&domain) {
                        *busy = busy.saturating_sub(1);
                    }
                    if let Outcome::Retry { at, .. } = &outcome {
                        round.next_retry = Some(round.next_retry.map_or(*at, |next| next.min(*at)));
                    }
                    unrecorded.push((*row, outcome));
                }
                Event::Claimed(Ok(rows)) => {
                    claiming = false;
                    exhausted = rows.is_empty();
                    let rows = self.hold(rows);
                    round.claimed += rows.len();
                    waiting.extend(rows.into_iter().map(|row| (domain_of(&row.recipient), row)));
                }
                Event::Claimed(Err(e)) => {
                    // Finish what is under way; the next round tries again.
                    log::error!("the outbox worker cannot claim: {e}");
                    (claiming, exhausted) = (false, true);
                }
                Event::Recorded {
                    ids,
                    result: Ok(()),
                } => {
                    recording = false;
                    live = live.saturating_sub(ids.len());
                    let mut held = self.held.borrow_mut();
                    for id in &ids {
                        held.remove(id);
                    }
                }
                Event::Recorded {
                    result: Err((e, kept)),
                    ..
                } => {
                    log::error!("the outbox worker cannot record outcomes yet: {e}");
                    unrecorded.extend(kept);
                    (recording, record_failed, exhausted) = (false, true, true);
                }
            }
        }
        // Only left after a failed record; rows not recorded stay `sending` until their lease
        // runs out (no longer renewed), and are sent again then.
        let recorded = self.record(unrecorded).await.map_err(|(e, _)| e);
        self.held.borrow_mut().clear();
        recorded?;
        Ok(round)
    }

    /// Notes the lease on newly claimed rows. A row this worker already holds (its lease had
    /// lapsed and nobody took it) stays where it is in this round rather than going twice.
    fn hold(&self, rows: Vec<OutboxRow>) -> Vec<OutboxRow> {
        let mut held = self.held.borrow_mut();
        rows.into_iter()
            .filter(|row| match row.claimed_until {
                Some(until) if !held.contains_key(&row.id) => {
                    held.insert(row.id.clone(), until);
                    true
                }
                _ => false,
            })
            .collect()
    }

    /// Renews the lease on every row this worker holds, every quarter of the lease, for as
    /// long as it runs: a row waiting for its turn or in a slow send stays this worker's. A row
    /// whose lease lapsed and that another node took is dropped, and not sent here.
    pub(super) async fn keep_leases(&self) {
        let every = self.options.lease / 4;
        loop {
            rocket::tokio::time::sleep(every).await;
            let ids: Vec<String> = self.held.borrow().keys().cloned().collect();
            if ids.is_empty() {
                continue;
            }
            let (db, node, lease) = (self.db.clone(), self.node.clone(), self.options.lease);
            let now = db::now();
            let asked = ids.clone();
            let renewed = crate::blocking(move || {
                let mut conn = db.conn()?;
                outbox::renew(&mut conn, &node, &asked, now, lease)
            })
            .await
            .and_then(|result| result);
            let renewed = match renewed {
                Ok(renewed) => renewed,
                Err(e) => {
                    // Tried again at the next turn; a send waits while its lease runs short.
                    log::error!("the outbox worker cannot renew its leases: {e}");
                    continue;
                }
            };
            let until = now + TimeDelta::from_std(lease).unwrap_or(TimeDelta::seconds(60));
            let renewed: std::collections::HashSet<String> = renewed.into_iter().collect();
            let mut held = self.held.borrow_mut();
            for id in ids {
                if renewed.contains(&id) {
                    if let Some(end) = held.get_mut(&id) {
                        *end = until;
                    }
                } else {
                    held.remove(&id);
                }
            }
        }
    }

    async fn claim(&self) -> crate::Result<Vec<OutboxRow>> {
        let (db, options, listener) = (self.db.clone(), self.options, self.listener.clone());
        let node = self.node.clone();
        crate::blocking(move || {
            let mut conn = db.conn()?;
            let (now, lease, batch) = (db::now(), options.lease, options.batch);
            outbox::claim(&mut conn, &node, now, lease, batch, listener.as_ref())
        })
        .await?
    }

    /// Records outcomes; on failure hands them back with the error.
    async fn record(
        &self,
        outcomes: Vec<(OutboxRow, Outcome)>,
    ) -> Result<(), (crate::Error, Vec<(OutboxRow, Outcome)>)> {
        if outcomes.is_empty() {
            return Ok(());
        }
        let (db, listener, node) = (self.db.clone(), self.listener.clone(), self.node.clone());
        crate::blocking(move || {
            let recorded = db.conn().and_then(|mut conn| {
                outbox::record(&mut conn, &node, &outcomes, listener.as_ref())
            });
            match recorded {
                Ok(()) => {
                    count(&outcomes);
                    Ok(())
                }
                Err(e) => Err((e, outcomes)),
            }
        })
        .await
        .map_err(|e| (e, Vec::new()))?
    }

    /// Waits for this row's turn, then sends it unless its lease is running short or its
    /// recipient has opted out meanwhile.
    async fn attempt(&self, row: &OutboxRow) -> Outcome {
        self.pacer.turn().await;
        // Never start a send on a lease past half its length (its renewals are failing) or
        // lost: another worker may claim the row then.
        let margin = TimeDelta::from_std(self.options.lease / 2).unwrap_or(TimeDelta::seconds(30));
        let until = self.held.borrow().get(&row.id).copied();
        match until {
            Some(until) if db::now() + margin < until => {}
            _ => return Outcome::Released,
        }
        let (db, checked, listener) = (self.db.clone(), row.clone(), self.listener.clone());
        let suppressed = crate::blocking(move || {
            let mut conn = db.conn()?;
            outbox::opted_out(&mut conn, &checked, listener.as_ref())
        })
        .await
        .and_then(|result| result);
        match suppressed {
            Ok(false) => self.deliver(row).await,
            Ok(true) => Outcome::Cancelled,
            Err(e) => {
                // Unsure whether they opted out: do not send now; the row goes back to the queue.
                log::error!("email {} not sent: the opt-out check failed: {e}", row.id);
                Outcome::Released
            }
        }
    }

    async fn deliver(&self, row: &OutboxRow) -> Outcome {
        let from = match &self.from {
            Ok(from) => from,
            Err(e) => return self.failure(row, SendError::Temporary(e.clone())),
        };
        let message = match render::build_message(row, from, &self.templates, self.settings) {
            Ok(message) => message,
            Err(e) => return self.failure(row, SendError::Permanent(e.to_string())),
        };
        match self.mailer.send(message).await {
            Ok(()) => Outcome::Sent,
            Err(e) => {
                log::warn!("email {} not sent: {}", row.id, e.message());
                self.failure(row, e)
            }
        }
    }

    fn failure(&self, row: &OutboxRow, error: SendError) -> Outcome {
        match error {
            SendError::Permanent(error) => Outcome::Failed { error },
            SendError::Rejected(error) => Outcome::Rejected { error },
            SendError::Temporary(error) if row.attempts + 1 >= self.options.max_attempts => {
                Outcome::Failed {
                    error: format!("gave up after {} attempts: {error}", row.attempts + 1),
                }
            }
            SendError::Temporary(error) => {
                let wait = backoff(&self.options, row.attempts);
                let at = db::now() + TimeDelta::from_std(wait).unwrap_or(TimeDelta::seconds(60));
                Outcome::Retry { at, error }
            }
        }
    }
}

/// Counts committed outcomes for `/metrics`.
fn count(outcomes: &[(OutboxRow, Outcome)]) {
    use crate::counters::{self, MAIL_FAILED, MAIL_RETRIED, MAIL_SENT};
    for (_, outcome) in outcomes {
        match outcome {
            Outcome::Sent => counters::add(&MAIL_SENT, 1),
            Outcome::Failed { .. } | Outcome::Rejected { .. } => counters::add(&MAIL_FAILED, 1),
            Outcome::Retry { .. } => counters::add(&MAIL_RETRIED, 1),
            Outcome::Cancelled | Outcome::Released => {}
        }
    }
}
