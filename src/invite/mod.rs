//! Invitations by email: the tokens of personal and unsubscribe links, the transactional
//! outbox, its worker, the email templates and the mail transports.

pub mod email;
pub mod links;
pub mod mailer;
pub mod outbox;
pub mod worker;
