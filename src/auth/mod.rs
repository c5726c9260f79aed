//! Staff accounts and access: roles, password login with sessions, API tokens, failed-login
//! limits and the first-run setup link.

pub mod account;
pub mod api;
pub mod limiter;
pub mod login;
pub mod model;
pub mod pages;
pub mod password;
pub mod policy;
pub mod session;
pub mod setup;
pub mod token;
pub mod user_admin;
pub mod users;

use rocket::{Build, Rocket};
use serde::Serialize;

pub use self::session::Staff;
pub use self::token::ApiUser;
use crate::error::{Error, Result};

/// What a staff member may do. An admin may do everything; the others what a route names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Designer,
    Analyst,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Designer, Role::Analyst];

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "admin" => Some(Role::Admin),
            "designer" => Some(Role::Designer),
            "analyst" => Some(Role::Analyst),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Designer => "designer",
            Role::Analyst => "analyst",
        }
    }

    /// Whether this role may use something open to `allowed` (admins always may).
    pub fn is_allowed(self, allowed: &[Role]) -> bool {
        self == Role::Admin || allowed.contains(&self)
    }

    /// 403 unless this role is allowed.
    pub fn require(self, allowed: &[Role]) -> Result<()> {
        if self.is_allowed(allowed) {
            Ok(())
        } else {
            Err(Error::forbidden())
        }
    }
}

/// Which roles a guard lets through, declared in a route's signature (`ApiUser<AdminOnly>`),
/// so the check happens before the body is read and cannot be forgotten in the handler.
pub trait Policy: Send + Sync + 'static {
    const ALLOWED: &'static [Role];
}

/// Any signed-in staff member.
pub struct AnyRole;
impl Policy for AnyRole {
    const ALLOWED: &'static [Role] = &Role::ALL;
}

/// Admins only.
pub struct AdminOnly;
impl Policy for AdminOnly {
    const ALLOWED: &'static [Role] = &[Role::Admin];
}

/// Designers (and admins): building surveys, contacts, invitations.
pub struct Designers;
impl Policy for Designers {
    const ALLOWED: &'static [Role] = &[Role::Designer];
}

/// Everyone who reads surveys and results: designers and analysts (and admins).
pub struct Readers;
impl Policy for Readers {
    const ALLOWED: &'static [Role] = &[Role::Designer, Role::Analyst];
}

pub fn mount(rocket: Rocket<Build>) -> Rocket<Build> {
    crate::web::catchers::install_staff_lookup(session::signed_in);
    rocket
        .mount("/api/v1", api::routes())
        .mount("/", pages::routes())
        .mount("/", user_admin::routes())
}
