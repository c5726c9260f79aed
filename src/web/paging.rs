//! Cursor pagination for lists: `?limit=` (default 50, at most 1000) and `?after=<cursor>`,
//! answered as `{"items": [...], "next": "<cursor or null>"}`. A cursor is the sort key of the
//! last item, opaque to clients.
//!
//! A parameter that is left out takes its default; one that is given must hold a valid value,
//! so `limit=`, `limit=abc`, `limit=1001` and `after=` are all refused (422 naming it) rather
//! than quietly read as "not given".

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDateTime;
use serde::Serialize;

use crate::error::{Error, Result};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 1000;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct List<T> {
    pub items: Vec<T>,
    /// The cursor for `after` to get the next page; null on the last page.
    #[schema(required = true)]
    pub next: Option<String>,
}

/// The one value of a query parameter. List routes take every value given (`Vec<&str>`):
/// Rocket reads an `Option` parameter that is given twice, or does not parse, as left out.
pub fn one<'v>(name: &str, given: &[&'v str]) -> Result<Option<&'v str>> {
    match given {
        [] => Ok(None),
        [value] => Ok(Some(value)),
        _ => Err(Error::invalid(name, "is given more than once")),
    }
}

/// The page size asked for (`?limit=`), checked.
pub fn limit(given: &[&str]) -> Result<i64> {
    let Some(asked) = one("limit", given)? else {
        return Ok(DEFAULT_LIMIT);
    };
    match asked.parse::<i64>() {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        _ => Err(Error::invalid(
            "limit",
            format!("must be a whole number from 1 to {MAX_LIMIT}"),
        )),
    }
}

/// A cursor for an item sorted by (time, id).
pub fn encode(at: NaiveDateTime, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{id}", at.and_utc().timestamp_micros()))
}

/// The position after which a page starts (`?after=`), checked.
pub fn after(given: &[&str]) -> Result<Option<(NaiveDateTime, String)>> {
    decode(one("after", given)?)
}

/// The (time, id) inside a cursor; a cursor that was not made here is a 422 on `after`.
pub fn decode(cursor: Option<&str>) -> Result<Option<(NaiveDateTime, String)>> {
    let Some(cursor) = cursor else {
        return Ok(None);
    };
    let bad = || Error::invalid("after", "is not a cursor from a previous page");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (micros, id) = text.split_once('|').ok_or_else(bad)?;
    let micros: i64 = micros.parse().map_err(|_| bad())?;
    let at = chrono::DateTime::from_timestamp_micros(micros).ok_or_else(bad)?;
    Ok(Some((at.naive_utc(), id.to_string())))
}

/// Builds the answer from `limit + 1` loaded rows: the extra row only says there is more.
pub fn finish<R, T>(
    mut rows: Vec<R>,
    limit: i64,
    key: impl Fn(&R) -> (NaiveDateTime, String),
    view: impl Fn(&R) -> T,
) -> List<T> {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|r| {
            let (at, id) = key(r);
            encode(at, &id)
        })
    } else {
        None
    };
    List {
        items: rows.iter().map(view).collect(),
        next,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let at = crate::db::now();
        let cursor = encode(at, "abc");
        assert_eq!(
            decode(Some(&cursor)).ok().flatten(),
            Some((at, "abc".to_string()))
        );
        assert!(decode(Some("not a cursor")).is_err());
        assert!(decode(Some("")).is_err());
        assert_eq!(decode(None).ok(), Some(None));
    }

    #[test]
    fn a_given_limit_must_be_a_number_in_range() {
        assert_eq!(limit(&[]).ok(), Some(DEFAULT_LIMIT));
        assert_eq!(limit(&["1"]).ok(), Some(1));
        assert_eq!(limit(&["1000"]).ok(), Some(MAX_LIMIT));
        for bad in [
            "",
            "null",
            "abc",
            "0",
            "-1",
            "1001",
            "99999999999999999999",
            "1.5",
            " 5",
        ] {
            assert!(limit(&[bad]).is_err(), "{bad:?}");
        }
        assert!(limit(&["5", "5"]).is_err());
        assert!(after(&[""]).is_err());
        assert_eq!(after(&[]).ok(), Some(None));
    }
}
