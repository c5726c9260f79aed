//! Renders outbox rows into MIME messages. Each kind has three handlebars templates under
//! `templates/email/<kind>/` (subject, plain text, HTML), embedded in the binary so it works
//! from any folder (an operator's template folder may replace them, see [`crate::web::template`]).
//! Every sentence of an email comes from the translations of its language (`t`), filled in here;
//! templates are compiled only from these files or the operator's, and user values (names,
//! survey texts) are passed only as data.
//!
//! One registry, strict and escaping as usual. The HTML part keeps the escaping. The subject and
//! text part are not HTML, so the escaping handlebars applied to each value is undone after
//! rendering ([`unescape`]): escaping then unescaping a value gives the value back exactly, so
//! a name like `<b>Tom & "Jerry"</b>` arrives literally in the text part and escaped in HTML.
//! (The templates themselves therefore must not contain entities in their text files.)

use std::path::Path;

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use rocket_dyn_templates::handlebars::{Context, Handlebars};
use serde_json::{Value, json};

use super::message::{Message, Notice, SurveyInvitation};
use super::outbox::OutboxRow;
use crate::config::Settings;
use crate::i18n::{self, Catalog};
use crate::web::{links, template};

/// The three parts of each kind: a template name's last segment and its file in the kind's folder.
const PARTS: [(&str, &str); 3] = [
    ("subject", "subject.txt.hbs"),
    ("text", "body.txt.hbs"),
    ("html", "body.html.hbs"),
];

/// The compiled email templates.
pub struct Templates {
    registry: Handlebars<'static>,
}

/// A rendered email, before it becomes MIME.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Why a row cannot become a message; never worth retrying.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RenderError(pub String);

impl Templates {
    /// The built-in templates.
    pub fn new() -> Result<Self, RenderError> {
        Self::load(None)
    }

    /// The templates with the files of an override folder (see [`crate::web::template`]) in
    /// place of the built-in ones of the same path.
    pub fn load(overrides: Option<&Path>) -> Result<Self, RenderError> {
        let sources =
            template::sources(overrides, "email").map_err(|e| RenderError(e.to_string()))?;
        let mut registry = Handlebars::new();
        // A missing value is an error, never a silently empty line.
        registry.set_strict_mode(true);
        for kind in Message::KINDS {
            for (part, file) in PARTS {
                let name = format!("{kind}/{part}");
                let source = sources
                    .get(&format!("{kind}/{file}"))
                    .ok_or_else(|| RenderError(format!("no email template {kind}/{file}")))?;
                registry
                    .register_template_string(&name, source)
                    .map_err(|e| RenderError(format!("email template {kind}/{file}: {e}")))?;
            }
        }
        Ok(Self { registry })
    }

    /// Renders one kind with `data` (see [`template_data`]). The data becomes one handlebars
    /// context that all three parts are rendered from, rather than being converted for each.
    pub fn render(&self, kind: &str, data: Value) -> Result<Rendered, RenderError> {
        if !Message::KINDS.contains(&kind) {
            return Err(RenderError(format!("no email templates for kind `{kind}`")));
        }
        let context = Context::from(data);
        let part = |part: &str| {
            self.registry
                .render_with_context(&format!("{kind}/{part}"), &context)
                .map_err(|e| RenderError(format!("email {kind}/{part}: {e}")))
        };
        let subject = one_line(&unescape(&part("subject")?));
        Ok(Rendered {
            subject,
            text: unescape(&part("text")?),
            html: part("html")?,
        })
    }
}

/// The links an email carries, derived now from the ids and the link key; empty when the row
/// names no personal link or no contact.
pub fn links_of(row: &OutboxRow, settings: &Settings) -> (String, String) {
    let personal = row
        .link_id
        .as_deref()
        .map(|id| links::personal_link(settings, id))
        .unwrap_or_default();
    let unsubscribe = row
        .contact_id
        .as_deref()
        .map(|id| links::unsubscribe_link(settings, id))
        .unwrap_or_default();
    (personal, unsubscribe)
}

/// The data a template sees: the message's values with every optional key present (strict
/// mode), its sentences in its language (`t`), and the links.
pub fn template_data(message: &Message, personal_link: &str, unsubscribe_link: &str) -> Value {
    match message {
        Message::Invitation(m) => invitation_data(m, false, personal_link, unsubscribe_link),
        Message::Reminder(m) => invitation_data(m, true, personal_link, unsubscribe_link),
        Message::Notice(m) => notice_data(m, unsubscribe_link),
    }
}

fn notice_data(m: &Notice, unsubscribe_link: &str) -> Value {
    let t = i18n::catalog(&m.language);
    let name = m.contact_name.as_deref().map(one_line).unwrap_or_default();
    let mut strings = fixed_strings(t);
    strings.insert("email_greeting".into(), json!(greeting(t, &name)));
    let (link, link_text) = m.link.clone().unwrap_or_default();
    json!({
        "t": strings,
        "subject": one_line(&m.subject),
        "language": t.code(),
        "paragraphs": m.paragraphs,
        "highlight": m.highlight.as_deref().map(one_line).unwrap_or_default(),
        "link": link,
        "link_text": link_text,
        "unsubscribe_link": unsubscribe_link,
    })
}

fn invitation_data(
    m: &SurveyInvitation,
    reminder: bool,
    personal_link: &str,
    unsubscribe_link: &str,
) -> Value {
    let t = i18n::catalog(&m.language);
    let title = one_line(&m.survey_title);
    let name = m.contact_name.as_deref().map(one_line).unwrap_or_default();
    let survey = [("survey", title.as_str())];
    let (subject, lead) = if reminder {
        ("email_reminder_subject", "email_reminder_lead")
    } else {
        ("email_invite_subject", "email_invite_lead")
    };
    let mut strings = fixed_strings(t);
    strings.insert("email_greeting".into(), json!(greeting(t, &name)));
    strings.insert(subject.into(), json!(t.format(subject, &survey)));
    strings.insert(lead.into(), json!(t.format(lead, &survey)));
    json!({
        "t": strings,
        "survey_title": title,
        "survey_intro": m.survey_intro.trim(),
        "language": t.code(),
        "contact_name": name,
        "incentive": m.incentive.as_deref().map(str::trim).unwrap_or_default(),
        "personal_link": personal_link,
        "unsubscribe_link": unsubscribe_link,
    })
}

/// The sentences of an email that take no values, in one language.
fn fixed_strings(t: &Catalog) -> serde_json::Map<String, Value> {
    const FIXED: [&str; 6] = [
        "email_answers_matter",
        "email_button",
        "email_personal_link",
        "email_footer_reason",
        "email_unsubscribe_link",
        "email_unsubscribe_text",
    ];
    FIXED
        .iter()
        .map(|key| ((*key).to_string(), json!(t.get(key))))
        .collect()
}

fn greeting(t: &Catalog, name: &str) -> String {
    if name.is_empty() {
        t.get("email_greeting").to_string()
    } else {
        t.format("email_greeting_named", &[("name", name)])
    }
}

/// Builds the MIME message of a row: multipart/alternative, the row's Message-ID, Date, and the
/// one-click unsubscribe headers of RFC 8058 when the row names a contact.
pub fn build_message(
    row: &OutboxRow,
    from: &Mailbox,
    templates: &Templates,
    settings: &Settings,
) -> Result<lettre::Message, RenderError> {
    let message = Message::from_stored(&row.kind, &row.payload).map_err(RenderError)?;
    let (personal_link, unsubscribe_link) = links_of(row, settings);
    let data = template_data(&message, &personal_link, &unsubscribe_link);
    let rendered = templates.render(&row.kind, data)?;
    let address = row
        .recipient
        .trim()
        .parse()
        .map_err(|e| RenderError(format!("the recipient is not an email address: {e}")))?;
    let name = message
        .recipient_name()
        .map(one_line)
        .filter(|n| !n.is_empty());
    // Mailbox encodes the display name (RFC 2047 for non-ASCII, quoting for specials); control
    // characters were already replaced by `one_line`, so no value can start a header.
    let to = Mailbox::new(name, address);
    let mut builder = lettre::Message::builder()
        .from(from.clone())
        .to(to)
        .subject(rendered.subject)
        .message_id(Some(row.message_id.clone()))
        .date_now();
    let unsubscribe = unsubscribe_link;
    if !unsubscribe.is_empty() {
        builder = builder
            .raw_header(header("List-Unsubscribe", format!("<{unsubscribe}>"))?)
            .raw_header(header(
                "List-Unsubscribe-Post",
                "List-Unsubscribe=One-Click".to_string(),
            )?);
    }
    let alternative = MultiPart::alternative()
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(rendered.text),
        )
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_HTML)
                .body(rendered.html),
        );
    let calendar = match &message {
        Message::Notice(notice) => notice.calendar.as_ref(),
        _ => None,
    };
    let body = match calendar {
        None => alternative,
        // The calendar goes in twice, as mail clients expect: as the last alternative, which
        // clients that understand iTIP show as the event itself, and as an `.ics` attachment
        // for the rest.
        Some(calendar) => {
            let method = if calendar.method == "CANCEL" {
                "CANCEL"
            } else {
                "REQUEST"
            };
            let kind =
                ContentType::parse(&format!("text/calendar; charset=utf-8; method={method}"))
                    .map_err(|e| RenderError(format!("calendar content type: {e}")))?;
            MultiPart::mixed()
                .multipart(
                    alternative.singlepart(
                        SinglePart::builder()
                            .header(kind.clone())
                            .body(calendar.ics.clone()),
                    ),
                )
                .singlepart(
                    lettre::message::Attachment::new(if method == "CANCEL" {
                        "cancel.ics".to_string()
                    } else {
                        "invite.ics".to_string()
                    })
                    .body(calendar.ics.clone(), kind),
                )
        }
    };
    builder
        .multipart(body)
        .map_err(|e| RenderError(format!("cannot build the message: {e}")))
}

fn header(name: &str, value: String) -> Result<HeaderValue, RenderError> {
    let name = HeaderName::new_from_ascii(name.to_string())
        .map_err(|e| RenderError(format!("header {name}: {e}")))?;
    Ok(HeaderValue::new(name, value))
}

/// Undoes handlebars' HTML escaping (`&amp; &lt; &gt; &quot; &#x27; &#x60; &#x3D;`) in one
/// left-to-right pass, so `&amp;lt;` (an escaped `&lt;` typed by a user) becomes `&lt;` again.
pub fn unescape(text: &str) -> String {
    const ENTITIES: &[(&str, char)] = &[
        ("&amp;", '&'),
        ("&lt;", '<'),
        ("&gt;", '>'),
        ("&quot;", '"'),
        ("&#x27;", '\''),
        ("&#x60;", '`'),
        ("&#x3D;", '='),
    ];
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        match ENTITIES.iter().find(|(entity, _)| tail.starts_with(entity)) {
            Some((entity, ch)) => {
                out.push(*ch);
                rest = &tail[entity.len()..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// One line: control characters and Unicode line breaks become spaces, for headers.
pub fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
                ' '
            } else {
                c
            }
        })
        .collect::<String>()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescape_is_the_inverse_of_the_escaping() {
        let registry = Handlebars::new();
        for value in [
            "<b>Tom & \"Jerry\"</b>",
            "a=b `c` 'd'",
            "&amp;lt; already escaped",
            "plain Zoë Kovačič",
            "&",
            "&#x3D",
        ] {
            let escaped = registry
                .render_template("{{v}}", &json!({ "v": value }))
                .unwrap();
            assert_eq!(unescape(&escaped), value);
        }
    }

    #[test]
    fn user_values_are_data_never_template_source() {
        let templates = Templates::new().unwrap();
        let invitation = SurveyInvitation {
            survey_title: "{{> secret}} <i>T</i>".into(),
            survey_intro: "{{lookup this \"x\"}}".into(),
            language: "en".into(),
            contact_name: Some("<a href=\"https://evil.example\">Click</a>".into()),
            incentive: None,
        };
        let (personal, unsubscribe) = ("https://h/r/tok", "https://h/unsubscribe/c.s");
        let message = Message::Invitation(invitation.clone());
        let data = template_data(&message, personal, unsubscribe);
        let rendered = templates.render("invite", data.clone()).unwrap();
        assert!(rendered.subject.contains("{{> secret}} <i>T</i>"));
        assert!(
            rendered
                .text
                .contains("<a href=\"https://evil.example\">Click</a>")
        );
        assert!(rendered.text.contains("{{lookup this \"x\"}}"));
        assert!(!rendered.html.contains("<a href=\"https://evil.example\""));
        assert!(rendered.html.contains("&lt;a href"));
        assert!(rendered.html.contains("https://h/r/tok"));
        assert!(templates.render("nope", data).is_err());
        let reminder = template_data(&Message::Reminder(invitation), personal, unsubscribe);
        let reminder = templates.render("reminder", reminder).unwrap();
        assert!(reminder.subject.starts_with("Reminder: "));
        assert!(reminder.text.contains("https://h/unsubscribe/c.s"));
        // Without a contact there is no unsubscribe line, and strict mode still renders.
        let bare = template_data(&message, personal, "");
        let bare = templates.render("invite", bare).unwrap();
        assert!(!bare.text.contains("no more survey emails"));
    }

    #[test]
    fn a_notice_shows_its_code_right_after_its_first_sentence() {
        let templates = Templates::new().unwrap();
        let notice = Message::Notice(Notice {
            language: "en".into(),
            subject: "Your coupon <b>".into(),
            contact_name: Some("Ana".into()),
            paragraphs: vec!["Here is your code:".into(), "It is worth 10 % off.".into()],
            highlight: Some("SAVE-<ABC>".into()),
            link: Some(("https://h/draws/x".into(), "The draw".into())),
            calendar: None,
        });
        let rendered = templates
            .render(Message::NOTICE, template_data(&notice, "", ""))
            .unwrap();
        assert_eq!(rendered.subject, "Your coupon <b>");
        let (lead, code, worth) = (
            rendered.text.find("Here is your code:").unwrap(),
            rendered.text.find("SAVE-<ABC>").unwrap(),
            rendered.text.find("It is worth").unwrap(),
        );
        assert!(lead < code && code < worth, "{}", rendered.text);
        assert!(rendered.text.contains("Hello Ana,"));
        assert!(rendered.text.contains("The draw: https://h/draws/x"));
        assert!(
            !rendered.text.contains("no more survey emails"),
            "no contact, no unsubscribe"
        );
        assert!(rendered.html.contains("SAVE-&lt;ABC&gt;"));
        assert!(rendered.html.find("SAVE-&lt;ABC&gt;") < rendered.html.find("It is worth"));
    }

    #[test]
    fn one_line_removes_line_breaks() {
        assert_eq!(one_line("Eve\r\nBcc: v@x\u{2028}y\n"), "Eve  Bcc: v@x y");
    }
}
