//! Staff sessions for the HTML pages. The cookie holds a random token (encrypted by Rocket's
//! private cookies); the server keeps its digest, so logging out, deactivating a user, changing
//! a password or staying idle too long ends the session even for a stolen copy of the cookie.

use chrono::TimeDelta;
use rocket::State;
use rocket::http::CookieJar;
use rocket::request::{FromRequest, Outcome, Request};

use std::marker::PhantomData;

use super::model::{self, Session, User};
use super::{AnyRole, Policy, Role};
use crate::config::Settings;
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::i18n::staff::{self, StaffCatalog, staff_catalog};
use crate::ids;
use crate::web::cookies::cookie;

/// The session cookie's name; with https it carries the `__Host-` prefix (Secure, Path=/, no Domain).
pub fn session_cookie_name(settings: &Settings) -> &'static str {
    if settings.is_https() {
        "__Host-hearken_session"
    } else {
        "hearken_session"
    }
}

/// A signed-in staff member whose role `P` allows, for the HTML pages. Without a valid session:
/// 401, which the page catcher turns into the sign-in page; with the wrong role: 403.
pub struct Staff<P: Policy = AnyRole> {
    pub user: User,
    /// The language of this member's pages: their choice, else their browser's.
    lang: &'static str,
    token_hash: String,
    policy: PhantomData<P>,
}

impl<P: Policy> Staff<P> {
    pub fn role(&self) -> Role {
        self.user.role()
    }

    pub fn require(&self, allowed: &[Role]) -> Result<()> {
        self.role().require(allowed)
    }

    /// The language of this member's pages.
    pub fn lang(&self) -> &'static str {
        self.lang
    }

    /// The staff strings in this member's language, for notices and labels built in Rust.
    pub fn t(&self) -> &'static StaffCatalog {
        staff_catalog(self.lang)
    }
}

/// Who is signed in, for the page header of every staff page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Me {
    name: String,
    email: String,
    role: &'static str,
    is_admin: bool,
    /// The language the page is written in; the `t` and `tn` template helpers read it.
    language: &'static str,
    /// The language the member chose, `None` when their browser decides.
    chosen_language: Option<&'static str>,
}

impl Me {
    pub fn of(user: &User, lang: &'static str) -> Me {
        Me {
            name: user.name.clone(),
            email: user.email.clone(),
            role: user.role().as_str(),
            is_admin: user.role() == Role::Admin,
            language: lang,
            chosen_language: user.language.as_deref().and_then(staff::supported),
        }
    }
}

impl<P: Policy> Staff<P> {
    /// The signed-in member for the page header.
    pub fn me(&self) -> Me {
        Me::of(&self.user, self.lang)
    }
}

async fn authenticate<P: Policy>(req: &Request<'_>) -> Result<Staff<P>> {
    let settings = req
        .rocket()
        .state::<Settings>()
        .ok_or(Error::Unauthorized)?;
    let db = req
        .rocket()
        .state::<Db>()
        .ok_or(Error::Unauthorized)?
        .clone();
    let cookie = req
        .cookies()
        .get_private(session_cookie_name(settings))
        .ok_or(Error::Unauthorized)?;
    let token_hash = ids::digest(cookie.value());
    let idle = TimeDelta::from_std(settings.session_idle).unwrap_or(TimeDelta::hours(8));
    let lifetime = TimeDelta::from_std(settings.session_lifetime).unwrap_or(TimeDelta::days(7));
    db.run(move |conn| {
        let (session, user) = model::find_session(conn, &token_hash)?.ok_or(Error::Unauthorized)?;
        let now = db::now();
        let expired = now - session.last_seen_at > idle || now - session.created_at > lifetime;
        if expired || !user.active || session.credential_version != user.credential_version {
            db::write(conn, |conn| model::delete_session(conn, &token_hash))?;
            return Err(Error::Unauthorized);
        }
        // Refreshed at most once a minute, so reading pages does not mean a write per request.
        if now - session.last_seen_at > TimeDelta::minutes(1) {
            db::write(conn, |conn| model::touch_session(conn, &token_hash, now))?;
        }
        Ok((user, token_hash))
    })
    .await
    .and_then(|(user, token_hash)| {
        user.role().require(P::ALLOWED)?;
        let lang = staff::resolve(
            user.language.as_deref(),
            req.headers().get_one("Accept-Language"),
        );
        Ok(Staff {
            user,
            lang,
            token_hash,
            policy: PhantomData,
        })
    })
}

#[rocket::async_trait]
impl<'r, P: Policy> FromRequest<'r> for Staff<P> {
    type Error = Error;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Error> {
        match authenticate(req).await {
            Ok(staff) => {
                if let Ok(me) = serde_json::to_value(staff.me()) {
                    crate::web::catchers::remember_signed_in(req, me);
                }
                Outcome::Success(staff)
            }
            Err(error) => {
                if error.status().code >= 500 {
                    log::error!("session check failed: {}", error.chain());
                }
                crate::web::refusal::remember(req, &error);
                Outcome::Error((error.status(), error))
            }
        }
    }
}

/// Who is signed in on this request, for the page catcher (see
/// [`crate::web::catchers::StaffLookup`]).
pub fn signed_in<'a>(
    req: &'a Request<'_>,
) -> rocket::futures::future::BoxFuture<'a, Option<serde_json::Value>> {
    Box::pin(async move {
        let staff = authenticate::<AnyRole>(req).await.ok()?;
        serde_json::to_value(staff.me()).ok()
    })
}

/// Starts a session for `user`: a new token (so a planted cookie is never reused), its digest
/// stored, the cookie set, and a fresh CSRF token.
pub async fn sign_in(
    db: &State<Db>,
    settings: &Settings,
    cookies: &CookieJar<'_>,
    user: &User,
) -> Result<()> {
    let token = ids::new_secret();
    let now = db::now();
    let session = Session {
        token_hash: ids::digest(&token),
        user_id: user.id.clone(),
        credential_version: user.credential_version,
        created_at: now,
        last_seen_at: now,
    };
    // A session this browser already had ends here, so an old copy of its cookie dies too.
    let previous = cookies
        .get_private(session_cookie_name(settings))
        .map(|c| ids::digest(c.value()));
    db.run(move |conn| {
        db::write(conn, |conn| {
            if let Some(previous) = previous {
                model::delete_session(conn, &previous)?;
            }
            model::insert_session(conn, &session)
        })
    })
    .await?;
    cookies.add_private(cookie(settings, session_cookie_name(settings), token));
    crate::web::csrf::rotate(settings, cookies);
    Ok(())
}

/// Ends this session on the server and removes its cookie.
pub async fn sign_out<P: Policy>(
    db: &State<Db>,
    settings: &Settings,
    cookies: &CookieJar<'_>,
    staff: Staff<P>,
) -> Result<()> {
    let token_hash = staff.token_hash;
    db.run(move |conn| db::write(conn, |conn| model::delete_session(conn, &token_hash)))
        .await?;
    cookies.remove_private(cookie(
        settings,
        session_cookie_name(settings),
        String::new(),
    ));
    crate::web::csrf::rotate(settings, cookies);
    Ok(())
}
