//! The account page: who is signed in, the language of their staff pages (their own choice, or
//! "Automatic" to follow the browser) and the password form, whose handler stays with the other
//! sign-in pages.

use rocket::form::FromForm;
use rocket::http::Status;
use rocket::response::{Flash, Redirect};
use rocket::{State, post};
use rocket_dyn_templates::{Template, context};
use serde::Serialize;

use super::{Staff, users};
use crate::db::{self, Db};
use crate::error::Result;
use crate::i18n::staff::STAFF_LANGUAGES;
use crate::web::Reply;
use crate::web::csrf::{CsrfForm, CsrfToken};
use crate::web::staff_text::BrowserLang;

/// The value the language choice posts for "follow my browser".
const AUTOMATIC: &str = "auto";

#[derive(Serialize)]
struct Choice {
    code: &'static str,
    name: String,
    selected: bool,
}

/// "Automatic" and each staff language by its own name, so someone who cannot read the page's
/// current language still finds theirs.
fn choices(chosen: Option<&str>) -> Vec<Choice> {
    let automatic = Choice {
        code: AUTOMATIC,
        name: String::new(),
        selected: chosen.is_none(),
    };
    let languages = STAFF_LANGUAGES.iter().map(|&code| Choice {
        code,
        name: crate::i18n::catalog(code).get("language_name").to_string(),
        selected: chosen == Some(code),
    });
    std::iter::once(automatic).chain(languages).collect()
}

/// The account page, with a notice after a change or an error after a refused one.
pub(super) fn page(
    staff: &Staff,
    csrf: String,
    notice: Option<String>,
    error: Option<String>,
) -> Template {
    let chosen = staff
        .user
        .language
        .as_deref()
        .and_then(crate::i18n::staff::supported);
    Template::render(
        "account",
        context! {
            title: staff.t().get("account.title"), me: staff.me(), csrf, notice, error,
            languages: choices(chosen),
        },
    )
}

#[derive(FromForm)]
pub(super) struct LanguageForm {
    csrf: String,
    #[field(default = String::new())]
    language: String,
}

#[post("/account/language", data = "<form>")]
pub(super) async fn set_language(
    db: &State<Db>,
    staff: Staff,
    browser: BrowserLang,
    csrf: CsrfToken,
    form: CsrfForm<LanguageForm>,
) -> Result<Reply> {
    let wanted = form.0.language;
    let language = match wanted.as_str() {
        AUTOMATIC => None,
        code => match STAFF_LANGUAGES.iter().find(|c| **c == code) {
            Some(code) => Some(*code),
            None => {
                let error = staff.t().get("account.language_invalid").to_string();
                let page = page(&staff, csrf.0, None, Some(error));
                return Ok(Reply::Status((Status::UnprocessableEntity, page)));
            }
        },
    };
    let id = staff.user.id.clone();
    db.run(move |conn| db::write(conn, |conn| users::set_language(conn, &id, language)))
        .await?;
    // The notice is read on the next page, so it speaks the language just chosen.
    let next = language.unwrap_or(browser.0);
    Ok(Reply::Flash(Flash::success(
        Redirect::to("/account"),
        crate::i18n::staff::staff_catalog(next).get("account.language_saved"),
    )))
}

crate::csrf_protected!(LanguageForm);
