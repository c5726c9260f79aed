//! The iCalendar invitation of a focus group (RFC 5545, sent as RFC 5546 iTIP): one VEVENT
//! whose UID stays the same for the group's life and whose SEQUENCE rises with each change of
//! time or place, so a mail client updates the event it has rather than adding another;
//! `CANCEL` takes it off a removed participant's calendar.

use chrono::{Duration, NaiveDateTime};

use super::model::GroupRow;

/// What the calendar asks of the recipient's client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Request,
    Cancel,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }
}

/// Who the event is for and from.
pub struct People<'a> {
    pub organizer_name: &'a str,
    pub organizer_email: &'a str,
    pub attendee_name: &'a str,
    pub attendee_email: &'a str,
}

/// Text as a property value: backslash, semicolon, comma and line breaks escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value (a display name): quoted, without the characters a quoted value may not
/// hold.
fn param(text: &str) -> String {
    let clean: String = text
        .chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect();
    format!("\"{clean}\"")
}

/// One content line, folded at 75 octets (never inside a character) and ended with CRLF.
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

fn utc(at: NaiveDateTime) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// The calendar of `group` for one attendee; `stamp` is when it was made.
pub fn event(
    group: &GroupRow,
    method: Method,
    people: &People<'_>,
    host: &str,
    stamp: NaiveDateTime,
) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "PRODID:-//Hearken//Focus groups//EN");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, &format!("METHOD:{}", method.as_str()));
    line(&mut out, "BEGIN:VEVENT");
    line(&mut out, &format!("UID:focus-group-{}@{host}", group.id));
    line(&mut out, &format!("DTSTAMP:{}", utc(stamp)));
    line(&mut out, &format!("SEQUENCE:{}", group.sequence));
    line(&mut out, &format!("DTSTART:{}", utc(group.scheduled_at)));
    let end = group.scheduled_at + Duration::minutes(i64::from(group.duration_minutes));
    line(&mut out, &format!("DTEND:{}", utc(end)));
    line(&mut out, &format!("SUMMARY:{}", escape(&group.title)));
    if let Some(location) = &group.location {
        line(&mut out, &format!("LOCATION:{}", escape(location)));
    }
    if !group.topic.is_empty() {
        line(&mut out, &format!("DESCRIPTION:{}", escape(&group.topic)));
    }
    line(
        &mut out,
        &format!(
            "ORGANIZER;CN={}:mailto:{}",
            param(people.organizer_name),
            people.organizer_email
        ),
    );
    line(
        &mut out,
        &format!(
            "ATTENDEE;CN={};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:mailto:{}",
            param(people.attendee_name),
            people.attendee_email
        ),
    );
    let status = match method {
        Method::Request => "CONFIRMED",
        Method::Cancel => "CANCELLED",
    };
    line(&mut out, &format!("STATUS:{status}"));
    line(&mut out, "END:VEVENT");
    line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group() -> GroupRow {
        let at = chrono::DateTime::from_timestamp(1_797_000_000, 0)
            .expect("time")
            .naive_utc();
        GroupRow {
            id: "g1".into(),
            owner_id: "u1".into(),
            title: "Returns; sizes, and why".into(),
            topic: "Line one\nLine two".into(),
            audience: "employees".into(),
            scheduled_at: at,
            duration_minutes: 90,
            location: Some(
                "Room 2, first floor — Žilina office with a very long name indeed".into(),
            ),
            guide: "[]".into(),
            sequence: 3,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn lines_are_escaped_folded_within_75_octets_and_end_in_crlf() {
        let people = People {
            organizer_name: "Ada \"the\" Admin",
            organizer_email: "surveys@example.com",
            attendee_name: "Bo",
            attendee_email: "bo@example.com",
        };
        let at = group().scheduled_at;
        let ics = event(&group(), Method::Request, &people, "example.com", at);
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        for physical in ics.split("\r\n") {
            assert!(
                physical.len() <= 75,
                "{physical:?} is {} octets",
                physical.len()
            );
        }
        let unfolded = ics.replace("\r\n ", "");
        assert!(
            unfolded.contains("SUMMARY:Returns\\; sizes\\, and why\r\n"),
            "{unfolded}"
        );
        assert!(unfolded.contains("DESCRIPTION:Line one\\nLine two\r\n"));
        assert!(unfolded.contains("SEQUENCE:3\r\n"));
        assert!(unfolded.contains("DTEND:"), "{unfolded}");
        assert!(unfolded.contains("ORGANIZER;CN=\"Ada the Admin\":mailto:surveys@example.com"));
        assert!(unfolded.contains("UID:focus-group-g1@example.com\r\n"));
        let cancel = event(&group(), Method::Cancel, &people, "example.com", at);
        assert!(cancel.contains("METHOD:CANCEL\r\n") && cancel.contains("STATUS:CANCELLED\r\n"));
    }
}
