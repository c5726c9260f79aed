//! Finding the invitation behind a personal link: by the token in the URL (checked for shape
//! before it is hashed and looked up) or by the token the browser's cookie holds.

use rocket::http::CookieJar;

use super::link_cookie::link_cookie_name;
use crate::config::Settings;
use crate::db::Db;
use crate::error::Result;
use crate::invite::model::{self as invitations, InvitationRow};
use crate::survey::editing;
use crate::survey::model::Survey;

/// Whether `token` could be a link token at all; anything else is unknown without a lookup.
/// Tokens are 43 characters today; the wider range keeps links working if the format changes,
/// while junk of any size is turned away before it is hashed.
pub(super) fn plausible(token: &str) -> bool {
    (16..=128).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub(super) enum Found {
    /// No invitation has this token: a guess, a typo, or a link cut short.
    Unknown,
    /// The invitation exists but its survey does not (any more).
    Gone,
    Ready(Box<(InvitationRow, Survey)>),
}

/// The invitation behind a token and its survey.
pub(super) async fn by_token(db: &Db, token: &str) -> Result<Found> {
    if !plausible(token) {
        return Ok(Found::Unknown);
    }
    let token_hash = crate::ids::digest(token);
    db.run(move |conn| {
        let Some(invitation) = invitations::find_by_token(conn, &token_hash)? else {
            return Ok(Found::Unknown);
        };
        Ok(match editing::load(conn, &invitation.survey_id)? {
            Some(survey) => Found::Ready(Box::new((invitation, survey))),
            None => Found::Gone,
        })
    })
    .await
}

/// The invitation of the token-free address `id`, if this browser's cookie holds its token.
pub(super) async fn by_cookie(
    db: &Db,
    settings: &Settings,
    cookies: &CookieJar<'_>,
    id: &str,
) -> Result<Option<(InvitationRow, Survey)>> {
    let Some(cookie) = cookies.get_private(link_cookie_name(settings)) else {
        return Ok(None);
    };
    match by_token(db, cookie.value()).await? {
        Found::Ready(found) if found.0.id == id => Ok(Some(*found)),
        _ => Ok(None),
    }
}
