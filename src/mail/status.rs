//! The statuses of an email in the outbox, and what became of one the worker claimed.

use chrono::NaiveDateTime;

/// Where an email stands in the outbox, stored as its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxStatus {
    /// Waiting for its time (`next_attempt_at`).
    Queued,
    /// Claimed by a worker, under its lease.
    Sending,
    Sent,
    Failed,
    /// Not sent: the recipient opted out.
    Cancelled,
}

impl OutboxStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }
}

/// What became of one claimed row.
#[derive(Debug, Clone)]
pub enum Outcome {
    Sent,
    /// Try again at this time.
    Retry {
        at: NaiveDateTime,
        error: String,
    },
    Failed {
        error: String,
    },
    /// The recipient's server refused the address for good: failed as [`Outcome::Failed`], and
    /// the address goes on the suppression list, so no later email is sent to it.
    Rejected {
        error: String,
    },
    /// Not sent: the recipient opted out after the row was claimed (checked right before the
    /// send). Cancelled as [`super::outbox::claim`] cancels.
    Cancelled,
    /// Not attempted (the lease ran short, or the opt-out check could not be made): back to the
    /// queue as it was.
    Released,
}
