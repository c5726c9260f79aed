//! The results page (`GET /surveys/<id>/results`): the response count and completion rate, a
//! segment form that works without JavaScript, and a card per question with its chart drawn
//! on the server (see `charts`), for analysts, admins and the survey's own designer.
//!
//! The form speaks in days (`from`, `to` as dates, `channel`, one `attribute` and `value`),
//! which this page turns into a [`Segment`]; the export links carry the same segment in the
//! API's words (RFC 3339 times, `contact.<attribute>`), which every results route reads.

use chrono::{NaiveDate, NaiveDateTime};
use rocket::http::Status;
use rocket::{State, get, routes};
use rocket_dyn_templates::{Template, context};
use serde::Serialize;

use super::api::RawQuery;
use super::charts;
use super::report;
use super::scores;
use super::segment::{CHANNELS, Segment, channel_name};
use crate::auth::{Readers, Staff};
use crate::db::Db;
use crate::error::Result;
use crate::i18n::staff::StaffCatalog;
use crate::ids::{MalformedId, SurveyId};
use crate::invite::model::completion_of_survey;
use crate::respond::model::count_responses;
use crate::survey::editing;
use crate::survey::workspace;
use crate::web::csrf::CsrfToken;
use crate::web::{Reply, rfc3339};

/// Gives each open question's card its themes: the tags coded on its answers.
async fn add_themes(
    db: &Db,
    survey_id: &str,
    questions: &[super::summary::QuestionResult],
    cards: &mut [charts::Card],
) -> Result<()> {
    let open: Vec<(usize, String)> = questions
        .iter()
        .enumerate()
        .filter(|(_, q)| matches!(q.kind, "text" | "long_text"))
        .map(|(i, q)| (i, q.question_id.clone()))
        .collect();
    let sid = survey_id.to_string();
    let counted = db
        .run(move |conn| {
            open.into_iter()
                .map(|(i, q)| {
                    let items = crate::insight::model::counts_for_question(conn, &sid, &q)?;
                    Ok((i, q, items))
                })
                .collect::<Result<Vec<_>>>()
        })
        .await?;
    for (i, question, items) in counted {
        if let Some(card) = cards.get_mut(i) {
            card.themes = Some(charts::Themes {
                items,
                coding_href: format!(
                    "/surveys/{survey_id}/coding/{}",
                    rocket::http::RawStr::new(&question).percent_encode()
                ),
            });
        }
    }
    Ok(())
}

pub fn routes() -> Vec<rocket::Route> {
    routes![results_page]
}

/// The channel choices of the form: (value, the key of what staff read).
const CHANNEL_CHOICES: [(&str, &str); 4] = [
    ("", "results.channel_all"),
    ("personal", "results.channel_personal"),
    ("open", "results.channel_open"),
    ("api", "results.channel_api"),
];

/// The segment form as typed, each field with its problem, if it has one.
#[derive(Debug, Default, Serialize)]
struct Filter {
    from: String,
    to: String,
    channel: String,
    attribute: String,
    value: String,
    errors: Problems,
}

#[derive(Debug, Default, Serialize)]
struct Problems {
    from: Option<String>,
    to: Option<String>,
    channel: Option<String>,
    attribute: Option<String>,
    value: Option<String>,
}

impl Problems {
    fn any(&self) -> bool {
        self.from.is_some()
            || self.to.is_some()
            || self.channel.is_some()
            || self.attribute.is_some()
            || self.value.is_some()
    }
}

impl Filter {
    /// Reads the form's fields from the query; other parameters are left alone (a link that
    /// adds one still shows the page).
    fn read(query: Option<&str>) -> Filter {
        let mut filter = Filter::default();
        for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            let slot = match name.as_ref() {
                "from" => &mut filter.from,
                "to" => &mut filter.to,
                "channel" => &mut filter.channel,
                "attribute" => &mut filter.attribute,
                "value" => &mut filter.value,
                _ => continue,
            };
            *slot = value.trim().to_string();
        }
        filter
    }

    /// The segment the form asks for, with the same segment as the query string the API and
    /// the export routes read; or `None`, with the problems noted beside their fields in the
    /// member's language.
    fn segment(&mut self, t: &StaffCatalog) -> Option<(Segment, String)> {
        let mut query = form_urlencoded::Serializer::new(String::new());
        let errors = &mut self.errors;
        let from = day(t, &self.from, &mut errors.from);
        let to = day(t, &self.to, &mut errors.to);
        if let (Some(from), Some(to)) = (from, to)
            && to < from
        {
            errors.to = Some(t.get("results.error_end_before_start").to_string());
        }
        if let Some(start) = from.and_then(|d| d.and_hms_opt(0, 0, 0)) {
            query.append_pair("from", &rfc3339(start));
        }
        // The last microsecond of the day, the finest time the database keeps.
        if let Some(end) = to.and_then(|d| d.and_hms_micro_opt(23, 59, 59, 999_999)) {
            query.append_pair("to", &rfc3339(end));
        }
        if !self.channel.is_empty() {
            if CHANNELS.contains(&self.channel.as_str()) {
                query.append_pair("channel", &self.channel);
            } else {
                errors.channel = Some(t.get("results.error_channel").to_string());
            }
        }
        match (self.attribute.is_empty(), self.value.is_empty()) {
            (true, true) => {}
            (false, true) => errors.value = Some(t.get("results.error_value_needed").to_string()),
            (true, false) => {
                errors.attribute = Some(t.get("results.error_attribute_needed").to_string())
            }
            (false, false) => {
                if self.attribute.chars().count() > 100 {
                    errors.attribute = Some(t.counted("results.error_too_long", 100));
                } else if self.value.chars().count() > 500 {
                    errors.value = Some(t.counted("results.error_too_long", 500));
                } else {
                    query.append_pair(&format!("contact.{}", self.attribute), &self.value);
                }
            }
        }
        if errors.any() {
            return None;
        }
        let query = query.finish();
        // Read back by the parser every results route uses, so the figures shown here and the
        // exports linked from here count the same responses.
        match Segment::from_query(Some(&query), &[]) {
            Ok((segment, _)) => Some((segment, query)),
            Err(refused) => {
                let message =
                    Some(t.format("results.error_refused", &[("reason", &t.reason(&refused))]));
                match refused.field() {
                    Some("from") => errors.from = message,
                    Some("to") => errors.to = message,
                    Some("channel") => errors.channel = message,
                    _ => errors.attribute = message,
                }
                None
            }
        }
    }
}

/// A date as `<input type="date">` sends it; empty is "not given".
fn day(t: &StaffCatalog, text: &str, problem: &mut Option<String>) -> Option<NaiveDate> {
    if text.is_empty() {
        return None;
    }
    let parsed = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|d| (1900..=9999).contains(&chrono::Datelike::year(d)));
    if parsed.is_none() {
        *problem = Some(t.format("results.error_not_a_date", &[("text", &shorten(text))]));
    }
    parsed
}

/// Typed text quoted back in a message, kept short.
fn shorten(text: &str) -> String {
    let mut short: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        short.push('…');
    }
    short
}

/// A day in words in the member's language: "1 December 2026", "1 december 2026".
fn date_in_words(t: &StaffCatalog, at: NaiveDateTime) -> String {
    use chrono::Datelike;
    t.format(
        "results.date",
        &[
            ("day", &at.day().to_string()),
            ("month", t.get(&format!("results.month_{}", at.month()))),
            ("year", &at.year().to_string()),
        ],
    )
}

/// The segment in words, for the line that says the figures are narrowed.
fn describe(t: &StaffCatalog, segment: &Segment) -> String {
    let date = |at: NaiveDateTime| date_in_words(t, at);
    let mut parts = Vec::new();
    match (segment.from, segment.to) {
        (Some(from), Some(to)) => parts.push(t.format(
            "results.segment_between",
            &[("from", &date(from)), ("to", &date(to))],
        )),
        (Some(from), None) => {
            parts.push(t.format("results.segment_from", &[("from", &date(from))]))
        }
        (None, Some(to)) => parts.push(t.format("results.segment_to", &[("to", &date(to))])),
        (None, None) => {}
    }
    if let Some(channel) = &segment.channel {
        parts.push(
            t.get(match channel_name(channel) {
                "personal" => "results.segment_personal",
                "open" => "results.segment_open",
                _ => "results.segment_api",
            })
            .to_string(),
        );
    }
    for (attribute, value) in &segment.contact {
        parts.push(t.format(
            "results.segment_contact",
            &[("attribute", attribute), ("value", value)],
        ));
    }
    parts.join(", ")
}

#[derive(Serialize)]
struct Choice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

#[derive(Serialize)]
struct Export {
    label: &'static str,
    href: String,
}

#[get("/surveys/<id>/results")]
pub async fn results_page(
    db: &State<Db>,
    staff: Staff<Readers>,
    csrf: CsrfToken,
    id: Result<SurveyId, MalformedId>,
    query: RawQuery,
) -> Result<Reply> {
    let id = id?;
    let t = staff.t();
    let mut filter = Filter::read(query.0.as_deref());
    let (segment, query) = match filter.segment(t) {
        Some((segment, query)) => (Some(segment), query),
        None => (None, String::new()),
    };
    let user = staff.user.clone();
    let asked = segment.clone();
    // The survey is looked up before the figures, so a survey this user may not see is a 404
    // whatever the filter says.
    let handle = db.inner().clone();
    let (survey, total, (invited, completed), report, scores) = db
        .run(move |conn| {
            let survey = editing::visible_to(conn, &user, &id)?;
            let total = count_responses(conn, survey.id())?;
            // Invitations are not narrowed by a segment, so this is known even when the
            // filter is wrong.
            let completion = completion_of_survey(conn, survey.id())?;
            let (report, scores) = match &asked {
                Some(segment) => (
                    Some(report::report(&handle, conn, &survey, segment)?),
                    scores::scores(conn, &survey, segment)?,
                ),
                None => (None, None),
            };
            Ok((survey, total, completion, report, scores))
        })
        .await?;
    let segment = segment.unwrap_or_default();
    let narrowed = !segment.is_everyone();
    let exports = [("CSV", "csv"), ("Excel (XLSX)", "xlsx"), ("JSON", "json")]
        .into_iter()
        .map(|(label, ext)| Export {
            label,
            href: if query.is_empty() {
                format!("/surveys/{}/export.{ext}", survey.id())
            } else {
                format!("/surveys/{}/export.{ext}?{query}", survey.id())
            },
        })
        .collect::<Vec<_>>();
    let channels: Vec<Choice> = CHANNEL_CHOICES
        .iter()
        .map(|&(value, label)| Choice {
            value,
            label,
            selected: value == filter.channel,
        })
        .collect();
    let invalid = report.is_none();
    let responses = report.as_ref().map_or(total, |r| r.responses);
    let rate = if invited == 0 {
        0.0
    } else {
        completed as f64 / invited as f64
    };
    let mut cards = report
        .as_ref()
        .map(|r| charts::cards(t, survey.id(), survey.questions(), &r.questions))
        .unwrap_or_default();
    if let Some(report) = &report {
        add_themes(db, survey.id(), &report.questions, &mut cards).await?;
    }
    let page = Template::render(
        "results",
        context! {
            title: t.format("results.title", &[("title", survey.title())]),
            tabs: workspace::tabs(&survey, &staff.user, workspace::Page::Results),
            me: staff.me(),
            csrf: csrf.0,
            survey: context! {
                id: survey.id(),
                title: survey.title(),
                anonymous: survey.anonymous(),
            },
            invalid,
            narrowed,
            segment_words: describe(t, &segment),
            contact_ignored: survey.anonymous() && !segment.contact.is_empty(),
            responses,
            total,
            invited,
            completed: t.number(completed),
            nobody_invited: invited == 0,
            completion: format!("{}%", t.decimal(rate * 100.0, 0)),
            filter,
            channels,
            exports,
            score: scores.map(|s| charts::score_card(t, &s)),
            cards,
        },
    );
    Ok(if invalid {
        Reply::Status((Status::UnprocessableEntity, page))
    } else {
        Reply::Page(page)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::staff::staff_catalog;

    fn segment_of(query: &str) -> (Option<(Segment, String)>, Filter) {
        let mut filter = Filter::read(Some(query));
        (filter.segment(staff_catalog("en")), filter)
    }

    #[test]
    fn days_become_whole_days_and_bad_fields_are_named() {
        let (segment, _) = segment_of(
            "from=2026-12-01&to=2026-12-31&channel=open&attribute=store&value=Malm%C3%B6",
        );
        let (segment, query) = segment.expect("a segment");
        assert_eq!(rfc3339(segment.from.expect("from")), "2026-12-01T00:00:00Z");
        assert_eq!(
            rfc3339(segment.to.expect("to")),
            "2026-12-31T23:59:59.999999Z"
        );
        assert_eq!(
            query,
            "from=2026-12-01T00%3A00%3A00Z&to=2026-12-31T23%3A59%3A59.999999Z&channel=open&contact.store=Malm%C3%B6"
        );
        assert_eq!(
            describe(staff_catalog("en"), &segment),
            "submitted from 1 December 2026 to 31 December 2026, through the open link, \
             from contacts whose “store” is “Malmö”"
        );
        assert_eq!(
            describe(staff_catalog("nl"), &segment),
            "ingestuurd van 1 december 2026 tot en met 31 december 2026, via de open link, \
             van contacten bij wie ‘store’ gelijk is aan ‘Malmö’"
        );
        let (segment, _) = segment_of("from=&to=&channel=&attribute=&value=&word=x");
        assert!(segment.expect("everyone").0.is_everyone());
        for (query, field) in [
            ("from=yesterday", "from"),
            ("to=2026-02-30", "to"),
            ("from=2026-12-02&to=2026-12-01", "to"),
            ("channel=fax", "channel"),
            ("attribute=store", "value"),
            ("value=Malmo", "attribute"),
        ] {
            let (segment, filter) = segment_of(query);
            assert!(segment.is_none(), "{query}");
            let errors = serde_json::to_value(&filter.errors).expect("json");
            assert!(errors[field].is_string(), "{query}: {errors}");
        }
    }
}
