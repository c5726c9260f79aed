//! The mail transports behind one type: lettre's pooled async SMTP (rustls), `.eml` files in a
//! folder, or an in-memory list for tests. Send errors are classified as temporary (try again
//! later), permanent (give up) or a rejection of the recipient's address (give up, and never
//! write to that address again), which is all the outbox worker needs to know.

use std::error::Error as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::MailTransport;

/// A message as the memory transport kept it.
#[derive(Debug, Clone)]
pub struct SentMail {
    pub from: Option<String>,
    pub to: Vec<String>,
    pub raw: Vec<u8>,
}

/// The messages the memory transport "sent"; shared with tests through Rocket's state.
#[derive(Debug, Clone, Default)]
pub struct MemoryMailbox(Arc<Mutex<Vec<SentMail>>>);

impl MemoryMailbox {
    /// Everything sent so far.
    pub fn messages(&self) -> Vec<SentMail> {
        match self.0.lock() {
            Ok(list) => list.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn push(&self, mail: SentMail) {
        match self.0.lock() {
            Ok(mut list) => list.push(mail),
            Err(poisoned) => poisoned.into_inner().push(mail),
        }
    }
}

/// Why a message was not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Worth trying again later: a 4xx reply, a refused connection, a timeout, a full disk.
    Temporary(String),
    /// Will never work: a 5xx reply about the message or the sender, a message that cannot be
    /// built.
    Permanent(String),
    /// Will never work because of the recipient's address (`550 5.1.1 no such user`): as
    /// [`SendError::Permanent`], and the address goes on the suppression list.
    Rejected(String),
}

impl SendError {
    pub fn message(&self) -> &str {
        match self {
            SendError::Temporary(m) | SendError::Permanent(m) | SendError::Rejected(m) => m,
        }
    }
}

/// A transport ready to send.
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(PathBuf, AsyncFileTransport<Tokio1Executor>),
    Memory(MemoryMailbox),
}

/// How long one SMTP exchange may take: a relay that stops answering ends in a temporary
/// failure, rather than holding a row (whose lease the worker keeps renewing) for ever.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

impl Mailer {
    /// Builds the transport. Must run inside a Tokio runtime: the SMTP pool starts a task there.
    pub fn new(transport: &MailTransport, memory: &MemoryMailbox) -> Result<Self, String> {
        Ok(match transport {
            MailTransport::Smtp(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("HEARKEN_SMTP_URL: {e}"))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .pool_config(PoolConfig::new().max_size(8))
                    .build();
                Mailer::Smtp(transport)
            }
            MailTransport::File(dir) => {
                crate::config::files::create_private_dir(dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                Mailer::File(dir.clone(), AsyncFileTransport::new(dir))
            }
            MailTransport::Memory => Mailer::Memory(memory.clone()),
        })
    }

    /// Sends one message to the recipients of its envelope.
    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match self {
            Mailer::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(classify),
            Mailer::File(dir, files) => {
                let id = files
                    .send(message)
                    .await
                    // A file that cannot be written (full disk, permissions) may work later.
                    .map_err(|e| SendError::Temporary(error_text(&e)))?;
                // The message holds personal links; the file is made private whatever the umask.
                // It is written already, so a failure here is reported but not retried.
                let path = dir.join(format!("{id}.eml"));
                if let Err(e) = crate::config::files::tighten(&path) {
                    log::warn!("cannot restrict the permissions of {}: {e}", path.display());
                }
                Ok(())
            }
            Mailer::Memory(mailbox) => {
                let envelope = message.envelope();
                mailbox.push(SentMail {
                    from: envelope.from().map(|a| a.to_string()),
                    to: envelope.to().iter().map(|a| a.to_string()).collect(),
                    raw: message.formatted(),
                });
                Ok(())
            }
        }
    }
}

/// 5xx replies are permanent; everything else (4xx, refused connections, timeouts, TLS hiccups,
/// a dropped connection) is worth another try. A permanent reply that is about the recipient's
/// address is a rejection.
fn classify(error: lettre::transport::smtp::Error) -> SendError {
    let text = error_text(&error);
    match error.status() {
        Some(code) if error.is_permanent() => {
            // lettre keeps the reply's text (which starts with any enhanced status code) as the
            // error's source.
            let reply = error.source().map(|s| s.to_string()).unwrap_or_default();
            if rejects_recipient(&code.to_string(), &reply) {
                SendError::Rejected(text)
            } else {
                SendError::Permanent(text)
            }
        }
        _ if error.is_permanent() => SendError::Permanent(text),
        _ => SendError::Temporary(text),
    }
}

/// Whether a permanent reply (`code`, and the `text` after it) says the recipient's address is
/// bad. lettre does not tell which command a reply answered, and a plain `550` also answers
/// MAIL FROM (a relay refusing our sender) or DATA (a refused message): suppressing on those
/// would silence every recipient for a fault of our own. So only replies that can only be about
/// the recipient count: `551` (user not local, a reply to RCPT only), and RFC 3463 enhanced
/// codes 5.1.x that name the destination address (bad mailbox, bad system, bad syntax,
/// ambiguous, moved, null MX); not 5.1.7/5.1.8, which are about the sender.
fn rejects_recipient(code: &str, text: &str) -> bool {
    if !code.starts_with('5') {
        return false;
    }
    if code == "551" {
        return true;
    }
    let enhanced = text.split_whitespace().next().unwrap_or_default();
    let mut parts = enhanced.split('.');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (
            Some("5"),
            Some("1"),
            Some("1" | "2" | "3" | "4" | "6" | "10"),
            None
        )
    )
}

/// The error with its causes, for `last_error`.
fn error_text(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text.chars().take(1000).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_replies_about_the_recipient_reject_it() {
        assert!(rejects_recipient("550", "5.1.1 no such user"));
        assert!(rejects_recipient("553", "5.1.3 bad address syntax"));
        assert!(rejects_recipient("556", "5.1.10 null MX"));
        assert!(rejects_recipient("551", "user not local"));
        // A transient reply, even with an address status, is retried, never suppressed.
        assert!(!rejects_recipient("450", "4.1.1 unverified address"));
        assert!(!rejects_recipient("451", "4.3.0 try again later"));
        // About the sender, the message, or unknown: not the recipient's fault for sure.
        assert!(!rejects_recipient(
            "550",
            "5.1.8 bad sender's system address"
        ));
        assert!(!rejects_recipient("550", "5.7.1 sender not allowed"));
        assert!(!rejects_recipient("554", "5.6.0 message content rejected"));
        assert!(!rejects_recipient("550", "no such user here"));
        assert!(!rejects_recipient("550", "5.1.1.9 odd"));
    }
}
