//! The outbox worker: one thread with its own single-threaded Tokio runtime (lettre's async
//! SMTP pool needs one) that claims due rows under a lease, renders and sends them, and records
//! each outcome. A row is sent only while this worker holds its lease, so it is never sent twice
//! on purpose. The lease is short and renewed while the worker holds the row, however long its
//! send takes; it names the node and when this run of it started. After a crash a restarted
//! node takes back its earlier run's rows at once, and another node takes them when their lease
//! runs out; either sends them again with the same Message-ID. Right before each send the suppression list is read again, so an opt-out or a
//! bounce that commits while a batch is under way still stops the email. Temporary failures
//! retry with exponential backoff and jitter; permanent ones and exhausted retries mark the row
//! failed, and a permanent refusal of the address also suppresses it. Sends are paced to the
//! configured rate and to a ceiling per recipient domain. The thread stops when the last
//! [`Outbox`] handle (held in Rocket's state) is dropped.

mod pacing;
mod round;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::NaiveDateTime;
use lettre::message::Mailbox;
use rocket::tokio::sync::Notify;

use super::outbox;
use super::render::Templates;
use super::transport::{Mailer, MemoryMailbox};
use super::{Listener, Node};
use crate::config::Settings;
use crate::db::{self, Db};
use pacing::Pacer;
use round::Worker;

/// Rows between the start of their send and the commit of its outcome, at most: the SMTP pool
/// keeps as many connections, and a crash sends at most this many again.
pub(crate) const CONCURRENT_SENDS: usize = 8;

/// How the worker paces itself.
#[derive(Debug, Clone, Copy)]
pub struct WorkerOptions {
    /// The first retry waits about this long; each further one twice as long, up to `retry_cap`.
    pub retry_base: Duration,
    pub retry_cap: Duration,
    /// How often an idle worker looks for due rows (it also wakes on [`Outbox::notify`]).
    pub poll: Duration,
    /// How long a claim holds a row unless renewed. The worker renews its rows every quarter
    /// of it, so another node waits about this long after a crash before it takes them over.
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
            lease: Duration::from_secs(60),
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
    /// Starts the worker thread; `listener` is how the rooms hear of their emails.
    pub fn start(
        db: Db,
        settings: Settings,
        memory: MemoryMailbox,
        options: WorkerOptions,
        listener: Arc<dyn Listener>,
    ) -> std::io::Result<Outbox> {
        let shared = Arc::new(Shared {
            wake: Notify::new(),
            stop: AtomicBool::new(false),
        });
        // Compiled before the thread starts, so a broken template stops the start.
        let templates = Templates::load(settings.template_dir.as_deref())
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let worker = shared.clone();
        std::thread::Builder::new()
            .name("hearken-outbox".into())
            .spawn(move || {
                let runtime = rocket::tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                match runtime {
                    Ok(runtime) => {
                        let node = Node {
                            name: settings.node_name.clone(),
                            started: db::now(),
                        };
                        let context = (&db, &settings, &memory, listener, templates);
                        runtime.block_on(run(context, node, options, &worker));
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
    (db, settings, memory, listener, templates): (
        &Db,
        &Settings,
        &MemoryMailbox,
        Arc<dyn Listener>,
        Templates,
    ),
    node: Node,
    options: WorkerOptions,
    shared: &Shared,
) {
    reclaim(db, &node).await;
    // Built here, inside the runtime: the SMTP pool spawns its task on it.
    let mailer = match Mailer::new(&settings.mail_transport, memory) {
        Ok(mailer) => mailer,
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
        listener,
        options,
        mailer,
        templates,
        from,
        pacer: Pacer::new(settings.mail_per_second),
        node,
        held: Default::default(),
    };
    let sending = send_until_stopped(&worker, options, shared);
    let renewing = worker.keep_leases();
    rocket::futures::future::select(Box::pin(sending), Box::pin(renewing)).await;
}

/// Puts back in the queue what an earlier run of this node held when it stopped.
async fn reclaim(db: &Db, node: &Node) {
    let (db, node) = (db.clone(), node.clone());
    let reclaimed = crate::blocking(move || {
        let mut conn = db.conn()?;
        outbox::reclaim(&mut conn, &node)
    })
    .await
    .and_then(|result| result);
    match reclaimed {
        Ok(0) => {}
        Ok(count) => log::warn!(
            "the outbox worker took back {count} emails this node held when it last stopped; \
             the ones that were being sent then go out again"
        ),
        Err(e) => log::error!("the outbox worker cannot take back this node's earlier emails: {e}"),
    }
}

/// Claims and sends rounds of due rows until the worker is told to stop.
async fn send_until_stopped(worker: &Worker<'_>, options: WorkerOptions, shared: &Shared) {
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
}
