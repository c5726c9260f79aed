//! The mail transports behind one type: lettre's pooled async SMTP (rustls), `.eml` files in a
//! folder, or an in-memory list for tests. Send errors are classified as temporary (try again
//! later) or permanent (give up), which is all the outbox worker needs to know.

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
    /// Will never work: a 5xx reply, an address the server refuses.
    Permanent(String),
}

impl SendError {
    pub fn message(&self) -> &str {
        match self {
            SendError::Temporary(m) | SendError::Permanent(m) => m,
        }
    }
}

/// A transport ready to send.
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
    Memory(MemoryMailbox),
}

/// How long one SMTP exchange may take; well below the worker's lease, so a row is never still
/// being sent when another worker may claim it.
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
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                Mailer::File(AsyncFileTransport::new(dir))
            }
            MailTransport::Memory => Mailer::Memory(memory.clone()),
        })
    }

    /// Sends one message to the recipients of its envelope.
    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match self {
            Mailer::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(classify),
            Mailer::File(files) => files
                .send(message)
                .await
                .map(|_| ())
                // A file that cannot be written (full disk, permissions) may work later.
                .map_err(|e| SendError::Temporary(error_text(&e))),
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
/// a dropped connection) is worth another try.
fn classify(error: lettre::transport::smtp::Error) -> SendError {
    let text = error_text(&error);
    if error.is_permanent() {
        SendError::Permanent(text)
    } else {
        SendError::Temporary(text)
    }
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
