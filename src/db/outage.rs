//! The log of a database that cannot take writes (a full disk, I/O errors, a lost server): one
//! line when it starts, then at most one a minute while it lasts, each saying how many failures
//! went unlogged, and one line when a write commits again. Every refused request used to log
//! its own lines, which buried everything else in the log exactly when it was needed.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The least time between two lines about one outage.
pub const EVERY: Duration = Duration::from_secs(60);

struct State {
    since: Instant,
    last_line: Instant,
    /// Failures since the last line that were not logged.
    suppressed: u64,
    /// Failures since the outage began.
    total: u64,
}

/// A condition logged once, then at most once per [`EVERY`], until it clears.
pub struct RateLimitedLog {
    active: AtomicBool,
    state: Mutex<Option<State>>,
}

impl Default for RateLimitedLog {
    fn default() -> Self {
        Self::new()
    }
}

impl RateLimitedLog {
    pub const fn new() -> Self {
        RateLimitedLog {
            active: AtomicBool::new(false),
            state: Mutex::new(None),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, Option<State>> {
        // A panic while logging leaves at worst a wrong count; keep going.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// One more failure; the line to log, if one is due.
    pub fn failed_at(&self, what: &str, at: Instant) -> Option<String> {
        let mut state = self.state();
        match state.as_mut() {
            None => {
                *state = Some(State {
                    since: at,
                    last_line: at,
                    suppressed: 0,
                    total: 1,
                });
                self.active.store(true, Ordering::Release);
                Some(format!(
                    "the database cannot take writes: {what}; answering 503 with Retry-After \
                     until it can (logged again at most once a minute)"
                ))
            }
            Some(current) => {
                current.total += 1;
                if at.saturating_duration_since(current.last_line) < EVERY {
                    current.suppressed += 1;
                    return None;
                }
                let line = format!(
                    "the database still cannot take writes after {} s ({} failures not logged \
                     since the last line): {what}",
                    at.saturating_duration_since(current.since).as_secs(),
                    current.suppressed + 1,
                );
                current.last_line = at;
                current.suppressed = 0;
                Some(line)
            }
        }
    }

    /// A write committed; the line to log if that ends an outage.
    pub fn cleared_at(&self, at: Instant) -> Option<String> {
        if !self.active.load(Ordering::Acquire) {
            return None;
        }
        let ended = self.state().take()?;
        self.active.store(false, Ordering::Release);
        Some(format!(
            "the database takes writes again after {} s ({} failed in all)",
            at.saturating_duration_since(ended.since).as_secs(),
            ended.total
        ))
    }
}

static WRITES: RateLimitedLog = RateLimitedLog::new();

/// Reports a write that failed because the database cannot take writes now.
pub fn failed(what: &dyn std::fmt::Display) {
    if let Some(line) = WRITES.failed_at(&what.to_string(), Instant::now()) {
        log::error!("{line}");
    }
}

/// Reports a committed write (cheap when nothing is wrong: one atomic load).
pub fn cleared() {
    if let Some(line) = WRITES.cleared_at(Instant::now()) {
        log::warn!("{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_then_one_a_minute_then_one_when_it_clears() {
        let log = RateLimitedLog::new();
        let start = Instant::now();
        let mut lines = Vec::new();
        // 37,573 failures over 18 s, then more until 130 s.
        for i in 0..40_000u64 {
            let at = start + Duration::from_millis(i * 130_000 / 40_000);
            lines.extend(log.failed_at("database or disk is full", at));
        }
        assert_eq!(lines.len(), 3, "{lines:#?}");
        assert!(lines[0].contains("database or disk is full"));
        assert!(lines[1].contains("not logged"), "{}", lines[1]);
        let cleared = log.cleared_at(start + Duration::from_secs(131));
        assert!(
            cleared.as_deref().is_some_and(|l| l.contains("40000 failed")),
            "{cleared:?}"
        );
        assert_eq!(log.cleared_at(start + Duration::from_secs(132)), None);
        // A new outage is reported at once.
        assert!(log.failed_at("disk I/O error", start).is_some());
    }
}
