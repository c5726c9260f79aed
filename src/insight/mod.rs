//! Themes shared by every source: tags on survey answers, focus-group notes and complaints,
//! with rename, merge and delete, and the problems ranking that puts every source side by side.
//! What was said, by whom (which audience) and when comes from the rooms that keep it, through
//! [`Sources`], which `build` installs; this room knows none of them.

pub mod api;
pub mod model;
pub mod pages;
pub mod problems;

use std::sync::OnceLock;

use chrono::NaiveDateTime;
use rocket::{Build, Rocket};

use self::model::{LinkRow, TagRow};
use crate::auth::Role;
use crate::auth::model::User;
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::survey::audience::Audience;
use crate::web::text::{self, Lines};

pub fn mount(rocket: Rocket<Build>) -> Rocket<Build> {
    rocket
        .mount("/api/v1", api::routes())
        .mount("/", pages::routes())
}

/// One thing a tag can be put on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Answer {
        response_id: String,
        question_id: String,
    },
    Note(String),
    Complaint(String),
}

impl Target {
    fn kind(&self) -> &'static str {
        match self {
            Target::Answer { .. } => "answer",
            Target::Note(_) => "note",
            Target::Complaint(_) => "complaint",
        }
    }

    /// (target, question) as stored.
    fn stored(&self) -> (&str, &str) {
        match self {
            Target::Answer {
                response_id,
                question_id,
            } => (response_id, question_id),
            Target::Note(id) | Target::Complaint(id) => (id, ""),
        }
    }
}

/// What was said, as the room that keeps it tells.
#[derive(Debug, Clone)]
pub struct Said {
    /// The survey of an answer.
    pub survey_id: Option<String>,
    pub audience: Audience,
    pub at: NaiveDateTime,
    pub text: String,
    /// A note that is a participant's own words.
    pub quote: bool,
    /// Where it was said (the survey, the focus group, the complaint's category), and the
    /// staff page that shows it.
    pub place: Option<Place>,
}

/// The page that shows a thing said, and the name of what it was said in (a survey's or focus
/// group's title, a complaint's category).
#[derive(Debug, Clone)]
pub struct Place {
    pub name: String,
    pub href: String,
}

/// The rooms that keep what people said: answers, notes, complaints.
pub trait Sources: Send + Sync {
    fn said(&self, conn: &mut DbConn, target: &Target) -> Result<Option<Said>>;
    /// Whose voice a survey's answers are.
    fn survey_audience(&self, conn: &mut DbConn, survey_id: &str) -> Result<Audience>;
}

static SOURCES: OnceLock<&'static dyn Sources> = OnceLock::new();

/// Installs the sources; the first call wins (every caller installs the same ones).
pub fn install(sources: &'static dyn Sources) {
    let _ = SOURCES.set(sources);
}

fn sources() -> &'static dyn Sources {
    SOURCES.get().copied().unwrap_or(&Nothing)
}

struct Nothing;

impl Sources for Nothing {
    fn said(&self, _: &mut DbConn, _: &Target) -> Result<Option<Said>> {
        Ok(None)
    }
    fn survey_audience(&self, _: &mut DbConn, _: &str) -> Result<Audience> {
        Ok(Audience::default())
    }
}

/// The longest tag name.
pub const MAX_NAME: usize = 60;

/// A tag name as typed, checked: 1 to 60 characters on one line.
pub fn check_name(field: &str, name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid(field, "is required"));
    }
    if name.chars().count() > MAX_NAME {
        return Err(Error::invalid(
            field,
            format!("must be at most {MAX_NAME} characters"),
        ));
    }
    text::check(field, name, Lines::One)?;
    if name.contains(',') {
        // Forms take several tags in one field, separated by commas.
        return Err(Error::invalid(field, "must not contain a comma"));
    }
    Ok(name.to_string())
}

/// Tag changes take turns on PostgreSQL (SQLite writers always do): a tag is never deleted or
/// merged away while another request links it, and one name is never made twice at once.
fn one_at_a_time(conn: &mut DbConn) -> Result<()> {
    db::exclusive(conn, "insight:tags")
}

fn check_description(description: Option<&str>) -> Result<Option<String>> {
    let Some(d) = description.map(str::trim).filter(|d| !d.is_empty()) else {
        return Ok(None);
    };
    if d.chars().count() > 500 {
        return Err(Error::invalid(
            "description",
            "must be at most 500 characters",
        ));
    }
    text::check("description", d, Lines::Many)?;
    Ok(Some(d.to_string()))
}

/// Creates a tag; a name in use (whatever its case) is a 409.
pub fn create(conn: &mut DbConn, name: &str, description: Option<&str>) -> Result<TagRow> {
    let name = check_name("name", name)?;
    let description = check_description(description)?;
    db::write(conn, |conn| {
        one_at_a_time(conn)?;
        if model::find_by_name(conn, &name)?.is_some() {
            return Err(Error::conflict("tag_exists", "a tag with this name exists"));
        }
        let row = TagRow {
            id: crate::ids::new_id(),
            name_key: model::key_of(&name),
            name: name.clone(),
            description: description.clone(),
            created_at: db::now(),
        };
        model::insert_tag(conn, &row)?;
        Ok(row)
    })
}

fn existing(conn: &mut DbConn, name: &str) -> Result<TagRow> {
    model::find_by_name(conn, name)?.ok_or(Error::NotFound)
}

/// Renames a tag (and sets its description); the new name must be free.
pub fn rename(
    conn: &mut DbConn,
    name: &str,
    new_name: Option<&str>,
    description: Option<&str>,
) -> Result<TagRow> {
    let new_name = new_name.map(|n| check_name("name", n)).transpose()?;
    let description = check_description(description)?;
    db::write(conn, |conn| {
        one_at_a_time(conn)?;
        let mut tag = existing(conn, name)?;
        if let Some(new_name) = &new_name {
            if let Some(other) = model::find_by_name(conn, new_name)?
                && other.id != tag.id
            {
                return Err(Error::conflict("tag_exists", "a tag with this name exists"));
            }
            tag.name = new_name.clone();
        }
        if description.is_some() {
            tag.description = description.clone();
        }
        model::rename(conn, &tag.id, &tag.name, tag.description.as_deref())?;
        Ok(tag)
    })
}

/// Merges `name` into `into`: everything tagged with the first is tagged with the second, once.
pub fn merge(conn: &mut DbConn, name: &str, into: &str) -> Result<TagRow> {
    db::write(conn, |conn| {
        one_at_a_time(conn)?;
        let from = existing(conn, name)?;
        let into = model::find_by_name(conn, into)?
            .ok_or_else(|| Error::invalid("into", "no tag has this name"))?;
        if from.id == into.id {
            return Err(Error::invalid("into", "is the tag being merged"));
        }
        model::merge(conn, &from.id, &into.id)?;
        Ok(into)
    })
}

pub fn delete(conn: &mut DbConn, name: &str) -> Result<()> {
    db::write(conn, |conn| {
        one_at_a_time(conn)?;
        let tag = existing(conn, name)?;
        model::delete_tag(conn, &tag.id)
    })
}

fn link_row(tag: &TagRow, target: &Target, said: &Said, now: NaiveDateTime) -> LinkRow {
    let (stored, question) = target.stored();
    LinkRow {
        tag_id: tag.id.clone(),
        kind: target.kind().to_string(),
        target: stored.to_string(),
        question_id: question.to_string(),
        survey_id: said.survey_id.clone(),
        happened_at: said.at,
        linked_at: now,
    }
}

/// What `target` said; a target that does not exist is a 404, whatever its kind, as an answer
/// the user may not see is.
fn said_of(conn: &mut DbConn, target: &Target) -> Result<Said> {
    sources().said(conn, target)?.ok_or(Error::NotFound)
}

/// Whether `user` may tag `target`: complaints and notes are changed by designers (and
/// admins) only; an answer only in a survey the user may see. An answer in another owner's
/// survey is a 404, as the API's ownership rule has it, and so is one that does not exist, so
/// the answer does not tell which.
fn may_tag(conn: &mut DbConn, user: &User, target: &Target) -> Result<()> {
    match target {
        Target::Complaint(_) | Target::Note(_) => user.role().require(&[Role::Designer]),
        Target::Answer { .. } => {
            let Some(survey) = sources().said(conn, target)?.and_then(|s| s.survey_id) else {
                return Err(Error::NotFound);
            };
            crate::survey::editing::visible_to(conn, user, &survey).map(|_| ())
        }
    }
}

/// Links the tag `name` to `target` for `user` (linking twice counts once); `unlink` takes it
/// off.
pub fn link(
    conn: &mut DbConn,
    user: &User,
    name: &str,
    target: &Target,
    unlink: bool,
) -> Result<()> {
    db::write(conn, |conn| {
        one_at_a_time(conn)?;
        let tag = existing(conn, name)?;
        if unlink {
            match target {
                Target::Complaint(_) | Target::Note(_) => {
                    user.role().require(&[Role::Designer])?;
                }
                // Taking a tag off is as private as putting it on.
                Target::Answer { .. } => may_tag(conn, user, target)?,
            }
            let (stored, question) = target.stored();
            return model::unlink(conn, &tag.id, target.kind(), stored, question);
        }
        may_tag(conn, user, target)?;
        let said = said_of(conn, target)?;
        model::link(conn, &link_row(&tag, target, &said, db::now()))
    })
}

/// Checks tag names given with a complaint or a note, or typed on the coding page: each one
/// checked, duplicates (whatever their case) once.
pub fn check_names(field: &str, names: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let name = check_name(&format!("{field}[{i}]"), name)?;
        if !out.iter().any(|n| model::key_of(n) == model::key_of(&name)) {
            out.push(name);
        }
    }
    if out.len() > 50 {
        return Err(Error::invalid(field, "at most 50 tags"));
    }
    Ok(out)
}

/// Makes the tags of `target` exactly `names` (already checked), creating the tags that do not
/// exist yet. Runs in the caller's transaction.
pub fn set_tags(conn: &mut DbConn, target: &Target, names: &[String]) -> Result<()> {
    one_at_a_time(conn)?;
    let (stored, question) = target.stored();
    let now = db::now();
    let current = model::names_on(conn, target.kind(), stored, question)?;
    for name in &current {
        if !names
            .iter()
            .any(|n| model::key_of(n) == model::key_of(name))
            && let Some(tag) = model::find_by_name(conn, name)?
        {
            model::unlink(conn, &tag.id, target.kind(), stored, question)?;
        }
    }
    if names.is_empty() {
        return Ok(());
    }
    let said = said_of(conn, target)?;
    for name in names {
        let tag = match model::find_by_name(conn, name)? {
            Some(tag) => tag,
            None => {
                let row = TagRow {
                    id: crate::ids::new_id(),
                    name_key: model::key_of(name),
                    name: name.clone(),
                    description: None,
                    created_at: now,
                };
                model::insert_tag(conn, &row)?;
                row
            }
        };
        model::link(conn, &link_row(&tag, target, &said, now))?;
    }
    Ok(())
}

/// The tags on one thing, by name.
pub fn tags_of(conn: &mut DbConn, target: &Target) -> Result<Vec<String>> {
    let (stored, question) = target.stored();
    model::names_on(conn, target.kind(), stored, question)
}

/// The responses of a survey with an answer tagged `tag` (whatever its case).
pub fn responses_tagged(
    conn: &mut DbConn,
    survey_id: &str,
    tag: &str,
) -> Result<std::collections::HashSet<String>> {
    Ok(model::answers_tagged_with(conn, survey_id, tag)?
        .into_iter()
        .collect())
}

/// Forgets every tag on a thing that is gone.
pub fn forget(conn: &mut DbConn, target: &Target) -> Result<()> {
    model::forget_target(conn, target.kind(), target.stored().0)
}
