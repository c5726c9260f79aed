//! The console log, as Rocket would print it, but with the secret in link paths blanked out.
//!
//! At `log_level = "normal"` Rocket prints every request line, `GET /r/<the token>` included,
//! and the redirect of a personal link only moves the token out of the *second* request. A log
//! is read by more people and kept longer than a database, so the token must not be in it. Rocket
//! installs its own logger only when no other is installed, so [`install`] puts this one in first
//! and takes over the job of honouring `log_level`.
//!
//! With `HEARKEN_LOG_FORMAT=json` every line is one JSON object (`time`, `level`, `target`,
//! `message`) for a log collector, with Rocket's colours taken out.
//!
//! Blanked: the segment after `/r/`, `/setup/` and `/unsubscribe/` (personal, setup and
//! unsubscribe tokens). Kept: route templates such as `/r/<token>`, and `/r/i/<id>`, whose
//! invitation id is not a secret and helps when reading the log.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use log::{Level, LevelFilter, Log, Metadata, Record};
use rocket::config::LogLevel;
use rocket::figment::Figment;

/// Path prefixes whose next segment is a secret.
const SECRET_PATHS: [&str; 3] = ["/r/", "/setup/", "/unsubscribe/"];
const BLANK: &str = "[redacted]";

static INSTALLED: AtomicBool = AtomicBool::new(false);
static JSON: AtomicBool = AtomicBool::new(false);

/// Installs the logger (once per process) and sets the level from the figment's `log_level`,
/// as Rocket does each time an application starts. Call it before the application ignites.
pub fn install(figment: &Figment) {
    // A bad value stops the start when the settings are checked; text until then.
    let format = figment.extract_inner::<String>("log_format").ok();
    JSON.store(
        crate::config::json_logs(format.as_deref()).unwrap_or(false),
        Ordering::Release,
    );
    if log::set_boxed_logger(Box::new(RedactingLogger)).is_ok() {
        INSTALLED.store(true, Ordering::Release);
    }
    // Rocket's own logger got there first (it keeps the level itself then).
    if !INSTALLED.load(Ordering::Acquire) {
        return;
    }
    let level = figment
        .extract_inner::<LogLevel>("log_level")
        .unwrap_or(LogLevel::Normal);
    log::set_max_level(match level {
        LogLevel::Critical => LevelFilter::Warn,
        LogLevel::Normal => LevelFilter::Info,
        LogLevel::Debug => LevelFilter::Trace,
        LogLevel::Off => LevelFilter::Off,
    });
}

/// `text` with the secret path segments blanked out.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((at, prefix)) = SECRET_PATHS
        .iter()
        .filter_map(|p| rest.find(p).map(|at| (at, *p)))
        .min_by_key(|(at, _)| *at)
    {
        let start = at + prefix.len();
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let end = after
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | ':' | '\x1b' | '"' | '\'') || c.is_whitespace()
            })
            .unwrap_or(after.len());
        let segment = &after[..end];
        if segment.is_empty() || segment.starts_with('<') || segment == "i" {
            out.push_str(segment);
        } else {
            out.push_str(BLANK);
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Prints a line meant for the person who started the server (the address, the setup link)
/// whatever the log level: as it is, or as one JSON object when the log is JSON.
pub fn announce(text: &str) {
    let line = if JSON.load(Ordering::Acquire) {
        json_line(Level::Info, "hearken", text.trim())
    } else {
        text.to_string()
    };
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// `text` without terminal colour codes (`ESC [ … m` and other CSI sequences).
fn without_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn json_line(level: Level, target: &str, message: &str) -> String {
    serde_json::json!({
        "time": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "level": level.as_str().to_ascii_lowercase(),
        "target": target,
        "message": without_escapes(message).trim(),
    })
    .to_string()
}

struct RedactingLogger;

/// Rocket's records meant to be shown at launch whatever the level.
fn is_launch(metadata: &Metadata<'_>) -> bool {
    metadata.target().contains("rocket::launch")
}

impl Log for RedactingLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        match log::max_level().to_level() {
            Some(max) => metadata.level() <= max || is_launch(metadata),
            None => false,
        }
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let from = |path: &str| record.module_path().is_some_and(|m| m.starts_with(path));
        let chatty = from("hyper") || from("rustls") || from("r2d2");
        if chatty && log::max_level() < LevelFilter::Trace {
            return;
        }
        // Rocket marks continuation lines with a target ending in `_`.
        let indented = record.target().ends_with('_');
        let level = if is_launch(record.metadata()) {
            Level::Info
        } else {
            record.level()
        };
        let text = redact(&record.args().to_string());
        if JSON.load(Ordering::Acquire) {
            let line = json_line(level, record.target().trim_end_matches('_'), &text);
            let _ = writeln!(std::io::stdout().lock(), "{line}");
            return;
        }
        let line = match (level, indented) {
            (_, true) => format!("   >> {text}"),
            (Level::Error, false) => format!("Error: {text}"),
            (Level::Warn, false) => format!("Warning: {text}"),
            _ => text,
        };
        // Like Rocket: a closed stdout must not take the server down.
        let _ = writeln!(std::io::stdout().lock(), "{line}");
    }

    fn flush(&self) {
        let _ = std::io::stdout().flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_paths_are_blanked_and_templates_kept() {
        let token = "Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg";
        assert_eq!(
            redact(&format!("GET /r/{token} text/html:")),
            "GET /r/[redacted] text/html:"
        );
        assert_eq!(redact(&format!("GET /r/{token}:")), "GET /r/[redacted]:");
        assert_eq!(
            redact(&format!("POST /r/{token}?saved=true")),
            "POST /r/[redacted]?saved=true"
        );
        assert_eq!(
            redact("Matched: (enter) GET /r/<token>?<saved>"),
            "Matched: (enter) GET /r/<token>?<saved>"
        );
        assert_eq!(redact("GET /r/i/abc123"), "GET /r/i/abc123");
        assert_eq!(
            redact("GET /setup/s3cret and GET /unsubscribe/c1.sig"),
            "GET /setup/[redacted] and GET /unsubscribe/[redacted]"
        );
        assert_eq!(
            redact(&format!("\x1b[34m/r/{token}\x1b[0m")),
            "\x1b[34m/r/[redacted]\x1b[0m"
        );
        assert_eq!(redact("no paths here"), "no paths here");
    }

    #[test]
    fn a_json_line_is_one_object_without_colours() {
        let line = json_line(
            Level::Warn,
            "rocket::launch",
            "\x1b[1;49;39mGET\x1b[0m /x\n",
        );
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["level"], "warn");
        assert_eq!(value["target"], "rocket::launch");
        assert_eq!(value["message"], "GET /x");
        assert!(value["time"].as_str().unwrap().ends_with('Z'));
        assert!(!line.contains('\n'));
    }
}
