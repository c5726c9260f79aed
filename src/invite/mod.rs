//! Invitations by email: one per contact per survey with its email queued through the mail
//! room, reminders, the statuses staff follow (API and staff page), and the unsubscribe link.

pub mod api;
pub mod invitations;
pub mod model;
pub mod pages;
pub mod statuses;
pub mod unsubscribe;

use rocket::{Build, Rocket};

pub fn mount(rocket: Rocket<Build>) -> Rocket<Build> {
    rocket
        .mount("/", unsubscribe::routes())
        .mount("/", pages::routes())
        .mount("/api/v1", api::routes())
}
