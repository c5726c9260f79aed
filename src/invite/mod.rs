//! Invitations by email: the tokens of personal and unsubscribe links, and (in progress) the
//! outbox, its worker and the mail transports.

pub mod links;
