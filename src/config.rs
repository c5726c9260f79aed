//! Typed settings read from Rocket's figment (Rocket.toml, `ROCKET_*` and `HEARKEN_*`), validated
//! once at start so a mistake is reported with the setting's name and what to do about it.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rocket::figment::Figment;
use serde::Deserialize;

pub mod files;
mod values;

pub use self::values::{ConfigError, DatabaseUrl};
use self::values::{MAX_MAIL_PER_SECOND, bounded, minutes, seconds, validate_base_url};

/// How outgoing mail leaves the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailTransport {
    /// `.eml` files in a folder (the default: nothing leaves the machine).
    File(PathBuf),
    /// A real SMTP relay, e.g. `smtp://user:pass@host:587?tls=required`.
    Smtp(String),
    /// Kept in memory, for tests.
    Memory,
}

/// Limits on failed logins, counted in the database so every node sees the same count.
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    /// Failures allowed for one account from one client address within `window`.
    pub max_failures: i64,
    /// Failures allowed from one client address, over all accounts, within `window`.
    pub max_failures_per_peer: i64,
    /// Failures allowed for one account from anywhere within an hour (ASVS 2.2.1: at most 100).
    pub max_failures_per_account_hour: i64,
    pub window: Duration,
}

/// Everything Hearken reads from its configuration, already checked.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub database: DatabaseUrl,
    pub database_pool_size: u32,
    pub base_url: String,
    pub mail_transport: MailTransport,
    pub mail_from: String,
    /// The most messages the outbox worker starts in one second (`HEARKEN_MAIL_PER_SECOND`);
    /// 0 sets no ceiling. Each node paces itself, so several nodes together send up to this
    /// many times their number.
    pub mail_per_second: u32,
    /// The most messages in flight at once to one recipient domain (`HEARKEN_MAIL_PER_DOMAIN`),
    /// so a large list at one provider does not trip its throttling. The worker never has more
    /// than 8 messages in flight in all, so a value above 8 sets no limit.
    pub mail_per_domain: u32,
    pub trusted_proxies: Vec<IpAddr>,
    pub session_idle: Duration,
    pub session_lifetime: Duration,
    pub login_limits: LoginLimits,
    /// Answers one client address (IPv6: one /64) may send through open links in a minute
    /// (`HEARKEN_OPEN_LINK_ANSWERS_PER_MINUTE`); 0 sets no limit.
    pub open_link_answers_per_minute: u32,
    pub accept_data_loss: bool,
    /// A folder laid out like `templates/` whose files replace the built-in templates of the
    /// same path (`HEARKEN_TEMPLATE_DIR`); none by default.
    pub template_dir: Option<PathBuf>,
    /// This node's name in the outbox leases it takes (`HEARKEN_NODE_NAME`): by default the
    /// host name and the data directory, which stay the same across restarts and differ
    /// between nodes.
    pub node_name: String,
    /// How long a client may take to send a request's headers, counted from connecting or from
    /// the previous response, so it also ends idle keep-alive connections
    /// (`HEARKEN_HEADER_TIMEOUT_SECONDS`).
    pub header_timeout: Duration,
    /// How long a client may take to send a request's body, and the longest a response may wait
    /// for a client that stopped reading (`HEARKEN_BODY_TIMEOUT_SECONDS`).
    pub body_timeout: Duration,
    /// Signs the tokens in personal and unsubscribe links, derived from the secret key so every
    /// node that shares the key makes the same links.
    pub link_key: [u8; 32],
    /// The hours within which a complaint should be resolved, for the service goals
    /// (`HEARKEN_COMPLAINT_TARGET_HOURS`).
    pub complaint_target_hours: u32,
    /// A bearer token that may read `/metrics` besides an admin's API token.
    pub metrics_token: Option<String>,
    /// One JSON object per log line instead of Rocket's text.
    pub json_logs: bool,
}

#[derive(Debug, Deserialize)]
struct RawSettings {
    address: IpAddr,
    port: u16,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    database_pool_size: Option<u32>,
    base_url: Option<String>,
    mail_transport: Option<String>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    mail_per_second: Option<i64>,
    mail_per_domain: Option<i64>,
    trusted_proxies: Option<OneOrMany>,
    session_idle_minutes: Option<u64>,
    session_lifetime_hours: Option<u64>,
    login_max_failures: Option<i64>,
    login_max_failures_per_peer: Option<i64>,
    login_max_failures_per_account_hour: Option<i64>,
    login_window_minutes: Option<u64>,
    open_link_answers_per_minute: Option<i64>,
    #[serde(default)]
    accept_data_loss: bool,
    template_dir: Option<PathBuf>,
    node_name: Option<String>,
    header_timeout_seconds: Option<i64>,
    body_timeout_seconds: Option<i64>,
    complaint_target_hours: Option<i64>,
    metrics_token: Option<String>,
    log_format: Option<String>,
}

fn metrics_token(token: Option<String>) -> Result<Option<String>, ConfigError> {
    match token
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
    {
        Some(token) if token.len() < 16 => Err(ConfigError::new(
            "HEARKEN_METRICS_TOKEN",
            "must be at least 16 characters long (it guards the figures of every survey)",
        )),
        token => Ok(token),
    }
}

/// Whether `HEARKEN_LOG_FORMAT` asks for JSON lines; `text` (the default) keeps Rocket's.
pub fn json_logs(format: Option<&str>) -> Result<bool, ConfigError> {
    match format.map(str::trim).filter(|f| !f.is_empty()) {
        None => Ok(false),
        Some(f) if f.eq_ignore_ascii_case("text") => Ok(false),
        Some(f) if f.eq_ignore_ascii_case("json") => Ok(true),
        Some(other) => Err(ConfigError::new(
            "HEARKEN_LOG_FORMAT",
            format!("must be text or json, not {other}"),
        )),
    }
}

/// A list setting given either as a list (Rocket.toml) or as one comma-separated string (env).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn items(self) -> Vec<String> {
        let joined = match self {
            OneOrMany::One(text) => text,
            OneOrMany::Many(list) => list.join(","),
        };
        joined
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }
}

impl Settings {
    /// Reads and validates the settings; the error names the setting to fix.
    pub fn from_figment(figment: &Figment) -> Result<Self, ConfigError> {
        let raw: RawSettings = figment.extract().map_err(|e| {
            let setting = match e.path.first().map(String::as_str) {
                Some("port") => "ROCKET_PORT",
                Some("address") => "ROCKET_ADDRESS",
                Some("mail_per_second") => "HEARKEN_MAIL_PER_SECOND",
                Some("mail_per_domain") => "HEARKEN_MAIL_PER_DOMAIN",
                Some("open_link_answers_per_minute") => "HEARKEN_OPEN_LINK_ANSWERS_PER_MINUTE",
                Some("header_timeout_seconds") => "HEARKEN_HEADER_TIMEOUT_SECONDS",
                Some("body_timeout_seconds") => "HEARKEN_BODY_TIMEOUT_SECONDS",
                Some("complaint_target_hours") => "HEARKEN_COMPLAINT_TARGET_HOURS",
                _ => "configuration",
            };
            ConfigError::new(setting, e.to_string())
        })?;
        let data_dir = raw.data_dir.unwrap_or_else(|| PathBuf::from("data"));
        let database = match raw.database_url.as_deref() {
            Some(url) if !url.trim().is_empty() => DatabaseUrl::parse(url.trim())?,
            _ => DatabaseUrl::Sqlite(data_dir.join("hearken.db")),
        };
        let base_url = match raw.base_url {
            Some(url) => validate_base_url(&url)?,
            None => format!("http://{}:{}", raw.address, raw.port),
        };
        let mail_transport = match raw.mail_transport.as_deref().unwrap_or("file") {
            "file" => MailTransport::File(data_dir.join("outbox")),
            "memory" => MailTransport::Memory,
            "smtp" => {
                let url = raw.smtp_url.filter(|u| !u.trim().is_empty()).ok_or_else(|| {
                    ConfigError::new("HEARKEN_SMTP_URL", "required when HEARKEN_MAIL_TRANSPORT=smtp, e.g. smtp://user:pass@host:587?tls=required")
                })?;
                if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                    return Err(ConfigError::new(
                        "HEARKEN_SMTP_URL",
                        "must start with smtp:// or smtps://",
                    ));
                }
                MailTransport::Smtp(url)
            }
            other => {
                return Err(ConfigError::new(
                    "HEARKEN_MAIL_TRANSPORT",
                    format!("unknown transport `{other}`; use file, smtp or memory"),
                ));
            }
        };
        let mail_from = raw
            .mail_from
            .unwrap_or_else(|| "Hearken <surveys@localhost>".to_string());
        if !mail_from.contains('@') || mail_from.contains(['\r', '\n']) {
            return Err(ConfigError::new(
                "HEARKEN_MAIL_FROM",
                "must be an address such as `Hearken <surveys@example.com>`",
            ));
        }
        let mail_per_second = match raw.mail_per_second {
            None => 0,
            Some(v) if (0..=MAX_MAIL_PER_SECOND).contains(&v) => v as u32,
            Some(v) => {
                return Err(ConfigError::new(
                    "HEARKEN_MAIL_PER_SECOND",
                    format!(
                        "must be a whole number from 0 (no limit) to {MAX_MAIL_PER_SECOND}, not {v}"
                    ),
                ));
            }
        };
        let mail_per_domain =
            bounded(raw.mail_per_domain, 8, 1000, "HEARKEN_MAIL_PER_DOMAIN")? as u32;
        let trusted_proxies = raw
            .trusted_proxies
            .map(OneOrMany::items)
            .unwrap_or_default()
            .iter()
            .map(|p| {
                p.trim().parse().map_err(|_| {
                    ConfigError::new(
                        "HEARKEN_TRUSTED_PROXIES",
                        format!("`{p}` is not an IP address"),
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        const DAY_MINUTES: i64 = 24 * 60;
        let login_limits = LoginLimits {
            max_failures: bounded(
                raw.login_max_failures,
                10,
                10_000,
                "HEARKEN_LOGIN_MAX_FAILURES",
            )?,
            max_failures_per_peer: bounded(
                raw.login_max_failures_per_peer,
                50,
                100_000,
                "HEARKEN_LOGIN_MAX_FAILURES_PER_PEER",
            )?,
            max_failures_per_account_hour: bounded(
                raw.login_max_failures_per_account_hour,
                100,
                100_000,
                "HEARKEN_LOGIN_MAX_FAILURES_PER_ACCOUNT_HOUR",
            )?,
            window: minutes(bounded(
                raw.login_window_minutes
                    .map(|m| m.min(i64::MAX as u64) as i64),
                15,
                DAY_MINUTES,
                "HEARKEN_LOGIN_WINDOW_MINUTES",
            )?),
        };
        let open_link_answers_per_minute = match raw.open_link_answers_per_minute {
            None => 30,
            Some(v) if (0..=100_000).contains(&v) => v as u32,
            Some(v) => {
                return Err(ConfigError::new(
                    "HEARKEN_OPEN_LINK_ANSWERS_PER_MINUTE",
                    format!("must be a whole number from 0 (no limit) to 100000, not {v}"),
                ));
            }
        };
        let node_name = raw
            .node_name
            .map(|name| name.trim().to_string())
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| default_node_name(&data_dir));
        Ok(Self {
            database_pool_size: raw.database_pool_size.unwrap_or(8).clamp(1, 64),
            data_dir,
            database,
            base_url,
            mail_transport,
            mail_from,
            mail_per_second,
            mail_per_domain,
            trusted_proxies,
            session_idle: minutes(bounded(
                raw.session_idle_minutes
                    .map(|m| m.min(i64::MAX as u64) as i64),
                8 * 60,
                30 * DAY_MINUTES,
                "HEARKEN_SESSION_IDLE_MINUTES",
            )?),
            session_lifetime: minutes(
                60 * bounded(
                    raw.session_lifetime_hours
                        .map(|h| h.min(i64::MAX as u64) as i64),
                    7 * 24,
                    365 * 24,
                    "HEARKEN_SESSION_LIFETIME_HOURS",
                )?,
            ),
            login_limits,
            open_link_answers_per_minute,
            accept_data_loss: raw.accept_data_loss,
            template_dir: raw.template_dir.filter(|dir| !dir.as_os_str().is_empty()),
            node_name,
            header_timeout: seconds(bounded(
                raw.header_timeout_seconds,
                10,
                3600,
                "HEARKEN_HEADER_TIMEOUT_SECONDS",
            )?),
            body_timeout: seconds(bounded(
                raw.body_timeout_seconds,
                60,
                24 * 3600,
                "HEARKEN_BODY_TIMEOUT_SECONDS",
            )?),
            link_key: link_key(figment),
            complaint_target_hours: bounded(
                raw.complaint_target_hours,
                10,
                24 * 365,
                "HEARKEN_COMPLAINT_TARGET_HOURS",
            )? as u32,
            metrics_token: metrics_token(raw.metrics_token)?,
            json_logs: json_logs(raw.log_format.as_deref())?,
        })
    }

    /// Whether links and cookies are served over TLS (directly or by a proxy in front).
    pub fn is_https(&self) -> bool {
        self.base_url.starts_with("https://")
    }

    /// The origin (scheme, host, port) that forms are allowed to come from.
    pub fn origin(&self) -> &str {
        let after_scheme = self.base_url.find("://").map_or(0, |i| i + 3);
        match self.base_url[after_scheme..].find('/') {
            Some(slash) => &self.base_url[..after_scheme + slash],
            None => &self.base_url,
        }
    }

    /// An absolute link to `path` (which starts with `/`).
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn outbox_dir(&self) -> Option<&Path> {
        match &self.mail_transport {
            MailTransport::File(dir) => Some(dir),
            _ => None,
        }
    }
}

/// The host name and the data directory as an absolute path.
fn default_node_name(data_dir: &Path) -> String {
    let host = hostname::get().map_or_else(
        |_| "localhost".to_string(),
        |name| name.to_string_lossy().into_owned(),
    );
    let dir = std::path::absolute(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    format!("{host}:{}", dir.display())
}

/// The link-signing key: a digest of the configured secret key, or (a command-line tool with
/// no key configured) a random one that lasts for this process.
fn link_key(figment: &Figment) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    match figment.extract_inner::<String>("secret_key") {
        Ok(secret) if !secret.trim().is_empty() => {
            Sha256::digest(format!("hearken links 1\n{}", secret.trim()).as_bytes()).into()
        }
        _ => rand::random(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_drops_the_path() {
        let figment = Figment::from(rocket::Config::debug_default())
            .merge(("base_url", "https://example.com:8443/surveys/"));
        let settings = Settings::from_figment(&figment).map_err(|e| e.to_string());
        let settings = settings.as_ref().map_err(String::as_str);
        assert_eq!(settings.map(|s| s.origin()), Ok("https://example.com:8443"));
        assert_eq!(
            settings.map(|s| s.base_url.as_str()),
            Ok("https://example.com:8443/surveys")
        );
    }
}
