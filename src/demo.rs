//! `hearken demo`: a published demo survey (the customer-needs template) and a scored
//! self-assessment, each with varied responses, so a new installation has something to look
//! at. Responses go through the same checks and storage as real submissions.

use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, RngExt};
use serde_json::{Map, Value};

use crate::auth::model;
use crate::auth::users::{self, NewUserInput};
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::respond::checking::{self, Origin};
use crate::respond::writer;
use crate::survey::editing::{self, SurveyInput};
use crate::survey::{Kind, Question, templates};

const OWNER: &str = "demo@hearken.example";

const OPEN_ANSWERS: &[&str] = &[
    "Answer the phone sooner; I waited twenty minutes last time.",
    "The delivery was two days late and nobody told me.",
    "Your staff in the shop were friendly and knew the products well.",
    "Make returns possible without printing a label.",
    "The website checkout asked for my address twice.",
    "Keep the opening hours on Saturday; that is when I can come.",
    "The invoice was hard to read. Show the total first.",
    "A competitor sends a text message when the parcel leaves; I liked that.",
    "My order was faulty and the replacement took a week.",
    "Nothing to add, thank you.",
];

/// A plausible answer to `question`, or `None` to leave an optional question unanswered.
fn answer(question: &Question, rng: &mut impl Rng) -> Option<Value> {
    if !question.required && rng.random_bool(0.2) {
        return None;
    }
    Some(match &question.kind {
        Kind::Text { .. } | Kind::LongText { .. } => {
            Value::String(OPEN_ANSWERS.choose(rng)?.to_string())
        }
        Kind::SingleChoice { options, .. } => Value::String(options.choose(rng)?.clone()),
        Kind::MultiChoice {
            options,
            max_choices,
        } => {
            let most = max_choices.map_or(options.len(), |m| m as usize).max(1);
            let count = rng.random_range(1..=most);
            Value::Array(
                options
                    .sample(rng, count)
                    .cloned()
                    .map(Value::String)
                    .collect(),
            )
        }
        Kind::Rating { scale } => {
            Value::from(rng.random_range(scale.min.max(scale.max - 3)..=scale.max))
        }
        Kind::Nps => Value::from(rng.random_range(4..=10)),
        Kind::Ranking { options } => {
            let mut order = options.clone();
            order.shuffle(rng);
            Value::Array(order.into_iter().map(Value::String).collect())
        }
        Kind::Competitor {
            brands,
            attributes,
            scale,
        } => {
            let mut grid = Map::new();
            for brand in brands {
                let row: Map<String, Value> = attributes
                    .iter()
                    .map(|a| {
                        let value = if rng.random_bool(0.1) {
                            Value::Null
                        } else {
                            Value::from(rng.random_range(scale.min..=scale.max))
                        };
                        (a.clone(), value)
                    })
                    .collect();
                grid.insert(brand.clone(), Value::Object(row));
            }
            Value::Object(grid)
        }
    })
}

/// Demo contacts (addresses at the reserved `example.com` domain, so no email reaches anyone):
/// the contacts page has people to search, and an invitation can be tried on them.
const CONTACTS: &str = r#"[
  {"email": "anna.oberg@example.com", "name": "Anna Öberg", "language": "sv", "attributes": {"segment": "retail"}},
  {"email": "zoe.kovacic@example.com", "name": "Zoë Kovačič", "language": "sl", "attributes": {"segment": "retail"}},
  {"email": "pieter.devries@example.com", "name": "Pieter de Vries", "language": "nl", "attributes": {"segment": "business"}},
  {"email": "marie.dubois@example.com", "name": "Marie Dubois", "language": "fr", "attributes": {"segment": "business"}},
  {"email": "jonas.keller@example.com", "name": "Jonas Keller", "language": "de", "attributes": {"segment": "retail"}},
  {"email": "thandi.nkosi@example.com", "name": "Thandi Nkosi", "language": "af", "attributes": {"segment": "retail"}},
  {"email": "jana.novakova@example.com", "name": "Jana Nováková", "language": "sk", "attributes": {"segment": "business"}},
  {"email": "sam.taylor@example.com", "name": "Sam Taylor", "language": "en", "attributes": {"segment": "retail"}}
]"#;

/// A demo survey after a run: made now, or found from an earlier run and left as it was.
pub enum Loaded {
    Made(String),
    AlreadyThere(String),
}

/// The template's competitor stand-ins ("[Competitor 1]") given made-up names, as a designer
/// would before publishing, so the demo shows what a finished grid looks like.
fn named_competitors(mut content: crate::survey::SurveyContent) -> crate::survey::SurveyContent {
    const NAMES: [&str; 3] = ["ShopCo", "BuyMart", "QuickCart"];
    for question in &mut content.questions {
        if let Kind::Competitor { brands, .. } = &mut question.kind {
            let mut names = NAMES.iter();
            for brand in brands.iter_mut().filter(|b| b.starts_with('[')) {
                if let Some(name) = names.next() {
                    *brand = (*name).to_string();
                }
            }
        }
    }
    content
}

/// Loads the demo data; a survey an earlier run made is left as it is, so running it again
/// makes no duplicates.
pub fn load(db: &Db, settings: &crate::Settings, responses_each: usize) -> Result<Vec<Loaded>> {
    let mut conn = db.conn()?;
    use crate::contact::import;
    import::import(&mut conn, import::Format::Json, CONTACTS.as_bytes())?;
    let owner = match model::find_user_by_email(&mut conn, OWNER)? {
        Some(user) => user,
        None => {
            // Nobody signs in as the demo owner: its password is random and thrown away.
            let input = NewUserInput::check(
                OWNER,
                "Demo designer",
                "designer",
                &crate::ids::new_secret(),
            )?;
            let hash = crate::auth::password::hash(&crate::ids::new_secret())?;
            db::write(&mut conn, |conn| users::create(conn, &input, &hash))?
        }
    };
    let mut made = Vec::new();
    for (template, title) in [
        ("customer-needs", "Demo: what our customers need"),
        ("self-assessment", "Demo: customer-service self-assessment"),
    ] {
        if let Some(id) = editing::owned_with_title(&mut conn, &owner, title)? {
            made.push(Loaded::AlreadyThere(id));
            continue;
        }
        let base = named_competitors(templates::build(template).ok_or(Error::NotFound)?);
        let input = SurveyInput {
            title: Some(title.to_string()),
            ..SurveyInput::default()
        };
        let survey = editing::create(&mut conn, &owner, Some(base), input)?;
        let survey = editing::publish(&mut conn, &owner, survey.id())?;
        let mut rng = rand::rng();
        for _ in 0..responses_each {
            let given: Map<String, Value> = survey
                .questions()
                .iter()
                .filter_map(|q| answer(q, &mut rng).map(|a| (q.id.clone(), a)))
                .collect();
            let checked = checking::check(&survey, &given);
            if let Some((question, problem)) = checked.problems.first() {
                return Err(Error::invalid(format!("answers.{question}"), problem.key()));
            }
            let origin = Origin {
                channel: "api",
                submission_key: crate::ids::new_id(),
                invitation_id: None,
                contact_id: None,
            };
            let submission = checking::submission(&survey, &checked.answers, origin)?;
            db::write(&mut conn, |conn| writer::store(conn, settings, &submission))?;
        }
        made.push(Loaded::Made(survey.id().to_string()));
    }
    Ok(made)
}
