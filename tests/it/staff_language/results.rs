//! A Dutch member on the results page, the responses browser and the coding page.

use rocket::http::Status;

use super::{choose, english_left};
use crate::TestApp;
use crate::survey_pages::page;

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
            "Geantwoord: 0 van de 1 uitgenodigde",
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
