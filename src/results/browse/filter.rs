//! The responses browser's form: the dates, channel, contact attribute, word and theme it is
//! narrowed by, read from the query string, turned into a [`Segment`] and written back as the
//! query of the next page.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::results::segment::Segment;

/// The browser's form as given: dates as the date inputs send them, a channel, one contact
/// attribute, a word, and the cursor of the page.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Filter {
    pub from: String,
    pub to: String,
    pub channel: String,
    pub attribute: String,
    pub value: String,
    pub word: String,
    /// A theme: only responses with an answer tagged with it.
    pub tag: String,
    #[serde(skip)]
    pub after: Option<(NaiveDateTime, String)>,
}

impl Filter {
    /// Reads the form from the query string; a bad value is a 422 naming its field.
    pub fn from_query(query: Option<&str>) -> Result<Filter> {
        let mut filter = Filter::default();
        let pairs = crate::web::query_pairs(query);
        for (name, value) in pairs {
            let value = value.trim().to_string();
            match name.as_str() {
                "from" => filter.from = value,
                "to" => filter.to = value,
                "channel" => filter.channel = value,
                "attribute" => filter.attribute = value,
                "value" => filter.value = value,
                "word" => filter.word = value.chars().take(100).collect(),
                "tag" => filter.tag = value.chars().take(crate::insight::MAX_NAME).collect(),
                "after" => {
                    filter.after = Some(
                        crate::web::paging::after(&[value.as_str()])?.ok_or_else(|| {
                            Error::invalid("after", "is not a cursor of this list")
                        })?,
                    )
                }
                _ => {
                    return Err(Error::invalid(name, "is not a parameter of this page"));
                }
            }
        }
        Ok(filter)
    }

    /// The segment the form describes.
    pub fn segment(&self) -> Result<Segment> {
        let day = |field: &str, text: &str, time: NaiveTime| -> Result<Option<NaiveDateTime>> {
            if text.is_empty() {
                return Ok(None);
            }
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(|d| Some(d.and_time(time)))
                .map_err(|_| Error::invalid(field, "must be a date, e.g. 2026-12-01"))
        };
        let end_of_day = NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).unwrap_or_default();
        let mut query = Vec::new();
        if let Some(from) = day("from", &self.from, NaiveTime::MIN)? {
            query.push((
                "from".to_string(),
                format!("{}Z", from.format("%Y-%m-%dT%H:%M:%S%.6f")),
            ));
        }
        if let Some(to) = day("to", &self.to, end_of_day)? {
            query.push((
                "to".to_string(),
                format!("{}Z", to.format("%Y-%m-%dT%H:%M:%S%.6f")),
            ));
        }
        if !self.channel.is_empty() {
            query.push(("channel".to_string(), self.channel.clone()));
        }
        if !self.attribute.is_empty() {
            query.push((format!("contact.{}", self.attribute), self.value.clone()));
        }
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&query)
            .finish();
        Ok(Segment::from_query(Some(&encoded), &[])?.0)
    }

    /// The form as a query string, with `after` for the next page.
    pub(super) fn query(&self, after: Option<&str>) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("from", &self.from),
            ("to", &self.to),
            ("channel", &self.channel),
            ("attribute", &self.attribute),
            ("value", &self.value),
            ("word", &self.word),
            ("tag", &self.tag),
        ] {
            if !value.is_empty() {
                query.append_pair(name, value);
            }
        }
        if let Some(after) = after {
            query.append_pair("after", after);
        }
        query.finish()
    }
}
