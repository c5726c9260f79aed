//! `hearken demo`: a bicycle shop's customer survey in English, Dutch and Swedish and a scored
//! customer-service self-assessment, all published with responses, a focus group with its notes
//! and quotes, and twenty complaints from the last two months, all tagged with shared themes, so
//! a new installation has something to look at and to show, the top problems included.
//! Responses go through the same checks and storage as real submissions; they are drawn from a
//! fixed seed, so every installation gets the same figures.

mod crowd;
mod listening;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::Deserialize;
use serde_json::Map;

use crate::auth::model::{self, User};
use crate::auth::users::{self, NewUserInput};
use crate::db::{self, Db, DbConn};
use crate::error::{Error, Result};
use crate::insight;
use crate::respond::checking::{self, Origin};
use crate::respond::writer::{self, Stored};
use crate::survey::editing::{self, SurveyInput};
use crate::survey::templates;

pub use self::crowd::{Mood, Topic, Topics};

const OWNER: &str = "demo@hearken.example";

/// A customer survey with what its respondents write: the survey as the API takes it, and per
/// open question the topics its answers are drawn from. One file a language, so the words can
/// be changed without touching code.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    pub survey: SurveyInput,
    pub answers: Topics,
}

/// The customer surveys (the same questions in three languages), and how many answer each.
const SCRIPTS: [(&str, usize); 3] = [
    (include_str!("surveys/en.json"), 120),
    (include_str!("surveys/nl.json"), 100),
    (include_str!("surveys/sv.json"), 100),
];
const SELF_ASSESSMENT_TITLE: &str = "Demo: customer-service self-assessment";
const SELF_ASSESSMENTS: usize = 40;

/// Every demo customer survey's script, in the order they are loaded.
pub fn scripts() -> Result<Vec<Script>> {
    SCRIPTS
        .iter()
        .map(|(text, _)| serde_json::from_str(text).map_err(Error::internal))
        .collect()
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

/// Loads the demo data; a survey an earlier run made is left as it is, so running it again
/// makes no duplicates.
pub fn load(db: &Db, settings: &crate::Settings) -> Result<Vec<Loaded>> {
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
    let mut loaded = Vec::new();
    for (seed, (script, (_, responses))) in scripts()?.into_iter().zip(SCRIPTS).enumerate() {
        let title = script.survey.title.clone().unwrap_or_default();
        if let Some(id) = editing::owned_with_title(&mut conn, &owner, &title)? {
            loaded.push(Loaded::AlreadyThere(id));
            continue;
        }
        let survey = editing::create(&mut conn, &owner, None, script.survey)?;
        let id = answer(
            &mut conn,
            settings,
            &owner,
            survey.id(),
            &script.answers,
            (seed, responses),
        )?;
        loaded.push(Loaded::Made(id));
    }
    if let Some(id) = editing::owned_with_title(&mut conn, &owner, SELF_ASSESSMENT_TITLE)? {
        loaded.push(Loaded::AlreadyThere(id));
    } else {
        let base = templates::build("self-assessment").ok_or(Error::NotFound)?;
        let input = SurveyInput {
            title: Some(SELF_ASSESSMENT_TITLE.to_string()),
            ..SurveyInput::default()
        };
        let survey = editing::create(&mut conn, &owner, Some(base), input)?;
        let seed = (SCRIPTS.len(), SELF_ASSESSMENTS);
        let id = answer(
            &mut conn,
            settings,
            &owner,
            survey.id(),
            &self_assessment_topics()?,
            seed,
        )?;
        loaded.push(Loaded::Made(id));
    }
    install_rooms();
    listening::focus_group(&mut conn, settings, &owner)?;
    listening::complaints(&mut conn, &owner)?;
    Ok(loaded)
}

/// Tagging asks the rooms what was said; the server installs them when it starts, this
/// command does so here.
fn install_rooms() {
    static ROOMS: crate::listening::Rooms = crate::listening::Rooms;
    insight::install(&ROOMS);
}

/// What the self-assessment's respondents write in its one open question.
fn self_assessment_topics() -> Result<Topics> {
    serde_json::from_str(include_str!("surveys/self_assessment.json")).map_err(Error::internal)
}

/// Publishes the survey and stores `count` responses drawn from `seed`; returns its id.
fn answer(
    conn: &mut DbConn,
    settings: &crate::Settings,
    owner: &User,
    id: &str,
    topics: &Topics,
    (seed, count): (usize, usize),
) -> Result<String> {
    let survey = editing::publish(conn, owner, id)?;
    let mut sections: Vec<String> = Vec::new();
    for section in survey.questions().iter().filter_map(|q| q.section.clone()) {
        if !sections.contains(&section) {
            sections.push(section);
        }
    }
    let plan = crowd::Plan { topics, sections };
    let mut rng = StdRng::seed_from_u64(seed as u64);
    let mut coded = Vec::new();
    for _ in 0..count {
        let who = crowd::Respondent::draw(&mut rng);
        let mut given = Map::new();
        let mut themes = Vec::new();
        for question in survey.questions() {
            if let Some(answer) = plan.answer(question, &who, &mut rng) {
                given.insert(question.id.clone(), answer.value);
                // The analyst has coded most answers so far, not all of them.
                if let Some(theme) = answer.theme.filter(|_| rng.random_bool(0.8)) {
                    themes.push((question.id.clone(), theme));
                }
            }
        }
        let checked = checking::check(&survey, &given);
        if let Some((question, problem)) = checked.problems.first() {
            return Err(Error::invalid(format!("answers.{question}"), problem.key()));
        }
        let origin = Origin {
            channel: who.channel(),
            submission_key: crate::ids::new_id(),
            invitation_id: None,
            contact_id: None,
        };
        let submission = checking::submission(&survey, &checked.answers, origin)?;
        if let Stored::New(response_id) =
            db::write(conn, |conn| writer::store(conn, settings, &submission))?
        {
            coded.extend(
                themes
                    .into_iter()
                    .map(|(q, theme)| (response_id.clone(), q, theme)),
            );
        }
    }
    code(conn, coded)?;
    Ok(survey.id().to_string())
}

/// Codes open answers with their themes, as an analyst on the coding page would.
fn code(conn: &mut DbConn, coded: Vec<(String, String, String)>) -> Result<()> {
    install_rooms();
    db::write(conn, |conn| {
        for (response_id, question_id, theme) in &coded {
            let target = insight::Target::Answer {
                response_id: response_id.clone(),
                question_id: question_id.clone(),
            };
            insight::set_tags(conn, &target, std::slice::from_ref(theme))?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;
    use crate::survey::Question;

    fn questions(script: &Script) -> Vec<Question> {
        let inputs = script.survey.questions.clone().unwrap_or_default();
        inputs
            .into_iter()
            .enumerate()
            .map(|(i, q)| {
                q.validate(&format!("questions[{i}]"))
                    .expect("a valid question")
            })
            .collect()
    }

    #[test]
    fn every_open_question_has_its_own_varied_answers_for_every_mood() {
        for script in scripts().expect("the scripts parse") {
            let language = script.survey.language.clone().unwrap_or_default();
            let mut said_under: HashMap<String, &str> = HashMap::new();
            let questions = questions(&script);
            for question in questions.iter().filter(|q| q.kind.is_open()) {
                let topics = &script.answers[&question.id];
                for mood in Mood::ALL {
                    assert!(
                        topics
                            .iter()
                            .any(|t| t.moods.is_empty() || t.moods.contains(&mood)),
                        "{language} {}: nothing for {mood:?}",
                        question.id
                    );
                }
                let answers: HashSet<String> =
                    topics.iter().flat_map(Topic::every_answer).collect();
                assert!(
                    answers.len() >= 30,
                    "{language} {}: {}",
                    question.id,
                    answers.len()
                );
                for answer in answers {
                    if let Some(other) = said_under.insert(answer.clone(), &question.id) {
                        panic!(
                            "{language}: “{answer}” answers both {other} and {}",
                            question.id
                        );
                    }
                }
            }
            for id in script.answers.keys() {
                assert!(
                    questions.iter().any(|q| &q.id == id && q.kind.is_open()),
                    "{language}: answers for {id}, which is no open question"
                );
            }
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_answers_and_every_answer_passes_its_check() {
        let draw = |script: &Script| {
            let plan = crowd::Plan {
                topics: &script.answers,
                sections: Vec::new(),
            };
            let mut rng = StdRng::seed_from_u64(3);
            let questions = questions(script);
            let mut out = Vec::new();
            for _ in 0..200 {
                let who = crowd::Respondent::draw(&mut rng);
                for question in &questions {
                    if let Some(answer) = plan.answer(question, &who, &mut rng) {
                        let checked = question.check_answer(Some(&answer.value));
                        assert!(
                            matches!(checked, Ok(Some(_))),
                            "{}: {:?}",
                            question.id,
                            answer.value
                        );
                        out.push(answer.value);
                    }
                }
            }
            out
        };
        for script in scripts().expect("the scripts parse") {
            assert_eq!(draw(&script), draw(&script));
        }
    }
}
