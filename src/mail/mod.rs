//! Email, for every room that sends it: a typed message per kind of email, the transactional
//! outbox it is queued in, the worker that claims and sends due rows, the lettre transports,
//! and the rendering from `templates/email/<kind>/`. The mail room knows no capability: what a
//! room needs to hear about its emails (an opt-out to respect, a refused address, a delivery)
//! it hears through the [`Listener`] it is started with.

pub mod lookups;
pub mod message;
pub mod outbox;
pub mod render;
pub mod status;
pub mod transport;
pub mod worker;

use chrono::NaiveDateTime;

pub use self::message::{CalendarPart, Email, Message, Notice, SurveyInvitation};
use crate::db::DbConn;
use crate::error::Result;

/// A running worker, as its leases name it: the node's stable name and when this run of it
/// started. A later run of the same node knows the leases of an earlier one for orphans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    pub started: NaiveDateTime,
}

/// What became of one send, as the rooms hear it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivered<'a> {
    Sent,
    /// A temporary failure; the email is tried again later.
    WillRetry {
        error: &'a str,
    },
    /// Given up for good (including a refused address).
    Failed {
        error: &'a str,
    },
}

/// One outcome reported to the rooms, inside the transaction that records it in the outbox.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    /// The email's kind (see [`Message::kind`]).
    pub kind: &'a str,
    /// The id behind the email's personal link, if it carries one.
    pub link_id: Option<&'a str>,
    pub result: Delivered<'a>,
    pub at: NaiveDateTime,
}

/// The rooms' side of sending: who may not be written to, and what to record when a send ends.
/// Every method runs on the worker's connection, inside its transaction where there is one.
pub trait Listener: Send + Sync + 'static {
    /// Whether the recipient has opted out (asked when a row is claimed and right before its
    /// send), by address or by the contact the email names.
    fn opted_out(
        &self,
        conn: &mut DbConn,
        recipient: &str,
        contact_id: Option<&str>,
    ) -> Result<bool>;

    /// The recipient's server refused the address for good: no later email may go to it.
    fn address_refused(&self, conn: &mut DbConn, recipient: &str, at: NaiveDateTime) -> Result<()>;

    /// A send ended (only for rows this worker still held, so each outcome is told once).
    fn delivered(&self, conn: &mut DbConn, delivery: &Delivery<'_>) -> Result<()>;
}
