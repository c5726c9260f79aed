//! Tags and their links as stored, and the queries behind the tag list, a thing's tags, a
//! question's tag counts and the problems ranking. Only this room writes these tables.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{tag_links, tags};
use crate::error::Result;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = tags)]
pub struct TagRow {
    pub id: String,
    pub name: String,
    pub name_key: String,
    pub description: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = tag_links)]
pub struct LinkRow {
    pub tag_id: String,
    pub kind: String,
    pub target: String,
    pub question_id: String,
    pub survey_id: Option<String>,
    pub happened_at: NaiveDateTime,
    pub linked_at: NaiveDateTime,
}

/// The key a tag's name is unique under: trimmed and lower-cased.
pub fn key_of(name: &str) -> String {
    name.trim().to_lowercase()
}

pub fn insert_tag(conn: &mut DbConn, row: &TagRow) -> Result<()> {
    diesel::insert_into(tags::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find_by_name(conn: &mut DbConn, name: &str) -> Result<Option<TagRow>> {
    Ok(tags::table
        .filter(tags::name_key.eq(key_of(name)))
        .select(TagRow::as_select())
        .get_result(conn)
        .optional()?)
}

pub fn rename(conn: &mut DbConn, id: &str, name: &str, description: Option<&str>) -> Result<()> {
    diesel::update(tags::table.find(id))
        .set((
            tags::name.eq(name),
            tags::name_key.eq(key_of(name)),
            tags::description.eq(description),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn delete_tag(conn: &mut DbConn, id: &str) -> Result<()> {
    diesel::delete(tag_links::table.filter(tag_links::tag_id.eq(id))).execute(conn)?;
    diesel::delete(tags::table.find(id)).execute(conn)?;
    Ok(())
}

/// Every tag with how many things it tags, by name.
pub fn tags_with_uses(conn: &mut DbConn) -> Result<Vec<(TagRow, i64)>> {
    let tags: Vec<TagRow> = tags::table
        .order(tags::name_key.asc())
        .select(TagRow::as_select())
        .load(conn)?;
    let counts: Vec<(String, i64)> = tag_links::table
        .group_by(tag_links::tag_id)
        .select((tag_links::tag_id, diesel::dsl::count_star()))
        .load(conn)?;
    let counts: std::collections::HashMap<String, i64> = counts.into_iter().collect();
    Ok(tags
        .into_iter()
        .map(|t| {
            let uses = counts.get(&t.id).copied().unwrap_or(0);
            (t, uses)
        })
        .collect())
}

/// Links a tag; a link that exists already is left as it is (linking twice counts once).
pub fn link(conn: &mut DbConn, row: &LinkRow) -> Result<()> {
    // ON CONFLICT is per backend in Diesel's multi-connection.
    macro_rules! insert {
        ($c:expr) => {
            diesel::insert_into(tag_links::table)
                .values(row)
                .on_conflict_do_nothing()
                .execute($c)
        };
    }
    match conn {
        #[cfg(feature = "sqlite")]
        DbConn::Sqlite(c) => insert!(c)?,
        #[cfg(feature = "postgres")]
        DbConn::Postgres(c) => insert!(c)?,
    };
    Ok(())
}

pub fn unlink(
    conn: &mut DbConn,
    tag_id: &str,
    kind: &str,
    target: &str,
    question: &str,
) -> Result<()> {
    diesel::delete(
        tag_links::table
            .filter(tag_links::tag_id.eq(tag_id))
            .filter(tag_links::kind.eq(kind))
            .filter(tag_links::target.eq(target))
            .filter(tag_links::question_id.eq(question)),
    )
    .execute(conn)?;
    Ok(())
}

/// Moves every link of `from` to `into` (a thing tagged with both keeps one link), then
/// deletes `from`.
pub fn merge(conn: &mut DbConn, from: &str, into: &str) -> Result<()> {
    let links: Vec<LinkRow> = tag_links::table
        .filter(tag_links::tag_id.eq(from))
        .select(LinkRow::as_select())
        .load(conn)?;
    for mut row in links {
        row.tag_id = into.to_string();
        link(conn, &row)?;
    }
    delete_tag(conn, from)
}

/// The names of the tags on one thing, by name.
pub fn names_on(
    conn: &mut DbConn,
    kind: &str,
    target: &str,
    question: &str,
) -> Result<Vec<String>> {
    Ok(tag_links::table
        .inner_join(tags::table)
        .filter(tag_links::kind.eq(kind))
        .filter(tag_links::target.eq(target))
        .filter(tag_links::question_id.eq(question))
        .order(tags::name_key.asc())
        .select(tags::name)
        .load(conn)?)
}

/// How many answers to a question each tag has, most first.
pub fn counts_for_question(
    conn: &mut DbConn,
    survey_id: &str,
    question_id: &str,
) -> Result<Vec<(String, i64)>> {
    let mut counts: Vec<(String, i64)> = tag_links::table
        .inner_join(tags::table)
        .filter(tag_links::survey_id.eq(survey_id))
        .filter(tag_links::question_id.eq(question_id))
        .group_by(tags::name)
        .select((tags::name, diesel::dsl::count_star()))
        .load(conn)?;
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(counts)
}

/// How many answers to a question have at least one tag.
pub fn answers_tagged(conn: &mut DbConn, survey_id: &str, question_id: &str) -> Result<i64> {
    let answers: Vec<String> = tag_links::table
        .filter(tag_links::survey_id.eq(survey_id))
        .filter(tag_links::question_id.eq(question_id))
        .select(tag_links::target)
        .distinct()
        .load(conn)?;
    Ok(answers.len() as i64)
}

/// The responses of a survey with an answer tagged with the tag named `name`.
pub fn answers_tagged_with(conn: &mut DbConn, survey_id: &str, name: &str) -> Result<Vec<String>> {
    Ok(tag_links::table
        .inner_join(tags::table)
        .filter(tags::name_key.eq(key_of(name)))
        .filter(tag_links::kind.eq("answer"))
        .filter(tag_links::survey_id.eq(survey_id))
        .select(tag_links::target)
        .distinct()
        .load(conn)?)
}

/// Every link made within the period, with its tag's name, for the problems ranking.
pub fn links_between(
    conn: &mut DbConn,
    from: Option<NaiveDateTime>,
    to: Option<NaiveDateTime>,
) -> Result<Vec<(String, LinkRow)>> {
    let mut query = tag_links::table
        .inner_join(tags::table)
        .select((tags::name, LinkRow::as_select()))
        .into_boxed();
    if let Some(from) = from {
        query = query.filter(tag_links::happened_at.ge(from));
    }
    if let Some(to) = to {
        query = query.filter(tag_links::happened_at.lt(to));
    }
    Ok(query.load(conn)?)
}

/// Forgets every link to a thing that is gone.
pub fn forget_target(conn: &mut DbConn, kind: &str, target: &str) -> Result<()> {
    diesel::delete(
        tag_links::table
            .filter(tag_links::kind.eq(kind))
            .filter(tag_links::target.eq(target)),
    )
    .execute(conn)?;
    Ok(())
}
