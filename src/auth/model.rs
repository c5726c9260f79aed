//! Staff users, sessions, API tokens, failed-login records and setup tokens as stored. Secrets
//! (session and API tokens, setup links) are stored only as digests.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Role;
use crate::db::DbConn;
use crate::db::schema::{api_tokens, auth_failures, sessions, setup_tokens, users};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: String,
    pub active: bool,
    pub credential_version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The staff-page language the user chose; `None` follows the browser.
    pub language: Option<String>,
}

impl User {
    /// The stored role; a value the code does not know grants nothing beyond analyst reads.
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Analyst)
    }
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub id: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub password_hash: &'a str,
    pub active: bool,
    pub credential_version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_user(conn: &mut DbConn, user: &NewUser<'_>) -> Result<()> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)?;
    Ok(())
}

pub fn user_count(conn: &mut DbConn) -> Result<i64> {
    Ok(users::table.count().get_result(conn)?)
}

pub fn find_user(conn: &mut DbConn, id: &str) -> Result<Option<User>> {
    Ok(users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

/// Emails are stored lower-cased, so this lookup is case-insensitive.
pub fn find_user_by_email(conn: &mut DbConn, email: &str) -> Result<Option<User>> {
    Ok(users::table
        .filter(users::email.eq(email.trim().to_lowercase()))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

pub fn list_users(conn: &mut DbConn) -> Result<Vec<User>> {
    Ok(users::table
        .order((users::created_at.asc(), users::id.asc()))
        .select(User::as_select())
        .load(conn)?)
}

#[derive(AsChangeset, Default)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub name: Option<String>,
    pub role: Option<String>,
    pub active: Option<bool>,
    pub password_hash: Option<String>,
    pub credential_version: Option<i32>,
    pub updated_at: Option<NaiveDateTime>,
    /// `Some(None)` clears the choice, so the browser decides again.
    pub language: Option<Option<String>>,
}

pub fn update_user(conn: &mut DbConn, id: &str, changes: &UserChanges) -> Result<()> {
    let updated = diesel::update(users::table.find(id))
        .set(changes)
        .execute(conn)?;
    if updated == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub token_hash: String,
    pub user_id: String,
    pub credential_version: i32,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
}

pub fn insert_session(conn: &mut DbConn, session: &Session) -> Result<()> {
    diesel::insert_into(sessions::table)
        .values(session)
        .execute(conn)?;
    Ok(())
}

pub fn find_session(conn: &mut DbConn, token_hash: &str) -> Result<Option<(Session, User)>> {
    Ok(sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(token_hash))
        .select((Session::as_select(), User::as_select()))
        .first(conn)
        .optional()?)
}

pub fn touch_session(conn: &mut DbConn, token_hash: &str, at: NaiveDateTime) -> Result<()> {
    diesel::update(sessions::table.find(token_hash))
        .set(sessions::last_seen_at.eq(at))
        .execute(conn)?;
    Ok(())
}

pub fn delete_session(conn: &mut DbConn, token_hash: &str) -> Result<()> {
    diesel::delete(sessions::table.find(token_hash)).execute(conn)?;
    Ok(())
}

/// Ends every session of a user (password change, deactivation).
pub fn delete_sessions_of(conn: &mut DbConn, user_id: &str) -> Result<()> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: String,
    pub user_id: String,
    pub token_hash: String,
    pub label: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_api_token(conn: &mut DbConn, token: &ApiToken) -> Result<()> {
    diesel::insert_into(api_tokens::table)
        .values(token)
        .execute(conn)?;
    Ok(())
}

pub fn find_api_token(conn: &mut DbConn, token_hash: &str) -> Result<Option<(ApiToken, User)>> {
    Ok(api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(token_hash))
        .select((ApiToken::as_select(), User::as_select()))
        .first(conn)
        .optional()?)
}

pub fn delete_api_token(conn: &mut DbConn, id: &str) -> Result<()> {
    diesel::delete(api_tokens::table.find(id)).execute(conn)?;
    Ok(())
}

pub fn insert_failure(
    conn: &mut DbConn,
    id: &str,
    account: &str,
    peer: &str,
    at: NaiveDateTime,
) -> Result<()> {
    diesel::insert_into(auth_failures::table)
        .values((
            auth_failures::id.eq(id),
            auth_failures::account.eq(account),
            auth_failures::peer.eq(peer),
            auth_failures::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// How many failures an account has had since `since`, and when the oldest of them was.
pub fn failures_of_account(
    conn: &mut DbConn,
    account: &str,
    since: NaiveDateTime,
) -> Result<(i64, Option<NaiveDateTime>)> {
    Ok(auth_failures::table
        .filter(auth_failures::account.eq(account))
        .filter(auth_failures::created_at.gt(since))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::min(auth_failures::created_at),
        ))
        .first(conn)?)
}

/// How many failures came from one client address since `since`, and when the oldest was.
pub fn failures_of_peer(
    conn: &mut DbConn,
    peer: &str,
    since: NaiveDateTime,
) -> Result<(i64, Option<NaiveDateTime>)> {
    Ok(auth_failures::table
        .filter(auth_failures::peer.eq(peer))
        .filter(auth_failures::created_at.gt(since))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::min(auth_failures::created_at),
        ))
        .first(conn)?)
}

/// How many failures one account had from one address since `since`, and the oldest's time.
pub fn failures_of_account_from_peer(
    conn: &mut DbConn,
    account: &str,
    peer: &str,
    since: NaiveDateTime,
) -> Result<(i64, Option<NaiveDateTime>)> {
    Ok(auth_failures::table
        .filter(auth_failures::account.eq(account))
        .filter(auth_failures::peer.eq(peer))
        .filter(auth_failures::created_at.gt(since))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::min(auth_failures::created_at),
        ))
        .first(conn)?)
}

/// Forgets one account's failures from one address (after that address signed in).
pub fn clear_failures(conn: &mut DbConn, account: &str, peer: &str) -> Result<()> {
    diesel::delete(
        auth_failures::table
            .filter(auth_failures::account.eq(account))
            .filter(auth_failures::peer.eq(peer)),
    )
    .execute(conn)?;
    Ok(())
}

pub fn prune_failures(conn: &mut DbConn, before: NaiveDateTime) -> Result<()> {
    diesel::delete(auth_failures::table.filter(auth_failures::created_at.le(before)))
        .execute(conn)?;
    Ok(())
}

pub fn replace_setup_token(conn: &mut DbConn, token_hash: &str, at: NaiveDateTime) -> Result<()> {
    diesel::delete(setup_tokens::table).execute(conn)?;
    diesel::insert_into(setup_tokens::table)
        .values((
            setup_tokens::token_hash.eq(token_hash),
            setup_tokens::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn setup_token_exists(conn: &mut DbConn, token_hash: &str) -> Result<bool> {
    Ok(
        diesel::select(diesel::dsl::exists(setup_tokens::table.find(token_hash)))
            .get_result(conn)?,
    )
}

pub fn delete_setup_tokens(conn: &mut DbConn) -> Result<()> {
    diesel::delete(setup_tokens::table).execute(conn)?;
    Ok(())
}
