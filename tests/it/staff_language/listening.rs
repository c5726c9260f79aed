//! A Dutch member on the complaints, focus-group and top-problems pages.

use rocket::http::Status;

use super::{choose, english_left};
use crate::TestApp;
use crate::survey_pages::{page, post};

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
        // Picked by its Dutch name, stored as the channel every language shares.
        ("channel", "Telefoon"),
        ("nature", "Veertig minuten gewacht"),
        ("tags", "Wachttijd"),
    ];
    let (status, _, html) = post(&app.client, &csrf, "/complaints", &typed);
    assert_eq!(status, Status::UnprocessableEntity);
    assert!(english_left(&html).is_empty(), "{:?}", english_left(&html));
    assert!(html.contains("De klacht is niet opgeslagen:"), "{html}");
    assert!(
        html.contains("name=\"channel\" value=\"Telefoon\""),
        "{html}"
    );

    let mut fixed = typed.to_vec();
    fixed[1] = ("customer_email", "mia@example.com");
    let (status, location, _) = post(&app.client, &csrf, "/complaints", &fixed);
    assert_eq!(status, Status::SeeOther);
    assert_eq!(
        app.texts("SELECT channel AS value FROM complaints"),
        ["phone"]
    );
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
