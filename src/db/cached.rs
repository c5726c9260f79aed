//! [`SameSql`]: a Diesel statement whose prepared form is kept and reused.
//!
//! Diesel never keeps a prepared UPDATE or upsert: a changeset's SQL may depend on its values
//! (an `Option` field that is `None` leaves its column out), so it prepares one again on every
//! call. A statement built only from columns and bound values has the same SQL every time, and
//! on the submission path, run for every completion, parsing and planning it again costs more
//! than running it.

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::{QueryResult, RunQueryDsl};

/// A statement whose SQL text is the same whatever values are bound to it, so its prepared
/// form can be looked up by that text. Only for statements without `Option` changeset fields
/// or other value-dependent SQL: a statement whose text varied would be prepared once per text.
#[derive(Debug, Clone, Copy)]
pub struct SameSql<Q>(pub Q);

impl<Q> QueryId for SameSql<Q> {
    type QueryId = ();
    // The cache then keys the statement by its SQL text.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q, DB> QueryFragment<DB> for SameSql<Q>
where
    Q: QueryFragment<DB>,
    DB: Backend,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &DB) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q: Query> Query for SameSql<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, Conn> RunQueryDsl<Conn> for SameSql<Q> {}

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use std::sync::{Arc, Mutex};

    use diesel::connection::InstrumentationEvent;
    use diesel::prelude::*;

    use super::SameSql;

    diesel::table! {
        counters (name) {
            name -> Text,
            n -> BigInt,
        }
    }

    /// Counts the statements the connection adds to its cache of prepared statements.
    fn counting(conn: &mut SqliteConnection) -> Arc<Mutex<usize>> {
        let cached = Arc::new(Mutex::new(0));
        let seen = cached.clone();
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::CacheQuery { .. } = event
                && let Ok(mut n) = seen.lock()
            {
                *n += 1;
            }
        });
        cached
    }

    fn cached(count: &Arc<Mutex<usize>>) -> usize {
        *count.lock().expect("count")
    }

    #[test]
    fn an_update_is_prepared_once_only_when_wrapped() {
        let mut conn = SqliteConnection::establish(":memory:").expect("in-memory database");
        diesel::sql_query(
            "CREATE TABLE counters (name TEXT PRIMARY KEY NOT NULL, n BIGINT NOT NULL)",
        )
        .execute(&mut conn)
        .expect("table");
        diesel::sql_query("INSERT INTO counters VALUES ('a', 10)")
            .execute(&mut conn)
            .expect("row");
        let count = counting(&mut conn);
        let take = |by: i64| {
            diesel::update(counters::table.find("a"))
                .set(counters::n.eq(counters::n - by))
                .returning(counters::n)
        };
        for by in 1..=3 {
            take(by).get_result::<i64>(&mut conn).expect("plain update");
        }
        assert_eq!(cached(&count), 0, "Diesel keeps no plain UPDATE");
        let mut left = 0;
        for by in 1..=3 {
            left = SameSql(take(by))
                .get_result::<i64>(&mut conn)
                .expect("wrapped update");
        }
        assert_eq!(cached(&count), 1, "the wrapped UPDATE is prepared once");
        assert_eq!(left, 10 - 6 - 6, "every call ran with its own bound value");
    }
}
