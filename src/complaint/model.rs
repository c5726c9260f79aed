//! Complaints and their change history as stored, and the queries of the list, the follow-up
//! reminders and the service goals. Only this room writes these tables.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{complaint_changes, complaints};
use crate::db::search::{containing, lower};
use crate::error::Result;

/// One complaint, every field of the complaint record a column.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = complaints, treat_none_as_null = true)]
pub struct ComplaintRow {
    pub id: String,
    pub customer_name: String,
    pub customer_address: Option<String>,
    pub customer_phone: Option<String>,
    pub customer_email: Option<String>,
    pub contact_id: Option<String>,
    pub received_by: String,
    pub owner_id: String,
    pub received_at: NaiveDateTime,
    pub channel: Option<String>,
    pub category: String,
    pub nature: String,
    pub agreed_solution: Option<String>,
    pub solved_on_spot: bool,
    pub promised_at: Option<NaiveDateTime>,
    pub steps_taken: Option<String>,
    pub follow_up_at: Option<NaiveDateTime>,
    pub followed_up_at: Option<NaiveDateTime>,
    pub customer_satisfied: Option<bool>,
    pub compensation: Option<String>,
    pub prevention: Option<String>,
    pub resolved_at: Option<NaiveDateTime>,
    pub status: String,
    /// Written only by the reminder (`mark_reminded`): a change of the complaint never puts
    /// back an older value.
    #[diesel(skip_update)]
    pub reminded_for: Option<NaiveDateTime>,
    #[diesel(skip_update)]
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// One entry of a complaint's history: the changed fields as JSON `{field: [before, after]}`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = complaint_changes)]
pub struct ChangeRow {
    pub complaint_id: String,
    pub seq: i64,
    pub at: NaiveDateTime,
    pub by_user: Option<String>,
    pub by_name: String,
    pub changes: String,
}

pub fn insert(conn: &mut DbConn, row: &ComplaintRow) -> Result<()> {
    diesel::insert_into(complaints::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConn, row: &ComplaintRow) -> Result<()> {
    diesel::update(complaints::table.find(&row.id))
        .set(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<ComplaintRow>> {
    Ok(complaints::table
        .find(id)
        .select(ComplaintRow::as_select())
        .get_result(conn)
        .optional()?)
}

/// Adds an entry to a complaint's history, numbered after the last.
pub fn add_change(
    conn: &mut DbConn,
    complaint_id: &str,
    at: NaiveDateTime,
    by: (Option<&str>, &str),
    changes: &str,
) -> Result<()> {
    let last: Option<i64> = complaint_changes::table
        .filter(complaint_changes::complaint_id.eq(complaint_id))
        .select(diesel::dsl::max(complaint_changes::seq))
        .get_result(conn)?;
    diesel::insert_into(complaint_changes::table)
        .values(&ChangeRow {
            complaint_id: complaint_id.to_string(),
            seq: last.unwrap_or(0) + 1,
            at,
            by_user: by.0.map(str::to_string),
            by_name: by.1.to_string(),
            changes: changes.to_string(),
        })
        .execute(conn)?;
    Ok(())
}

pub fn history(conn: &mut DbConn, complaint_id: &str) -> Result<Vec<ChangeRow>> {
    Ok(complaint_changes::table
        .filter(complaint_changes::complaint_id.eq(complaint_id))
        .order(complaint_changes::seq.asc())
        .select(ChangeRow::as_select())
        .load(conn)?)
}

/// Forgets a complaint's history (an erasure: the old values may name the person).
pub fn clear_history(conn: &mut DbConn, complaint_id: &str) -> Result<()> {
    diesel::delete(
        complaint_changes::table.filter(complaint_changes::complaint_id.eq(complaint_id)),
    )
    .execute(conn)?;
    Ok(())
}

/// What the list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<String>,
    pub category: Option<String>,
    /// Follow-up time passed and not yet done, as of this time.
    pub follow_up_due: Option<NaiveDateTime>,
    /// Lower-cased text to find in the customer, the category, the nature or the steps.
    pub q: Option<String>,
}

/// A page of complaints, newest first, after the cursor `(received_at, id)`.
pub fn page(
    conn: &mut DbConn,
    filter: &Filter,
    before: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<ComplaintRow>> {
    let mut query = complaints::table
        .select(ComplaintRow::as_select())
        .order((complaints::received_at.desc(), complaints::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(status) = &filter.status {
        query = query.filter(complaints::status.eq(status.clone()));
    }
    if let Some(category) = &filter.category {
        query = query.filter(complaints::category.eq(category.clone()));
    }
    if let Some(now) = filter.follow_up_due {
        query = query
            .filter(complaints::followed_up_at.is_null())
            .filter(complaints::follow_up_at.le(now));
    }
    if let Some(q) = &filter.q {
        // SQLite's lower() changes only ASCII letters, PostgreSQL's every letter: the search
        // text is lowered the same way as the column it is compared with.
        let q = match conn {
            #[cfg(feature = "sqlite")]
            DbConn::Sqlite(_) => q.to_ascii_lowercase(),
            #[cfg(feature = "postgres")]
            DbConn::Postgres(_) => q.to_lowercase(),
        };
        let pattern = containing(&q);
        macro_rules! like {
            ($column:expr) => {
                lower($column).like(pattern.clone()).escape('\\')
            };
        }
        query = query.filter(
            like!(complaints::customer_name.nullable())
                .or(like!(complaints::customer_email))
                .or(like!(complaints::category.nullable()))
                .or(like!(complaints::nature.nullable()))
                .or(like!(complaints::steps_taken)),
        );
    }
    if let Some((at, id)) = before {
        query = query.filter(crate::keyset_before!(
            complaints::received_at,
            complaints::id,
            at,
            id
        ));
    }
    Ok(query.load(conn)?)
}

/// How many complaints have a follow-up due by `now` and not yet done.
pub fn follow_ups_due(conn: &mut DbConn, now: NaiveDateTime) -> Result<i64> {
    Ok(complaints::table
        .filter(complaints::followed_up_at.is_null())
        .filter(complaints::follow_up_at.le(now))
        .count()
        .get_result(conn)?)
}

/// The categories in use, for the list's filter and the form's suggestions.
pub fn categories(conn: &mut DbConn) -> Result<Vec<String>> {
    Ok(complaints::table
        .select(complaints::category)
        .distinct()
        .order(complaints::category.asc())
        .limit(200)
        .load(conn)?)
}

/// Complaints whose follow-up is due at `now`, not done, and whose owner has not been emailed
/// for this follow-up time yet.
pub fn reminders_due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    limit: i64,
) -> Result<Vec<ComplaintRow>> {
    Ok(complaints::table
        .filter(complaints::followed_up_at.is_null())
        .filter(complaints::follow_up_at.le(now))
        .filter(
            complaints::reminded_for
                .is_null()
                .or(complaints::reminded_for.ne(complaints::follow_up_at)),
        )
        .filter(complaints::status.ne("closed"))
        .order(complaints::follow_up_at.asc())
        .select(ComplaintRow::as_select())
        .limit(limit)
        .load(conn)?)
}

/// Marks the owner as emailed for the follow-up time `due`; false when another node (or an
/// earlier run) already did, or the follow-up changed meanwhile.
pub fn mark_reminded(conn: &mut DbConn, id: &str, due: NaiveDateTime) -> Result<bool> {
    let changed = diesel::update(
        complaints::table
            .find(id)
            .filter(complaints::follow_up_at.eq(due))
            .filter(complaints::followed_up_at.is_null())
            .filter(
                complaints::reminded_for
                    .is_null()
                    .or(complaints::reminded_for.ne(due)),
            ),
    )
    .set(complaints::reminded_for.eq(due))
    .execute(conn)?;
    Ok(changed == 1)
}

/// The figures the service goals are computed from, one row per complaint.
pub fn timings(conn: &mut DbConn) -> Result<Vec<Timing>> {
    Ok(complaints::table
        .select((
            complaints::received_at,
            complaints::resolved_at,
            complaints::follow_up_at,
            complaints::followed_up_at,
            complaints::customer_satisfied,
        ))
        .load::<(
            NaiveDateTime,
            Option<NaiveDateTime>,
            Option<NaiveDateTime>,
            Option<NaiveDateTime>,
            Option<bool>,
        )>(conn)?
        .into_iter()
        .map(
            |(received_at, resolved_at, follow_up_at, followed_up_at, satisfied)| Timing {
                received_at,
                resolved_at,
                follow_up_at,
                followed_up_at,
                satisfied,
            },
        )
        .collect())
}

/// One complaint's times, for the goals.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub received_at: NaiveDateTime,
    pub resolved_at: Option<NaiveDateTime>,
    pub follow_up_at: Option<NaiveDateTime>,
    pub followed_up_at: Option<NaiveDateTime>,
    pub satisfied: Option<bool>,
}

/// The complaints that name a contact, directly or by its email.
pub fn of_contact(conn: &mut DbConn, contact_id: &str, email: &str) -> Result<Vec<ComplaintRow>> {
    Ok(complaints::table
        .filter(
            complaints::contact_id
                .eq(contact_id)
                .or(complaints::customer_email.eq(email)),
        )
        .order((complaints::received_at.asc(), complaints::id.asc()))
        .select(ComplaintRow::as_select())
        .load(conn)?)
}

/// Forgets who complained, for an erasure: the complaints that name the contact keep what
/// happened and how it was handled (the service figures need them) but lose the customer's
/// name, address, phone, email and the link to the contact, and their history (whose earlier
/// values may name the person) is replaced by one entry saying so.
pub fn forget_customer(
    conn: &mut DbConn,
    contact_id: &str,
    email: &str,
    now: NaiveDateTime,
) -> Result<()> {
    for row in of_contact(conn, contact_id, email)? {
        diesel::update(complaints::table.find(&row.id))
            .set((
                complaints::customer_name.eq(ERASED_CUSTOMER),
                complaints::customer_address.eq(None::<String>),
                complaints::customer_phone.eq(None::<String>),
                complaints::customer_email.eq(None::<String>),
                complaints::contact_id.eq(None::<String>),
                complaints::updated_at.eq(now),
            ))
            .execute(conn)?;
        clear_history(conn, &row.id)?;
        add_change(
            conn,
            &row.id,
            now,
            (None, "Hearken"),
            &serde_json::json!({"customer": {"from": ERASED_VALUE, "to": ERASED_VALUE}})
                .to_string(),
        )?;
    }
    Ok(())
}

/// The name an erased customer's complaints keep.
pub const ERASED_CUSTOMER: &str = "Erased customer";
/// What an erased customer's details read as in the complaint's history.
pub const ERASED_VALUE: &str = "(erased)";
