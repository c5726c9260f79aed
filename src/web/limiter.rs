//! The brake on guessing personal links: after 20 unknown tokens from one client address within
//! 10 minutes, every `/r/...` request from that address is answered 429 until the oldest of those
//! failures is 10 minutes old. Only unknown tokens count, and only against the address that sent
//! them, so nobody can lock another respondent out.
//!
//! The counts live in this process's memory, not the database. With 256-bit tokens the limiter
//! is not what stops a guess from succeeding (2^256 candidates stay out of reach however many
//! nodes an attacker spreads the guesses over); it only keeps scanners from wasting database
//! lookups and filling the logs. Losing the counts on restart, or each node keeping its own,
//! costs nothing that matters, and a database write per bad guess would hand a scanner a cheap
//! way to load the database.
//!
//! Memory is bounded: at most `capacity` addresses are tracked. When the table is full, the
//! addresses with no failure inside the window go first, then those whose last failure is
//! oldest, a quarter of the table at a time so a flood of new addresses costs amortised O(1).
//! IPv6 clients are counted per /64, the block one subscriber usually gets, so walking through
//! the addresses of one's own network does not reset the count.
//!
//! The same table, as [`SubmissionLimiter`], caps the answers one address sends through open
//! links (`/s/<survey>`), where no token stands between a script and the database: 30 a minute
//! by default, far more than people behind one address type, far fewer than a flood.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Unknown tokens one address may send within [`WINDOW`].
pub const MAX_FAILURES: usize = 20;
/// How far back failures are counted.
pub const WINDOW: Duration = Duration::from_secs(10 * 60);
/// Addresses tracked at most (about 150 bytes each).
pub const CAPACITY: usize = 10_000;

/// Failures per client address, in memory (see the module documentation for why).
pub struct LinkLimiter {
    max_failures: usize,
    window: Duration,
    capacity: usize,
    epoch: Instant,
    peers: Mutex<HashMap<IpAddr, VecDeque<u32>>>,
}

impl Default for LinkLimiter {
    fn default() -> Self {
        LinkLimiter::new(MAX_FAILURES, WINDOW, CAPACITY)
    }
}

/// The address failures are counted under: IPv4 as is (also when written as IPv6), IPv6 by /64.
pub fn key(addr: IpAddr) -> IpAddr {
    match addr.to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(bits))
        }
        v4 => v4,
    }
}

impl LinkLimiter {
    pub fn new(max_failures: usize, window: Duration, capacity: usize) -> Self {
        LinkLimiter {
            max_failures: max_failures.max(1),
            window,
            capacity: capacity.max(4),
            epoch: Instant::now(),
            peers: Mutex::new(HashMap::new()),
        }
    }

    fn peers(&self) -> MutexGuard<'_, HashMap<IpAddr, VecDeque<u32>>> {
        // A panic while the lock was held leaves at worst a half-updated count; keep going.
        self.peers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Seconds since this limiter was made: four bytes per failure instead of sixteen.
    fn seconds(&self, at: Instant) -> u32 {
        let secs = at.saturating_duration_since(self.epoch).as_secs();
        u32::try_from(secs).unwrap_or(u32::MAX)
    }

    fn window_secs(&self) -> u32 {
        u32::try_from(self.window.as_secs()).unwrap_or(u32::MAX)
    }

    /// How long `addr` must wait, if it is blocked now.
    pub fn blocked(&self, addr: IpAddr) -> Option<Duration> {
        self.blocked_at(addr, Instant::now())
    }

    pub fn blocked_at(&self, addr: IpAddr, at: Instant) -> Option<Duration> {
        let now = self.seconds(at);
        let window = self.window_secs();
        let mut peers = self.peers();
        let failures = peers.get_mut(&key(addr))?;
        forget_before(failures, now.saturating_sub(window));
        if failures.len() < self.max_failures {
            return None;
        }
        // Blocked until the oldest failure of the full set leaves the window.
        let oldest = failures.front().copied().unwrap_or(now);
        let wait = oldest.saturating_add(window).saturating_sub(now).max(1);
        Some(Duration::from_secs(u64::from(wait)))
    }

    /// Records an unknown token sent from `addr`.
    pub fn failed(&self, addr: IpAddr) {
        self.failed_at(addr, Instant::now());
    }

    pub fn failed_at(&self, addr: IpAddr, at: Instant) {
        let now = self.seconds(at);
        let since = now.saturating_sub(self.window_secs());
        let key = key(addr);
        let mut peers = self.peers();
        if !peers.contains_key(&key) && peers.len() >= self.capacity {
            self.make_room(&mut peers, since);
        }
        let failures = peers.entry(key).or_default();
        forget_before(failures, since);
        failures.push_back(now);
        // Only the newest `max_failures` can ever matter for the decision.
        while failures.len() > self.max_failures {
            failures.pop_front();
        }
    }

    /// Counts one event from `addr` unless that would pass the limit; how long to wait if it
    /// would (then nothing is counted). Check and count are one step, so parallel requests
    /// cannot slip past the limit together.
    pub fn admit(&self, addr: IpAddr) -> Result<(), Duration> {
        self.admit_at(addr, Instant::now())
    }

    pub fn admit_at(&self, addr: IpAddr, at: Instant) -> Result<(), Duration> {
        let now = self.seconds(at);
        let window = self.window_secs();
        let since = now.saturating_sub(window);
        let key = key(addr);
        let mut peers = self.peers();
        if let Some(events) = peers.get_mut(&key) {
            forget_before(events, since);
            if events.len() >= self.max_failures {
                let oldest = events.front().copied().unwrap_or(now);
                let wait = oldest.saturating_add(window).saturating_sub(now).max(1);
                return Err(Duration::from_secs(u64::from(wait)));
            }
        } else if peers.len() >= self.capacity {
            self.make_room(&mut peers, since);
        }
        peers.entry(key).or_default().push_back(now);
        Ok(())
    }

    /// Addresses tracked now (for tests and monitoring).
    pub fn tracked(&self) -> usize {
        self.peers().len()
    }

    /// Frees at least a quarter of the table: addresses with nothing inside the window first,
    /// then those whose last failure is oldest.
    fn make_room(&self, peers: &mut HashMap<IpAddr, VecDeque<u32>>, since: u32) {
        peers.retain(|_, failures| failures.back().is_some_and(|last| *last >= since));
        let keep = self.capacity - self.capacity / 4;
        if peers.len() <= keep {
            return;
        }
        let mut by_last: Vec<(u32, IpAddr)> = peers
            .iter()
            .map(|(addr, failures)| (failures.back().copied().unwrap_or(0), *addr))
            .collect();
        let drop = by_last.len() - keep;
        by_last.select_nth_unstable(drop - 1);
        for (_, addr) in &by_last[..drop] {
            peers.remove(addr);
        }
    }
}

/// Open-link submissions per client address per minute (`HEARKEN_OPEN_LINK_ANSWERS_PER_MINUTE`).
/// 0 sets no limit.
pub struct SubmissionLimiter(Option<LinkLimiter>);

impl SubmissionLimiter {
    pub fn new(per_minute: usize) -> Self {
        SubmissionLimiter(
            (per_minute > 0)
                .then(|| LinkLimiter::new(per_minute, Duration::from_secs(60), CAPACITY)),
        )
    }

    /// Counts one submission from `addr`, or says how long it must wait.
    pub fn admit(&self, addr: IpAddr) -> Result<(), Duration> {
        self.0
            .as_ref()
            .map_or(Ok(()), |limiter| limiter.admit(addr))
    }
}

fn forget_before(failures: &mut VecDeque<u32>, since: u32) {
    while failures.front().is_some_and(|at| *at < since) {
        failures.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse()
            .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
    }

    #[test]
    fn blocks_after_the_limit_and_only_that_address() {
        let limiter = LinkLimiter::new(3, Duration::from_secs(600), 100);
        let start = Instant::now();
        let attacker = ip("203.0.113.9");
        for i in 0..3 {
            assert_eq!(limiter.blocked_at(attacker, start), None, "after {i}");
            limiter.failed_at(attacker, start + Duration::from_secs(i));
        }
        let wait = limiter.blocked_at(attacker, start + Duration::from_secs(10));
        assert_eq!(wait, Some(Duration::from_secs(590)));
        assert_eq!(limiter.blocked_at(ip("203.0.113.10"), start), None);
        // Once the oldest failure leaves the window, one more attempt is allowed.
        assert_eq!(
            limiter.blocked_at(attacker, start + Duration::from_secs(601)),
            None
        );
    }

    #[test]
    fn ipv6_counts_per_slash_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(key(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
        let limiter = LinkLimiter::new(2, Duration::from_secs(600), 100);
        let now = Instant::now();
        limiter.failed_at(ip("2001:db8:1:2::1"), now);
        limiter.failed_at(ip("2001:db8:1:2::2"), now);
        assert!(limiter.blocked_at(ip("2001:db8:1:2::3"), now).is_some());
        assert!(limiter.blocked_at(ip("2001:db8:1:3::1"), now).is_none());
    }

    #[test]
    fn a_flood_of_addresses_stays_within_capacity() {
        let limiter = LinkLimiter::new(20, Duration::from_secs(600), 1000);
        let now = Instant::now();
        for i in 0..100_000u32 {
            let addr = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            limiter.failed_at(addr, now + Duration::from_millis(u64::from(i)));
        }
        assert!(limiter.tracked() <= 1000, "{}", limiter.tracked());
    }

    #[test]
    fn admit_counts_up_to_the_limit_per_slash_64_and_within_capacity() {
        let limiter = LinkLimiter::new(3, Duration::from_secs(60), 100);
        let start = Instant::now();
        let one = ip("2001:db8:5:6::1");
        for i in 0..3 {
            assert_eq!(
                limiter.admit_at(ip(&format!("2001:db8:5:6::{i}")), start),
                Ok(())
            );
        }
        let later = start + Duration::from_secs(20);
        assert_eq!(limiter.admit_at(one, later), Err(Duration::from_secs(40)));
        assert_eq!(limiter.admit_at(ip("2001:db8:5:7::1"), later), Ok(()));
        // Refused attempts are not counted: once the window has passed, the address may go on.
        assert_eq!(
            limiter.admit_at(one, start + Duration::from_secs(61)),
            Ok(())
        );

        let flood = LinkLimiter::new(30, Duration::from_secs(60), 1000);
        for i in 0..100_000u32 {
            let addr = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            let _ = flood.admit_at(addr, start + Duration::from_millis(u64::from(i)));
        }
        assert!(flood.tracked() <= 1000, "{}", flood.tracked());
    }

    #[test]
    fn old_failures_are_dropped_first_when_full() {
        let limiter = LinkLimiter::new(2, Duration::from_secs(60), 8);
        let start = Instant::now();
        let busy = ip("198.51.100.1");
        limiter.failed_at(busy, start + Duration::from_secs(100));
        limiter.failed_at(busy, start + Duration::from_secs(100));
        for i in 0..7u32 {
            limiter.failed_at(IpAddr::V4(std::net::Ipv4Addr::from(i + 1)), start);
        }
        // A new address arrives when full: the stale ones go, the recent offender stays.
        limiter.failed_at(ip("198.51.100.2"), start + Duration::from_secs(100));
        assert!(
            limiter
                .blocked_at(busy, start + Duration::from_secs(100))
                .is_some()
        );
        assert!(limiter.tracked() <= 8);
    }
}
