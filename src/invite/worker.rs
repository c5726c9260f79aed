//! The outbox worker: one thread with its own single-threaded Tokio runtime (lettre's async
//! SMTP pool needs one) that claims due rows under a lease, renders and sends them, and records
//! each outcome. A row is sent only while this worker holds its lease, so it is never sent twice
//! on purpose; after a crash mid-send the lease runs out and the row is sent again with the same
//! Message-ID. Right before each send the suppression list is read again, so an opt-out or a
//! bounce that commits while a batch is under way still stops the email. Temporary failures
//! retry with exponential backoff and jitter; permanent ones and exhausted retries mark the row
//! failed, and a permanent refusal of the address also suppresses it. Sends are paced to the
//! configured rate and to a ceiling per recipient domain. The thread stops when the last
//! [`Outbox`] handle (held in Rocket's state) is dropped.

use std::cell::Cell;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use lettre::message::Mailbox;
use rocket::futures::future::LocalBoxFuture;
use rocket::futures::stream::FuturesUnordered;
use rocket::futures::{FutureExt, StreamExt};
use rocket::tokio::sync::Notify;
use rocket::tokio::time::{Instant, sleep_until};

use super::email::{self, Templates};
use super::mailer::{Mailer, MemoryMailbox, SendError};
use super::outbox::{self, OutboxRow, Outcome};
use crate::config::Settings;
use crate::db::{self, Db};

/// Rows between the start of their send and the commit of its outcome, at most: the SMTP pool
/// keeps as many connections, and a crash sends at most this many again.
const CONCURRENT_SENDS: usize = 8;

/// How the worker paces itself.
#[derive(Debug, Clone, Copy)]
pub struct WorkerOptions {
    /// The first retry waits about this long; each further one twice as long, up to `retry_cap`.
    pub retry_base: Duration,
    pub retry_cap: Duration,
    /// How often an idle worker looks for due rows (it also wakes on [`Outbox::notify`]).
    pub poll: Duration,
    /// How long a claim holds a row; longer than any one send may take.
    pub lease: Duration,
    /// Attempts before a row is given up as failed.
    pub max_attempts: i32,
    /// Rows claimed at once.
    pub batch: i64,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        Self {
            retry_base: Duration::from_secs(2),
            retry_cap: Duration::from_secs(3600),
            poll: Duration::from_millis(200),
            lease: Duration::from_secs(300),
            max_attempts: 8,
            batch: 64,
        }
    }
}

struct Shared {
    wake: Notify,
    stop: AtomicBool,
}

/// Stops the worker when the last handle goes.
struct StopOnDrop(Arc<Shared>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.stop.store(true, Ordering::SeqCst);
        self.0.wake.notify_one();
    }
}

/// The handle kept in Rocket's state; cheap to clone.
#[derive(Clone)]
pub struct Outbox {
    shared: Arc<Shared>,
    _stop: Arc<StopOnDrop>,
}

impl Outbox {
    /// Starts the worker thread.
    pub fn start(
        db: Db,
        settings: Settings,
        memory: MemoryMailbox,
        options: WorkerOptions,
    ) -> std::io::Result<Outbox> {
        let shared = Arc::new(Shared {
            wake: Notify::new(),
            stop: AtomicBool::new(false),
        });
        let worker = shared.clone();
        std::thread::Builder::new()
            .name("hearken-outbox".into())
            .spawn(move || {
                let runtime = rocket::tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                match runtime {
                    Ok(runtime) => {
                        runtime.block_on(run(&db, &settings, &memory, options, &worker));
                    }
                    Err(e) => log::error!("the outbox worker cannot start its runtime: {e}"),
                }
            })?;
        Ok(Outbox {
            _stop: Arc::new(StopOnDrop(shared.clone())),
            shared,
        })
    }

    /// Wakes the worker now (call after committing a transaction that queued mail).
    pub fn notify(&self) {
        self.shared.wake.notify_one();
    }
}

async fn run(
    db: &Db,
    settings: &Settings,
    memory: &MemoryMailbox,
    options: WorkerOptions,
    shared: &Shared,
) {
    // Built here, inside the runtime: the SMTP pool spawns its task on it.
    let mailer = match Mailer::new(&settings.mail_transport, memory) {
        Ok(mailer) => mailer,
        Err(e) => {
            log::error!("the outbox worker cannot start: {e}");
            return;
        }
    };
    let templates = match Templates::new() {
        Ok(t) => t,
        Err(e) => {
            log::error!("the outbox worker cannot start: {e}");
            return;
        }
    };
    let from: Result<Mailbox, String> = settings
        .mail_from
        .parse()
        .map_err(|e| format!("HEARKEN_MAIL_FROM is not a mailbox: {e}"));
    let worker = Worker {
        db,
        settings,
        options,
        mailer,
        templates,
        from,
        pacer: Pacer::new(settings.mail_per_second),
    };
    // The earliest retry this worker scheduled: it wakes for it rather than at the next poll,
    // so a short backoff is kept as short as it was meant to be.
    let mut next_retry: Option<NaiveDateTime> = None;
    while !shared.stop.load(Ordering::SeqCst) {
        let busy = match worker.round(&shared.stop).await {
            Ok(round) => {
                let now = db::now();
                next_retry = next_retry
                    .filter(|at| *at > now)
                    .into_iter()
                    .chain(round.next_retry)
                    .min();
                round.claimed > 0
            }
            Err(e) => {
                log::error!("the outbox worker: {e}");
                false
            }
        };
        if !busy {
            let wait = match next_retry {
                // A little past the retry time: the row is due only once `now` has passed it.
                Some(at) => (at - db::now())
                    .to_std()
                    .map_or(Duration::ZERO, |wait| wait + Duration::from_millis(2))
                    .min(options.poll),
                None => options.poll,
            };
            let _ = rocket::tokio::time::timeout(wait, shared.wake.notified()).await;
        }
    }
}

/// Spaces the starts of sends at least `1 / rate` apart: a ceiling with no burst, so even a
/// short window never sees more than its share. Lives as long as the worker, so the pace holds
/// across batches.
struct Pacer {
    /// None: no ceiling, and no waiting at all.
    interval: Option<Duration>,
    /// The earliest moment the next send may start.
    next: Cell<Instant>,
}

impl Pacer {
    fn new(per_second: u32) -> Self {
        Self {
            interval: (per_second > 0).then(|| Duration::from_secs(1) / per_second),
            next: Cell::new(Instant::now()),
        }
    }

    /// Waits for this send's turn. A turn not taken (an idle worker) is not saved up: the
    /// first send after a pause goes at once, and the next one an interval later.
    async fn turn(&self) {
        let Some(interval) = self.interval else {
            return;
        };
        let slot = self.next.get().max(Instant::now());
        self.next.set(slot + interval);
        sleep_until(slot).await;
    }
}

/// The recipient's domain as a key for the per-domain ceiling: case does not matter in a
/// domain, nor does a final dot.
fn domain_of(recipient: &str) -> String {
    let address = recipient.trim();
    let domain = address.rsplit_once('@').map_or(address, |(_, d)| d);
    domain.trim_end_matches('.').to_lowercase()
}

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
        count: usize,
        result: Result<(), (crate::Error, Vec<(OutboxRow, Outcome)>)>,
    },
}

/// What one round did.
struct Round {
    claimed: usize,
    /// The earliest retry it scheduled.
    next_retry: Option<NaiveDateTime>,
}

struct Worker<'a> {
    db: &'a Db,
    settings: &'a Settings,
    options: WorkerOptions,
    mailer: Mailer,
    templates: Templates,
    from: Result<Mailbox, String>,
    pacer: Pacer,
}

impl Worker<'_> {
    /// Claims, sends and records due rows until none is left. Sends, claims and records run
    /// side by side: the next batch is claimed while the last sends of the one before are
    /// under way, and whatever finished while one record was being written goes into the
    /// next (a group commit). A row holds one of the [`CONCURRENT_SENDS`] places from its send
    /// until its outcome is committed, so a crash at any moment leaves at most that many rows
    /// sent but not recorded, to be sent again; and a paced worker never stops to drain.
    async fn round(&self, stop: &AtomicBool) -> crate::Result<Round> {
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
                        let count = outcomes.len();
                        Event::Recorded {
                            count,
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
                    round.claimed += rows.len();
                    waiting.extend(rows.into_iter().map(|row| (domain_of(&row.recipient), row)));
                }
                Event::Claimed(Err(e)) => {
                    // Finish what is under way; the next round tries again.
                    log::error!("the outbox worker cannot claim: {e}");
                    (claiming, exhausted) = (false, true);
                }
                Event::Recorded {
                    count,
                    result: Ok(()),
                } => {
                    recording = false;
                    live = live.saturating_sub(count);
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
        // runs out, and are sent again then.
        self.record(unrecorded).await.map_err(|(e, _)| e)?;
        Ok(round)
    }

    async fn claim(&self) -> crate::Result<Vec<OutboxRow>> {
        let (db, options) = (self.db.clone(), self.options);
        crate::blocking(move || {
            let mut conn = db.conn()?;
            outbox::claim(&mut conn, db::now(), options.lease, options.batch)
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
        let db = self.db.clone();
        crate::blocking(move || {
            let recorded = db
                .conn()
                .and_then(|mut conn| outbox::record(&mut conn, &outcomes));
            recorded.map_err(|e| (e, outcomes))
        })
        .await
        .map_err(|e| (e, Vec::new()))?
    }

    /// Waits for this row's turn, then sends it unless its lease is running short or its
    /// recipient has opted out meanwhile.
    async fn attempt(&self, row: &OutboxRow) -> Outcome {
        self.pacer.turn().await;
        // Never send on a lease about to run out: another worker may claim the row then.
        let margin =
            TimeDelta::from_std(super::mailer::SMTP_TIMEOUT * 3).unwrap_or(TimeDelta::seconds(30));
        match row.claimed_until {
            Some(until) if db::now() + margin < until => {}
            _ => return Outcome::Released,
        }
        let (db, checked) = (self.db.clone(), row.clone());
        let suppressed = crate::blocking(move || {
            let mut conn = db.conn()?;
            outbox::suppressed(&mut conn, &checked)
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
        let message = match email::build_message(row, from, &self.templates, self.settings) {
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

/// The wait before the next attempt after `attempts` failed ones: base × 2^attempts, capped,
/// with ±20 % jitter so a crowd of rows that failed together does not retry together.
pub fn backoff(options: &WorkerOptions, attempts: i32) -> Duration {
    let exponent = attempts.clamp(0, 30) as u32;
    let plain = options
        .retry_base
        .saturating_mul(1u32 << exponent)
        .min(options.retry_cap);
    let jitter: f64 = 0.8 + 0.4 * rand::random::<f64>();
    plain.mul_f64(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let options = WorkerOptions::default();
        for attempts in 0..12 {
            let wait = backoff(&options, attempts);
            let plain = (options.retry_base * 2u32.pow(attempts as u32)).min(options.retry_cap);
            assert!(wait >= plain.mul_f64(0.79) && wait <= plain.mul_f64(1.21));
        }
        assert!(backoff(&options, 1000) <= options.retry_cap.mul_f64(1.21));
    }

    #[test]
    fn domains_compare_without_case() {
        assert_eq!(domain_of("Anna@Example.COM"), "example.com");
        assert_eq!(domain_of(" bob@example.com. "), "example.com");
        assert_eq!(domain_of("no-at-sign"), "no-at-sign");
    }

    #[test]
    fn the_pacer_spaces_starts_and_does_not_save_up_turns() {
        let runtime = rocket::tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        runtime.block_on(async {
            let pacer = Pacer::new(100);
            // An idle pacer does not let a burst through later.
            rocket::tokio::time::sleep(Duration::from_millis(50)).await;
            let start = Instant::now();
            for _ in 0..6 {
                pacer.turn().await;
            }
            // The first goes at once, five more 10 ms apart.
            let took = start.elapsed();
            assert!(took >= Duration::from_millis(50), "{took:?}");
            assert!(took < Duration::from_millis(200), "{took:?}");
            let unlimited = Pacer::new(0);
            let start = Instant::now();
            for _ in 0..1000 {
                unlimited.turn().await;
            }
            assert!(start.elapsed() < Duration::from_millis(50));
        });
    }
}
