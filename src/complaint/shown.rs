//! How the staff pages show a complaint's times and history: times to the minute in UTC, and
//! each change as a line a person reads ("Steps being taken: (empty) → Replacement sent"), with
//! the form's names for the fields and staff users by name.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::Value;

use super::model::ChangeRow;
use crate::i18n::staff::StaffCatalog;

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

/// The values of `channel` the form suggests; any other text is shown as typed.
pub const CHANNELS: [&str; 5] = ["counter", "phone", "email", "letter", "website"];

/// What the page calls a stored channel: a suggested one by its name in the member's language,
/// anything else as typed.
pub fn channel_shown(t: &StaffCatalog, stored: &str) -> String {
    if CHANNELS.contains(&stored) {
        t.get(&format!("complaints.channel.{stored}")).to_string()
    } else {
        stored.to_string()
    }
}

/// The channel to store for what was typed: a suggested channel's name, in the member's language
/// or in English, is stored as its code (so filters and the API see one channel whatever the
/// language it was picked in); anything else as typed.
pub fn channel_code(t: &StaffCatalog, typed: &str) -> String {
    let typed = typed.trim();
    let english = crate::i18n::staff::staff_catalog("en");
    CHANNELS
        .iter()
        .find(|code| {
            let key = format!("complaints.channel.{code}");
            [t.get(&key), english.get(&key), code]
                .iter()
                .any(|name| name.eq_ignore_ascii_case(typed))
        })
        .map_or_else(|| typed.to_string(), |code| code.to_string())
}

/// A customer's name as the page shows it: an erased customer in the member's language.
pub fn customer_name(t: &StaffCatalog, stored: &str) -> String {
    if stored == super::model::ERASED_CUSTOMER {
        t.get("complaints.erased_customer").to_string()
    } else {
        stored.to_string()
    }
}

/// A stored status as the page names it ("resolved"), in the member's language.
pub fn status_name(t: &StaffCatalog, status: &str) -> String {
    let key = format!("complaints.state.{status}");
    match t.get(&key) {
        name if name != key => name.to_string(),
        _ => status.to_string(),
    }
}

/// The form's name for a field of the record.
fn label(t: &StaffCatalog, field: &str) -> String {
    let key = format!("complaints.field.{field}");
    match t.get(&key) {
        known if known != key => known.to_string(),
        _ => crate::web::capitalized(&field.replace('_', " ")),
    }
}

fn value(t: &StaffCatalog, field: &str, value: &Value, names: &HashMap<String, String>) -> String {
    match value {
        Value::Null => t.get("complaints.empty_value").to_string(),
        Value::Bool(true) => t.get("complaints.value_yes").into(),
        Value::Bool(false) => t.get("complaints.value_no").into(),
        Value::String(s) if field == "owner_id" => {
            names.get(s).cloned().unwrap_or_else(|| s.clone())
        }
        Value::String(s) if field == "status" => status_name(t, s),
        Value::String(s) if s == super::model::ERASED_VALUE => {
            t.get("complaints.erased_value").to_string()
        }
        Value::String(s) if field == "channel" && CHANNELS.contains(&s.as_str()) => {
            t.get(&format!("complaints.channel.{s}")).to_lowercase()
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
pub fn history(
    t: &StaffCatalog,
    rows: &[ChangeRow],
    names: &HashMap<String, String>,
) -> Vec<Entry> {
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
                        t.format(
                            "complaints.change",
                            &[
                                ("field", &label(t, field)),
                                ("from", &value(t, field, &change["from"], names)),
                                ("to", &value(t, field, &change["to"], names)),
                            ],
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
            crate::i18n::staff::staff_catalog("en"),
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

    #[test]
    fn a_dutch_member_reads_the_changes_in_dutch() {
        let entries = history(
            crate::i18n::staff::staff_catalog("nl"),
            &[row(
                2,
                r#"{"status":{"from":"open","to":"resolved"},"channel":{"from":null,"to":"phone"},"solved_on_spot":{"from":false,"to":true}}"#,
            )],
            &HashMap::new(),
        );
        assert_eq!(
            entries[0].lines,
            [
                "Binnengekomen via: (leeg) → telefoon",
                "Ter plekke opgelost: nee → ja",
                "Status: open → opgelost",
            ]
        );
    }

    #[test]
    fn channels_are_stored_by_code_and_shown_by_name() {
        let (en, nl) = (
            crate::i18n::staff::staff_catalog("en"),
            crate::i18n::staff::staff_catalog("nl"),
        );
        assert_eq!(channel_code(nl, " telefoon "), "phone");
        assert_eq!(channel_code(nl, "Phone"), "phone");
        assert_eq!(channel_code(en, "phone"), "phone");
        assert_eq!(channel_code(nl, "Postduif"), "Postduif");
        assert_eq!(channel_shown(nl, "phone"), "Telefoon");
        assert_eq!(channel_shown(nl, "Postduif"), "Postduif");
    }

    #[test]
    fn an_erased_customer_is_named_in_the_members_language() {
        let nl = crate::i18n::staff::staff_catalog("nl");
        assert_eq!(
            customer_name(nl, super::super::model::ERASED_CUSTOMER),
            "Gewiste klant"
        );
        assert_eq!(customer_name(nl, "Mia"), "Mia");
        let erased = serde_json::json!(super::super::model::ERASED_VALUE);
        assert_eq!(value(nl, "customer", &erased, &HashMap::new()), "(gewist)");
    }
}
