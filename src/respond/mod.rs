//! What respondents see and do: survey pages by personal link or open link, answers checked
//! and kept on error, save and resume, submission through one batching writer, in the survey's
//! language; and the API for responses.

pub mod api;
pub mod checking;
pub mod form;
pub mod i18n;
pub mod model;
pub mod pages;
pub mod published;
pub mod view;
pub mod writer;

use rocket::{Build, Rocket};

use crate::db::{self, DbConn};
use crate::error::Result;

pub fn mount(rocket: Rocket<Build>) -> Rocket<Build> {
    rocket
        .mount("/", pages::routes())
        .mount("/api/v1", api::routes())
}

/// Creates an invitation to `survey_id` and returns its personal-link token (kept only as a
/// digest; the raw token exists in the link alone).
pub fn create_invitation(
    conn: &mut DbConn,
    survey_id: &str,
    contact_id: Option<&str>,
) -> Result<String> {
    let token = crate::ids::new_secret();
    model::insert_invitation(
        conn,
        &model::InvitationRow {
            id: crate::ids::new_id(),
            survey_id: survey_id.to_string(),
            contact_id: contact_id.map(str::to_string),
            token_hash: crate::ids::digest(&token),
            status: "queued".to_string(),
            created_at: db::now(),
            opened_at: None,
            completed_at: None,
        },
    )?;
    Ok(token)
}
