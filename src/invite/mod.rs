//! Invitations by email: the tokens of personal and unsubscribe links, the transactional
//! outbox, its worker, the email templates and the mail transports, the invitation and reminder
//! API with its staff page, and the unsubscribe link.

pub mod api;
pub mod email;
pub mod invitations;
pub mod links;
pub mod mailer;
pub mod outbox;
pub mod pages;
pub mod statuses;
pub mod unsubscribe;
pub mod worker;

use rocket::{Build, Rocket};

pub fn mount(rocket: Rocket<Build>) -> Rocket<Build> {
    rocket
        .mount("/", unsubscribe::routes())
        .mount("/", pages::routes())
        .mount("/api/v1", api::routes())
}
