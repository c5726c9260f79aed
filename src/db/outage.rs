//! The log of a database that cannot take writes (a full disk, I/O errors, a lost server): one
//! line when it starts, then at most one a minute while it lasts, each saying how many failures
//! went unlogged, and one line when a write commits again. Lines per refused request would
//! bury everything else in the log exactly when someone reads it to find the cause.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The least time between two lines about one outage.
pub const EVERY: Duration = Duration::from_secs(60);

struct State {
    /// When the failures that the last start line reported began.
    since: Instant,
    last_line: Instant,
    /// Failures since the last line that were not logged.
    suppressed: u64,
    /// Writes fail now (otherwise the outage has cleared and only its line may be due).
    failing: bool,
    /// When a line last said the outage cleared: another within a minute would be flapping.
    last_clear: Option<Instant>,
    /// The outage cleared within a minute of the last such line, which is then still owed.
    clear_owed: bool,
}

/// A condition logged once, then at most once per [`EVERY`], and once when it clears. When it
/// flaps (a write-ahead log fills, is checkpointed, fills again), a return within a minute of
/// the last line is counted, not logged, so the log still gets at most one line a minute.
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
        let Some(current) = state.as_mut() else {
            *state = Some(State {
                since: at,
                last_line: at,
                suppressed: 0,
                failing: true,
                last_clear: None,
                clear_owed: false,
            });
            self.active.store(true, Ordering::Release);
            return Some(start_line(what));
        };
        let due = at.saturating_duration_since(current.last_line) >= EVERY;
        let was_failing = std::mem::replace(&mut current.failing, true);
        current.clear_owed = false;
        if !due {
            current.suppressed += 1;
            return None;
        }
        let unlogged = std::mem::take(&mut current.suppressed);
        current.last_line = at;
        if !was_failing {
            current.since = at;
            return Some(start_line(what));
        }
        Some(format!(
            "the database still cannot take writes after {} s ({} failures not logged since \
             the last line): {what}",
            at.saturating_duration_since(current.since).as_secs(),
            unlogged + 1,
        ))
    }

    /// A write committed; the line to log if that ends an outage (or one is owed).
    pub fn cleared_at(&self, at: Instant) -> Option<String> {
        if !self.active.load(Ordering::Acquire) {
            return None;
        }
        let mut state = self.state();
        let current = state.as_mut()?;
        let was_failing = std::mem::replace(&mut current.failing, false);
        if was_failing || current.clear_owed {
            let flapping = current
                .last_clear
                .is_some_and(|last| at.saturating_duration_since(last) < EVERY);
            if flapping {
                current.clear_owed = true;
                return None;
            }
            current.clear_owed = false;
            current.last_clear = Some(at);
            current.last_line = at;
            let unlogged = std::mem::take(&mut current.suppressed);
            return Some(format!(
                "the database takes writes again after {} s ({unlogged} failures not logged \
                 since the last line)",
                at.saturating_duration_since(current.since).as_secs(),
            ));
        }
        if at.saturating_duration_since(current.last_line) >= EVERY {
            *state = None;
            self.active.store(false, Ordering::Release);
        }
        None
    }
}

fn start_line(what: &str) -> String {
    format!(
        "the database cannot take writes: {what}; answering 503 with Retry-After until it can \
         (logged again at most once a minute)"
    )
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

    fn secs(start: Instant, s: u64) -> Instant {
        start + Duration::from_secs(s)
    }

    #[test]
    fn one_line_then_one_a_minute_then_one_when_it_clears() {
        let log = RateLimitedLog::new();
        let start = Instant::now();
        let mut lines = Vec::new();
        // 37,573 failures in 18 s, then more until 130 s.
        for i in 0..40_000u64 {
            let at = start + Duration::from_millis(i * 130_000 / 40_000);
            lines.extend(log.failed_at("database or disk is full", at));
        }
        assert_eq!(lines.len(), 3, "{lines:#?}");
        assert!(lines[0].contains("database or disk is full"));
        assert!(lines[1].contains("not logged"), "{}", lines[1]);
        let cleared = log.cleared_at(secs(start, 131));
        assert!(
            cleared
                .as_deref()
                .is_some_and(|l| l.contains("writes again")),
            "{cleared:?}"
        );
        assert_eq!(log.cleared_at(secs(start, 132)), None);
        // Quiet for a minute: the next outage is reported at once.
        assert_eq!(log.cleared_at(secs(start, 200)), None);
        assert!(log.failed_at("disk I/O error", secs(start, 201)).is_some());
    }

    #[test]
    fn a_flapping_outage_still_gets_at_most_two_lines_a_minute() {
        let log = RateLimitedLog::new();
        let start = Instant::now();
        let mut lines = Vec::new();
        // Full for a second, writable for a second, for 50 s.
        for s in 0..50 {
            for _ in 0..100 {
                let at = secs(start, s);
                if s % 2 == 0 {
                    lines.extend(log.failed_at("disk I/O error", at));
                } else {
                    lines.extend(log.cleared_at(at));
                }
            }
        }
        assert_eq!(lines.len(), 2, "{lines:#?}");
        // A minute after the last line, the owed clearing is told.
        let owed = log.cleared_at(secs(start, 62));
        assert!(owed.is_some_and(|l| l.contains("2400 failures not logged")));
    }
}
