//! The admins' page of staff users: who may sign in with which role, adding a user, and
//! deactivating or reactivating one, every word in the admin's language.

use rocket::form::FromForm;
use rocket::request::FlashMessage;
use rocket::response::{Flash, Redirect};
use rocket::{State, get, post, routes, uri};
use rocket_dyn_templates::{Template, context};
use serde::Serialize;
use serde_json::json;

use super::model::{self, User};
use super::users::{self, NewUserInput};
use super::{AdminOnly, Role, Staff, password};
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::i18n::staff::StaffCatalog;
use crate::ids::{MalformedId, UserId};
use crate::web::Reply;
use crate::web::csrf::{CsrfForm, CsrfToken};

pub fn routes() -> Vec<rocket::Route> {
    routes![users_page, create_user, set_user_active]
}

/// A role as the page names it, in the member's language.
fn role_name(t: &'static StaffCatalog, role: Role) -> &'static str {
    t.get(match role {
        Role::Admin => "users.role.admin",
        Role::Designer => "users.role.designer",
        Role::Analyst => "users.role.analyst",
    })
}

/// A stored role code as the page names it (an unknown code as it is stored).
fn role_name_of(t: &'static StaffCatalog, code: &str) -> String {
    Role::parse(code).map_or_else(|| code.to_string(), |role| role_name(t, role).to_string())
}

/// One staff user as the page lists them.
#[derive(Serialize)]
struct Row {
    id: String,
    name: String,
    email: String,
    role: String,
    active: bool,
}

/// What the add-user form shows again after a refusal.
#[derive(Default)]
struct Typed {
    name: String,
    email: String,
    role: String,
    error: Option<String>,
}

/// The page, with a notice from the last action or the add-user form's refusal.
async fn page(
    db: &Db,
    staff: &Staff<AdminOnly>,
    csrf: String,
    notice: Option<String>,
    typed: Typed,
) -> Result<Template> {
    let t = staff.t();
    let list: Vec<User> = db.run(model::list_users).await?;
    let users: Vec<Row> = list
        .iter()
        .map(|user| Row {
            id: user.id.clone(),
            name: user.name.clone(),
            email: user.email.clone(),
            role: role_name_of(t, &user.role),
            active: user.active,
        })
        .collect();
    let roles: Vec<_> = Role::ALL
        .iter()
        .map(|role| json!({"code": role.as_str(), "name": role_name(t, *role)}))
        .collect();
    // Least privilege by default: an admin picks a wider role on purpose.
    let role = if typed.role.is_empty() {
        Role::Analyst.as_str().to_string()
    } else {
        typed.role
    };
    Ok(Template::render(
        "users",
        context! {
            title: t.get("users.title"), me: staff.me(), csrf, users, roles, notice,
            error: typed.error, name: typed.name, email: typed.email, role,
            self_id: &staff.user.id,
        },
    ))
}

#[get("/admin/users")]
async fn users_page(
    db: &State<Db>,
    staff: Staff<AdminOnly>,
    csrf: CsrfToken,
    flash: Option<FlashMessage<'_>>,
) -> Result<Template> {
    let notice = flash.map(|f| f.message().to_string());
    page(db, &staff, csrf.0, notice, Typed::default()).await
}

#[derive(FromForm)]
struct NewUserForm {
    csrf: String,
    name: String,
    email: String,
    role: String,
    password: String,
}

#[post("/admin/users", data = "<form>")]
async fn create_user(
    db: &State<Db>,
    staff: Staff<AdminOnly>,
    csrf: CsrfToken,
    form: CsrfForm<NewUserForm>,
) -> Result<Reply> {
    let form = form.0;
    let t = staff.t();
    let attempt = match NewUserInput::check(&form.email, &form.name, &form.role, &form.password) {
        Ok(input) => {
            let password = form.password.clone();
            let hash = crate::blocking(move || password::hash(&password)).await??;
            db.run(move |conn| db::write(conn, |conn| users::create(conn, &input, &hash)))
                .await
        }
        Err(error) => Err(error),
    };
    match attempt {
        Ok(user) => Ok(Reply::Flash(Flash::success(
            Redirect::to(uri!(users_page)),
            t.format(
                "users.added",
                &[("name", &user.name), ("role", &role_name_of(t, &user.role))],
            ),
        ))),
        Err(error @ (Error::Invalid { .. } | Error::Conflict { .. })) => {
            let typed = Typed {
                name: form.name,
                email: form.email,
                role: form.role,
                error: Some(t.explain(&error)),
            };
            let page = page(db, &staff, csrf.0, None, typed).await?;
            Ok(Reply::refused(&error, page))
        }
        Err(other) => Err(other),
    }
}

#[derive(FromForm)]
struct ActiveForm {
    csrf: String,
    active: bool,
}

#[post("/admin/users/<id>/active", data = "<form>")]
async fn set_user_active(
    db: &State<Db>,
    staff: Staff<AdminOnly>,
    id: Result<UserId, MalformedId>,
    form: CsrfForm<ActiveForm>,
) -> Result<Flash<Redirect>> {
    let id = id?;
    let t = staff.t();
    let active = form.0.active;
    if id.as_str() == staff.user.id && !active {
        return Ok(Flash::error(
            Redirect::to(uri!(users_page)),
            t.get("users.not_yourself"),
        ));
    }
    let name = db
        .run(move |conn| {
            db::write(conn, |conn| {
                let user = model::find_user(conn, &id)?.ok_or(Error::NotFound)?;
                if !active && user.role() == Role::Admin {
                    users::ensure_other_active_admin(conn, &id)?;
                }
                users::set_active(conn, &id, active)?;
                Ok(user.name)
            })
        })
        .await?;
    let key = if active {
        "users.reactivated"
    } else {
        "users.deactivated"
    };
    Ok(Flash::success(
        Redirect::to(uri!(users_page)),
        t.format(key, &[("name", &name)]),
    ))
}

crate::csrf_protected!(NewUserForm, ActiveForm);
