//! What a personal-link route answers, and the pages it answers with when it cannot show the
//! survey: too many unknown links from one address (429), and the token-free address opened
//! without its cookie.

use rocket::Responder;
use rocket::http::{Header, Status};
use rocket_dyn_templates::{Template, context};

use crate::i18n;
use crate::web::Reply;

/// What a personal-link route answers: a page, or 429 with `Retry-After`.
#[derive(Responder)]
pub enum LinkReply {
    Page(Reply),
    Wait(TooMany),
}

#[derive(Responder)]
#[response(status = 429)]
pub struct TooMany {
    page: Template,
    retry_after: Header<'static>,
}

impl From<Reply> for LinkReply {
    fn from(reply: Reply) -> Self {
        LinkReply::Page(reply)
    }
}

/// A respondent page in English, for when the survey (and so its language) is not known.
fn english_page(title: &str, body: &str) -> Template {
    let t = i18n::catalog("en");
    Template::render(
        "respond_message",
        context! { lang: t.code(), t: t.strings(), title, body },
    )
}

/// The answer while an address is blocked: polite, and saying how long to wait.
pub fn too_many(wait: std::time::Duration) -> LinkReply {
    let secs = wait.as_secs().max(1);
    let minutes = secs.div_ceil(60);
    let body = format!(
        "Too many survey links that do not exist were opened from your network. Please wait \
         about {minutes} minute{}, then open the link from your invitation email again.",
        if minutes == 1 { "" } else { "s" }
    );
    LinkReply::Wait(TooMany {
        page: english_page("Please wait a few minutes", &body),
        retry_after: Header::new("Retry-After", secs.to_string()),
    })
}

/// The token-free address without its cookie (another browser, cookies cleared, a bookmark).
pub fn reopen(status: Status) -> LinkReply {
    let page = english_page(
        "Please open your link again",
        "This page only works when it is opened through the personal link in your invitation \
         email. Please click that link again. Answers you saved for later are kept.",
    );
    LinkReply::Page(Reply::Status((status, page)))
}
