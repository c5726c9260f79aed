//! Single settings and how each is checked: the database URL with its scheme, the base URL,
//! and whole numbers within bounds.

use std::path::PathBuf;
use std::time::Duration;

/// Where the database lives; the variant is chosen from the URL's scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, ConfigError> {
        const SETTING: &str = "HEARKEN_DATABASE_URL";
        let (scheme, rest) = url.split_once(':').ok_or_else(|| {
            ConfigError::new(
                SETTING,
                format!(
                    "`{url}` has no scheme; use sqlite://<file> or postgres://user:pass@host/db"
                ),
            )
        })?;
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => {
                let path = rest.strip_prefix("//").unwrap_or(rest);
                if path.is_empty() {
                    return Err(ConfigError::new(
                        SETTING,
                        "sqlite:// needs a file path, e.g. sqlite://data/hearken.db",
                    ));
                }
                Ok(Self::Sqlite(PathBuf::from(path)))
            }
            "postgres" | "postgresql" => {
                if cfg!(feature = "postgres") {
                    Ok(Self::Postgres(url.to_string()))
                } else {
                    Err(ConfigError::new(
                        SETTING,
                        "this build has no PostgreSQL support; rebuild with `cargo build --release --features postgres`",
                    ))
                }
            }
            other => Err(ConfigError::new(
                SETTING,
                format!(
                    "unknown database scheme `{other}`; use sqlite://<file> or postgres://user:pass@host/db"
                ),
            )),
        }
    }

    /// The URL with any password replaced, for log lines and error messages.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite://{}", path.display()),
            Self::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(start), Some(at)) if at > start => {
                    let userinfo = &url[start + 3..at];
                    let user = userinfo.split(':').next().unwrap_or("");
                    format!("{}{user}:***{}", &url[..start + 3], &url[at..])
                }
                _ => url.clone(),
            },
        }
    }
}

pub(super) fn validate_base_url(url: &str) -> Result<String, ConfigError> {
    let url = url.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| {
            ConfigError::new("HEARKEN_BASE_URL", "must start with http:// or https://")
        })?;
    if rest.is_empty() || rest.contains(['?', '#', ' ', '\\']) {
        return Err(ConfigError::new(
            "HEARKEN_BASE_URL",
            format!("`{url}` is not a base URL such as https://surveys.example.com"),
        ));
    }
    Ok(url.to_string())
}

/// Far above what any relay accepts; the bound only catches a typing mistake.
pub(super) const MAX_MAIL_PER_SECOND: i64 = 100_000;

/// A whole number between 1 and `max`, or `default` when unset.
pub(super) fn bounded(
    value: Option<i64>,
    default: i64,
    max: i64,
    setting: &'static str,
) -> Result<i64, ConfigError> {
    match value {
        None => Ok(default),
        Some(v) if (1..=max).contains(&v) => Ok(v),
        Some(v) => Err(ConfigError::new(
            setting,
            format!("must be a whole number from 1 to {max}, not {v}"),
        )),
    }
}

pub(super) fn seconds(s: i64) -> Duration {
    Duration::from_secs(s.unsigned_abs())
}

pub(super) fn minutes(m: i64) -> Duration {
    Duration::from_secs(m.unsigned_abs() * 60)
}

/// A setting that cannot be used, named by the environment variable a person would change.
#[derive(Debug, thiserror::Error)]
#[error("{setting}: {message}")]
pub struct ConfigError {
    pub setting: &'static str,
    pub message: String,
}

impl ConfigError {
    pub(super) fn new(setting: &'static str, message: impl Into<String>) -> Self {
        Self {
            setting,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_scheme_picks_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/x.db").ok(),
            Some(DatabaseUrl::Sqlite(PathBuf::from("data/x.db")))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/x.db").ok(),
            Some(DatabaseUrl::Sqlite(PathBuf::from("/tmp/x.db")))
        );
        let err = DatabaseUrl::parse("mysql://root@localhost/x")
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|e| {
            e.starts_with("HEARKEN_DATABASE_URL: unknown database scheme `mysql`")
        }));
    }

    #[test]
    fn redacted_url_hides_the_password() {
        let url = DatabaseUrl::Postgres("postgres://hk:s3cret@db.internal/hearken".into());
        assert_eq!(url.redacted(), "postgres://hk:***@db.internal/hearken");
    }
}
