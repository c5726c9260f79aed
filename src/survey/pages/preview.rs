//! The respondent preview: the respondent page itself, drafts included, with its submit buttons
//! hidden. (The responses browser is in the results room.)

use rocket::{State, get, post};
use rocket_dyn_templates::Template;

use super::edit::load;
use crate::auth::Staff;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{MalformedId, SurveyId};
use crate::respond;
use crate::respond::form::AnswerForm;
use crate::survey::workspace::{self, Page};
use crate::web::Reply;
use crate::web::csrf::CsrfToken;

#[get("/surveys/<id>/preview")]
pub(super) async fn preview_page(
    db: &State<Db>,
    staff: Staff,
    csrf: CsrfToken,
    id: Result<SurveyId, MalformedId>,
) -> Result<Template> {
    let (survey, _) = load(db, &staff.user, &id?).await?;
    let tabs = workspace::tabs(&survey, &staff.user, Page::Preview);
    Ok(respond::preview::page(&survey, tabs, staff.t().code(), csrf.0, None).0)
}

/// The preview's answers checked as a respondent's would be, shown again with any problems
/// beside their questions; nothing is stored.
#[post("/surveys/<id>/preview", data = "<form>")]
pub(super) async fn preview_check(
    db: &State<Db>,
    staff: Staff,
    csrf: CsrfToken,
    id: Result<SurveyId, MalformedId>,
    form: AnswerForm,
) -> Result<Reply> {
    // Staff get the plain refusal: the preview stores nothing, so nothing typed is at stake.
    if form.refused {
        return Err(Error::Forbidden(
            staff.t().get("editor.error.preview_expired").to_string(),
        ));
    }
    let (survey, _) = load(db, &staff.user, &id?).await?;
    let tabs = workspace::tabs(&survey, &staff.user, Page::Preview);
    let (page, status) =
        respond::preview::page(&survey, tabs, staff.t().code(), csrf.0, Some(&form));
    Ok(Reply::Status((status, page)))
}
