//! Creating and changing staff users, shared by the setup page, the admin pages, the API and the
//! command line, so every path applies the same checks.

use serde::Serialize;

use super::Role;
use super::model::{self, NewUser, User, UserChanges};
use super::policy;
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::web::text::{self, Lines};

/// A user as shown to staff and the API: never the password hash.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = User)]
pub struct UserView {
    pub id: String,
    #[schema(format = Email)]
    pub email: String,
    pub name: String,
    #[schema(value_type = super::Role)]
    pub role: String,
    pub active: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        UserView {
            id: user.id.clone(),
            email: user.email.clone(),
            name: user.name.clone(),
            role: user.role.clone(),
            active: user.active,
            created_at: user
                .created_at
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }
}

/// A plausible email address, lower-cased; the error names `field`.
pub fn normalize_email(field: &str, email: &str) -> Result<String> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>(),;:\"[]\\".contains(c))
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.contains('@')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if valid {
        Ok(email)
    } else {
        Err(Error::invalid(field, "is not a valid email address"))
    }
}

pub fn normalize_name(field: &str, name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if name.chars().count() > 200 || text::forbidden(name, Lines::One).is_some() {
        return Err(Error::invalid(
            field,
            "must be at most 200 characters, on one line",
        ));
    }
    Ok(name.to_string())
}

pub fn parse_role(field: &str, role: &str) -> Result<Role> {
    Role::parse(role.trim())
        .ok_or_else(|| Error::invalid(field, "must be one of admin, designer, analyst"))
}

/// A new user's details, checked; the password is hashed separately (it is slow).
pub struct NewUserInput {
    pub email: String,
    pub name: String,
    pub role: Role,
}

impl NewUserInput {
    pub fn check(email: &str, name: &str, role: &str, password: &str) -> Result<Self> {
        let input = NewUserInput {
            email: normalize_email("email", email)?,
            name: normalize_name("name", name)?,
            role: parse_role("role", role)?,
        };
        policy::check("password", password, &input.email)?;
        Ok(input)
    }
}

/// Inserts the user; a taken email is a 409 naming the field.
pub fn create(conn: &mut DbConn, input: &NewUserInput, password_hash: &str) -> Result<User> {
    if model::find_user_by_email(conn, &input.email)?.is_some() {
        return Err(Error::conflict(
            "email_taken",
            "a user with this email already exists",
        ));
    }
    let now = db::now();
    let id = crate::ids::new_id();
    model::insert_user(
        conn,
        &NewUser {
            id: &id,
            email: &input.email,
            name: &input.name,
            role: input.role.as_str(),
            password_hash,
            active: true,
            credential_version: 0,
            created_at: now,
            updated_at: now,
        },
    )?;
    model::find_user(conn, &id)?.ok_or(Error::NotFound)
}

/// Replaces the password and ends every session made with the old one.
pub fn set_password(conn: &mut DbConn, user: &User, password_hash: String) -> Result<()> {
    model::update_user(
        conn,
        &user.id,
        &UserChanges {
            password_hash: Some(password_hash),
            credential_version: Some(user.credential_version + 1),
            updated_at: Some(db::now()),
            ..UserChanges::default()
        },
    )?;
    model::delete_sessions_of(conn, &user.id)
}

/// Stores the language `user_id` reads the staff pages in; `None` lets their browser choose.
pub fn set_language(conn: &mut DbConn, user_id: &str, language: Option<&str>) -> Result<()> {
    model::update_user(
        conn,
        user_id,
        &UserChanges {
            language: Some(language.map(str::to_string)),
            updated_at: Some(db::now()),
            ..UserChanges::default()
        },
    )
}

/// Activates or deactivates a user; a deactivated user's sessions end at once and their API
/// tokens stop working (tokens are checked against the user's state on every call).
pub fn set_active(conn: &mut DbConn, user_id: &str, active: bool) -> Result<()> {
    model::update_user(
        conn,
        user_id,
        &UserChanges {
            active: Some(active),
            updated_at: Some(db::now()),
            ..UserChanges::default()
        },
    )?;
    if !active {
        model::delete_sessions_of(conn, user_id)?;
    }
    Ok(())
}

/// Refuses to leave the server without an active admin.
pub fn ensure_other_active_admin(conn: &mut DbConn, user_id: &str) -> Result<()> {
    let others = model::list_users(conn)?
        .into_iter()
        .any(|u| u.id != user_id && u.active && u.role() == Role::Admin);
    if others {
        Ok(())
    } else {
        Err(Error::conflict(
            "last_admin",
            "this is the only active admin; make someone else admin first",
        ))
    }
}
