//! What this process has counted since it started, for `/metrics`: requests by route and
//! status, submissions by outcome, and emails by outcome. Counters only go up; a scraper takes
//! the differences, and a restart shows as a drop it knows how to read.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// One request counted: method, route template (never the path a client typed, so a scanner
/// cannot grow the table) and status code.
type RequestKey = (&'static str, String, u16);

static REQUESTS: Mutex<BTreeMap<RequestKey, u64>> = Mutex::new(BTreeMap::new());

/// Submissions stored now, replays of one stored before, and refusals (a closed survey, a
/// full disk, a failed commit).
pub static SUBMISSIONS_STORED: AtomicU64 = AtomicU64::new(0);
pub static SUBMISSIONS_REPLAYED: AtomicU64 = AtomicU64::new(0);
pub static SUBMISSIONS_REFUSED: AtomicU64 = AtomicU64::new(0);

/// Emails whose outcome this process recorded.
pub static MAIL_SENT: AtomicU64 = AtomicU64::new(0);
pub static MAIL_FAILED: AtomicU64 = AtomicU64::new(0);
pub static MAIL_RETRIED: AtomicU64 = AtomicU64::new(0);

pub fn add(counter: &AtomicU64, by: u64) {
    counter.fetch_add(by, Ordering::Relaxed);
}

pub fn read(counter: &AtomicU64) -> u64 {
    counter.load(Ordering::Relaxed)
}

/// Counts one answered request.
pub fn request(method: &'static str, route: &str, status: u16) {
    // A poisoned lock only means a panic elsewhere while counting; the counts are still good.
    let mut requests = REQUESTS.lock().unwrap_or_else(|p| p.into_inner());
    match requests.get_mut(&(method, route.to_string(), status)) {
        Some(count) => *count += 1,
        None => {
            requests.insert((method, route.to_string(), status), 1);
        }
    }
}

/// Every request counted so far: method, route, status and count, in a stable order.
pub fn requests() -> Vec<(&'static str, String, u16, u64)> {
    let requests = REQUESTS.lock().unwrap_or_else(|p| p.into_inner());
    requests
        .iter()
        .map(|((method, route, status), count)| (*method, route.clone(), *status, *count))
        .collect()
}
