//! The prize-draw tables as stored: each survey's draw (seed, commitment, tickets handed out,
//! outcome) and its entries. This module is the only writer of them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{draw_entries, draws};
use crate::error::Result;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = draws)]
pub struct DrawRow {
    pub survey_id: String,
    /// Hex; secret until `status` is `drawn`.
    pub seed: String,
    pub commitment: String,
    /// Tickets handed out so far (the last ticket's number).
    pub tickets: i64,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub drawn_at: Option<NaiveDateTime>,
    pub beacon_value: Option<String>,
    /// How many entries the draw took (tickets 1 to `entrants`).
    pub entrants: Option<i64>,
    pub entrants_digest: Option<String>,
    /// The winning tickets in the order picked, as a JSON array.
    pub winners: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = draw_entries)]
pub struct EntryRow {
    pub survey_id: String,
    pub ticket: i64,
    pub receipt: String,
    pub response_id: Option<String>,
    pub invitation_id: Option<String>,
    pub entered_at: NaiveDateTime,
}

pub const PENDING: &str = "pending";
pub const DRAWN: &str = "drawn";

pub fn draw(conn: &mut DbConn, survey_id: &str) -> Result<Option<DrawRow>> {
    Ok(draws::table
        .find(survey_id)
        .select(DrawRow::as_select())
        .first(conn)
        .optional()?)
}

/// Creates the draw row unless it exists (two nodes may try at once): whether this call did.
pub fn insert_draw_if_absent(conn: &mut DbConn, row: &DrawRow) -> Result<bool> {
    let inserted = match conn {
        #[cfg(feature = "sqlite")]
        DbConn::Sqlite(c) => diesel::insert_into(draws::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?,
        #[cfg(feature = "postgres")]
        DbConn::Postgres(c) => diesel::insert_into(draws::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c)?,
    };
    Ok(inserted == 1)
}

/// Hands out the next ticket of a pending draw: its number, or `None` once the draw has run.
/// The row stays locked (PostgreSQL) until the entry commits, so a draw that starts meanwhile
/// waits for it and then sees it.
pub fn next_ticket(conn: &mut DbConn, survey_id: &str) -> Result<Option<i64>> {
    let changed = diesel::update(
        draws::table
            .find(survey_id)
            .filter(draws::status.eq(PENDING)),
    )
    .set(draws::tickets.eq(draws::tickets + 1))
    .execute(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    Ok(Some(
        draws::table
            .find(survey_id)
            .select(draws::tickets)
            .first(conn)?,
    ))
}

pub fn insert_entry(conn: &mut DbConn, row: &EntryRow) -> Result<()> {
    diesel::insert_into(draw_entries::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Locks the draw row for the draw itself (PostgreSQL; SQLite's write lock is already held).
pub fn lock_draw(conn: &mut DbConn, survey_id: &str) -> Result<Option<DrawRow>> {
    Ok(match conn {
        #[cfg(feature = "sqlite")]
        DbConn::Sqlite(c) => draws::table
            .find(survey_id)
            .select(DrawRow::as_select())
            .first(c)
            .optional()?,
        #[cfg(feature = "postgres")]
        DbConn::Postgres(c) => draws::table
            .find(survey_id)
            .select(DrawRow::as_select())
            .for_update()
            .first(c)
            .optional()?,
    })
}

pub fn entries(conn: &mut DbConn, survey_id: &str, up_to: i64) -> Result<Vec<EntryRow>> {
    Ok(draw_entries::table
        .filter(draw_entries::survey_id.eq(survey_id))
        .filter(draw_entries::ticket.le(up_to))
        .order(draw_entries::ticket.asc())
        .select(EntryRow::as_select())
        .load(conn)?)
}

pub fn entry(conn: &mut DbConn, survey_id: &str, ticket: i64) -> Result<Option<EntryRow>> {
    Ok(draw_entries::table
        .find((survey_id, ticket))
        .select(EntryRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn entry_of_response(conn: &mut DbConn, response_id: &str) -> Result<Option<EntryRow>> {
    Ok(draw_entries::table
        .filter(draw_entries::response_id.eq(response_id))
        .select(EntryRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn entry_of_invitation(conn: &mut DbConn, invitation_id: &str) -> Result<Option<EntryRow>> {
    Ok(draw_entries::table
        .filter(draw_entries::invitation_id.eq(invitation_id))
        .select(EntryRow::as_select())
        .first(conn)
        .optional()?)
}

/// Records the outcome of a draw that was pending.
pub fn finish_draw(conn: &mut DbConn, row: &DrawRow) -> Result<()> {
    diesel::update(draws::table.find(&row.survey_id))
        .set((
            draws::status.eq(DRAWN),
            draws::drawn_at.eq(row.drawn_at),
            draws::beacon_value.eq(&row.beacon_value),
            draws::entrants.eq(row.entrants),
            draws::entrants_digest.eq(&row.entrants_digest),
            draws::winners.eq(&row.winners),
        ))
        .execute(conn)?;
    Ok(())
}

/// Pending draws (for the scheduler), by survey id.
pub fn pending_draws(conn: &mut DbConn) -> Result<Vec<String>> {
    Ok(draws::table
        .filter(draws::status.eq(PENDING))
        .select(draws::survey_id)
        .load(conn)?)
}
