//! The statuses of an email in the outbox.

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
