//! The top-problems page: the problems most often heard across survey answers, focus-group
//! notes and complaints in a period, each with its counts per source and per audience, a few
//! examples of each source, and a way to every one of them (the responses browser narrowed to
//! the tag, the focus group's note, the complaint). Works without JavaScript; a bad date comes
//! back as a 422 with what was typed kept and the message beside the field.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use rocket::http::Status;
use rocket::{State, get, routes};
use rocket_dyn_templates::{Template, context};
use serde::Serialize;

use super::model::LinkRow;
use super::problems::{self, Ranked, target_of};
use super::sources;
use crate::auth::model::User;
use crate::auth::{Readers, Role, Staff};
use crate::db::{self, Db, DbConn};
use crate::error::{Error, Result};
use crate::i18n::staff::StaffCatalog;
use crate::web::Reply;
use crate::web::csrf::CsrfToken;

pub fn routes() -> Vec<rocket::Route> {
    routes![problems_page]
}

/// The period when none is chosen, in days up to today.
const DEFAULT_DAYS: i64 = 90;
/// Examples shown of each source before the rest.
const SHOWN: usize = 2;
/// Notes or complaints listed under one problem; more are counted, not listed.
const LISTED: usize = 100;
/// How many problems the page offers to show.
const LIMITS: [usize; 4] = [3, 5, 10, 20];

/// The form as typed, kept when it is refused.
#[derive(Debug, Default, Serialize)]
struct Form {
    from: String,
    to: String,
    limit: usize,
}

#[derive(Debug, Default, Serialize)]
struct Errors {
    from: Option<String>,
    to: Option<String>,
    limit: Option<String>,
}

/// One thing said, shown with where it was said and a link to it.
#[derive(Debug, Serialize)]
struct Item {
    text: String,
    quote: bool,
    place: String,
    href: Option<String>,
    day: String,
}

/// Answers of one survey tagged with the problem, and the browser narrowed to them.
#[derive(Debug, Serialize)]
struct SurveyLink {
    title: String,
    count: usize,
    href: String,
}

#[derive(Debug, Default, Serialize)]
struct Source {
    count: usize,
    /// The count as the member's language writes it.
    shown: String,
    examples: Vec<Item>,
    rest: Vec<Item>,
    /// What the list of the rest is called: "The other 3 complaints".
    rest_label: String,
    /// Counted but not listed (past the list's length, or in a survey the reader cannot open).
    unlisted: usize,
    surveys: Vec<SurveyLink>,
}

#[derive(Debug, Serialize)]
struct ProblemView {
    rank: usize,
    tag: String,
    total: usize,
    kinds: usize,
    /// The counts per audience as the member's language writes them.
    audiences: Audiences,
    answers: Source,
    notes: Source,
    complaints: Source,
}

#[derive(Debug, Serialize)]
struct Audiences {
    customers: String,
    employees: String,
    suppliers: String,
}

fn parse_day(
    t: &StaffCatalog,
    field: &str,
    text: &str,
) -> std::result::Result<Option<NaiveDate>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            t.format(
                "problems.not_a_date",
                &[("field", t.get(field)), ("typed", text)],
            )
        })
}

fn day_of(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%d").to_string()
}

#[get("/problems?<from>&<to>&<limit>")]
async fn problems_page(
    db: &State<Db>,
    staff: Staff<Readers>,
    csrf: CsrfToken,
    from: Option<String>,
    to: Option<String>,
    limit: Option<String>,
) -> Result<Reply> {
    let t = staff.t();
    let today = db::now().date();
    let mut errors = Errors::default();
    let mut form = Form {
        from: from.clone().unwrap_or_default(),
        to: to.clone().unwrap_or_default(),
        limit: 3,
    };
    let first = match parse_day(t, "problems.from", &form.from) {
        Ok(day) => day.unwrap_or(today - TimeDelta::days(DEFAULT_DAYS)),
        Err(message) => {
            errors.from = Some(message);
            today
        }
    };
    let last = match parse_day(t, "problems.to", &form.to) {
        Ok(day) => day.unwrap_or(today),
        Err(message) => {
            errors.to = Some(message);
            today
        }
    };
    if errors.from.is_none() && errors.to.is_none() && last < first {
        errors.to = Some(t.get("problems.to_before_from").to_string());
    }
    match limit.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        None => {}
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=LIMITS[LIMITS.len() - 1]).contains(&n) => form.limit = n,
            _ => {
                errors.limit = Some(t.format(
                    "problems.limit_range",
                    &[("max", &LIMITS[LIMITS.len() - 1].to_string())],
                ))
            }
        },
    }
    let refused = errors.from.is_some() || errors.to.is_some() || errors.limit.is_some();
    if !refused {
        form.from = day_of(first.and_time(chrono::NaiveTime::MIN));
        form.to = day_of(last.and_time(chrono::NaiveTime::MIN));
    }
    let defaulted = from.as_deref().is_none_or(|f| f.trim().is_empty())
        && to.as_deref().is_none_or(|t| t.trim().is_empty());
    let problems = if refused {
        Vec::new()
    } else {
        let user = staff.user.clone();
        let (limit, start) = (form.limit, first.and_time(chrono::NaiveTime::MIN));
        let end = (last + TimeDelta::days(1)).and_time(chrono::NaiveTime::MIN);
        let period = (form.from.clone(), form.to.clone());
        db.run(move |conn| {
            let ranked = problems::ranked(conn, &user, limit, Some(start), Some(end))?;
            views(conn, t, &user, ranked, &period)
        })
        .await?
    };
    let page = Template::render(
        "problems",
        context! {
            title: t.get("problems.title"),
            me: staff.me(),
            csrf: csrf.0,
            form: &form,
            errors: &errors,
            refused,
            defaulted,
            days: DEFAULT_DAYS,
            limits: LIMITS
                .iter()
                .map(|n| context! { value: n, selected: *n == form.limit })
                .collect::<Vec<_>>(),
            problems,
            designer: staff.user.role().require(&[Role::Designer]).is_ok(),
        },
    );
    Ok(if refused {
        Reply::Status((Status::UnprocessableEntity, page))
    } else {
        Reply::Page(page)
    })
}

/// The link of one tagged answer's responses, in the browser narrowed to the tag and period.
fn browser_href(survey: &str, tag: &str, period: &(String, String)) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("tag", tag)
        .append_pair("from", &period.0)
        .append_pair("to", &period.1)
        .finish();
    format!("/surveys/{survey}/responses?{query}")
}

/// What one link said, as an item of the page; `None` when it is gone.
fn item(conn: &mut DbConn, t: &StaffCatalog, link: &LinkRow, linked: bool) -> Result<Option<Item>> {
    let Some(said) = sources().said(conn, &target_of(link))? else {
        return Ok(None);
    };
    let (place, href) = match said.place {
        Some(place) => (place.name, linked.then_some(place.href)),
        None => (String::new(), None),
    };
    // A complaint's place is its category; the page says it is a complaint.
    let place = if link.kind == "complaint" {
        t.format("problems.complaint_place", &[("category", &place)])
    } else {
        place
    };
    Ok(Some(Item {
        text: problems::cut(&said.text),
        quote: said.quote,
        place,
        href,
        day: day_of(said.at),
    }))
}

fn views(
    conn: &mut DbConn,
    t: &StaffCatalog,
    user: &User,
    ranked: Vec<Ranked>,
    period: &(String, String),
) -> Result<Vec<ProblemView>> {
    let designer = user.role().require(&[Role::Designer]).is_ok();
    // A survey's title, or None for a survey the reader may not open.
    let mut titles: HashMap<String, Option<String>> = HashMap::new();
    let mut out = Vec::with_capacity(ranked.len());
    for (i, Ranked { problem, links }) in ranked.into_iter().enumerate() {
        let (mut answers, mut notes, mut complaints) =
            (Source::default(), Source::default(), Source::default());
        let mut per_survey: Vec<(String, usize)> = Vec::new();
        for link in &links {
            match link.kind.as_str() {
                "answer" => {
                    let Some(survey) = &link.survey_id else {
                        continue;
                    };
                    let title = match titles.get(survey) {
                        Some(title) => title.clone(),
                        None => {
                            let title = match crate::survey::editing::visible_to(conn, user, survey)
                            {
                                Ok(s) => Some(s.title().to_string()),
                                Err(Error::NotFound) => None,
                                Err(other) => return Err(other),
                            };
                            titles.insert(survey.clone(), title.clone());
                            title
                        }
                    };
                    if title.is_none() {
                        answers.unlisted += 1;
                        continue;
                    }
                    match per_survey.iter_mut().find(|(s, _)| s == survey) {
                        Some((_, n)) => *n += 1,
                        None => per_survey.push((survey.clone(), 1)),
                    }
                    if answers.examples.len() < SHOWN
                        && let Some(mut shown) = item(conn, t, link, true)?
                        && !answers.examples.iter().any(|e| e.text == shown.text)
                    {
                        shown.href = Some(format!(
                            "{}#response-{}",
                            browser_href(survey, &problem.tag, period),
                            link.target
                        ));
                        answers.examples.push(shown);
                    }
                }
                kind => {
                    let (source, linked) = if kind == "note" {
                        (&mut notes, designer)
                    } else {
                        (&mut complaints, true)
                    };
                    if source.examples.len() + source.rest.len() >= SHOWN + LISTED {
                        source.unlisted += 1;
                    } else if let Some(shown) = item(conn, t, link, linked)? {
                        if source.examples.len() < SHOWN {
                            source.examples.push(shown);
                        } else {
                            source.rest.push(shown);
                        }
                    }
                }
            }
        }
        answers.surveys = per_survey
            .into_iter()
            .map(|(survey, count)| SurveyLink {
                title: titles.get(&survey).cloned().flatten().unwrap_or_default(),
                count,
                href: browser_href(&survey, &problem.tag, period),
            })
            .collect();
        for (source, key) in [
            (&mut notes, "problems.other_notes"),
            (&mut complaints, "problems.other_complaints"),
        ] {
            source.rest_label = t.counted(key, source.rest.len() as i64);
        }
        for (source, count) in [
            (&mut answers, problem.sources.answers),
            (&mut notes, problem.sources.notes),
            (&mut complaints, problem.sources.complaints),
        ] {
            source.count = count;
            source.shown = t.number(count as i64);
        }
        let kinds = [answers.count, notes.count, complaints.count]
            .iter()
            .filter(|n| **n > 0)
            .count();
        out.push(ProblemView {
            rank: i + 1,
            tag: problem.tag,
            total: problem.total,
            kinds,
            audiences: Audiences {
                customers: t.number(problem.audiences.customers as i64),
                employees: t.number(problem.audiences.employees as i64),
                suppliers: t.number(problem.audiences.suppliers as i64),
            },
            answers,
            notes,
            complaints,
        });
    }
    Ok(out)
}
