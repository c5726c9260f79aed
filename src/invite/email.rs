//! Renders outbox rows into MIME messages. Each kind has three handlebars templates under
//! `templates/email/<kind>/` (subject, plain text, HTML), embedded in the binary so it works
//! from any folder. Templates are compiled only from these staff-authored files; user values
//! (names, survey texts) are passed only as data.
//!
//! One registry, strict and escaping as usual. The HTML part keeps the escaping. The subject and
//! text part are not HTML, so the escaping handlebars applied to each value is undone after
//! rendering ([`unescape`]): escaping then unescaping a value gives the value back exactly, so
//! a name like `<b>Tom & "Jerry"</b>` arrives literally in the text part and escaped in HTML.
//! (The templates themselves therefore must not contain entities in their text files.)

use lettre::Message;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use rocket_dyn_templates::handlebars::Handlebars;
use serde_json::{Value, json};

use super::links;
use super::outbox::OutboxRow;
use crate::config::Settings;

/// The kinds of email there are templates for.
pub const KINDS: &[&str] = &["invite", "reminder"];

const TEMPLATES: &[(&str, &str)] = &[
    (
        "invite/subject",
        include_str!("../../templates/email/invite/subject.txt.hbs"),
    ),
    (
        "invite/text",
        include_str!("../../templates/email/invite/body.txt.hbs"),
    ),
    (
        "invite/html",
        include_str!("../../templates/email/invite/body.html.hbs"),
    ),
    (
        "reminder/subject",
        include_str!("../../templates/email/reminder/subject.txt.hbs"),
    ),
    (
        "reminder/text",
        include_str!("../../templates/email/reminder/body.txt.hbs"),
    ),
    (
        "reminder/html",
        include_str!("../../templates/email/reminder/body.html.hbs"),
    ),
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
    pub fn new() -> Result<Self, RenderError> {
        let mut registry = Handlebars::new();
        // A missing value is an error, never a silently empty line.
        registry.set_strict_mode(true);
        for (name, source) in TEMPLATES {
            registry
                .register_template_string(name, *source)
                .map_err(|e| RenderError(format!("email template {name}: {e}")))?;
        }
        Ok(Self { registry })
    }

    /// Renders one kind with `data` (the payload plus links).
    pub fn render(&self, kind: &str, data: &Value) -> Result<Rendered, RenderError> {
        if !KINDS.contains(&kind) {
            return Err(RenderError(format!("no email templates for kind `{kind}`")));
        }
        let part = |part: &str| {
            self.registry
                .render(&format!("{kind}/{part}"), data)
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

/// The data a template sees: the payload with every optional key present (strict mode), and
/// the links derived now from the ids and the link key.
pub fn template_data(row: &OutboxRow, settings: &Settings) -> Result<Value, RenderError> {
    let payload: Value = serde_json::from_str(&row.payload)
        .map_err(|e| RenderError(format!("the payload is not JSON: {e}")))?;
    let text = |key: &str| {
        payload
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .unwrap_or_default()
            .to_string()
    };
    let personal_link = row
        .invitation_id
        .as_deref()
        .map(|id| {
            settings.link(&format!(
                "/r/{}",
                links::personal_token(&settings.link_key, id)
            ))
        })
        .unwrap_or_default();
    let unsubscribe_link = row
        .contact_id
        .as_deref()
        .map(|id| {
            settings.link(&format!(
                "/unsubscribe/{}",
                links::unsubscribe_token(&settings.link_key, id)
            ))
        })
        .unwrap_or_default();
    Ok(json!({
        "survey_title": text("survey_title"),
        "survey_intro": text("survey_intro"),
        "language": text("language"),
        "contact_name": one_line(&text("contact_name")),
        "incentive": text("incentive"),
        "personal_link": personal_link,
        "unsubscribe_link": unsubscribe_link,
    }))
}

/// Builds the MIME message of a row: multipart/alternative, the row's Message-ID, Date, and the
/// one-click unsubscribe headers of RFC 8058 when the row names a contact.
pub fn build_message(
    row: &OutboxRow,
    from: &Mailbox,
    templates: &Templates,
    settings: &Settings,
) -> Result<Message, RenderError> {
    let data = template_data(row, settings)?;
    let rendered = templates.render(&row.kind, &data)?;
    let address = row
        .recipient
        .trim()
        .parse()
        .map_err(|e| RenderError(format!("the recipient is not an email address: {e}")))?;
    let name = data
        .get("contact_name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    // Mailbox encodes the display name (RFC 2047 for non-ASCII, quoting for specials); control
    // characters were already replaced by `one_line`, so no value can start a header.
    let to = Mailbox::new(name, address);
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(rendered.subject)
        .message_id(Some(row.message_id.clone()))
        .date_now();
    let unsubscribe = data
        .get("unsubscribe_link")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !unsubscribe.is_empty() {
        builder = builder
            .raw_header(header("List-Unsubscribe", format!("<{unsubscribe}>"))?)
            .raw_header(header(
                "List-Unsubscribe-Post",
                "List-Unsubscribe=One-Click".to_string(),
            )?);
    }
    builder
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(rendered.text),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(rendered.html),
                ),
        )
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
        let data = json!({
            "survey_title": "{{> secret}} <i>T</i>",
            "survey_intro": "{{lookup this \"x\"}}",
            "language": "en",
            "contact_name": "<a href=\"https://evil.example\">Click</a>",
            "incentive": "",
            "personal_link": "https://h/r/tok",
            "unsubscribe_link": "https://h/unsubscribe/c.s",
        });
        let rendered = templates.render("invite", &data).unwrap();
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
        assert!(templates.render("nope", &data).is_err());
        let reminder = templates.render("reminder", &data).unwrap();
        assert!(reminder.subject.starts_with("Reminder: "));
        assert!(reminder.text.contains("https://h/unsubscribe/c.s"));
        // Without a contact there is no unsubscribe line, and strict mode still renders.
        let mut bare = data.clone();
        bare["unsubscribe_link"] = json!("");
        let bare = templates.render("invite", &bare).unwrap();
        assert!(!bare.text.contains("no more survey emails"));
    }

    #[test]
    fn one_line_removes_line_breaks() {
        assert_eq!(one_line("Eve\r\nBcc: v@x\u{2028}y\n"), "Eve  Bcc: v@x y");
    }
}
