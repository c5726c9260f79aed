//! Pacing of the outbox worker's sends: a ceiling on sends started per second, and the key of
//! the per-domain ceiling on sends in flight.

use std::cell::Cell;
use std::time::Duration;

use rocket::tokio::time::{Instant, sleep_until};

/// Spaces the starts of sends at least `1 / rate` apart: a ceiling with no burst, so even a
/// short window never sees more than its share. Lives as long as the worker, so the pace holds
/// across batches.
pub(super) struct Pacer {
    /// None: no ceiling, and no waiting at all.
    interval: Option<Duration>,
    /// The earliest moment the next send may start.
    next: Cell<Instant>,
}

impl Pacer {
    pub(super) fn new(per_second: u32) -> Self {
        Self {
            interval: (per_second > 0).then(|| Duration::from_secs(1) / per_second),
            next: Cell::new(Instant::now()),
        }
    }

    /// Waits for this send's turn. A turn not taken (an idle worker) is not saved up: the
    /// first send after a pause goes at once, and the next one an interval later.
    pub(super) async fn turn(&self) {
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
pub(super) fn domain_of(recipient: &str) -> String {
    let address = recipient.trim();
    let domain = address.rsplit_once('@').map_or(address, |(_, d)| d);
    domain.trim_end_matches('.').to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

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
