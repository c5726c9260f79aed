//! The staff pages' translation layer: converted templates carry no words of their own (every
//! word comes through `t`/`tn` or a variable), a Dutch member sees no English phrase of the
//! staff catalogues on a converted page, and the language on the account page is remembered and
//! wins over the browser's, with "Automatic" following the browser.

use hearken::i18n::staff::staff_catalog;
use rocket::http::{Header, Status};
use scraper::{Html, Node};

use crate::TestApp;
use crate::survey_pages::{create, page, post};

mod distribute;
mod editor;
mod listening;
mod results;

/// The staff templates: every word of theirs goes through the translation layer, and a template
/// on this list may not gain a literal word.
const CONVERTED: &[&str] = &[
    "layout",
    "home",
    "survey_tabs",
    "survey_list",
    "account",
    "login",
    "login_form",
    "setup",
    "error",
    "complaints",
    "complaint_form",
    "complaint_goals",
    "focus_groups",
    "focus_group",
    "problems",
    "results",
    "results_bars",
    "results_card",
    "results_score",
    "results_competitor",
    "results_nps",
    "results_rating",
    "results_table",
    "results_terms",
    "responses_browser",
    "coding",
    "invitations",
    "contacts",
    "users",
    "survey_page",
    "survey_question_form",
    "survey_reward",
    "survey_incentive",
];

/// Templates respondents and the public read: they speak the survey's language, through the
/// respondent catalogues, and are not staff pages.
const RESPONDENT: &[&str] = &[
    "respond",
    "respond_layout",
    "respond_message",
    "respond_thanks",
    "reward_box",
    "coupon_claim",
    "draw_public",
    "unsubscribe",
];

/// Attributes people read (or hear from a screen reader).
const READ_ATTRIBUTES: &[&str] = &["aria-label", "title", "placeholder", "alt", "data-label"];

fn source_of(name: &str) -> String {
    let path = format!("templates/web/{name}.html.hbs");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The template with every `{{…}}` expression (comments included) taken out, and the keys of
/// the `t`/`tn` calls written as literals.
fn without_expressions(source: &str) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut keys = Vec::new();
    let mut rest = source;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let inner = &rest[open + 2..];
        let end = if inner.starts_with("!--") {
            inner.find("--}}").map(|i| i + 4)
        } else {
            inner.find("}}").map(|i| i + 2)
        };
        let Some(end) = end else { break };
        let expression = inner[..end - 2].trim();
        for helper in ["t \"", "tn \""] {
            if let Some(key) = expression.strip_prefix(helper) {
                keys.extend(key.split('"').next().map(str::to_string));
            }
        }
        rest = &inner[end..];
    }
    out.push_str(rest);
    (out, keys)
}

fn has_letters(text: &str) -> bool {
    text.chars().any(char::is_alphabetic)
}

/// Words in `source` that bypass the layer: in text, in attributes people read, in the value of
/// a submit button.
fn bypassing(source: &str) -> Vec<String> {
    let (bare, _) = without_expressions(source);
    let fragment = Html::parse_fragment(&bare);
    let mut found = Vec::new();
    for node in fragment.tree.nodes() {
        match node.value() {
            Node::Text(text) if has_letters(text) => {
                let inside = node
                    .parent()
                    .and_then(|p| p.value().as_element().map(|e| e.name().to_string()));
                if !matches!(inside.as_deref(), Some("script" | "style")) {
                    found.push(format!("text {:?}", text.trim()));
                }
            }
            Node::Element(element) => {
                for (name, value) in element.attrs() {
                    let submit = name == "value"
                        && (element.name() == "button"
                            || matches!(element.attr("type"), Some("submit" | "button")));
                    if (READ_ATTRIBUTES.contains(&name) || submit) && has_letters(value) {
                        found.push(format!("{name}={value:?}"));
                    }
                }
            }
            _ => {}
        }
    }
    found
}

#[test]
fn converted_templates_have_no_words_outside_the_layer() {
    let english = staff_catalog("en");
    for name in CONVERTED {
        let source = source_of(name);
        let words = bypassing(&source);
        assert!(
            words.is_empty(),
            "{name}.html.hbs bypasses the layer: {words:#?}"
        );
        let (_, keys) = without_expressions(&source);
        for key in keys {
            let known = english.get(&key) != key
                || english.get(&format!("{key}_other")) != format!("{key}_other");
            assert!(
                known,
                "{name}.html.hbs uses {key:?}, which no staff catalogue has"
            );
        }
    }
}

#[test]
fn every_page_template_is_a_staff_template_or_a_respondent_one() {
    let mut unclassified = Vec::new();
    for entry in std::fs::read_dir("templates/web").unwrap().flatten() {
        let file = entry.file_name().to_string_lossy().to_string();
        let Some(name) = file.strip_suffix(".html.hbs") else {
            continue;
        };
        let staff = CONVERTED.contains(&name);
        if staff == RESPONDENT.contains(&name) {
            unclassified.push(name.to_string());
        }
    }
    assert!(
        unclassified.is_empty(),
        "each template is either a staff template (CONVERTED) or a respondent one: {unclassified:?}"
    );
}

#[test]
fn the_check_sees_a_literal_word() {
    let found = bypassing(
        r#"<p>{{t "a"}} Hello</p><button aria-label="Close">{{x}}</button><input type="submit" value="Go">"#,
    );
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(bypassing(r#"<p title="{{t "a"}}">{{t "b" n=x}} · {{y}} – 3</p>"#).is_empty());
}

/// English phrases of the staff catalogues (more than one word, different in Dutch) that
/// `html` still shows.
pub(crate) fn english_left(html: &str) -> Vec<String> {
    let document = Html::parse_document(html);
    let text: String = document.root_element().text().collect::<Vec<_>>().join(" ");
    let (english, dutch) = (staff_catalog("en"), staff_catalog("nl"));
    let english_strings: Vec<(String, String)> = hearken::i18n::staff::keys()
        .into_iter()
        .map(|key| (english.get(&key).to_string(), dutch.get(&key).to_string()))
        .collect();
    english_strings
        .into_iter()
        .filter(|(en, nl)| en != nl && en.split_whitespace().count() > 1 && !en.contains('{'))
        .filter(|(en, _)| text.contains(en.as_str()) || html.contains(&format!("\"{en}\"")))
        .map(|(en, _)| en)
        .collect()
}

pub(crate) fn choose(app: &TestApp, language: &str) -> (Status, String, String) {
    post(
        &app.client,
        &app.csrf(),
        "/account/language",
        &[("language", language)],
    )
}

fn page_in(app: &TestApp, path: &str, accept: &str) -> (Status, String) {
    let response = app
        .client
        .get(path.to_string())
        .header(Header::new("Accept-Language", accept.to_string()))
        .dispatch();
    (
        response.status(),
        response.into_string().unwrap_or_default(),
    )
}

#[test]
fn a_dutch_member_sees_no_english_on_converted_pages() {
    let app = TestApp::new();
    app.signed_in_admin();
    let id = create(&app, "Tevredenheid");
    assert_eq!(choose(&app, "nl").0, Status::SeeOther);
    let (_, account) = page(&app.client, "/account");
    assert!(
        account.contains("De taal van deze pagina&#x27;s is opgeslagen."),
        "{account}"
    );
    for path in [
        "/",
        "/surveys",
        "/account",
        &format!("/surveys/{id}/results"),
        "/nergens",
    ] {
        let (_, html) = page(&app.client, path);
        assert!(html.contains("<html lang=\"nl\">"), "{path}: {html}");
        let left = english_left(&html);
        assert!(left.is_empty(), "{path} still shows {left:?}");
    }
}

#[test]
fn signed_out_pages_follow_the_browser() {
    let app = TestApp::new();
    for path in ["/login", "/setup/not-a-token", "/surveys"] {
        let (_, html) = page_in(&app, path, "de-DE, nl;q=0.8, en;q=0.5");
        assert!(html.contains("<html lang=\"nl\">"), "{path}: {html}");
        let left = english_left(&html);
        assert!(left.is_empty(), "{path} still shows {left:?}");
    }
    let (_, html) = page(&app.client, "/login");
    assert!(html.contains("<html lang=\"en\">") && html.contains("Sign in"));
}

#[test]
fn the_choice_is_remembered_and_wins_over_the_browser() {
    let app = TestApp::new();
    app.signed_in_admin();
    assert_eq!(choose(&app, "en").0, Status::SeeOther);
    assert_eq!(app.texts("SELECT language AS value FROM users"), ["en"]);
    let (_, html) = page_in(&app, "/", "nl");
    assert!(
        html.contains("<html lang=\"en\">") && html.contains("Open surveys"),
        "{html}"
    );

    assert_eq!(choose(&app, "auto").0, Status::SeeOther);
    assert_eq!(app.count("users WHERE language IS NULL"), 1);
    let (_, html) = page_in(&app, "/", "nl-BE");
    assert!(
        html.contains("<html lang=\"nl\">") && html.contains("Lopende enquêtes"),
        "{html}"
    );
    let (_, html) = page(&app.client, "/account");
    assert!(html.contains("<option value=\"auto\" selected>"), "{html}");

    let (status, _, body) = choose(&app, "de");
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(body.contains("Language:"), "{body}");
    assert_eq!(app.count("users WHERE language IS NULL"), 1);
}

/// The text of the page's first element with `class`, as it reads.
pub(crate) fn notice_of(html: &str, class: &str) -> String {
    html.split(&format!("class=\"{class}\" role="))
        .nth(1)
        .and_then(|rest| rest.split_once('>'))
        .and_then(|(_, rest)| rest.split_once("</p>"))
        .map(|(text, _)| text.to_string())
        .unwrap_or_default()
}
