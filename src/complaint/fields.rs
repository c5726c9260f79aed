//! A complaint's fields as the API takes them and the history compares them: the status, the
//! customer, every field of the complaint record, and what changed between two versions.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::model::ComplaintRow;

/// Where a complaint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Open,
    Resolved,
    Closed,
}

impl Status {
    pub const ALL: [Status; 3] = [Status::Open, Status::Resolved, Status::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// The customer who complained.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = Email)]
    pub email: Option<String>,
}

/// A complaint's fields as logged or changed: every field of the complaint record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Fields {
    pub customer: Customer,
    /// The name of the employee who took the complaint (who need not be a staff user).
    pub received_by: String,
    /// The staff user responsible; the one who logs it when left out.
    #[serde(default)]
    pub owner_id: Option<String>,
    /// Now when left out.
    #[serde(default)]
    pub received_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub channel: Option<String>,
    pub category: String,
    pub nature: String,
    #[serde(default)]
    pub agreed_solution: Option<String>,
    #[serde(default)]
    pub solved_on_spot: bool,
    #[serde(default)]
    pub promised_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub steps_taken: Option<String>,
    /// When to check that the customer is satisfied; a month after `received_at` when left out
    /// at logging, none when set to null.
    #[serde(default)]
    pub follow_up_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub followed_up_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub customer_satisfied: Option<bool>,
    #[serde(default)]
    pub compensation: Option<String>,
    #[serde(default)]
    pub prevention: Option<String>,
    #[serde(default)]
    pub resolved_at: Option<DateTime<Utc>>,
    /// Follows from the other fields when left out: resolved when solved on the spot or given
    /// a resolution time, else open.
    #[serde(default)]
    pub status: Option<Status>,
    /// Themes, shared with answers and notes; the tags that do not exist yet are made. Left
    /// out of a change, the tags stay as they are.
    #[serde(default, skip_serializing)]
    pub tags: Option<Vec<String>>,
}

pub fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

impl Fields {
    /// The fields a stored complaint has now, in the shape a change is merged into.
    pub fn of(row: &ComplaintRow) -> Fields {
        Fields {
            customer: Customer {
                name: row.customer_name.clone(),
                address: row.customer_address.clone(),
                phone: row.customer_phone.clone(),
                email: row.customer_email.clone(),
            },
            received_by: row.received_by.clone(),
            owner_id: Some(row.owner_id.clone()),
            received_at: Some(utc(row.received_at)),
            channel: row.channel.clone(),
            category: row.category.clone(),
            nature: row.nature.clone(),
            agreed_solution: row.agreed_solution.clone(),
            solved_on_spot: row.solved_on_spot,
            promised_at: row.promised_at.map(utc),
            steps_taken: row.steps_taken.clone(),
            follow_up_at: row.follow_up_at.map(utc),
            followed_up_at: row.followed_up_at.map(utc),
            customer_satisfied: row.customer_satisfied,
            compensation: row.compensation.clone(),
            prevention: row.prevention.clone(),
            resolved_at: row.resolved_at.map(utc),
            status: Status::parse(&row.status),
            tags: None,
        }
    }
}

/// The fields as one flat JSON object (`customer.name`, …), for the history's comparison.
fn flat(fields: &Fields) -> Map<String, Value> {
    let mut out = Map::new();
    if let Ok(Value::Object(map)) = serde_json::to_value(fields) {
        for (key, value) in map {
            match value {
                Value::Object(inner) => {
                    for (k, v) in inner {
                        out.insert(format!("{key}.{k}"), v);
                    }
                }
                other => {
                    out.insert(key, other);
                }
            }
        }
    }
    out.retain(|_, v| !v.is_null());
    out
}

/// What changed between two versions: `{field: {"from": …, "to": …}}`.
pub fn changes(before: Option<&Fields>, after: &Fields) -> Map<String, Value> {
    let old = before.map(flat).unwrap_or_default();
    let new = flat(after);
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| old.get(*k) != new.get(*k))
        .map(|k| {
            (
                k.clone(),
                json!({"from": old.get(k).cloned().unwrap_or(Value::Null),
                       "to": new.get(k).cloned().unwrap_or(Value::Null)}),
            )
        })
        .collect()
}
