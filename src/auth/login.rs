//! Checking an email and password, for the sign-in page and the token endpoint alike: limited
//! per account and address, and equally slow and equally worded for unknown emails.

use super::model::{self, User};
use super::{limiter, password};
use crate::config::Settings;
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::web::peer::ClientAddr;

/// The active user with these credentials; 401 `BadCredentials` otherwise, 429 past the limits.
pub async fn check_credentials(
    db: &Db,
    settings: &Settings,
    email: &str,
    password: &str,
    peer: ClientAddr,
) -> Result<User> {
    let account = email.trim().to_lowercase();
    let peer = peer.0.to_string();
    let limits = settings.login_limits;
    let user = {
        let (account, peer) = (account.clone(), peer.clone());
        db.run(move |conn| {
            db::write(conn, |conn| {
                limiter::begin_attempt(conn, &limits, &account, &peer, db::now())?;
                model::find_user_by_email(conn, &account)
            })
        })
        .await?
    };
    let attempt = password.to_string();
    let stored = user
        .as_ref()
        .filter(|u| u.active)
        .map(|u| u.password_hash.clone());
    let matches = crate::blocking(move || match stored {
        Some(hash) => password::verify(&attempt, &hash),
        None => {
            password::verify_dummy(&attempt);
            false
        }
    })
    .await?;
    match user {
        Some(user) if matches => {
            db.run(move |conn| db::write(conn, |conn| limiter::forgive(conn, &account, &peer)))
                .await?;
            Ok(user)
        }
        _ => Err(Error::BadCredentials),
    }
}
