//! Published surveys as respondent pages show them, kept for a second. Every page view and
//! every submission needs the survey and its questions; a burst of respondents on one open
//! link would otherwise read the same rows thousands of times a second. A second of staleness
//! only affects what a page shows: the writer checks the survey again inside its transaction,
//! so nothing is stored for a survey that has closed. Each node keeps its own copy, and no
//! node needs another's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::db::Db;
use crate::error::Result;
use crate::survey::editing;
use crate::survey::model::Survey;

const FRESH_FOR: Duration = Duration::from_secs(1);
/// Bounds memory when many different ids are asked for (including ones that do not exist).
const MAX_ENTRIES: usize = 10_000;

type Entry = (Instant, Option<Arc<Survey>>);

#[derive(Default)]
pub struct Published {
    entries: Mutex<HashMap<String, Entry>>,
}

impl Published {
    fn cached(&self, id: &str) -> Option<Option<Arc<Survey>>> {
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        entries
            .get(id)
            .filter(|(at, _)| at.elapsed() < FRESH_FOR)
            .map(|(_, survey)| survey.clone())
    }

    /// The survey with its questions, at most a second old; `None` when there is none.
    pub async fn get(&self, db: &Db, id: &str) -> Result<Option<Arc<Survey>>> {
        if let Some(hit) = self.cached(id) {
            return Ok(hit);
        }
        let key = id.to_string();
        let survey = db
            .run(move |conn| editing::load(conn, &key))
            .await?
            .map(Arc::new);
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (at, _)| at.elapsed() < FRESH_FOR);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(id.to_string(), (Instant::now(), survey.clone()));
        Ok(survey)
    }
}
