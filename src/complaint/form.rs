//! The complaint form of the staff pages: what the browser sends, turned into the same JSON the
//! API takes (so one set of checks serves both), and a stored complaint turned back into the
//! form's values. Times are typed in UTC, as the form says.

use chrono::NaiveDateTime;
use rocket::form::FromForm;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::model::ComplaintRow;

/// The form as typed; every field is text, as a browser sends it.
#[derive(Debug, Clone, Default, FromForm, Serialize)]
pub struct ComplaintForm {
    // Checked by `CsrfForm` before the form is parsed; here only so the field is accepted.
    #[serde(skip)]
    pub csrf: String,
    #[field(default = String::new())]
    pub customer_name: String,
    #[field(default = String::new())]
    pub customer_address: String,
    #[field(default = String::new())]
    pub customer_phone: String,
    #[field(default = String::new())]
    pub customer_email: String,
    #[field(default = String::new())]
    pub received_by: String,
    #[field(default = String::new())]
    pub owner_id: String,
    #[field(default = String::new())]
    pub received_at: String,
    #[field(default = String::new())]
    pub channel: String,
    #[field(default = String::new())]
    pub category: String,
    #[field(default = String::new())]
    pub nature: String,
    #[field(default = String::new())]
    pub agreed_solution: String,
    pub solved_on_spot: bool,
    #[field(default = String::new())]
    pub promised_at: String,
    #[field(default = String::new())]
    pub steps_taken: String,
    #[field(default = String::new())]
    pub follow_up_at: String,
    #[field(default = String::new())]
    pub followed_up_at: String,
    /// "", "yes" or "no".
    #[field(default = String::new())]
    pub customer_satisfied: String,
    #[field(default = String::new())]
    pub compensation: String,
    #[field(default = String::new())]
    pub prevention: String,
    /// "" (follows from the rest), "open", "resolved" or "closed".
    #[field(default = String::new())]
    pub status: String,
    /// Tag names separated by commas.
    #[field(default = String::new())]
    pub tags: String,
}

/// The format of a `datetime-local` input.
const LOCAL: &str = "%Y-%m-%dT%H:%M";

fn text(value: &str) -> Value {
    // Browsers send a textarea's line breaks as CRLF; stored text uses LF throughout.
    let value = value.trim().replace("\r\n", "\n");
    if value.is_empty() {
        Value::Null
    } else {
        Value::String(value)
    }
}

/// A `datetime-local` value as RFC 3339 in UTC; anything else is passed on as typed, for the
/// checks to refuse with the field's name.
fn time(value: &str) -> Value {
    let value = value.trim();
    if value.is_empty() {
        return Value::Null;
    }
    let parsed = NaiveDateTime::parse_from_str(value, LOCAL)
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"));
    match parsed {
        Ok(at) => Value::String(at.and_utc().to_rfc3339()),
        Err(_) => Value::String(value.to_string()),
    }
}

/// A stored time as a `datetime-local` value.
pub fn local(at: Option<NaiveDateTime>) -> String {
    at.map(|at| at.format(LOCAL).to_string())
        .unwrap_or_default()
}

impl ComplaintForm {
    /// The fields as the API's JSON. `logging` leaves out what a new complaint takes a default
    /// for when left empty (the receipt time, the follow-up, the owner, the status).
    pub fn to_json(&self, logging: bool) -> Map<String, Value> {
        let mut customer = Map::new();
        customer.insert("name".into(), json!(self.customer_name.trim()));
        for (key, value) in [
            ("address", &self.customer_address),
            ("phone", &self.customer_phone),
            ("email", &self.customer_email),
        ] {
            customer.insert(key.into(), text(value));
        }
        let mut out = Map::new();
        out.insert("customer".into(), Value::Object(customer));
        out.insert("received_by".into(), json!(self.received_by.trim()));
        out.insert("category".into(), json!(self.category.trim()));
        out.insert(
            "nature".into(),
            text(&self.nature).as_str().map_or(json!(""), |s| json!(s)),
        );
        for (key, value) in [
            ("channel", &self.channel),
            ("agreed_solution", &self.agreed_solution),
            ("steps_taken", &self.steps_taken),
            ("compensation", &self.compensation),
            ("prevention", &self.prevention),
        ] {
            out.insert(key.into(), text(value));
        }
        out.insert("solved_on_spot".into(), json!(self.solved_on_spot));
        for (key, value) in [
            ("promised_at", &self.promised_at),
            ("followed_up_at", &self.followed_up_at),
            ("received_at", &self.received_at),
            ("follow_up_at", &self.follow_up_at),
        ] {
            let value = time(value);
            // Left empty: a new complaint takes the default; a stored one keeps its receipt
            // time, which cannot be cleared.
            let keep = match key {
                "received_at" => !value.is_null(),
                "follow_up_at" => !(logging && value.is_null()),
                _ => true,
            };
            if keep {
                out.insert(key.into(), value);
            }
        }
        out.insert(
            "customer_satisfied".into(),
            match self.customer_satisfied.as_str() {
                "yes" => json!(true),
                "no" => json!(false),
                _ => Value::Null,
            },
        );
        if !self.owner_id.trim().is_empty() {
            out.insert("owner_id".into(), json!(self.owner_id.trim()));
        }
        if !self.status.trim().is_empty() {
            out.insert("status".into(), json!(self.status.trim()));
        }
        let tags: Vec<&str> = self
            .tags
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect();
        out.insert("tags".into(), json!(tags));
        out
    }

    /// The form filled with a stored complaint and its tags.
    pub fn of(row: &ComplaintRow, tags: &[String]) -> ComplaintForm {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        ComplaintForm {
            csrf: String::new(),
            customer_name: row.customer_name.clone(),
            customer_address: opt(&row.customer_address),
            customer_phone: opt(&row.customer_phone),
            customer_email: opt(&row.customer_email),
            received_by: row.received_by.clone(),
            owner_id: row.owner_id.clone(),
            received_at: local(Some(row.received_at)),
            channel: opt(&row.channel),
            category: row.category.clone(),
            nature: row.nature.clone(),
            agreed_solution: opt(&row.agreed_solution),
            solved_on_spot: row.solved_on_spot,
            promised_at: local(row.promised_at),
            steps_taken: opt(&row.steps_taken),
            follow_up_at: local(row.follow_up_at),
            followed_up_at: local(row.followed_up_at),
            customer_satisfied: match row.customer_satisfied {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => String::new(),
            },
            compensation: opt(&row.compensation),
            prevention: opt(&row.prevention),
            status: row.status.clone(),
            tags: tags.join(", "),
        }
    }
}

/// The form field an error names (`customer.name` → `customer_name`).
pub fn form_field(field: &str) -> String {
    field.replace('.', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_times_are_utc_and_empty_fields_are_null() {
        let form = ComplaintForm {
            customer_name: " Ann ".into(),
            received_at: "2026-12-05T09:30".into(),
            nature: "Late\r\ndelivery".into(),
            customer_satisfied: "no".into(),
            ..Default::default()
        };
        let json = form.to_json(true);
        assert_eq!(json["customer"]["name"], "Ann");
        assert_eq!(json["customer"]["email"], Value::Null);
        assert_eq!(json["received_at"], "2026-12-05T09:30:00+00:00");
        assert_eq!(json["nature"], "Late\ndelivery");
        assert_eq!(json["customer_satisfied"], false);
        assert!(
            !json.contains_key("follow_up_at"),
            "a new complaint takes the default"
        );
        assert!(form.to_json(false).contains_key("follow_up_at"));
    }
}
