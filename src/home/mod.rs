//! The staff home page: what needs doing today, for the role of whoever signs in — the open
//! surveys with their responses today and completion, invitations that failed, complaint
//! follow-ups that are due, the top three problems, and for an empty install the first steps.
//! It reads every other room through its public functions and writes nothing.

mod pages;

use rocket::{Build, Rocket};

pub fn mount(rocket: Rocket<Build>) -> Rocket<Build> {
    rocket.mount("/", pages::routes())
}
