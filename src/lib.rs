//! Hearken: a self-hosted survey and focus-group platform. `build` assembles the whole
//! application from a figment; `main` and every test call it.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod auth;
pub mod commands;
pub mod complaint;
pub mod config;
pub mod contact;
pub mod counters;
pub mod db;
pub mod demo;
pub mod error;
pub mod focus;
pub mod home;
pub mod i18n;
pub mod ids;
pub mod incentive;
pub mod insight;
pub mod invite;
pub mod listening;
pub mod mail;
pub mod openapi;
pub mod ops;
pub mod privacy;
pub mod respond;
pub mod results;
pub mod serve;
pub mod survey;
pub mod web;

use std::path::{Path, PathBuf};

use rocket::fairing::AdHoc;
use rocket::figment::Figment;
use rocket::figment::providers::{Env, Serialized};
use rocket::{Build, Rocket};

pub use crate::config::Settings;
pub use crate::db::{Db, blocking};
pub use crate::error::{Error, Result};

/// The configuration a deployed server reads: Rocket.toml and `ROCKET_*` as Rocket does, plus
/// Hearken's own `HEARKEN_*` variables (which apply to every profile).
pub fn figment() -> Figment {
    rocket::Config::figment().merge(Env::prefixed("HEARKEN_").ignore(&["password"]).global())
}

/// Builds the application. Settings are validated and the database opened and migrated when it
/// ignites, so a bad setting stops the start with a message that names it.
pub fn build(figment: Figment) -> Rocket<Build> {
    static ROOMS: listening::Rooms = listening::Rooms;
    survey::hooks::install(&ROOMS);
    insight::install(&ROOMS);
    let figment = with_defaults(figment);
    web::logging::install(&figment);
    let rocket = rocket::custom(figment)
        .attach(AdHoc::try_on_ignite("Hearken settings and database", start))
        .attach(auth::setup::announce_fairing());
    let rocket = web::mount(rocket);
    let rocket = auth::mount(rocket);
    let rocket = survey::mount(rocket);
    let rocket = contact::mount(rocket);
    let rocket = invite::mount(rocket);
    let rocket = respond::mount(rocket);
    let rocket = incentive::mount(rocket);
    let rocket = results::mount(rocket);
    let rocket = complaint::mount(rocket);
    let rocket = insight::mount(rocket);
    let rocket = focus::mount(rocket);
    let rocket = ops::mount(rocket);
    let rocket = home::mount(rocket);
    openapi::mount(rocket)
}

/// Defaults that make a laptop start work, and the settings that must never be left to chance.
fn with_defaults(figment: Figment) -> Figment {
    let figment = figment
        // The client address comes from the socket (or a configured trusted proxy), never from a
        // header a client can set.
        .merge(Serialized::default("ip_header", false))
        // The Server header names the product, never a framework or version.
        .merge(Serialized::default("ident", "Hearken"));
    let limits = web::limits(&figment);
    let figment = figment.merge(Serialized::default("limits", limits));
    let has_key = figment
        .extract_inner::<rocket::config::SecretKey>("secret_key")
        .is_ok_and(|key| !key.is_zero());
    if has_key {
        return figment;
    }
    let data_dir = figment
        .extract_inner::<PathBuf>("data_dir")
        .unwrap_or_else(|_| PathBuf::from("data"));
    match load_or_create_secret_key(&data_dir) {
        Ok(key) => figment.merge(Serialized::default("secret_key", key)),
        // Left unset: the start-up check reports the data directory problem by name.
        Err(_) => figment,
    }
}

/// The cookie key kept in the data directory, created on first start. Several nodes behind one
/// load balancer must share one key through `ROCKET_SECRET_KEY` instead.
fn load_or_create_secret_key(data_dir: &Path) -> std::io::Result<String> {
    use base64::Engine;
    let path = data_dir.join("secret_key");
    match std::fs::read_to_string(&path) {
        Ok(key) if !key.trim().is_empty() => return Ok(key.trim().to_string()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    config::files::create_private_dir(data_dir)?;
    let key = base64::engine::general_purpose::STANDARD.encode(rand::random::<[u8; 64]>());
    let mut file = config::files::private_file()
        .write(true)
        .create_new(true)
        .open(&path)?;
    std::io::Write::write_all(&mut file, key.as_bytes())?;
    Ok(key)
}

async fn start(rocket: Rocket<Build>) -> rocket::fairing::Result {
    match open(rocket.figment()).await {
        Ok((settings, db)) => {
            if let Err(e) = i18n::staff::check() {
                eprintln!("hearken: cannot start: {e}");
                return Err(rocket);
            }
            // The pages are written where rocket_dyn_templates reads them, before its fairing
            // (attached here, so it runs after this one) loads them.
            let rocket = match web::template::prepare(&settings) {
                Ok(pages) => web::template::attach(rocket, &pages),
                Err(e) => {
                    eprintln!("hearken: cannot start: {e}");
                    return Err(rocket);
                }
            };
            let mailbox = mail::transport::MemoryMailbox::default();
            let outbox = mail::worker::Outbox::start(
                db.clone(),
                settings.clone(),
                mailbox.clone(),
                worker_options(rocket.figment()),
                std::sync::Arc::new(listening::Rooms),
            );
            let outbox = match outbox {
                Ok(outbox) => outbox,
                Err(e) => {
                    eprintln!("hearken: cannot start the outbox worker: {e}");
                    return Err(rocket);
                }
            };
            let per_minute = settings.open_link_answers_per_minute as usize;
            match respond::writer::Writer::start(db.clone(), settings.clone()) {
                Ok(writer) => Ok(rocket
                    .manage(settings)
                    .manage(db)
                    .manage(writer)
                    .manage(outbox)
                    .manage(mailbox)
                    .manage(respond::published::Published::default())
                    .manage(incentive::CouponGuesses::default())
                    .manage(web::limiter::LinkLimiter::default())
                    .manage(web::limiter::SubmissionLimiter::new(per_minute))),
                Err(e) => {
                    eprintln!("hearken: cannot start the submission writer: {e}");
                    Err(rocket)
                }
            }
        }
        Err(message) => {
            eprintln!("hearken: cannot start: {message}");
            Err(rocket)
        }
    }
}

/// The outbox worker's pacing; `mail_retry_base_ms` (`HEARKEN_MAIL_RETRY_BASE_MS`) shortens the
/// backoff and `mail_lease_ms` (`HEARKEN_MAIL_LEASE_MS`) the lease, for tests and drills.
fn worker_options(figment: &Figment) -> mail::worker::WorkerOptions {
    let mut options = mail::worker::WorkerOptions::default();
    if let Ok(ms) = figment.extract_inner::<u64>("mail_retry_base_ms") {
        options.retry_base = std::time::Duration::from_millis(ms.max(1));
    }
    if let Ok(ms) = figment.extract_inner::<u64>("mail_lease_ms") {
        options.lease = std::time::Duration::from_millis(ms.max(100));
    }
    options
}

/// Validates the settings, prepares the data directory, opens and migrates the database.
pub async fn open(figment: &Figment) -> Result<(Settings, Db), String> {
    let settings = Settings::from_figment(figment).map_err(|e| e.to_string())?;
    let prepared = settings.clone();
    let db = blocking(move || open_blocking(&prepared))
        .await
        .map_err(|e| e.to_string())??;
    Ok((settings, db))
}

/// Takes away group and other access to the data directory and the database files, with one
/// log line when something was readable by others.
fn tighten_permissions(settings: &Settings) -> Result<(), String> {
    let mut roots = vec![settings.data_dir.clone()];
    if let config::DatabaseUrl::Sqlite(path) = &settings.database {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.clone().into_os_string();
            name.push(suffix);
            roots.push(PathBuf::from(name));
        }
    }
    let mut changed = config::files::Tightened::default();
    for root in &roots {
        let done = config::files::tighten(root).map_err(|e| {
            format!(
                "cannot restrict the permissions under {}: {e}",
                root.display()
            )
        })?;
        changed.dirs += done.dirs;
        changed.files += done.files;
    }
    if changed != config::files::Tightened::default() {
        log::warn!(
            "{} was readable by other users: removed group and other access from {} folders and {} files",
            settings.data_dir.display(),
            changed.dirs,
            changed.files
        );
    }
    Ok(())
}

/// The blocking part of [`open`], also used by the command-line tools.
pub fn open_blocking(settings: &Settings) -> Result<Db, String> {
    let dirs = std::iter::once(settings.data_dir.as_path()).chain(settings.outbox_dir());
    for dir in dirs {
        config::files::create_private_dir(dir)
            .map_err(|e| format!("HEARKEN_DATA_DIR: cannot create {}: {e}", dir.display()))?;
    }
    tighten_permissions(settings)?;
    let db = Db::open(
        &settings.database,
        settings.database_pool_size,
        settings.accept_data_loss,
    )
    .map_err(|e| e.to_string())?;
    let mut conn = db.conn().map_err(|e| e.chain())?;
    db::migrate::run_pending(&mut conn).map_err(|e| format!("migrations failed: {}", e.chain()))?;
    Ok(db)
}
