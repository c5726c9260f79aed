//! Failed-login limits. Failures are counted per account and per client address in the
//! database, so the count survives restarts and is shared by every node; rotating a forwarded
//! header does not reset it because the account is part of the key.

use chrono::{NaiveDateTime, TimeDelta};

use super::model;
use crate::config::LoginLimits;
use crate::db::DbConn;
use crate::error::{Error, Result};

fn window(limits: &LoginLimits) -> TimeDelta {
    TimeDelta::from_std(limits.window).unwrap_or(TimeDelta::minutes(15))
}

/// 429 when the account or the address has failed too often within the window.
pub fn check(
    conn: &mut DbConn,
    limits: &LoginLimits,
    account: &str,
    peer: &str,
    now: NaiveDateTime,
) -> Result<()> {
    let window = window(limits);
    let since = now - window;
    let counts = [
        (
            model::failures_of_account(conn, account, since)?,
            limits.max_failures_per_account,
        ),
        (
            model::failures_of_peer(conn, peer, since)?,
            limits.max_failures_per_peer,
        ),
    ];
    for ((count, oldest), max) in counts {
        if count >= max {
            let until = oldest.unwrap_or(now) + window;
            let wait = (until - now).num_seconds().max(1);
            return Err(Error::TooMany {
                retry_after_secs: wait.unsigned_abs(),
            });
        }
    }
    Ok(())
}

pub fn record_failure(
    conn: &mut DbConn,
    limits: &LoginLimits,
    account: &str,
    peer: &str,
    now: NaiveDateTime,
) -> Result<()> {
    model::prune_failures(conn, now - window(limits))?;
    model::insert_failure(conn, &crate::ids::new_id(), account, peer, now)
}

pub fn clear(conn: &mut DbConn, account: &str) -> Result<()> {
    model::clear_failures_of_account(conn, account)
}
