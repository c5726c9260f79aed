//! Logging and changing a complaint: the fields as typed (the API's JSON and the page's form
//! both become [`Fields`]), checked one by one with errors that name the field, the status and
//! times that follow from them, the link to a contact with the same email, and every change
//! kept in the history with who made it and when.

use chrono::{DateTime, Datelike, Duration, NaiveDateTime, SubsecRound, Timelike, Utc};
use serde_json::{Map, Value, json};

use super::fields::{Fields, Status, changes, utc};
use super::model::{self, ComplaintRow};
use crate::auth::model::User;
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::insight::Target;
use crate::web::text::{self, Lines};

/// How long after a complaint its follow-up falls due when none is given: a month, to check
/// that the customer is still satisfied.
pub const FOLLOW_UP_AFTER_DAYS: i64 = 30;

/// Who is making a change, as the history names them.
pub struct Author<'a> {
    pub user: &'a User,
}

/// As stored: to the microsecond, the finest time both backends keep.
fn naive(at: Option<DateTime<Utc>>) -> Option<NaiveDateTime> {
    at.map(|at| at.naive_utc().trunc_subsecs(6))
}

/// Trims an optional text and drops it when empty.
fn tidy(text: &mut Option<String>) {
    if let Some(t) = text {
        let trimmed = t.trim();
        if trimmed.is_empty() {
            *text = None;
        } else if trimmed.len() != t.len() {
            *text = Some(trimmed.to_string());
        }
    }
}

fn required(field: &str, value: &mut String, max: usize, lines: Lines) -> Result<()> {
    *value = value.trim().to_string();
    if value.is_empty() {
        return Err(Error::invalid(field, "is required"));
    }
    bounded(field, value, max, lines)
}

fn bounded(field: &str, value: &str, max: usize, lines: Lines) -> Result<()> {
    if value.chars().count() > max {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    text::check(field, value, lines)
}

fn optional(field: &str, value: &mut Option<String>, max: usize, lines: Lines) -> Result<()> {
    tidy(value);
    value
        .as_deref()
        .map_or(Ok(()), |v| bounded(field, v, max, lines))
}

/// Long free text (the nature, the steps, the solution).
const LONG: usize = 10_000;

/// Checks every field, tidies the text, and fills what follows from the rest: the receipt time,
/// the follow-up time at logging, the status and the resolution time.
fn check(fields: &mut Fields, before: Option<&Fields>, now: NaiveDateTime) -> Result<()> {
    let c = &mut fields.customer;
    required("customer.name", &mut c.name, 200, Lines::One)?;
    optional("customer.address", &mut c.address, 500, Lines::Many)?;
    optional("customer.phone", &mut c.phone, 50, Lines::One)?;
    tidy(&mut c.email);
    if let Some(email) = &c.email {
        c.email = Some(
            crate::contact::import::normalize_email(email)
                .ok_or_else(|| Error::invalid("customer.email", "is not a valid email address"))?,
        );
    }
    required("received_by", &mut fields.received_by, 200, Lines::One)?;
    optional("channel", &mut fields.channel, 50, Lines::One)?;
    required("category", &mut fields.category, 100, Lines::One)?;
    required("nature", &mut fields.nature, LONG, Lines::Many)?;
    optional(
        "agreed_solution",
        &mut fields.agreed_solution,
        LONG,
        Lines::Many,
    )?;
    optional("steps_taken", &mut fields.steps_taken, LONG, Lines::Many)?;
    optional("compensation", &mut fields.compensation, 1000, Lines::Many)?;
    optional("prevention", &mut fields.prevention, LONG, Lines::Many)?;

    let now_utc = utc(now);
    if let Some(before) = before {
        if fields.received_at.is_none() {
            return Err(Error::invalid("received_at", "cannot be cleared"));
        }
        // The pages show times to the minute: a time sent back in the minute stored is the
        // stored time, not a change (which would also earn a second follow-up email).
        same_minute(&mut fields.received_at, before.received_at);
        same_minute(&mut fields.promised_at, before.promised_at);
        same_minute(&mut fields.follow_up_at, before.follow_up_at);
        same_minute(&mut fields.followed_up_at, before.followed_up_at);
        same_minute(&mut fields.resolved_at, before.resolved_at);
    }
    for (field, at) in [
        ("received_at", fields.received_at),
        ("promised_at", fields.promised_at),
        ("follow_up_at", fields.follow_up_at),
        ("followed_up_at", fields.followed_up_at),
        ("resolved_at", fields.resolved_at),
    ] {
        if at.is_some_and(|at| !(1900..=9999).contains(&at.year())) {
            return Err(Error::invalid(
                field,
                "must be a time between the years 1900 and 9999",
            ));
        }
    }
    let received = *fields.received_at.get_or_insert(now_utc);
    if received > now_utc + Duration::hours(1) {
        return Err(Error::invalid("received_at", "cannot be in the future"));
    }
    if before.is_none() && fields.follow_up_at.is_none() {
        fields.follow_up_at = Some(received + Duration::days(FOLLOW_UP_AFTER_DAYS));
    }
    for (field, at) in [
        ("followed_up_at", fields.followed_up_at),
        ("resolved_at", fields.resolved_at),
    ] {
        if at.is_some_and(|at| at < received) {
            return Err(Error::invalid(field, "cannot be before received_at"));
        }
        if at.is_some_and(|at| at > now_utc + Duration::hours(1)) {
            return Err(Error::invalid(field, "cannot be in the future"));
        }
    }
    settle_status(fields, before, now_utc);
    if let Some(tags) = &fields.tags {
        fields.tags = Some(crate::insight::check_names("tags", tags)?);
    }
    Ok(())
}

/// Keeps `before` when `typed` is the same minute (the pages show no seconds).
fn same_minute(typed: &mut Option<DateTime<Utc>>, before: Option<DateTime<Utc>>) {
    if let (Some(t), Some(b)) = (*typed, before)
        && t.trunc_subsecs(0).with_second(0) == b.trunc_subsecs(0).with_second(0)
    {
        *typed = Some(b);
    }
}

/// The status and resolution time that follow from a change: resolving sets the resolution
/// time (to the receipt when solved on the spot), reopening clears it, and a resolution time
/// given to an open complaint resolves it.
fn settle_status(fields: &mut Fields, before: Option<&Fields>, now: DateTime<Utc>) {
    let asked = fields.status;
    let was = before.and_then(|b| b.status);
    let status = match asked {
        Some(status) if Some(status) != was => status,
        _ if fields.solved_on_spot && before.is_none_or(|b| !b.solved_on_spot) => Status::Resolved,
        _ if fields.resolved_at.is_some() && was.is_none_or(|s| s == Status::Open) => {
            Status::Resolved
        }
        _ => was.unwrap_or(Status::Open),
    };
    match status {
        Status::Open => fields.resolved_at = None,
        Status::Resolved | Status::Closed if fields.resolved_at.is_none() => {
            fields.resolved_at = Some(if fields.solved_on_spot {
                fields.received_at.unwrap_or(now)
            } else {
                now
            });
        }
        _ => {}
    }
    fields.status = Some(status);
}

/// The staff user who will own the complaint: the one named, who must be active, or `user`.
fn owner(conn: &mut DbConn, fields: &Fields, user: &User) -> Result<String> {
    let Some(id) = fields.owner_id.as_deref() else {
        return Ok(user.id.clone());
    };
    match crate::auth::model::find_user(conn, id)? {
        Some(owner) if owner.active => Ok(owner.id),
        _ => Err(Error::invalid("owner_id", "is not an active staff user")),
    }
}

/// The contact with the customer's email, if there is one.
fn contact_of(conn: &mut DbConn, email: Option<&str>) -> Result<Option<String>> {
    let Some(email) = email else {
        return Ok(None);
    };
    Ok(
        crate::contact::model::find_by_emails(conn, &[email.to_string()])?
            .into_iter()
            .next()
            .map(|c| c.id),
    )
}

fn row_of(
    id: String,
    fields: &Fields,
    owner_id: String,
    contact_id: Option<String>,
    kept: Option<&ComplaintRow>,
    now: NaiveDateTime,
) -> ComplaintRow {
    let received_at = naive(fields.received_at).unwrap_or(now);
    ComplaintRow {
        id,
        customer_name: fields.customer.name.clone(),
        customer_address: fields.customer.address.clone(),
        customer_phone: fields.customer.phone.clone(),
        customer_email: fields.customer.email.clone(),
        contact_id,
        received_by: fields.received_by.clone(),
        owner_id,
        received_at,
        channel: fields.channel.clone(),
        category: fields.category.clone(),
        nature: fields.nature.clone(),
        agreed_solution: fields.agreed_solution.clone(),
        solved_on_spot: fields.solved_on_spot,
        promised_at: naive(fields.promised_at),
        steps_taken: fields.steps_taken.clone(),
        follow_up_at: naive(fields.follow_up_at),
        followed_up_at: naive(fields.followed_up_at),
        customer_satisfied: fields.customer_satisfied,
        compensation: fields.compensation.clone(),
        prevention: fields.prevention.clone(),
        resolved_at: naive(fields.resolved_at),
        status: fields.status.unwrap_or(Status::Open).as_str().to_string(),
        reminded_for: kept.and_then(|k| k.reminded_for),
        created_at: kept.map_or(now, |k| k.created_at),
        updated_at: now,
    }
}

/// Logs a complaint; its first history entry holds every field given.
pub fn create(conn: &mut DbConn, author: &Author<'_>, mut fields: Fields) -> Result<ComplaintRow> {
    let now = db::now();
    check(&mut fields, None, now)?;
    db::write(conn, |conn| {
        let owner_id = owner(conn, &fields, author.user)?;
        fields.owner_id = Some(owner_id.clone());
        let contact_id = contact_of(conn, fields.customer.email.as_deref())?;
        let row = row_of(
            crate::ids::new_time_ordered_id(),
            &fields,
            owner_id,
            contact_id,
            None,
            now,
        );
        model::insert(conn, &row)?;
        let mut changed = changes(None, &fields);
        if let Some(tags) = fields.tags.as_ref().filter(|t| !t.is_empty()) {
            crate::insight::set_tags(conn, &Target::Complaint(row.id.clone()), tags)?;
            changed.insert("tags".into(), json!({"from": null, "to": tags}));
        }
        let changed = Value::Object(changed).to_string();
        model::add_change(conn, &row.id, now, by(author), &changed)?;
        Ok(row)
    })
}

/// Whether two lists name the same tags, whatever their order and case.
fn same_names(a: &[String], b: &[String]) -> bool {
    let keys = |list: &[String]| {
        let mut keys: Vec<String> = list.iter().map(|n| n.trim().to_lowercase()).collect();
        keys.sort();
        keys
    };
    keys(a) == keys(b)
}

fn by<'a>(author: &'a Author<'_>) -> (Option<&'a str>, &'a str) {
    (Some(author.user.id.as_str()), author.user.name.as_str())
}

/// Merges `patch` (any of the fields; `customer` merged field by field) into a complaint and
/// keeps what changed in its history. A patch that changes nothing adds no history entry.
pub fn change(
    conn: &mut DbConn,
    author: &Author<'_>,
    id: &str,
    patch: Map<String, Value>,
) -> Result<ComplaintRow> {
    let now = db::now();
    db::write(conn, |conn| {
        // Changes of one complaint take turns on PostgreSQL (SQLite writers always do), so
        // none is lost and each history entry gets its own number.
        db::exclusive(conn, &format!("complaint:{id}"))?;
        let row = model::find(conn, id)?.ok_or(Error::NotFound)?;
        let before = Fields::of(&row);
        let mut merged = match serde_json::to_value(&before) {
            Ok(Value::Object(map)) => map,
            _ => {
                return Err(Error::Internal(
                    "a complaint's fields did not serialise".into(),
                ));
            }
        };
        for (key, value) in patch {
            match (key.as_str(), value, merged.get_mut("customer")) {
                ("customer", Value::Object(given), Some(Value::Object(customer))) => {
                    for (k, v) in given {
                        customer.insert(k, v);
                    }
                }
                (_, value, _) => {
                    merged.insert(key, value);
                }
            }
        }
        let mut fields: Fields = crate::web::json::from_value(&Value::Object(merged))?;
        check(&mut fields, Some(&before), now)?;
        // A complaint keeps its owner, active or not, until someone names another.
        let owner_id = if fields.owner_id == before.owner_id {
            row.owner_id.clone()
        } else {
            owner(conn, &fields, author.user)?
        };
        fields.owner_id = Some(owner_id.clone());
        let mut changed = changes(Some(&before), &fields);
        let target = Target::Complaint(row.id.clone());
        if let Some(tags) = &fields.tags {
            let current = crate::insight::tags_of(conn, &target)?;
            if !same_names(&current, tags) {
                crate::insight::set_tags(conn, &target, tags)?;
                changed.insert("tags".into(), json!({"from": current, "to": tags}));
            }
        }
        if changed.is_empty() {
            return Ok(row);
        }
        let contact_id = if fields.customer.email == before.customer.email {
            row.contact_id.clone()
        } else {
            contact_of(conn, fields.customer.email.as_deref())?
        };
        let updated = row_of(
            row.id.clone(),
            &fields,
            owner_id,
            contact_id,
            Some(&row),
            now,
        );
        model::update(conn, &updated)?;
        model::add_change(
            conn,
            &row.id,
            now,
            by(author),
            &Value::Object(changed).to_string(),
        )?;
        Ok(updated)
    })
}

#[cfg(test)]
mod tests;
