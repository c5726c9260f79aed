//! What respondents see and do: survey pages by personal link or open link, answers checked
//! and kept on error, save and resume, submission through one batching writer, in the survey's
//! language; and the API for responses.

pub mod answering;
pub mod api;
pub mod carry;
pub mod checking;
pub mod drafts;
pub mod figures;
pub mod form;
pub mod link_cookie;
pub mod link_lookup;
pub mod link_pages;
pub mod model;
pub mod page_layout;
pub mod pages;
pub mod paging;
pub mod personal;
pub mod preview;
pub mod published;
pub mod tally;
pub mod view;
pub mod volunteer;
pub mod writer;

use rocket::{Build, Rocket};

pub fn mount(rocket: Rocket<Build>) -> Rocket<Build> {
    rocket
        .mount("/", pages::routes())
        .mount("/", personal::routes())
        .mount("/", rocket::routes![volunteer::volunteer])
        .mount("/api/v1", api::routes())
}
