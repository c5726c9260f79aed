//! The complaint log: every field of the complaint record, logged fast at a counter or on the
//! phone, changed with every change kept, followed up a month later (the owner is emailed once
//! when the follow-up falls due), and measured against the service goals.

pub mod api;
pub mod fields;
pub mod followup;
pub mod form;
pub mod goals;
pub mod model;
pub mod pages;
pub mod record;
pub mod shown;

use rocket::{Build, Rocket};
use serde::Serialize;
use serde_json::Value;

use self::fields::{Customer, Status};
use self::model::{ChangeRow, ComplaintRow};
use crate::web::rfc3339;

pub fn mount(rocket: Rocket<Build>) -> Rocket<Build> {
    rocket
        .attach(followup::fairing())
        .mount("/api/v1", api::routes())
        .mount("/", pages::routes())
}

/// A complaint as the API returns it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Complaint)]
pub struct ComplaintView {
    pub id: String,
    pub customer: Customer,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    pub received_by: String,
    pub owner_id: String,
    pub received_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    pub category: String,
    pub nature: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agreed_solution: Option<String>,
    pub solved_on_spot: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub promised_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps_taken: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_up_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub followed_up_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_satisfied: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compensation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prevention: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<String>,
    pub status: Status,
    pub tags: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Every change, oldest first; only when one complaint is read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<Change>>,
}

/// One entry of a complaint's history.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ComplaintChange)]
pub struct Change {
    pub at: String,
    /// The name of the staff user who made the change.
    pub by: String,
    /// `{field: {"from": …, "to": …}}`; nested customer fields as `customer.name`.
    #[schema(value_type = Object)]
    pub changes: Value,
}

impl From<&ChangeRow> for Change {
    fn from(row: &ChangeRow) -> Self {
        Change {
            at: rfc3339(row.at),
            by: row.by_name.clone(),
            changes: serde_json::from_str(&row.changes).unwrap_or(Value::Null),
        }
    }
}

impl ComplaintView {
    pub fn of(row: &ComplaintRow, tags: Vec<String>) -> ComplaintView {
        ComplaintView {
            id: row.id.clone(),
            customer: Customer {
                name: row.customer_name.clone(),
                address: row.customer_address.clone(),
                phone: row.customer_phone.clone(),
                email: row.customer_email.clone(),
            },
            contact_id: row.contact_id.clone(),
            received_by: row.received_by.clone(),
            owner_id: row.owner_id.clone(),
            received_at: rfc3339(row.received_at),
            channel: row.channel.clone(),
            category: row.category.clone(),
            nature: row.nature.clone(),
            agreed_solution: row.agreed_solution.clone(),
            solved_on_spot: row.solved_on_spot,
            promised_at: row.promised_at.map(rfc3339),
            steps_taken: row.steps_taken.clone(),
            follow_up_at: row.follow_up_at.map(rfc3339),
            followed_up_at: row.followed_up_at.map(rfc3339),
            customer_satisfied: row.customer_satisfied,
            compensation: row.compensation.clone(),
            prevention: row.prevention.clone(),
            resolved_at: row.resolved_at.map(rfc3339),
            status: Status::parse(&row.status).unwrap_or(Status::Open),
            tags,
            created_at: rfc3339(row.created_at),
            updated_at: rfc3339(row.updated_at),
            history: None,
        }
    }
}

/// The complaints that name a contact (linked, or by its email), each with its history, as
/// the API shows them: for the contact's subject-access export.
pub fn of_contact(
    conn: &mut crate::db::DbConn,
    contact_id: &str,
    email: &str,
) -> crate::error::Result<Vec<Value>> {
    let mut out = Vec::new();
    for row in model::of_contact(conn, contact_id, email)? {
        let mut view = ComplaintView::of(&row, tags_of(conn, &row.id)?);
        view.history = Some(
            model::history(conn, &row.id)?
                .iter()
                .map(Change::from)
                .collect(),
        );
        out.push(serde_json::to_value(&view).unwrap_or(Value::Null));
    }
    Ok(out)
}

/// The tags on a complaint, by name.
pub fn tags_of(conn: &mut crate::db::DbConn, id: &str) -> crate::error::Result<Vec<String>> {
    crate::insight::tags_of(conn, &crate::insight::Target::Complaint(id.to_string()))
}
