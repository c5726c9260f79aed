//! The staff pages' translation layer: converted templates carry no words of their own (every
//! word comes through `t`/`tn` or a variable), a Dutch member sees no English phrase of the
//! staff catalogues on a converted page, and the language on the account page is remembered and
//! wins over the browser's, with "Automatic" following the browser.

use hearken::i18n::staff::staff_catalog;
use rocket::http::{Header, Status};
use scraper::{Html, Node};

use crate::TestApp;
use crate::survey_pages::{create, page, post};

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
fn english_left(html: &str) -> Vec<String> {
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

fn choose(app: &TestApp, language: &str) -> (Status, String, String) {
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

#[test]
fn a_dutch_member_sees_no_english_on_listening_pages() {
    let app = TestApp::new();
    app.signed_in_admin();
    assert_eq!(choose(&app, "nl").0, Status::SeeOther);
    let csrf = app.csrf();
    let dutch = |path: &str, expected: &[&str]| {
        let (status, html) = page(&app.client, path);
        assert!(status == Status::Ok, "{path}: {status}");
        assert!(html.contains("<html lang=\"nl\">"), "{path}: {html}");
        let left = english_left(&html);
        assert!(left.is_empty(), "{path} still shows {left:?}");
        for word in expected {
            assert!(html.contains(word), "{path} lacks {word:?}: {html}");
        }
        html
    };

    // Empty states.
    dutch("/complaints", &["Er zijn nog geen klachten geregistreerd."]);
    dutch("/complaints/goals", &["Servicedoelen", "Nog geen opgelost"]);
    dutch("/focus-groups", &["Er is nog geen focusgroep gepland."]);
    dutch(
        "/problems",
        &["In deze periode is niets met een tag gezegd"],
    );
    dutch(
        "/complaints/new",
        &["Klacht registreren", "Binnengekomen via"],
    );

    // A refused complaint comes back in Dutch, what was typed kept.
    let typed = [
        ("customer_name", "Mia Balie"),
        ("customer_email", "geen-adres"),
        ("received_by", "Sam"),
        ("category", "Personeel"),
        ("channel", "phone"),
        ("nature", "Veertig minuten gewacht"),
        ("tags", "Wachttijd"),
    ];
    let (status, _, html) = post(&app.client, &csrf, "/complaints", &typed);
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(english_left(&html).is_empty(), "{:?}", english_left(&html));
    assert!(html.contains("De klacht is niet opgeslagen:"), "{html}");

    let mut fixed = typed.to_vec();
    fixed[1] = ("customer_email", "mia@example.com");
    let (status, location, _) = post(&app.client, &csrf, "/complaints", &fixed);
    assert_eq!(status, Status::SeeOther);
    dutch(
        &location,
        &[
            "De klacht van Mia Balie is geregistreerd.",
            "Heeft de klacht geregistreerd.",
        ],
    );
    let mut edit = fixed.clone();
    edit.push(("steps_taken", "Tweede kassa open"));
    edit.push(("status", "resolved"));
    assert_eq!(
        post(&app.client, &csrf, &location, &edit).0,
        Status::SeeOther
    );
    dutch(
        &location,
        &[
            "De wijzigingen zijn opgeslagen.",
            "Stappen die worden gezet: (leeg) → Tweede kassa open",
            "Status: open → opgelost",
            ">opgelost</span>",
        ],
    );
    dutch("/complaints", &["Mia Balie", ">opgelost</span>"]);
    dutch(
        "/complaints?status=resolved&q=nobody",
        &["Geen klachten voldoen aan deze filters."],
    );
    dutch(
        "/complaints/goals",
        &[
            "Opgelost binnen 10 uur",
            "1 klacht geregistreerd, 1 opgelost.",
        ],
    );

    // A focus group with a quote from someone who is not named.
    let (status, group, _) = post(
        &app.client,
        &csrf,
        "/focus-groups",
        &[
            ("title", "Baliepersoneel"),
            ("audience", "employees"),
            ("scheduled_at", "2026-12-12T10:00"),
            ("duration_minutes", "60"),
            ("guide", "Waar wachten klanten?"),
        ],
    );
    assert_eq!(status, Status::SeeOther);
    let (status, _, _) = post(
        &app.client,
        &csrf,
        &format!("{group}/participants"),
        &[("name", "Dara")],
    );
    assert_eq!(status, Status::SeeOther);
    let html = dutch(
        &group,
        &["Dara is deelnemer 1.", "met medewerkers", "60 minuten"],
    );
    let dara = html
        .split(">Dara</option>")
        .next()
        .and_then(|before| before.rsplit("<option value=\"").next())
        .and_then(|rest| rest.split('"').next())
        .expect("Dara's option")
        .to_string();
    for (kind, item, text) in [
        ("quote", "0", "Te lang in de rij"),
        ("note", "", "Te weinig kassa's"),
    ] {
        let (status, _, _) = post(
            &app.client,
            &csrf,
            &format!("{group}/notes"),
            &[
                ("text", text),
                ("kind", kind),
                ("guide_item", item),
                ("participant_id", &dara),
                ("tags", "Wachttijd"),
            ],
        );
        assert_eq!(status, Status::SeeOther);
    }
    dutch(
        &group,
        &["Deelnemer 1", "Overige aantekeningen", "Leidraad"],
    );
    dutch("/focus-groups", &["Medewerkers", "Focusgroep plannen"]);

    // The problems, and a period refused.
    dutch(
        "/problems",
        &[
            "Grootste problemen",
            "3 uitspraken met deze tag, uit 2 soorten bronnen",
            "Aantekeningen uit focusgroepen",
            "Klacht · Personeel",
        ],
    );
    let (status, html) = page(&app.client, "/problems?from=morgen");
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(english_left(&html).is_empty(), "{:?}", english_left(&html));
    assert!(html.contains("Van: ‘morgen’ is geen datum"), "{html}");
}

#[test]
fn a_dutch_member_sees_no_english_on_results_pages() {
    use crate::result_pages::{four, published};
    use crate::results::submit_all;
    use rocket::http::ContentType;

    let app = TestApp::new();
    app.signed_in_admin();
    assert_eq!(choose(&app, "nl").0, Status::SeeOther);
    let dutch = |path: &str, status: Status, expected: &[&str]| {
        let (got, html) = page(&app.client, path);
        assert_eq!(got, status, "{path}: {html}");
        assert!(html.contains("<html lang=\"nl\">"), "{path}: {html}");
        let left = english_left(&html);
        assert!(left.is_empty(), "{path} still shows {left:?}");
        for words in expected {
            assert!(html.contains(words), "{path} lacks {words:?}: {html}");
        }
        html
    };

    // Before anyone answers: the empty states.
    let (_, empty) = published(&app, "Leeg", crate::surveys::all_kinds());
    dutch(
        &format!("/surveys/{empty}/results"),
        Status::Ok,
        &[
            "Nog geen reacties",
            "Nog niemand uitgenodigd",
            "Cijfers filteren",
        ],
    );
    dutch(
        &format!("/surveys/{empty}/responses"),
        Status::Ok,
        &["Nog niemand heeft geantwoord.", "Alle kanalen"],
    );
    dutch(
        &format!("/surveys/{empty}/coding/improve"),
        Status::Ok,
        &[
            "Nog niemand heeft deze vraag beantwoord.",
            "0 antwoorden tot nu toe gecodeerd",
        ],
    );

    // Four responses to every kind of question, one invitation.
    let (_, id) = published(&app, "Tevredenheid", crate::surveys::all_kinds());
    let [a, b, c, d] = four();
    submit_all(
        &app,
        &id,
        vec![
            (a, "api", None),
            (b, "api", None),
            (c, "link", None),
            (d, "link", None),
        ],
    );
    app.invite(&id, None);
    let results = format!("/surveys/{id}/results");
    let html = dutch(
        &results,
        Status::Ok,
        &[
            "Beantwoord door 4",
            "Cijfers als tabel",
            "Criticasters",
            "Gemiddelde score per kenmerk",
            "Vergelijking met concurrenten",
            "0 van 1 uitgenodigde persoon heeft geantwoord",
            "Download alle reacties:",
        ],
    );
    assert!(html.contains("3,5"), "Dutch decimals: {html}");
    dutch(
        &format!("{results}?channel=open"),
        Status::Ok,
        &["Gefilterd:", "via de open link", "Reacties in dit segment"],
    );
    let tomorrow = chrono::Utc::now().date_naive().succ_opt().unwrap();
    dutch(
        &format!("{results}?from={tomorrow}"),
        Status::Ok,
        &["Geen reacties in dit segment", "ingestuurd op of na"],
    );
    dutch(
        &format!("{results}?from=gisteren"),
        Status::UnprocessableEntity,
        &["is geen datum", "Er is een probleem met het filter"],
    );
    dutch(
        &format!("{results}?attribute=winkel"),
        Status::UnprocessableEntity,
        &["Vul de waarde in"],
    );

    let responses = format!("/surveys/{id}/responses");
    dutch(
        &responses,
        Status::Ok,
        &["Nieuwste eerst.", "Via de API", "Us (wij)", "weet ik niet"],
    );
    dutch(
        &format!("{responses}?word=delivery"),
        Status::Ok,
        &["Antwoorden met", "Alle reacties tonen"],
    );
    dutch(
        &format!("{responses}?word=zzzz"),
        Status::Ok,
        &["Geen enkele reactie komt overeen."],
    );

    // Coding every answer, to the end, then the themes on the results page.
    let coding = format!("/surveys/{id}/coding/improve");
    let mut html = dutch(
        &coding,
        Status::Ok,
        &["Antwoorden coderen", "Opslaan en volgende"],
    );
    while let Some(response) = crate::hidden_value(&html, "response") {
        let cursor = crate::hidden_value(&html, "cursor").unwrap_or_default();
        let saved = app
            .client
            .post(coding.clone())
            .header(ContentType::Form)
            .body(crate::form(&[
                ("csrf", &app.csrf()),
                ("response", &response),
                ("cursor", &cursor),
                ("tags", "Levering"),
                ("add", ""),
            ]))
            .dispatch();
        assert_eq!(saved.status(), Status::SeeOther);
        let next = saved.headers().get_one("Location").unwrap().to_string();
        html = dutch(&next, Status::Ok, &["tot nu toe gecodeerd"]);
    }
    assert!(html.contains("Dat was het laatste antwoord"), "{html}");
    assert!(html.contains("Thema&#x27;s van deze vraag"), "{html}");
    dutch(
        &results,
        Status::Ok,
        &["Thema&#x27;s", "Deze antwoorden coderen"],
    );
}

#[test]
fn a_dutch_member_sees_no_english_on_distribute_and_users_pages() {
    let app = TestApp::new();
    let admin = app.signed_in_admin();
    let token = app.token(&admin);
    assert_eq!(choose(&app, "nl").0, Status::SeeOther);
    let csrf = app.csrf();
    let dutch = |path: &str, html: &str, expected: &[&str]| {
        assert!(html.contains("<html lang=\"nl\">"), "{path}: {html}");
        let left = english_left(html);
        assert!(left.is_empty(), "{path} still shows {left:?}");
        for words in expected {
            assert!(html.contains(words), "{path}: no {words:?} in {html}");
        }
    };

    // Contacts: empty, an import with rejected rows, a refused file, a search with no match.
    let (_, html) = page(&app.client, "/contacts");
    dutch("/contacts", &html, &["Geen contacten.", "Importeren"]);
    let csv = "email,name\nok@example.com,Ok\nnot-an-email,Bad\nshort@example.com\n";
    let (status, _, html) = post(&app.client, &csrf, "/contacts/import", &[("csv", csv)]);
    assert_eq!(status, Status::Ok);
    dutch(
        "/contacts/import",
        &html,
        &[
            "Geïmporteerd: 1 nieuw contact, 0 contacten bijgewerkt.",
            "2 regels zijn niet geïmporteerd.",
            "e-mailadres is geen geldig e-mailadres",
            "heeft 1 kolommen terwijl de kopregel er 2 heeft",
            "Afgewezen regels",
            "nee",
        ],
    );
    let (status, _, html) = post(
        &app.client,
        &csrf,
        "/contacts/import",
        &[("csv", "name\nx\n")],
    );
    assert_eq!(status, Status::UnprocessableEntity);
    dutch("/contacts/import (refused)", &html, &["class=\"error\""]);
    let (_, html) = page(&app.client, "/contacts?q=nobody");
    dutch(
        "/contacts?q=nobody",
        &html,
        &["Geen contacten gevonden.", "‘nobody’"],
    );

    // Invitations: a draft, then an open survey with invitations, reminders and refusals.
    let draft = create(&app, "Concept");
    let path = format!("/surveys/{draft}/invitations");
    let (_, html) = page(&app.client, &path);
    dutch(
        &path,
        &html,
        &[
            "Publiceer de enquête om mensen uit te nodigen.",
            "Er is nog niemand uitgenodigd.",
        ],
    );
    let (status, survey) = crate::surveys::post(
        &app,
        &token,
        "/api/v1/surveys",
        &crate::surveys::survey_body("Tevredenheid"),
    );
    assert_eq!(status, Status::Created);
    let survey = survey["id"].as_str().unwrap().to_string();
    crate::surveys::post(
        &app,
        &token,
        &format!("/api/v1/surveys/{survey}/publish"),
        &serde_json::json!({}),
    );
    let path = format!("/surveys/{survey}/invitations");
    let (status, _, html) = post(
        &app.client,
        &csrf,
        &path,
        &[
            ("who", "listed"),
            ("emails", "ok@example.com\nnobody@example.com"),
        ],
    );
    assert_eq!(status, Status::Ok);
    dutch(&path, &html, &["Uitgenodigde deelnemers"]);
    assert_eq!(
        notice_of(&html, "notice"),
        "1 uitnodiging in de wachtrij gezet."
    );
    assert!(
        notice_of(&html, "error").starts_with("Dit adres is nog geen contact"),
        "{html}"
    );
    let (_, _, html) = post(
        &app.client,
        &csrf,
        &path,
        &[("who", "listed"), ("emails", "OK@example.com")],
    );
    assert_eq!(
        notice_of(&html, "notice"),
        "0 uitnodigingen in de wachtrij gezet. Overgeslagen: 1 al uitgenodigd."
    );
    let (status, _, html) = post(&app.client, &csrf, &path, &[("who", "all")]);
    assert_eq!(status, Status::UnprocessableEntity);
    dutch(&path, &html, &["Vink het vakje aan om te bevestigen"]);
    let (status, _, html) = post(
        &app.client,
        &csrf,
        &path,
        &[("who", "listed"), ("emails", " ")],
    );
    assert_eq!(status, Status::UnprocessableEntity);
    dutch(&path, &html, &["Plak minstens één e-mailadres"]);
    let limit = format!("{path}/reminder-limit");
    let (status, _, html) = post(&app.client, &csrf, &limit, &[("max_reminders", "2")]);
    assert_eq!(status, Status::Ok);
    dutch(
        &limit,
        &html,
        &["Elke genodigde krijgt nu hoogstens 2 herinneringen."],
    );
    let (status, _, html) = post(&app.client, &csrf, &limit, &[("max_reminders", "99")]);
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(
        notice_of(&html, "error").starts_with("Maximaal aantal herinneringen per persoon: "),
        "{html}"
    );
    let reminders = format!("/surveys/{survey}/reminders");
    let (status, _, html) = post(&app.client, &csrf, &reminders, &[]);
    assert_eq!(status, Status::Ok);
    dutch(
        &reminders,
        &html,
        &["in de wachtrij gezet.", "class=\"notice\""],
    );
    let (_, html) = page(&app.client, &path);
    dutch(&path, &html, &["Herinneringen versturen", "Laatste fout"]);

    // Staff users: the list, a refused and an accepted new user, and deactivating oneself.
    let (_, html) = page(&app.client, "/admin/users");
    dutch(
        "/admin/users",
        &html,
        &["Actief · jij", "beheerder", "Gebruiker toevoegen"],
    );
    let (status, _, html) = post(
        &app.client,
        &csrf,
        "/admin/users",
        &[
            ("name", "Dirk"),
            ("email", "not-an-email"),
            ("role", "designer"),
            ("password", "a long enough password"),
        ],
    );
    assert_eq!(status, Status::UnprocessableEntity);
    dutch("/admin/users (refused)", &html, &["class=\"error\""]);
    let (status, _, _) = post(
        &app.client,
        &csrf,
        "/admin/users",
        &[
            ("name", "Dirk"),
            ("email", "dirk@example.com"),
            ("role", "designer"),
            ("password", "a long enough password"),
        ],
    );
    assert_eq!(status, Status::SeeOther);
    let (_, html) = page(&app.client, "/admin/users");
    dutch(
        "/admin/users",
        &html,
        &[
            "Dirk kan nu inloggen als ontwerper.",
            "Actief · Dirk deactiveren",
        ],
    );
    let (status, _, _) = post(
        &app.client,
        &csrf,
        &format!("/admin/users/{}/active", admin.id),
        &[("active", "false")],
    );
    assert_eq!(status, Status::SeeOther);
    let (_, html) = page(&app.client, "/admin/users");
    dutch("/admin/users", &html, &["Je kunt jezelf niet deactiveren."]);
}

/// The text of the page's first element with `class`, as it reads.
fn notice_of(html: &str, class: &str) -> String {
    html.split(&format!("class=\"{class}\" role="))
        .nth(1)
        .and_then(|rest| rest.split_once('>'))
        .and_then(|(_, rest)| rest.split_once("</p>"))
        .map(|(text, _)| text.to_string())
        .unwrap_or_default()
}

#[test]
fn a_dutch_member_sees_no_english_on_editor_pages() {
    let app = TestApp::new();
    app.signed_in_admin();
    assert_eq!(choose(&app, "nl").0, Status::SeeOther);
    let id = create(&app, "Tevredenheid");
    let build = format!("/surveys/{id}");
    let dutch = |path: &str, html: &str, words: &[&str]| {
        assert!(html.contains("<html lang=\"nl\">"), "{path}: {html}");
        let left = english_left(html);
        assert!(left.is_empty(), "{path} still shows {left:?}");
        for word in words {
            assert!(html.contains(word), "{path} lacks {word:?}: {html}");
        }
    };

    // The empty draft, with the notice of its creation.
    let (_, html) = page(&app.client, &build);
    dutch(
        &build,
        &html,
        &[
            "Er zijn nog geen vragen.",
            "Vraag toevoegen",
            "Publiceren",
            "Concept verwijderen",
        ],
    );

    // Questions that draw hints, a page break and a scale with labels.
    let csrf = app.csrf();
    let add = |fields: &[(&str, &str)]| {
        post(
            &app.client,
            &csrf,
            &format!("/surveys/{id}/questions"),
            fields,
        )
    };
    let (status, _, _) = add(&[
        ("kind", "rating"),
        ("prompt", "Hoe vriendelijk was het personeel?"),
        ("scale_min", "1"),
        ("scale_min_label", "Slecht"),
        ("scale_max", "5"),
        ("scale_max_label", "Goed"),
        ("page_title", "Je bezoek"),
    ]);
    assert_eq!(status, Status::SeeOther);
    let (status, _, _) = add(&[
        ("kind", "multi_choice"),
        ("prompt", "Wat kocht je?"),
        ("options", "Brood\nKaas"),
        ("required", "true"),
    ]);
    assert_eq!(status, Status::SeeOther);
    let (_, html) = page(&app.client, &build);
    dutch(
        &build,
        &html,
        &[
            "De vraag is toegevoegd.",
            "Beoordeling",
            "schaal 1 (Slecht) tot 5 (Goed)",
            "Nieuwe pagina: Je bezoek",
            "verplicht",
            "Er is geen open vraag",
            "Er is geen inleiding",
            "Advies:",
            "Vraag 2 omhoog verplaatsen",
            "Ja, vraag 1 verwijderen",
        ],
    );

    // Refusals: a question without its prompt, publishing without the tick.
    let (status, _, html) = add(&[("kind", "text"), ("prompt", "")]);
    assert_eq!(status, Status::UnprocessableEntity);
    dutch(&build, &html, &["Korte tekst"]);
    let (status, _, html) = post(&app.client, &csrf, &format!("/surveys/{id}/publish"), &[]);
    assert_eq!(status, Status::UnprocessableEntity);
    dutch(&build, &html, &["vink het vakje aan"]);

    // The reward page, refused and saved; then the coupons page with its codes.
    let reward = format!("/surveys/{id}/reward");
    let (_, html) = page(&app.client, &reward);
    dutch(
        &reward,
        &html,
        &["Beloning voor het invullen", "Beloning opslaan"],
    );
    let (status, _, html) = post(
        &app.client,
        &csrf,
        &reward,
        &[
            ("kind", "lottery"),
            ("prize", "Een fiets"),
            ("winners", "veel"),
        ],
    );
    assert_eq!(status, Status::UnprocessableEntity);
    dutch(
        &reward,
        &html,
        &["moet een geheel getal van 1 tot en met 1000 zijn"],
    );
    let (status, _, _) = post(
        &app.client,
        &csrf,
        &reward,
        &[("kind", "pool"), ("value", "10 % korting")],
    );
    assert_eq!(status, Status::SeeOther);
    let coupons = format!("/surveys/{id}/incentive");
    let (_, html) = page(&app.client, &coupons);
    dutch(
        &coupons,
        &html,
        &["Codes aan de voorraad toevoegen", "Uitgegeven"],
    );
    let (_, _, html) = post(
        &app.client,
        &csrf,
        &format!("{coupons}/codes"),
        &[("codes", "KAAS-1\nKAAS-1")],
    );
    dutch(
        &coupons,
        &html,
        &["1 code toegevoegd, 1 dubbele overgeslagen"],
    );
    let (_, _, html) = post(
        &app.client,
        &csrf,
        &format!("{coupons}/codes"),
        &[("codes", "")],
    );
    dutch(&coupons, &html, &["typ of plak minstens één code"]);
    let (_, _, html) = post(
        &app.client,
        &csrf,
        &format!("{coupons}/redeem"),
        &[("code", "ONBEKEND")],
    );
    dutch(&coupons, &html, &["Er is geen kortingscode uitgegeven"]);

    // The preview's tabs, and the survey once published.
    let preview = format!("/surveys/{id}/preview");
    let (_, html) = page(&app.client, &preview);
    assert!(english_left(&html).is_empty(), "{html}");
    assert!(html.contains("Opbouwen"), "{html}");
    let (status, _, _) = post(
        &app.client,
        &csrf,
        &format!("/surveys/{id}/publish"),
        &[("confirm", "true")],
    );
    assert_eq!(status, Status::SeeOther);
    let (_, html) = page(&app.client, &build);
    dutch(
        &build,
        &html,
        &[
            "De enquête staat open voor antwoorden.",
            "Enquête sluiten",
            "Details",
        ],
    );

    // A prize draw: its page before and after publishing (when its commitment is made).
    let id = create(&app, "Loting");
    let (status, _, _) = post(
        &app.client,
        &csrf,
        &format!("/surveys/{id}/reward"),
        &[
            ("kind", "lottery"),
            ("prize", "Een fiets"),
            ("winners", "2"),
            ("draw_at", "2099-06-01T12:00"),
            ("rules", "Eén lot per persoon."),
        ],
    );
    assert_eq!(status, Status::SeeOther);
    let coupons = format!("/surveys/{id}/incentive");
    let (_, html) = page(&app.client, &coupons);
    dutch(
        &coupons,
        &html,
        &["2 te winnen", "De vastlegging van de loting"],
    );
    let (status, _, _) = post(
        &app.client,
        &csrf,
        &format!("/surveys/{id}/questions"),
        &[("kind", "long_text"), ("prompt", "Wat kan beter?")],
    );
    assert_eq!(status, Status::SeeOther);
    let (status, _, _) = post(
        &app.client,
        &csrf,
        &format!("/surveys/{id}/publish"),
        &[("confirm", "true")],
    );
    assert_eq!(status, Status::SeeOther);
    let (_, html) = page(&app.client, &coupons);
    dutch(
        &coupons,
        &html,
        &["0 deelnames", "Nu loten", "Loten (eenmalig)"],
    );
}
