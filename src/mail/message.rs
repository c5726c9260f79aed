//! Every kind of email Hearken sends, each with exactly the values its templates need. A
//! message is stored in its outbox row as its kind (the template folder) and its values as
//! JSON, and read back into the same type before it is rendered, so what one room writes and
//! the worker renders cannot drift apart. Links are never stored: they are derived when the
//! email is rendered (see `web::links`).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// An email to queue: who gets it and what it says.
#[derive(Debug, Clone, PartialEq)]
pub struct Email {
    pub recipient: String,
    /// The contact it is written to: its unsubscribe link, and the opt-out checks.
    pub contact_id: Option<String>,
    /// The id behind the personal link the email carries (`/r/<token>`), if any; also handed
    /// back with each delivery outcome.
    pub link_id: Option<String>,
    pub message: Message,
}

/// One variant per kind of email; each has its templates under `templates/email/<kind>/`.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// An invitation to answer a survey, with the recipient's personal link.
    Invitation(SurveyInvitation),
    /// A reminder of an invitation not yet answered.
    Reminder(SurveyInvitation),
    /// A short notice written by a room in the recipient's language: a coupon code, a prize
    /// won, a pool running low. The mail room only lays it out.
    Notice(Notice),
}

/// What a notice says: sentences already in `language`, and an optional public page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    pub language: String,
    pub subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_name: Option<String>,
    pub paragraphs: Vec<String>,
    /// A line shown apart (a coupon code, a ticket), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub highlight: Option<String>,
    /// The address of a public page (a prize draw's, never a secret link) and the words of
    /// its link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<(String, String)>,
    /// An iCalendar invitation (a focus group's), sent as its own part so mail clients offer
    /// it as an event, and as an attachment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<CalendarPart>,
}

/// An iCalendar object and its iTIP method (`REQUEST`, `CANCEL`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarPart {
    pub method: String,
    pub ics: String,
}

/// What an invitation or a reminder says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyInvitation {
    pub survey_title: String,
    #[serde(default)]
    pub survey_intro: String,
    /// The language the email is written in (one of `i18n::LANGUAGES`; English otherwise).
    pub language: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_name: Option<String>,
    /// The reward, as a sentence in the email's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incentive: Option<String>,
}

impl Message {
    pub const INVITATION: &'static str = "invite";
    pub const REMINDER: &'static str = "reminder";
    pub const NOTICE: &'static str = "notice";
    /// Every kind there are templates for.
    pub const KINDS: [&'static str; 3] = [Self::INVITATION, Self::REMINDER, Self::NOTICE];

    /// The kind stored in the outbox row, and the folder of its templates.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::Invitation(_) => Self::INVITATION,
            Message::Reminder(_) => Self::REMINDER,
            Message::Notice(_) => Self::NOTICE,
        }
    }

    /// The recipient's name, if the email greets them by it.
    pub fn recipient_name(&self) -> Option<&str> {
        match self {
            Message::Invitation(m) | Message::Reminder(m) => m.contact_name.as_deref(),
            Message::Notice(m) => m.contact_name.as_deref(),
        }
    }

    /// The values as stored in the outbox row's payload.
    pub fn payload(&self) -> Result<String> {
        match self {
            Message::Invitation(m) | Message::Reminder(m) => {
                serde_json::to_string(m).map_err(Error::internal)
            }
            Message::Notice(m) => serde_json::to_string(m).map_err(Error::internal),
        }
    }

    /// A stored message back from its kind and payload.
    pub fn from_stored(kind: &str, payload: &str) -> std::result::Result<Self, String> {
        let invitation = || {
            serde_json::from_str::<SurveyInvitation>(payload)
                .map_err(|e| format!("the {kind} payload cannot be read: {e}"))
        };
        match kind {
            Self::INVITATION => invitation().map(Message::Invitation),
            Self::REMINDER => invitation().map(Message::Reminder),
            Self::NOTICE => serde_json::from_str::<Notice>(payload)
                .map(Message::Notice)
                .map_err(|e| format!("the {kind} payload cannot be read: {e}")),
            other => Err(format!("no email templates for kind `{other}`")),
        }
    }
}

/// The domain for Message-IDs: the one of the configured sender, so replies and bounces point
/// at a domain the operator controls.
pub fn message_id_domain(mail_from: &str) -> String {
    let address = match (mail_from.rfind('<'), mail_from.rfind('>')) {
        (Some(start), Some(end)) if start < end => &mail_from[start + 1..end],
        _ => mail_from,
    };
    let domain = address.rsplit_once('@').map_or("localhost", |(_, d)| d);
    let clean: String = domain
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
        .collect();
    if clean.is_empty() {
        "localhost".to_string()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_survives_its_outbox_row() {
        let message = Message::Reminder(SurveyInvitation {
            survey_title: "Service".into(),
            survey_intro: "Why".into(),
            language: "sl".into(),
            contact_name: Some("Zoë".into()),
            incentive: None,
        });
        let payload = message.payload().unwrap();
        assert_eq!(
            Message::from_stored(message.kind(), &payload).unwrap(),
            message
        );
        assert!(Message::from_stored("nope", &payload).is_err());
        assert!(Message::from_stored("invite", "[1]").is_err());
        for kind in [Message::INVITATION, Message::REMINDER] {
            assert!(Message::from_stored(kind, &payload).is_ok());
        }
        let notice = Message::Notice(Notice {
            language: "de".into(),
            subject: "Ihr Gutschein".into(),
            contact_name: None,
            paragraphs: vec!["Danke.".into()],
            highlight: Some("SAVE-0123456789AB".into()),
            link: Some(("http://h/draws/x".into(), "Ziehung".into())),
            calendar: None,
        });
        let payload = notice.payload().unwrap();
        assert_eq!(
            Message::from_stored(Message::NOTICE, &payload).unwrap(),
            notice
        );
    }

    #[test]
    fn message_id_domain_comes_from_the_sender() {
        assert_eq!(
            message_id_domain("Hearken <surveys@example.org>"),
            "example.org"
        );
        assert_eq!(message_id_domain("a@b.example"), "b.example");
        assert_eq!(message_id_domain("nobody"), "localhost");
    }
}
