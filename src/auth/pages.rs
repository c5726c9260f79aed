//! HTML pages: sign-in and sign-out, the first-run setup and the account page (password
//! change); user administration for admins is in [`super::user_admin`].

use rocket::form::FromForm;
use rocket::http::{CookieJar, Status};
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::{State, get, post, routes, uri};
use rocket_dyn_templates::{Template, context};

use super::account::{self, set_language};
use super::model;
use super::users::{self, NewUserInput};
use super::{Staff, login, password, policy, session, setup};
use crate::config::Settings;
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::i18n::staff::StaffCatalog;
use crate::web::Reply;
use crate::web::csrf::{CsrfForm, CsrfToken};
use crate::web::peer::ClientAddr;
use crate::web::staff_text::BrowserLang;

pub fn routes() -> Vec<rocket::Route> {
    routes![
        login_page,
        login_submit,
        logout,
        setup_page,
        setup_submit,
        account_page,
        change_password,
        set_language
    ]
}

/// A setup form's error in the page's language, naming the field; a mismatch of the two
/// passwords is already a whole sentence in that language.
fn setup_problem(t: &StaffCatalog, error: &Error) -> String {
    match error {
        Error::Invalid { field, message } if *field == "password_confirm" => message.clone(),
        other => t.explain(other),
    }
}

#[derive(FromForm)]
struct LoginForm {
    csrf: String,
    email: String,
    password: String,
}

#[get("/login")]
fn login_page(
    staff: Option<Staff>,
    lang: BrowserLang,
    csrf: CsrfToken,
    flash: Option<FlashMessage<'_>>,
) -> Reply {
    if staff.is_some() {
        return Reply::Redirect(Redirect::to("/"));
    }
    let notice = flash.map(|f| f.message().to_string());
    Reply::Page(Template::render(
        "login",
        context! { title: lang.t().get("login.title"), staff_lang: lang.0, csrf: csrf.0, notice },
    ))
}

#[post("/login", data = "<form>")]
async fn login_submit(
    db: &State<Db>,
    settings: &State<Settings>,
    cookies: &CookieJar<'_>,
    peer: ClientAddr,
    lang: BrowserLang,
    csrf: CsrfToken,
    form: CsrfForm<LoginForm>,
) -> Result<Reply> {
    let form = form.0;
    match login::check_credentials(db, settings, &form.email, &form.password, peer).await {
        Ok(user) => {
            session::sign_in(db, settings, cookies, &user).await?;
            Ok(Reply::Redirect(Redirect::to("/")))
        }
        Err(error @ (Error::BadCredentials | Error::TooMany { .. })) => {
            let t = lang.t();
            let message = match error.retry_after() {
                Some(secs) => t.format("login.too_many", &[("seconds", &secs.to_string())]),
                None => t.get("login.bad_credentials").to_string(),
            };
            let page = Template::render(
                "login",
                context! {
                    title: t.get("login.title"), staff_lang: lang.0, csrf: csrf.0, email: form.email,
                    error: message,
                },
            );
            Ok(Reply::refused(&error, page))
        }
        Err(other) => Err(other),
    }
}

#[derive(FromForm)]
struct CsrfOnly {
    csrf: String,
}

#[post("/logout", data = "<_form>")]
async fn logout(
    db: &State<Db>,
    settings: &State<Settings>,
    cookies: &CookieJar<'_>,
    staff: Staff,
    _form: CsrfForm<CsrfOnly>,
) -> Result<Flash<Redirect>> {
    let signed_out = staff.t().get("login.signed_out");
    session::sign_out(db, settings, cookies, staff).await?;
    Ok(Flash::success(Redirect::to(uri!(login_page)), signed_out))
}

#[get("/setup/<token>")]
async fn setup_page(
    db: &State<Db>,
    token: &str,
    lang: BrowserLang,
    csrf: CsrfToken,
) -> Result<Reply> {
    let token = token.to_string();
    let valid = db.run(move |conn| setup::is_valid(conn, &token)).await?;
    if !valid {
        return Ok(used_setup_link(lang));
    }
    Ok(Reply::Page(Template::render(
        "setup",
        context! { title: lang.t().get("setup.title"), staff_lang: lang.0, csrf: csrf.0 },
    )))
}

/// A setup link that was used, or replaced by a restart: say which, and where to go instead.
fn used_setup_link(lang: BrowserLang) -> Reply {
    let t = lang.t();
    Reply::Status((
        Status::NotFound,
        Template::render(
            "error",
            context! {
                title: t.get("setup.used_title"),
                status: 404,
                message: t.get("setup.used_message"),
                staff_lang: lang.0,
                signed_out: false,
                sign_in: true,
            },
        ),
    ))
}

#[derive(FromForm)]
struct SetupForm {
    csrf: String,
    name: String,
    email: String,
    password: String,
    password_confirm: String,
}

#[post("/setup/<token>", data = "<form>")]
async fn setup_submit(
    db: &State<Db>,
    settings: &State<Settings>,
    cookies: &CookieJar<'_>,
    token: &str,
    lang: BrowserLang,
    csrf: CsrfToken,
    form: CsrfForm<SetupForm>,
) -> Result<Reply> {
    let form = form.0;
    let token = token.to_string();
    let probe = token.clone();
    if !db.run(move |conn| setup::is_valid(conn, &probe)).await? {
        return Ok(used_setup_link(lang));
    }
    let checked =
        NewUserInput::check(&form.email, &form.name, "admin", &form.password).and_then(|input| {
            if form.password == form.password_confirm {
                Ok(input)
            } else {
                Err(Error::invalid(
                    "password_confirm",
                    lang.t().get("setup.password_mismatch"),
                ))
            }
        });
    let input = match checked {
        Ok(input) => input,
        Err(error) => {
            let page = Template::render(
                "setup",
                context! {
                    title: lang.t().get("setup.title"), staff_lang: lang.0, csrf: csrf.0,
                    name: form.name, email: form.email, error: setup_problem(lang.t(), &error),
                },
            );
            return Ok(Reply::Status((Status::UnprocessableEntity, page)));
        }
    };
    let password = form.password;
    let hash = crate::blocking(move || password::hash(&password)).await??;
    let user = db
        .run(move |conn| {
            db::write(conn, |conn| {
                // Checked inside the write transaction, so two submissions cannot both succeed.
                db::exclusive(conn, "first-run-setup")?;
                if !setup::is_valid(conn, &token)? {
                    return Err(Error::NotFound);
                }
                let user = users::create(conn, &input, &hash)?;
                model::delete_setup_tokens(conn)?;
                Ok(user)
            })
        })
        .await?;
    session::sign_in(db, settings, cookies, &user).await?;
    Ok(Reply::Redirect(Redirect::to("/")))
}

#[get("/account")]
fn account_page(staff: Staff, csrf: CsrfToken, flash: Option<FlashMessage<'_>>) -> Template {
    let notice = flash.map(|f| f.message().to_string());
    account::page(&staff, csrf.0, notice, None)
}

#[derive(FromForm)]
struct PasswordForm {
    csrf: String,
    current_password: String,
    new_password: String,
    new_password_confirm: String,
}

#[post("/account/password", data = "<form>")]
async fn change_password(
    db: &State<Db>,
    settings: &State<Settings>,
    cookies: &CookieJar<'_>,
    staff: Staff,
    csrf: CsrfToken,
    form: CsrfForm<PasswordForm>,
) -> Result<Reply> {
    let form = form.0;
    let stored = staff.user.password_hash.clone();
    let current = form.current_password.clone();
    let current_ok = crate::blocking(move || password::verify(&current, &stored)).await?;
    let t = staff.t();
    let checked = if !current_ok {
        Err(t.get("account.current_wrong").to_string())
    } else if form.new_password != form.new_password_confirm {
        Err(t.get("account.confirm_mismatch").to_string())
    } else {
        policy::check("new_password", &form.new_password, &staff.user.email)
            .map_err(|error| t.explain(&error))
    };
    if let Err(error) = checked {
        let page = account::page(&staff, csrf.0, None, Some(error));
        return Ok(Reply::Status((Status::UnprocessableEntity, page)));
    }
    let new_password = form.new_password;
    let hash = crate::blocking(move || password::hash(&new_password)).await??;
    let user = staff.user.clone();
    let user = db
        .run(move |conn| {
            db::write(conn, |conn| {
                users::set_password(conn, &user, hash)?;
                model::find_user(conn, &user.id)?.ok_or(Error::NotFound)
            })
        })
        .await?;
    // Every other session ended with the old password; this browser gets a new one.
    session::sign_in(db, settings, cookies, &user).await?;
    Ok(Reply::Flash(Flash::success(
        Redirect::to(uri!(account_page)),
        t.get("account.password_changed"),
    )))
}

crate::csrf_protected!(LoginForm, CsrfOnly, SetupForm, PasswordForm);
