//! The responses browser: a survey's responses newest first, a page of cards at a time,
//! narrowed by a segment and by a word (matched as the open-answer terms count it, so
//! "deliveries" finds "delivery"), with the word marked in each answer and competitor answers
//! in the survey's order, ours first. This file lists the cards; the form it is narrowed by
//! is read in `browse/filter.rs`.

mod filter;

use chrono::NaiveDateTime;
use rocket::{State, get, routes};
use rocket_dyn_templates::{Template, context};
use serde::Serialize;
use serde_json::{Map, Value};

use super::api::RawQuery;
use super::counting::{admitted, matching_contacts, window};
use super::segment::Segment;
use super::terms;
use crate::auth::Staff;
use crate::db::Db;
use crate::error::Result;
use crate::i18n::staff::StaffCatalog;
use crate::ids::{MalformedId, SurveyId};
use crate::respond::model as responses;
use crate::survey::editing;
use crate::survey::model::Survey;
use crate::survey::question::{Kind, Question};
use crate::survey::workspace;
use crate::web::csrf::CsrfToken;
use crate::web::rfc3339;

pub use self::filter::Filter;

pub fn routes() -> Vec<rocket::Route> {
    routes![browse]
}

/// Cards on one page.
const PER_PAGE: usize = 20;
/// Responses looked at per page when a word or an attribute narrows them: a page that finds
/// fewer cards than that says so and offers to search on.
const SCAN: usize = 5000;

/// The channel choices of the form: (value, the key of what staff read).
const CHANNEL_CHOICES: [(&str, &str); 4] = [
    ("", "responses.channel_all"),
    ("personal", "responses.channel_personal"),
    ("open", "responses.channel_open"),
    ("api", "responses.channel_api"),
];

/// A piece of an answer's text, marked when it is the word searched for.
#[derive(Debug, Serialize)]
struct Piece {
    text: String,
    mark: bool,
}

#[derive(Debug, Serialize)]
struct AnswerCard {
    prompt: String,
    /// Lines of a closed answer.
    lines: Vec<String>,
    /// An open answer, in pieces.
    pieces: Vec<Piece>,
    /// A competitor answer: one row per brand, ours first.
    grid: Vec<GridRow>,
}

#[derive(Debug, Serialize)]
struct GridRow {
    brand: String,
    ours: bool,
    cells: Vec<String>,
}

#[derive(Debug, Serialize)]
struct ResponseCard {
    id: String,
    submitted_at: String,
    submitted_label: String,
    /// The key of the line naming the channel it came through.
    channel: &'static str,
    score: Option<String>,
    answers: Vec<AnswerCard>,
}

/// One page of cards, and the cursor of the next.
struct Page {
    cards: Vec<ResponseCard>,
    next: Option<String>,
    scanned_out: bool,
}

#[get("/surveys/<id>/responses")]
async fn browse(
    db: &State<Db>,
    staff: Staff,
    csrf: CsrfToken,
    id: Result<SurveyId, MalformedId>,
    query: RawQuery,
) -> Result<Template> {
    let id = id?;
    let t = staff.t();
    let filter = Filter::from_query(query.0.as_deref())?;
    let segment = filter.segment()?;
    let word = filter.word.clone();
    let tag = filter.tag.clone();
    let after = filter.after.clone();
    let user = staff.user.clone();
    let (survey, page) = db
        .run(move |conn| {
            let survey = editing::visible_to(conn, &user, &id)?;
            let tagged = if tag.is_empty() {
                None
            } else {
                Some(crate::insight::responses_tagged(conn, survey.id(), &tag)?)
            };
            let page = page(t, conn, &survey, &segment, &word, tagged.as_ref(), after)?;
            Ok((survey, page))
        })
        .await?;
    let next = page.next.as_deref().map(|after| filter.query(Some(after)));
    Ok(Template::render(
        "responses_browser",
        context! {
            title: t.format("responses.title", &[("title", survey.title())]),
            tabs: workspace::tabs(&survey, &staff.user, workspace::Page::Responses),
            me: staff.me(),
            csrf: csrf.0,
            survey: context! { id: survey.id(), title: survey.title() },
            filter: &filter,
            narrowed: !filter.query(None).is_empty(),
            channels: CHANNEL_CHOICES
                .iter()
                .map(|(value, label)| context! { value, label, selected: filter.channel == *value })
                .collect::<Vec<_>>(),
            cards: page.cards,
            next,
            scanned_out: page.scanned_out,
            scanned: SCAN,
        },
    ))
}

fn page(
    t: &StaffCatalog,
    conn: &mut crate::db::DbConn,
    survey: &Survey,
    segment: &Segment,
    word: &str,
    tagged: Option<&std::collections::HashSet<String>>,
    after: Option<(NaiveDateTime, String)>,
) -> Result<Page> {
    let contacts = matching_contacts(conn, survey, segment)?;
    let window = window(segment);
    let open: Vec<&Question> = survey
        .questions()
        .iter()
        .filter(|q| q.kind.is_open())
        .collect();
    let mut cursor = after;
    let mut cards = Vec::new();
    let mut scanned = 0usize;
    loop {
        let rows = responses::window_page(conn, survey.id(), &window, cursor.clone(), true, 200)?;
        let exhausted = rows.len() < 200;
        let admitted_rows: Vec<_> = rows
            .iter()
            .filter(|r| admitted(&contacts, r.contact_id.as_deref()))
            .collect();
        let ids: Vec<String> = admitted_rows.iter().map(|r| r.id.clone()).collect();
        let mut answers: std::collections::HashMap<String, Map<String, Value>> = Default::default();
        for (response_id, question_id, value) in responses::answers_of(conn, &ids)? {
            let value = responses::parse_json(&value)?;
            answers
                .entry(response_id)
                .or_default()
                .insert(question_id, value);
        }
        for row in &rows {
            scanned += 1;
            cursor = Some((row.submitted_at, row.id.clone()));
            if !admitted(&contacts, row.contact_id.as_deref())
                || tagged.is_some_and(|t| !t.contains(&row.id))
            {
                continue;
            }
            let given = answers.remove(&row.id).unwrap_or_default();
            let matches = word.is_empty()
                || open.iter().any(|q| {
                    given
                        .get(&q.id)
                        .and_then(Value::as_str)
                        .is_some_and(|text| !terms::find(survey.language(), word, text).is_empty())
                });
            if !matches {
                continue;
            }
            cards.push(card(t, survey, row, &given, word));
            if cards.len() == PER_PAGE {
                // The last card of the last response has no next page.
                let last = exhausted && rows.last().is_some_and(|r| r.id == row.id);
                let next = if last { None } else { cursor_text(&cursor) };
                return Ok(Page {
                    cards,
                    next,
                    scanned_out: false,
                });
            }
        }
        if exhausted {
            return Ok(Page {
                cards,
                next: None,
                scanned_out: false,
            });
        }
        if scanned >= SCAN {
            return Ok(Page {
                cards,
                next: cursor_text(&cursor),
                scanned_out: true,
            });
        }
    }
}

fn cursor_text(cursor: &Option<(NaiveDateTime, String)>) -> Option<String> {
    cursor
        .as_ref()
        .map(|(at, id)| crate::web::paging::encode(*at, id))
}

fn card(
    t: &StaffCatalog,
    survey: &Survey,
    row: &responses::ResponseRow,
    given: &Map<String, Value>,
    word: &str,
) -> ResponseCard {
    let answers = survey
        .questions()
        .iter()
        .filter_map(|q| {
            Some(answer_card(
                t,
                survey.language(),
                q,
                given.get(&q.id)?,
                word,
            ))
        })
        .collect();
    ResponseCard {
        id: row.id.clone(),
        submitted_at: rfc3339(row.submitted_at),
        submitted_label: crate::web::to_the_minute(row.submitted_at),
        channel: match super::segment::channel_name(&row.channel) {
            "personal" => "responses.through_personal",
            "open" => "responses.through_open",
            _ => "responses.through_api",
        },
        score: row
            .score
            .as_deref()
            .and_then(|s| serde_json::from_str::<crate::survey::score::Score>(s).ok())
            .map(|s| {
                let band = t
                    .get(&format!("responses.band_{}", s.band.code()))
                    .to_string();
                format!("{} ({band})", t.decimal(s.total, 2))
            }),
        answers,
    }
}

fn answer_card(
    t: &StaffCatalog,
    language: &str,
    question: &Question,
    value: &Value,
    word: &str,
) -> AnswerCard {
    let mut card = AnswerCard {
        prompt: question.prompt.clone(),
        lines: Vec::new(),
        pieces: Vec::new(),
        grid: Vec::new(),
    };
    let scalar = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => t.get("responses.dont_know").to_string(),
        other => other.to_string(),
    };
    match (&question.kind, value) {
        (Kind::Text { .. } | Kind::LongText { .. }, Value::String(text)) => {
            card.pieces = pieces(
                text,
                if word.is_empty() {
                    Vec::new()
                } else {
                    terms::find(language, word, text)
                },
            );
        }
        (
            Kind::Competitor {
                brands, attributes, ..
            },
            Value::Object(grid),
        ) => {
            card.grid = brands
                .iter()
                .enumerate()
                .map(|(i, brand)| GridRow {
                    brand: brand.clone(),
                    ours: i == 0,
                    cells: attributes
                        .iter()
                        .map(|a| {
                            let score = grid
                                .get(brand)
                                .and_then(|b| b.get(a))
                                .unwrap_or(&Value::Null);
                            format!("{a}: {}", scalar(score))
                        })
                        .collect(),
                })
                .collect();
        }
        (Kind::Ranking { .. }, Value::Array(items)) => {
            card.lines = items
                .iter()
                .enumerate()
                .map(|(i, v)| format!("{}. {}", i + 1, scalar(v)))
                .collect();
        }
        (_, Value::Array(items)) => {
            card.lines = vec![items.iter().map(scalar).collect::<Vec<_>>().join(", ")]
        }
        (_, other) => card.lines = vec![scalar(other)],
    }
    card
}

/// `text` cut into plain and marked pieces at `ranges` (sorted, not overlapping).
fn pieces(text: &str, ranges: Vec<std::ops::Range<usize>>) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut at = 0;
    for range in ranges {
        if range.start < at
            || range.end > text.len()
            || !text.is_char_boundary(range.start)
            || !text.is_char_boundary(range.end)
        {
            continue;
        }
        if range.start > at {
            pieces.push(Piece {
                text: text[at..range.start].to_string(),
                mark: false,
            });
        }
        pieces.push(Piece {
            text: text[range.clone()].to_string(),
            mark: true,
        });
        at = range.end;
    }
    if at < text.len() {
        pieces.push(Piece {
            text: text[at..].to_string(),
            mark: false,
        });
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_mark_the_ranges_and_keep_every_character() {
        let text = "Zoë liked the deliveries; delivery was fast";
        let at = |word: &str| {
            let start = text.find(word).unwrap_or_default();
            start..start + word.len()
        };
        let found = pieces(text, vec![at("deliveries"), at("delivery ")]);
        assert_eq!(
            found.iter().map(|p| p.text.as_str()).collect::<String>(),
            text
        );
        let marked: Vec<&str> = found
            .iter()
            .filter(|p| p.mark)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(marked, ["deliveries", "delivery "]);
        let beyond = std::iter::once(5..9).collect();
        assert_eq!(pieces("abc", beyond).len(), 1);
    }
}
