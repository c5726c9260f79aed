//! The audit after a crash loop: the database against the clients' logs of what the server
//! acknowledged.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use hearken::config::DatabaseUrl;
use hearken::db::Db;
use hearken::db::schema::responses;

use super::load::{Load, QUESTIONS};

/// What the database holds, against what the clients logged as acknowledged.
pub(super) struct Figures {
    pub acknowledged: usize,
    pub stored: usize,
    /// Stored, never acknowledged: allowed, though these clients send each form until it is
    /// acknowledged.
    pub unacknowledged: usize,
    /// Acknowledged, not stored.
    pub lost: Vec<String>,
    /// Stored more than once.
    pub doubled: Vec<String>,
    /// Acknowledged with a thank-you page naming another response than the one stored.
    pub misdirected: Vec<String>,
    /// Stored without all its answers, or with an answer other than the one sent.
    pub incomplete: Vec<String>,
    pub integrity: String,
}

pub(super) fn check(database_url: &str, load: &Load) -> Figures {
    let logged = load.logged();
    let db = Db::open(&DatabaseUrl::parse(database_url).unwrap(), 1, false).unwrap();
    let mut conn = db.conn().unwrap();
    let rows: Vec<(String, String)> = responses::table
        .select((responses::submission_key, responses::id))
        .load(&mut *conn)
        .unwrap();
    let mut stored: HashMap<&str, Vec<&str>> = HashMap::new();
    for (submission, response) in &rows {
        stored.entry(submission).or_default().push(response);
    }
    let acknowledged: HashSet<&str> = logged.iter().map(|(s, _)| s.as_str()).collect();
    let doubled = stored
        .iter()
        .filter(|(_, responses)| responses.len() > 1)
        .map(|(submission, _)| submission.to_string())
        .collect();
    let lost = logged
        .iter()
        .filter(|(submission, _)| !stored.contains_key(submission.as_str()))
        .map(|(submission, _)| submission.clone())
        .collect();
    let misdirected = logged
        .iter()
        .filter(|(submission, response)| {
            stored
                .get(submission.as_str())
                .is_some_and(|ids| !ids.contains(&response.as_str()))
        })
        .map(|(submission, response)| format!("{submission} → {response}"))
        .collect();
    // Every stored response, acknowledged or not, has all its answers as `load::answer_text`
    // wrote them (JSON strings).
    let incomplete = texts(
        &mut conn,
        &format!(
            "SELECT r.submission_key AS value FROM responses r \
             WHERE (SELECT COUNT(*) FROM answers a WHERE a.response_id = r.id) <> {} \
             OR EXISTS (SELECT 1 FROM answers a WHERE a.response_id = r.id \
             AND a.value <> '\"' || r.submission_key || ' answers ' || a.question_id || '\"')",
            QUESTIONS.len()
        ),
    );
    let integrity = if database_url.starts_with("sqlite") {
        texts(
            &mut conn,
            "SELECT integrity_check AS value FROM pragma_integrity_check",
        )
        .join("; ")
    } else {
        "not applicable".to_string()
    };
    Figures {
        acknowledged: logged.len(),
        stored: rows.len(),
        unacknowledged: stored.keys().filter(|s| !acknowledged.contains(*s)).count(),
        lost,
        doubled,
        misdirected,
        incomplete,
        integrity,
    }
}

fn texts(conn: &mut hearken::db::DbConn, sql: &str) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
    }
    diesel::sql_query(sql)
        .load::<Row>(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|r| r.value)
        .collect()
}
