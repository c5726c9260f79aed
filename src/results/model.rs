//! The results room's own table: the last counted terms of open questions for everyone. This
//! module is its only writer.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::upsert::excluded;

use crate::db::DbConn;
use crate::db::schema::text_terms;
use crate::error::Result;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = text_terms)]
pub struct TermsRow {
    pub survey_id: String,
    pub question_id: String,
    /// The survey's response count when these were counted.
    pub responses: i64,
    pub counted_at: NaiveDateTime,
    /// JSON: the question's text summary (terms, how many answers they came from, sampled).
    pub terms: String,
}

pub fn terms_of(conn: &mut DbConn, survey_id: &str) -> Result<Vec<TermsRow>> {
    Ok(text_terms::table
        .filter(text_terms::survey_id.eq(survey_id))
        .select(TermsRow::as_select())
        .load(conn)?)
}

pub fn save_terms(conn: &mut DbConn, row: &TermsRow) -> Result<()> {
    macro_rules! save {
        ($c:expr) => {
            diesel::insert_into(text_terms::table)
                .values(row)
                .on_conflict((text_terms::survey_id, text_terms::question_id))
                .do_update()
                .set((
                    text_terms::responses.eq(excluded(text_terms::responses)),
                    text_terms::counted_at.eq(excluded(text_terms::counted_at)),
                    text_terms::terms.eq(excluded(text_terms::terms)),
                ))
                .execute($c)
        };
    }
    match conn {
        #[cfg(feature = "sqlite")]
        DbConn::Sqlite(c) => save!(c)?,
        #[cfg(feature = "postgres")]
        DbConn::Postgres(c) => save!(c)?,
    };
    Ok(())
}
