//! Streamed responses that are whole only once their producer says so (exports).
//!
//! Rocket ends a streamed body cleanly even when reading it failed part-way, so a client would
//! take a cut-off download for a whole one. A producer therefore registers its response as
//! unfinished under an id it sends in [`HEADER`], and takes the id off once everything is
//! written. The front removes the header and, when a body ends while its id is still
//! registered (the producer failed or panicked), fails the body, which closes the client's
//! connection before the final chunk.

use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};

/// The response header naming an unfinished response's id; the front never passes it on.
pub const HEADER: &str = "x-hearken-unfinished";

static UNFINISHED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// Registers a new response as unfinished; its id.
pub fn begin() -> String {
    let id = crate::ids::new_id();
    registry().insert(id.clone());
    id
}

/// The producer wrote everything.
pub fn finish(id: &str) {
    registry().remove(id);
}

/// Whether the response `id` was left unfinished; forgets it either way.
pub fn take(id: &str) -> bool {
    registry().remove(id)
}

fn registry() -> std::sync::MutexGuard<'static, BTreeSet<String>> {
    UNFINISHED.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_is_unfinished_until_its_producer_finishes_it() {
        let failed = begin();
        let whole = begin();
        finish(&whole);
        assert!(take(&failed));
        assert!(!take(&failed), "taken once");
        assert!(!take(&whole));
    }
}
