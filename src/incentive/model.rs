//! The coupon tables as stored: codes, the grants that owe or hold them, and a pool's running
//! counts. This module is the only writer of them.

use chrono::NaiveDateTime;
use diesel::dsl::{exists, not};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::cached::SameSql;
use crate::db::schema::{coupon_grants, coupon_stock, coupons};
use crate::error::Result;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = coupons)]
pub struct CouponRow {
    pub code: String,
    pub survey_id: String,
    pub added_at: NaiveDateTime,
    pub grant_id: Option<String>,
    pub issued_at: Option<NaiveDateTime>,
    pub redeemed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = coupon_grants)]
pub struct GrantRow {
    pub id: String,
    pub survey_id: String,
    pub response_id: Option<String>,
    pub invitation_id: Option<String>,
    pub owed_since: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = coupon_stock)]
pub struct StockRow {
    pub survey_id: String,
    pub added: i64,
    pub remaining: i64,
    pub low_stock_sent_at: Option<NaiveDateTime>,
}

pub fn insert_grant(conn: &mut DbConn, row: &GrantRow) -> Result<()> {
    diesel::insert_into(coupon_grants::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn insert_coupon(conn: &mut DbConn, row: &CouponRow) -> Result<()> {
    diesel::insert_into(coupons::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Adds codes to a pool, skipping codes that exist anywhere; how many were new.
pub fn insert_codes(conn: &mut DbConn, rows: &[CouponRow]) -> Result<usize> {
    let mut added = 0;
    match conn {
        // SQLite takes no multi-row INSERT with ON CONFLICT through Diesel; one prepared
        // statement per row inside the one transaction is still quick.
        #[cfg(feature = "sqlite")]
        DbConn::Sqlite(c) => {
            for row in rows {
                added += diesel::insert_into(coupons::table)
                    .values(row)
                    .on_conflict_do_nothing()
                    .execute(c)?;
            }
        }
        #[cfg(feature = "postgres")]
        DbConn::Postgres(c) => {
            for chunk in rows.chunks(500) {
                added += diesel::insert_into(coupons::table)
                    .values(chunk)
                    .on_conflict_do_nothing()
                    .execute(c)?;
            }
        }
    }
    Ok(added)
}

/// Gives the pool's oldest free code to `grant_id`; `None` when no free code is left. Callers
/// hold the pool's stock row first, so on PostgreSQL the issuers of one survey take turns, and
/// SKIP LOCKED keeps a writer that does not from waiting on a code another is taking; the
/// UPDATE only takes a code that is still free.
pub fn take_free_code(
    conn: &mut DbConn,
    survey_id: &str,
    grant_id: &str,
    at: NaiveDateTime,
) -> Result<Option<String>> {
    match conn {
        // One of Diesel's statements, kept prepared (`SameSql`): the submission path runs this
        // for every completion, and raw SQL or a plain Diesel UPDATE is prepared on every
        // call. One writer thread holds SQLite's write lock for the whole transaction, so no
        // other writer takes a code meanwhile.
        #[cfg(feature = "sqlite")]
        DbConn::Sqlite(c) => {
            let free = diesel::alias!(coupons as free);
            let oldest = free
                .filter(free.field(coupons::survey_id).eq(survey_id))
                .filter(free.field(coupons::grant_id).is_null())
                .order((
                    free.field(coupons::added_at).asc(),
                    free.field(coupons::code).asc(),
                ))
                .select(free.field(coupons::code))
                .limit(1)
                .single_value();
            Ok(SameSql(
                diesel::update(
                    coupons::table
                        .filter(coupons::code.nullable().eq(oldest))
                        .filter(coupons::grant_id.is_null()),
                )
                .set((coupons::grant_id.eq(grant_id), coupons::issued_at.eq(at)))
                .returning(coupons::code),
            )
            .get_result(c)
            .optional()?)
        }
        // One statement finds the oldest free code and takes it, so a completion costs one
        // round trip to the server; the inner SELECT locks the row it picks and skips rows
        // other transactions hold, so concurrent completions never wait for each other or
        // take the same code.
        #[cfg(feature = "postgres")]
        DbConn::Postgres(c) => {
            use diesel::sql_types::{Text, Timestamp};
            #[derive(QueryableByName)]
            struct Taken {
                #[diesel(sql_type = Text)]
                code: String,
            }
            let taken: Option<Taken> = diesel::sql_query(
                "UPDATE coupons SET grant_id = $1, issued_at = $2 WHERE grant_id IS NULL AND \
                 code = (SELECT code FROM coupons WHERE survey_id = $3 AND grant_id IS NULL \
                 ORDER BY added_at, code LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING code",
            )
            .bind::<Text, _>(grant_id)
            .bind::<Timestamp, _>(at)
            .bind::<Text, _>(survey_id)
            .get_result(c)
            .optional()?;
            Ok(taken.map(|t| t.code))
        }
    }
}

pub fn stock(conn: &mut DbConn, survey_id: &str) -> Result<Option<StockRow>> {
    Ok(coupon_stock::table
        .find(survey_id)
        .select(StockRow::as_select())
        .first(conn)
        .optional()?)
}

/// Counts codes added to a pool (creating its row on the first upload).
pub fn stock_added(conn: &mut DbConn, survey_id: &str, added: i64) -> Result<()> {
    let changed = diesel::update(coupon_stock::table.find(survey_id))
        .set((
            coupon_stock::added.eq(coupon_stock::added + added),
            coupon_stock::remaining.eq(coupon_stock::remaining + added),
        ))
        .execute(conn)?;
    if changed == 0 {
        diesel::insert_into(coupon_stock::table)
            .values(&StockRow {
                survey_id: survey_id.to_string(),
                added,
                remaining: added,
                low_stock_sent_at: None,
            })
            .execute(conn)?;
    }
    Ok(())
}

/// Takes one code off the pool's count if any is left: the pool's counts after it, or `None`
/// when none was left. On PostgreSQL this locks the stock row until the transaction ends,
/// which is what makes issuers take turns.
pub fn stock_take_one(conn: &mut DbConn, survey_id: &str) -> Result<Option<StockRow>> {
    // One statement takes the code off the count and reads the counts the low-stock check
    // needs.
    macro_rules! take {
        () => {
            diesel::update(
                coupon_stock::table
                    .find(survey_id)
                    .filter(coupon_stock::remaining.gt(0)),
            )
            .set(coupon_stock::remaining.eq(coupon_stock::remaining - 1))
            .returning(StockRow::as_returning())
        };
    }
    Ok(match conn {
        #[cfg(feature = "sqlite")]
        DbConn::Sqlite(c) => SameSql(take!()).get_result(c).optional()?,
        #[cfg(feature = "postgres")]
        DbConn::Postgres(c) => SameSql(take!()).get_result(c).optional()?,
    })
}

pub fn set_low_stock_sent(
    conn: &mut DbConn,
    survey_id: &str,
    at: Option<NaiveDateTime>,
) -> Result<()> {
    diesel::update(coupon_stock::table.find(survey_id))
        .set(coupon_stock::low_stock_sent_at.eq(at))
        .execute(conn)?;
    Ok(())
}

/// The grants of a survey still owed a code, oldest first.
pub fn owed_grants(conn: &mut DbConn, survey_id: &str, limit: i64) -> Result<Vec<GrantRow>> {
    Ok(coupon_grants::table
        .filter(coupon_grants::survey_id.eq(survey_id))
        .filter(not(exists(
            coupons::table.filter(coupons::grant_id.eq(coupon_grants::id.nullable())),
        )))
        .order((coupon_grants::owed_since.asc(), coupon_grants::id.asc()))
        .limit(limit)
        .select(GrantRow::as_select())
        .load(conn)?)
}

pub fn owed_count(conn: &mut DbConn, survey_id: &str) -> Result<i64> {
    Ok(coupon_grants::table
        .filter(coupon_grants::survey_id.eq(survey_id))
        .filter(not(exists(
            coupons::table.filter(coupons::grant_id.eq(coupon_grants::id.nullable())),
        )))
        .count()
        .get_result(conn)?)
}

pub fn grant(conn: &mut DbConn, id: &str) -> Result<Option<GrantRow>> {
    Ok(coupon_grants::table
        .find(id)
        .select(GrantRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn grant_of_response(conn: &mut DbConn, response_id: &str) -> Result<Option<GrantRow>> {
    Ok(coupon_grants::table
        .filter(coupon_grants::response_id.eq(response_id))
        .select(GrantRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn grant_of_invitation(conn: &mut DbConn, invitation_id: &str) -> Result<Option<GrantRow>> {
    Ok(coupon_grants::table
        .filter(coupon_grants::invitation_id.eq(invitation_id))
        .select(GrantRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn coupon_of_grant(conn: &mut DbConn, grant_id: &str) -> Result<Option<CouponRow>> {
    Ok(coupons::table
        .filter(coupons::grant_id.eq(grant_id))
        .select(CouponRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn coupon(conn: &mut DbConn, code: &str) -> Result<Option<CouponRow>> {
    Ok(coupons::table
        .find(code)
        .select(CouponRow::as_select())
        .first(conn)
        .optional()?)
}

/// Marks a code redeemed unless it already is: whether this call redeemed it.
pub fn redeem(conn: &mut DbConn, code: &str, at: NaiveDateTime) -> Result<bool> {
    let changed = diesel::update(
        coupons::table
            .find(code)
            .filter(coupons::redeemed_at.is_null())
            .filter(coupons::grant_id.is_not_null()),
    )
    .set(coupons::redeemed_at.eq(at))
    .execute(conn)?;
    Ok(changed == 1)
}

/// A page of a survey's codes in the order added, after the cursor `(added_at, code)`, with
/// the response each went to.
pub fn coupons_page(
    conn: &mut DbConn,
    survey_id: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<(CouponRow, Option<String>)>> {
    let mut query = coupons::table
        .left_join(coupon_grants::table.on(coupons::grant_id.eq(coupon_grants::id.nullable())))
        .filter(coupons::survey_id.eq(survey_id))
        .order((coupons::added_at.asc(), coupons::code.asc()))
        .limit(limit)
        .select((
            CouponRow::as_select(),
            coupon_grants::response_id.nullable(),
        ))
        .into_boxed();
    if let Some((at, code)) = after {
        query = query.filter(crate::keyset_after!(
            coupons::added_at,
            coupons::code,
            at,
            code
        ));
    }
    Ok(query.load::<(CouponRow, Option<String>)>(conn)?)
}

/// Codes of a survey: (added, issued, redeemed).
pub fn coupon_counts(conn: &mut DbConn, survey_id: &str) -> Result<(i64, i64, i64)> {
    let of_survey = || coupons::table.filter(coupons::survey_id.eq(survey_id));
    let added = of_survey().count().get_result(conn)?;
    let issued = of_survey()
        .filter(coupons::grant_id.is_not_null())
        .count()
        .get_result(conn)?;
    let redeemed = of_survey()
        .filter(coupons::redeemed_at.is_not_null())
        .count()
        .get_result(conn)?;
    Ok((added, issued, redeemed))
}
