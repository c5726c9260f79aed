//! The one error type of the application. Each variant knows its HTTP status and the code and
//! message of the JSON envelope of the API contract; `web::catchers` answers it (the envelope
//! under `/api`, a plain HTML page elsewhere). Server errors keep their source so the cause
//! chain is logged, and show no internals to the client.

use std::error::Error as StdError;

use rocket::http::Status;
use serde::Serialize;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The body could not be parsed at all (malformed JSON, wrong content type).
    #[error("{0}")]
    BadRequest(String),
    /// Well-formed input with a value that is not acceptable; `field` is the path to it.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("authentication required")]
    Unauthorized,
    /// A login with a wrong email or password; the same answer whether or not the account exists.
    #[error("the email or password is not correct")]
    BadCredentials,
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    /// The request conflicts with the current state of an object.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// A conflict explained by a list the client can act on, sent beside the envelope (e.g. the
    /// lint hints that block publishing).
    #[error("{message}")]
    ConflictWith {
        code: &'static str,
        message: String,
        key: &'static str,
        details: serde_json::Value,
    },
    /// The object existed but is no longer usable (a coupon past its expiry date).
    #[error("{0}")]
    Gone(String),
    #[error("the request body is larger than the limit of {limit}")]
    TooLarge { limit: String },
    #[error("too many attempts; try again in {retry_after_secs} seconds")]
    TooMany { retry_after_secs: u64 },
    /// The database cannot take a write (or be reached) just now: a full disk, an I/O error, a
    /// lock held past the busy timeout, a lost connection. Nothing was stored; the same request
    /// can succeed a little later, so the answer is 503 with `Retry-After`.
    #[error("the database cannot be written just now")]
    Unavailable(#[source] Box<dyn StdError + Send + Sync>),
    #[error("database error")]
    Database(#[source] diesel::result::Error),
    #[error("database unavailable")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("internal error")]
    Internal(#[source] Box<dyn StdError + Send + Sync>),
}

impl Error {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
        }
    }

    pub fn forbidden() -> Self {
        Self::Forbidden("your role does not allow this".into())
    }

    pub fn internal(source: impl StdError + Send + Sync + 'static) -> Self {
        Self::Internal(Box::new(source))
    }

    pub fn status(&self) -> Status {
        match self {
            Self::BadRequest(_) => Status::BadRequest,
            Self::Invalid { .. } => Status::UnprocessableEntity,
            Self::Unauthorized | Self::BadCredentials => Status::Unauthorized,
            Self::Forbidden(_) => Status::Forbidden,
            Self::NotFound => Status::NotFound,
            Self::Conflict { .. } | Self::ConflictWith { .. } => Status::Conflict,
            Self::Gone(_) => Status::Gone,
            Self::TooLarge { .. } => Status::PayloadTooLarge,
            Self::TooMany { .. } => Status::TooManyRequests,
            Self::Unavailable(_) | Self::Pool(_) => Status::ServiceUnavailable,
            Self::Database(_) | Self::Internal(_) => Status::InternalServerError,
        }
    }

    /// The stable machine-readable code of the JSON envelope.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Conflict { code, .. } | Self::ConflictWith { code, .. } => code,
            _ => code_for(self.status()),
        }
    }

    /// What the client is told: never internals for server errors.
    pub fn public_message(&self) -> String {
        if self.status() == Status::ServiceUnavailable {
            "the database cannot take changes just now; nothing was stored, please try again in a minute"
                .to_string()
        } else if self.status().code >= 500 {
            "something went wrong on our side; it has been logged".to_string()
        } else {
            self.to_string()
        }
    }

    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }

    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::TooMany { retry_after_secs } => Some(*retry_after_secs),
            Self::Unavailable(_) | Self::Pool(_) => Some(UNAVAILABLE_RETRY_SECS),
            _ => None,
        }
    }

    /// The same "cannot write now" condition for another caller (an error is not `Clone`):
    /// the cause's text, without repeating this error's own words.
    pub fn unavailable_copy(&self) -> Self {
        let chain = self.chain();
        let cause = chain
            .strip_prefix(&format!("{self}: "))
            .unwrap_or(&chain)
            .to_string();
        Self::Unavailable(cause.into())
    }

    /// The error and each of its sources, for the log.
    pub fn chain(&self) -> String {
        let mut text = self.to_string();
        let mut source = self.source();
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        text
    }
}

impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error as D};
        if cannot_write_now(&e) {
            return Self::Unavailable(Box::new(e));
        }
        match e {
            D::NotFound => Self::NotFound,
            D::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => Self::conflict(
                "conflict",
                "an object with the same unique value already exists",
            ),
            other => Self::Database(other),
        }
    }
}

/// How long a client is asked to wait when the database cannot take writes (`Retry-After`).
pub const UNAVAILABLE_RETRY_SECS: u64 = 60;

/// Whether a database error means "cannot write now" rather than "this request is wrong": the
/// disk is full, an I/O error, a lock still held after the busy timeout, a read-only file, a
/// lost connection. Matched on SQLite's and PostgreSQL's own messages, because Diesel reports
/// these conditions under its catch-all kind.
pub fn cannot_write_now(error: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error as D};
    const MESSAGES: [&str; 9] = [
        // SQLite: SQLITE_FULL, SQLITE_IOERR, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY.
        "database or disk is full",
        "disk i/o error",
        "database is locked",
        "database table is locked",
        "attempt to write a readonly database",
        // PostgreSQL: disk_full (53100) and the write errors behind it, a lost server.
        "no space left on device",
        "could not extend file",
        "could not write to file",
        "server closed the connection unexpectedly",
    ];
    match error {
        D::DatabaseError(DatabaseErrorKind::ClosedConnection, _) | D::BrokenTransactionManager => {
            true
        }
        D::RollbackErrorOnCommit { commit_error, .. } => cannot_write_now(commit_error),
        D::DatabaseError(_, info) => {
            let message = info.message().to_ascii_lowercase();
            MESSAGES.iter().any(|m| message.contains(m))
        }
        _ => false,
    }
}

/// A status without a specific error (from a catcher) gets the same code words.
pub fn code_for(status: Status) -> &'static str {
    match status.code {
        400 => "malformed_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        410 => "gone",
        413 => "too_large",
        415 => "unsupported_media_type",
        422 => "invalid_field",
        429 => "rate_limited",
        503 => "unavailable",
        _ => "internal",
    }
}

/// An error. A 409 may carry a list the client can act on beside `error` (e.g. `hints`).
// Also the `Error` schema of the OpenAPI document, hence the name below.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub(crate) struct Envelope<'a> {
    #[schema(inline)]
    error: EnvelopeBody<'a>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct EnvelopeBody<'a> {
    /// The HTTP status again.
    status: u16,
    /// A stable code for programs, e.g. `invalid_field`, `survey_not_open`.
    code: &'a str,
    /// For people; never internals.
    message: &'a str,
    /// The path of the input at fault, e.g. `questions[3].options` (422 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

/// The JSON envelope of API.md, for errors and for catchers alike.
pub fn json_envelope(status: Status, code: &str, message: &str, field: Option<&str>) -> String {
    serde_json::to_string(&Envelope {
        error: EnvelopeBody {
            status: status.code,
            code,
            message,
            field,
        },
    })
    .unwrap_or_else(|_| {
        format!(
            "{{\"error\":{{\"status\":{},\"code\":\"internal\",\"message\":\"\"}}}}",
            status.code
        )
    })
}
