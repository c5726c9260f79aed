//! Results: per-question figures (kept as responses arrive, or counted for a segment), the
//! comparison with named competitors, what people say in their own words, coding open answers
//! into themes, and exports.

pub mod api;
pub mod browse;
pub mod charts;
pub mod coding;
pub mod counting;
pub mod downloads;
pub mod export;
pub mod model;
pub mod pages;
pub mod report;
pub mod scores;
pub mod segment;
pub mod summary;
pub mod terms;

use rocket::{Build, Rocket};

pub fn mount(rocket: Rocket<Build>) -> Rocket<Build> {
    rocket
        .mount("/api/v1", api::routes())
        .mount("/", pages::routes())
        .mount("/", downloads::routes())
        .mount("/", browse::routes())
        .mount("/", coding::routes())
}
