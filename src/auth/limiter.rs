//! Failed-login limits, counted in the database so the count survives restarts and every node
//! sees it. Three counters: one account from one address (the tight one), one address over all
//! accounts, and one account from anywhere per hour (ASVS 2.2.1: at most 100). Because the tight
//! counter is per address, an attacker elsewhere cannot lock the owner out; because the address
//! is the socket's (or a trusted proxy's), rotating `X-Forwarded-For` resets nothing.

use chrono::{NaiveDateTime, TimeDelta};

use super::model;
use crate::config::LoginLimits;
use crate::db::DbConn;
use crate::error::{Error, Result};

fn window(limits: &LoginLimits) -> TimeDelta {
    TimeDelta::from_std(limits.window).unwrap_or(TimeDelta::minutes(15))
}

/// Starts a login attempt inside the caller's write transaction: 429 past any limit, otherwise
/// the attempt is recorded as a failure before the password is even checked, so a burst of
/// parallel guesses is counted in full. A successful attempt is forgiven with [`forgive`].
pub fn begin_attempt(
    conn: &mut DbConn,
    limits: &LoginLimits,
    account: &str,
    peer: &str,
    now: NaiveDateTime,
) -> Result<()> {
    crate::db::exclusive(conn, "login-attempts")?;
    let window = window(limits);
    let hour = TimeDelta::hours(1);
    model::prune_failures(conn, now - window.max(hour))?;
    let counts = [
        (
            model::failures_of_account_from_peer(conn, account, peer, now - window)?,
            limits.max_failures,
            window,
        ),
        (
            model::failures_of_peer(conn, peer, now - window)?,
            limits.max_failures_per_peer,
            window,
        ),
        (
            model::failures_of_account(conn, account, now - hour)?,
            limits.max_failures_per_account_hour,
            hour,
        ),
    ];
    for ((count, oldest), max, span) in counts {
        if count >= max {
            let until = oldest.unwrap_or(now) + span;
            let wait = (until - now).num_seconds().max(1);
            return Err(Error::TooMany {
                retry_after_secs: wait.unsigned_abs(),
            });
        }
    }
    model::insert_failure(conn, &crate::ids::new_id(), account, peer, now)
}

/// After a successful sign-in: this address's failures for this account are forgotten.
pub fn forgive(conn: &mut DbConn, account: &str, peer: &str) -> Result<()> {
    model::clear_failures(conn, account, peer)
}
