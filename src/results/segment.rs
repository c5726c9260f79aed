//! A segment: the responses a figure or an export is narrowed to. Read from the query string
//! (`from`, `to`, `channel`, `contact.<attribute>`), where any other parameter is refused so a
//! typo never quietly widens a figure to everyone.

use chrono::{DateTime, NaiveDateTime};

use crate::error::{Error, Result};

/// The channels a response can come through, as the API names them.
pub const CHANNELS: [&str; 3] = ["personal", "open", "api"];
/// The channels as the API names them and as they are stored.
const STORED_CHANNELS: [(&str, &str); 3] =
    [("personal", "invitation"), ("open", "link"), ("api", "api")];

/// A channel as the API names it, from its stored name.
pub fn channel_name(stored: &str) -> &str {
    STORED_CHANNELS
        .iter()
        .find(|(_, s)| *s == stored)
        .map_or(stored, |(name, _)| name)
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Segment {
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    /// As stored (`invitation`, `link`, `api`).
    pub channel: Option<String>,
    /// Contact attributes that must match exactly, as (attribute, value).
    pub contact: Vec<(String, String)>,
}

impl Segment {
    /// Everyone: no parameter narrows the figures.
    pub fn is_everyone(&self) -> bool {
        *self == Segment::default()
    }

    /// Reads a segment from a query string; `extra` names other parameters the route takes.
    pub fn from_query(
        query: Option<&str>,
        extra: &[&str],
    ) -> Result<(Segment, Vec<(String, String)>)> {
        let mut segment = Segment::default();
        let mut others = Vec::new();
        let pairs = crate::web::query_pairs(query);
        for (name, value) in pairs {
            segment.set(&name, &value, extra, &mut others)?;
        }
        Ok((segment, others))
    }

    fn set(
        &mut self,
        name: &str,
        value: &str,
        extra: &[&str],
        others: &mut Vec<(String, String)>,
    ) -> Result<()> {
        let once = |given: bool| {
            if given {
                Err(Error::invalid(name, "is given more than once"))
            } else {
                Ok(())
            }
        };
        match name {
            "from" => {
                once(self.from.is_some())?;
                self.from = Some(time(name, value)?);
            }
            "to" => {
                once(self.to.is_some())?;
                self.to = Some(time(name, value)?);
            }
            "channel" => {
                once(self.channel.is_some())?;
                let Some((_, stored)) = STORED_CHANNELS.iter().find(|(api, _)| *api == value)
                else {
                    return Err(Error::invalid(name, "must be one of personal, open or api"));
                };
                self.channel = Some(stored.to_string());
            }
            _ => match name.strip_prefix("contact.") {
                Some(attribute) => {
                    if attribute.trim().is_empty() || attribute.chars().count() > 100 {
                        return Err(Error::invalid(
                            name,
                            "must name a contact attribute of 1 to 100 characters",
                        ));
                    }
                    if value.chars().count() > 500 {
                        return Err(Error::invalid(name, "must be at most 500 characters"));
                    }
                    if self.contact.iter().any(|(a, _)| a == attribute) {
                        return Err(Error::invalid(name, "is given more than once"));
                    }
                    self.contact
                        .push((attribute.to_string(), value.to_string()));
                }
                None if extra.contains(&name) => others.push((name.to_string(), value.to_string())),
                None => {
                    return Err(Error::invalid(
                        name,
                        "is not a parameter here (segments take from, to, channel and contact.<attribute>)",
                    ));
                }
            },
        }
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            return Err(Error::invalid("to", "must not be before from"));
        }
        Ok(())
    }

    /// Whether a response's time and channel fall inside the segment (the contact part is
    /// checked against the contacts that match, see the results room).
    pub fn admits(&self, submitted_at: NaiveDateTime, channel: &str) -> bool {
        self.from.is_none_or(|from| submitted_at >= from)
            && self.to.is_none_or(|to| submitted_at <= to)
            && self.channel.as_deref().is_none_or(|c| c == channel)
    }
}

fn time(name: &str, value: &str) -> Result<NaiveDateTime> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.naive_utc())
        .map_err(|_| {
            Error::invalid(
                name,
                "must be a time in RFC 3339, e.g. 2026-12-01T00:00:00Z",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_parameter_and_refuses_the_rest() {
        let (segment, others) = Segment::from_query(
            Some("from=2026-12-01T00:00:00Z&to=2026-12-31T23:59:59%2B01:00&channel=open&contact.store=Malm%C3%B6&format=csv"),
            &["format"],
        )
        .expect("segment");
        assert_eq!(segment.channel.as_deref(), Some("link"));
        assert_eq!(
            segment.contact,
            [("store".to_string(), "Malmö".to_string())]
        );
        assert_eq!(
            segment.to.map(|t| t.to_string()).as_deref(),
            Some("2026-12-31 22:59:59")
        );
        assert_eq!(others, [("format".to_string(), "csv".to_string())]);
        assert!(
            Segment::from_query(None, &[])
                .expect("none")
                .0
                .is_everyone()
        );
        for bad in [
            "colour=red",
            "from=yesterday",
            "channel=fax",
            "contact.=x",
            "from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z",
            "channel=open&channel=api",
        ] {
            assert!(Segment::from_query(Some(bad), &[]).is_err(), "{bad}");
        }
    }
}
