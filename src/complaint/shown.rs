//! How the staff pages show a complaint's times and history: times to the minute in UTC, and
//! each change as a line a person reads ("Steps being taken: (empty) → Replacement sent"), with
//! the form's names for the fields and staff users by name.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::Value;

use super::model::ChangeRow;

/// A time as staff read it.
pub fn shown(at: Option<NaiveDateTime>) -> String {
    at.map(crate::web::to_the_minute).unwrap_or_default()
}

/// One history entry as the page shows it.
#[derive(Debug, Serialize)]
pub struct Entry {
    pub at: String,
    pub by: String,
    /// The entry that logged the complaint: its fields are the form's first values, so the
    /// page says "Logged" rather than listing them.
    pub logged: bool,
    pub lines: Vec<String>,
}

/// The form's name for a field of the record.
fn label(field: &str) -> String {
    let known = match field {
        "customer.name" => "Customer name",
        "customer.phone" => "Phone",
        "customer.email" => "Email",
        "customer.address" => "Address",
        "customer" => "Customer",
        "received_by" => "Received by",
        "received_at" => "Received at",
        "channel" => "How it came in",
        "nature" => "What happened",
        "agreed_solution" => "Agreed solution",
        "solved_on_spot" => "Solved on the spot",
        "promised_at" => "Promised for",
        "steps_taken" => "Steps being taken",
        "follow_up_at" => "Follow-up",
        "followed_up_at" => "Followed up on",
        "customer_satisfied" => "Customer satisfied",
        "compensation" => "Compensation",
        "prevention" => "How to avoid it in future",
        "resolved_at" => "Resolved at",
        "owner_id" => "Owner",
        "status" => "Status",
        "category" => "Category",
        other => return crate::web::capitalized(&other.replace('_', " ")),
    };
    known.to_string()
}

fn value(field: &str, value: &Value, names: &HashMap<String, String>) -> String {
    match value {
        Value::Null => "(empty)".to_string(),
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
        Value::String(s) if field == "owner_id" => {
            names.get(s).cloned().unwrap_or_else(|| s.clone())
        }
        Value::String(s) if field.ends_with("_at") => chrono::DateTime::parse_from_rfc3339(s)
            .map(|at| shown(Some(at.naive_utc())))
            .unwrap_or_else(|_| s.clone()),
        Value::String(s) => {
            let mut cut: String = s.chars().take(200).collect();
            if s.chars().count() > 200 {
                cut.push('…');
            }
            cut
        }
        other => other.to_string(),
    }
}

/// The history as the page shows it; `names` maps staff user ids to names.
pub fn history(rows: &[ChangeRow], names: &HashMap<String, String>) -> Vec<Entry> {
    rows.iter()
        .map(|row| {
            let changes: Value = serde_json::from_str(&row.changes).unwrap_or(Value::Null);
            let map = changes.as_object().cloned().unwrap_or_default();
            let logged = row.seq == 1 && map.values().all(|c| c["from"].is_null());
            let lines = if logged {
                Vec::new()
            } else {
                map.iter()
                    .map(|(field, change)| {
                        format!(
                            "{}: {} → {}",
                            label(field),
                            value(field, &change["from"], names),
                            value(field, &change["to"], names)
                        )
                    })
                    .collect()
            };
            Entry {
                at: shown(Some(row.at)),
                by: row.by_name.clone(),
                logged,
                lines,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seq: i64, changes: &str) -> ChangeRow {
        ChangeRow {
            complaint_id: "c".into(),
            seq,
            at: chrono::DateTime::from_timestamp(1_800_000_000, 0)
                .expect("time")
                .naive_utc(),
            by_user: None,
            by_name: "Sam".into(),
            changes: changes.into(),
        }
    }

    #[test]
    fn changes_read_as_the_form_names_them() {
        let names = HashMap::from([("u1".to_string(), "Ada".to_string())]);
        let entries = history(
            &[
                row(1, r#"{"nature":{"from":null,"to":"Late"}}"#),
                row(
                    2,
                    r#"{"owner_id":{"from":"u0","to":"u1"},"follow_up_at":{"from":null,"to":"2027-01-15T08:00:00Z"},"steps_taken":{"from":null,"to":"Called back"}}"#,
                ),
            ],
            &names,
        );
        assert!(entries[0].logged);
        assert!(entries[0].lines.is_empty());
        assert_eq!(entries[0].at, "2027-01-15 08:00 UTC");
        assert_eq!(
            entries[1].lines,
            [
                "Follow-up: (empty) → 2027-01-15 08:00 UTC",
                "Owner: u0 → Ada",
                "Steps being taken: (empty) → Called back",
            ]
        );
    }
}
