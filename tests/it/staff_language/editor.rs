//! A Dutch member on the survey editor's pages: Build, question forms, reward, coupons and the prize draw.

use rocket::http::Status;

use super::{choose, english_left};
use crate::TestApp;
use crate::survey_pages::{create, page, post};

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
