//! API tokens: `Authorization: Bearer <token>` on every `/api/v1` call. Tokens are random,
//! shown once, stored as a digest, and revoked by deleting their row.

use rocket::request::{FromRequest, Outcome, Request};

use std::marker::PhantomData;

use super::model::{self, ApiToken, User};
use super::{AnyRole, Policy, Role};
use crate::db::{self, Db, DbConn};
use crate::error::{Error, Result};
use crate::ids;

/// The prefix makes leaked tokens easy for secret scanners to find.
pub const TOKEN_PREFIX: &str = "hk_";

/// Creates a token for `user_id` and returns it; only its digest is kept.
pub fn issue(conn: &mut DbConn, user_id: &str, label: &str) -> Result<String> {
    let token = format!("{TOKEN_PREFIX}{}", ids::new_secret());
    model::insert_api_token(
        conn,
        &ApiToken {
            id: ids::new_id(),
            user_id: user_id.to_string(),
            token_hash: ids::digest(&token),
            label: label.to_string(),
            created_at: db::now(),
        },
    )?;
    Ok(token)
}

/// The user behind a valid bearer token, whose role `P` allows. Missing, unknown or revoked
/// tokens, and tokens of a deactivated user, are 401; the wrong role is 403.
pub struct ApiUser<P: Policy = AnyRole> {
    pub user: User,
    pub token_id: String,
    policy: PhantomData<P>,
}

impl<P: Policy> ApiUser<P> {
    pub fn role(&self) -> Role {
        self.user.role()
    }

    pub fn require(&self, allowed: &[Role]) -> Result<()> {
        self.role().require(allowed)
    }
}

async fn authenticate<P: Policy>(req: &Request<'_>) -> Result<ApiUser<P>> {
    let header = req
        .headers()
        .get_one("Authorization")
        .ok_or(Error::Unauthorized)?;
    let (scheme, token) = header.trim().split_once(' ').ok_or(Error::Unauthorized)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(Error::Unauthorized);
    }
    let token_hash = ids::digest(token.trim());
    let db = req
        .rocket()
        .state::<Db>()
        .ok_or(Error::Unauthorized)?
        .clone();
    let (token, user) = db
        .run(
            move |conn| match model::find_api_token(conn, &token_hash)? {
                Some((token, user)) if user.active => Ok((token, user)),
                _ => Err(Error::Unauthorized),
            },
        )
        .await?;
    user.role().require(P::ALLOWED)?;
    Ok(ApiUser {
        user,
        token_id: token.id,
        policy: PhantomData,
    })
}

#[rocket::async_trait]
impl<'r, P: Policy> FromRequest<'r> for ApiUser<P> {
    type Error = Error;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Error> {
        match authenticate(req).await {
            Ok(user) => Outcome::Success(user),
            Err(error) => {
                if error.status().code >= 500 {
                    log::error!("token check failed: {}", error.chain());
                }
                crate::web::refusal::remember(req, &error);
                Outcome::Error((error.status(), error))
            }
        }
    }
}
