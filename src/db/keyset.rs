//! Keyset paging: the rows after (or before) a cursor of (time, id) in that order.
//!
//! The natural condition `at > t OR (at = t AND id > i)` is not enough on its own: SQLite
//! cannot seek an index on it when `t` is a bound parameter, so every page would read the
//! table from its first row and paging through a million responses would read half a billion.
//! Both macros add the redundant `at >= t` (or `at <= t`) that lets either database start at
//! the cursor.

/// `$at, $id` after the cursor `($time, $key)`, for pages in ascending order.
#[macro_export]
macro_rules! keyset_after {
    ($at:expr, $id:expr, $time:expr, $key:expr) => {{
        let time = $time;
        $at.ge(time)
            .and($at.gt(time).or($at.eq(time).and($id.gt($key))))
    }};
}

/// `$at, $id` before the cursor `($time, $key)`, for pages in descending order.
#[macro_export]
macro_rules! keyset_before {
    ($at:expr, $id:expr, $time:expr, $key:expr) => {{
        let time = $time;
        $at.le(time)
            .and($at.lt(time).or($at.eq(time).and($id.lt($key))))
    }};
}

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::Text;
    use diesel::sqlite::{Sqlite, SqliteConnection};

    diesel::table! {
        rows (id) {
            id -> Text,
            at -> Timestamp,
        }
    }

    #[derive(QueryableByName)]
    struct Step {
        #[diesel(sql_type = Text)]
        detail: String,
    }

    /// How SQLite would run `query` with its parameters still unbound, as a prepared statement
    /// runs it.
    fn plan<Q: diesel::query_builder::QueryFragment<Sqlite>>(query: Q) -> String {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        diesel::sql_query("CREATE TABLE rows (id TEXT PRIMARY KEY, at TIMESTAMP NOT NULL)")
            .execute(&mut conn)
            .unwrap();
        diesel::sql_query("CREATE INDEX rows_at ON rows (at, id)")
            .execute(&mut conn)
            .unwrap();
        let sql = diesel::debug_query::<Sqlite, _>(&query).to_string();
        let sql = sql.split(" -- binds:").next().unwrap_or_default();
        diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
            .load::<Step>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|step| step.detail)
            .collect::<Vec<_>>()
            .join("; ")
    }

    #[test]
    fn pages_start_at_the_cursor_instead_of_the_first_row() {
        let at = chrono::NaiveDateTime::default();
        let forward = rows::table
            .filter(crate::keyset_after!(rows::at, rows::id, at, "x"))
            .order((rows::at.asc(), rows::id.asc()))
            .limit(10);
        assert!(plan(forward).contains("at>?"), "{}", plan(forward));
        let backward = rows::table
            .filter(crate::keyset_before!(rows::at, rows::id, at, "x"))
            .order((rows::at.desc(), rows::id.desc()))
            .limit(10);
        assert!(plan(backward).contains("at<?"), "{}", plan(backward));

        let without = rows::table
            .filter(rows::at.gt(at).or(rows::at.eq(at).and(rows::id.gt("x"))))
            .order((rows::at.asc(), rows::id.asc()))
            .limit(10);
        assert!(
            !plan(without).contains("at>?"),
            "the condition alone does not seek, which is why the macros exist: {}",
            plan(without)
        );
    }
}
