//! Contacts: the people surveys are sent to. Import from JSON or CSV (checked row by row, matched
//! by email so a re-import updates), list and search, opting out; the API routes of the
//! subject-access export and erasure, which `privacy` carries out across the rooms.

pub mod api;
pub mod import;
pub mod model;
pub mod pages;

use std::collections::BTreeMap;

use rocket::{Build, Rocket};
use serde::Serialize;

use self::model::ContactRow;

pub fn mount(rocket: Rocket<Build>) -> Rocket<Build> {
    rocket
        .mount("/api/v1", api::routes())
        .mount("/", pages::routes())
}

/// A contact as the API returns it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Contact)]
pub struct ContactView {
    pub id: String,
    #[schema(format = Email)]
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    pub attributes: BTreeMap<String, String>,
    pub opted_out: bool,
}

impl From<&ContactRow> for ContactView {
    fn from(row: &ContactRow) -> Self {
        ContactView {
            id: row.id.clone(),
            email: row.email.clone(),
            name: row.name.clone(),
            phone: row.phone.clone(),
            address: row.address.clone(),
            language: row.language.clone(),
            attributes: import::attributes_of(row),
            opted_out: row.opted_out_at.is_some(),
        }
    }
}
