//! JSON routes under `/api/v1`: API tokens, the current user, and user administration.

use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{State, delete, get, patch, post, routes};
use serde::{Deserialize, Serialize};

use super::model::{self, UserChanges};
use super::users::{self, NewUserInput, UserView};
use super::{AdminOnly, ApiUser, login, password, policy, token};
use crate::config::Settings;
use crate::db::{self, Db};
use crate::error::{Error, Result};
use crate::ids::{MalformedId, UserId};
use crate::web::json::ApiJson;
use crate::web::peer::ClientAddr;

pub fn routes() -> Vec<rocket::Route> {
    routes![
        create_token,
        revoke_token,
        me,
        list_users,
        create_user,
        update_user
    ]
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    email: String,
    password: String,
    /// A name for the token; `api` unless given.
    label: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct TokenResponse {
    token: String,
}

/// Exchange an email and password for an API token
#[utoipa::path(
    context_path = "/api/v1",
    tag = "auth",
    security(()),
    request_body = TokenRequest,
    responses(
        (status = 201, description = "A new token, shown once", body = TokenResponse),
        (status = 401, response = Error),
        (status = 429, response = Error),
    ),
    extensions(("x-hearken-roles" = json!(["public"]))),
)]
#[post("/auth/token", data = "<body>")]
async fn create_token(
    db: &State<Db>,
    settings: &State<Settings>,
    peer: ClientAddr,
    body: ApiJson<TokenRequest>,
) -> Result<(Status, Json<TokenResponse>)> {
    let request = body.0;
    let user =
        login::check_credentials(db, settings, &request.email, &request.password, peer).await?;
    let label = request.label.unwrap_or_else(|| "api".to_string());
    let token = db
        .run(move |conn| token::issue(conn, &user.id, &label))
        .await?;
    Ok((Status::Created, Json(TokenResponse { token })))
}

/// Revoke the token used for this call
#[utoipa::path(
    context_path = "/api/v1",
    tag = "auth",
    responses(
        (status = 204, description = "Revoked"),
    ),
    extensions(("x-hearken-roles" = json!(<super::AnyRole as super::Policy>::ALLOWED))),
)]
#[delete("/auth/token")]
async fn revoke_token(db: &State<Db>, user: ApiUser) -> Result<Status> {
    let id = user.token_id;
    db.run(move |conn| model::delete_api_token(conn, &id))
        .await?;
    Ok(Status::NoContent)
}

#[derive(Serialize, utoipa::ToSchema)]
struct Me {
    id: String,
    email: String,
    name: String,
    #[schema(value_type = super::Role)]
    role: String,
}

/// The user the token belongs to
#[utoipa::path(
    context_path = "/api/v1",
    tag = "auth",
    responses(
        (status = 200, description = "The user", body = Me),
    ),
    extensions(("x-hearken-roles" = json!(<super::AnyRole as super::Policy>::ALLOWED))),
)]
#[get("/me")]
fn me(user: ApiUser) -> Json<Me> {
    let user = user.user;
    Json(Me {
        id: user.id,
        email: user.email,
        name: user.name,
        role: user.role,
    })
}

#[derive(Serialize, utoipa::ToSchema)]
struct UserList {
    items: Vec<UserView>,
    /// Always null: every user is on the one page.
    #[schema(required = true)]
    next: Option<String>,
}

/// List staff users
#[utoipa::path(
    context_path = "/api/v1",
    tag = "users",
    responses(
        (status = 200, description = "Staff users", body = UserList),
    ),
    extensions(("x-hearken-roles" = json!(<AdminOnly as super::Policy>::ALLOWED))),
)]
#[get("/users")]
async fn list_users(db: &State<Db>, _admin: ApiUser<AdminOnly>) -> Result<Json<UserList>> {
    let users = db.run(model::list_users).await?;
    Ok(Json(UserList {
        items: users.iter().map(UserView::from).collect(),
        next: None,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewUserRequest {
    email: String,
    name: String,
    #[schema(value_type = super::Role)]
    role: String,
    #[schema(min_length = 12, max_length = 1024)]
    password: String,
}

/// Add a staff user
#[utoipa::path(
    context_path = "/api/v1",
    tag = "users",
    request_body = NewUserRequest,
    responses(
        (status = 201, description = "Created", body = UserView),
        (status = 409, response = Error),
    ),
    extensions(("x-hearken-roles" = json!(<AdminOnly as super::Policy>::ALLOWED))),
)]
#[post("/users", data = "<body>")]
async fn create_user(
    db: &State<Db>,
    _admin: ApiUser<AdminOnly>,
    body: ApiJson<NewUserRequest>,
) -> Result<(Status, Json<UserView>)> {
    let request = body.0;
    let input = NewUserInput::check(
        &request.email,
        &request.name,
        &request.role,
        &request.password,
    )?;
    let hash = crate::blocking(move || password::hash(&request.password)).await??;
    let user = db
        .run(move |conn| db::write(conn, |conn| users::create(conn, &input, &hash)))
        .await?;
    Ok((Status::Created, Json(UserView::from(&user))))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct UserPatch {
    name: Option<String>,
    #[schema(value_type = Option<super::Role>)]
    role: Option<String>,
    active: Option<bool>,
    #[schema(min_length = 12, max_length = 1024)]
    password: Option<String>,
}

/// Change a staff user's name, role, password or active state
#[utoipa::path(
    context_path = "/api/v1",
    tag = "users",
    request_body = UserPatch,
    params(
        ("id" = String, Path, description = "The staff user's id"),
    ),
    responses(
        (status = 200, description = "The changed user", body = UserView),
        (status = 409, response = Error),
    ),
    extensions(("x-hearken-roles" = json!(<AdminOnly as super::Policy>::ALLOWED))),
)]
#[patch("/users/<id>", data = "<body>")]
async fn update_user(
    db: &State<Db>,
    admin: ApiUser<AdminOnly>,
    id: Result<UserId, MalformedId>,
    body: ApiJson<UserPatch>,
) -> Result<Json<UserView>> {
    let id = id?;
    let patch = body.0;
    let name = patch
        .name
        .as_deref()
        .map(|n| users::normalize_name("name", n))
        .transpose()?;
    let role = patch
        .role
        .as_deref()
        .map(|r| users::parse_role("role", r))
        .transpose()?;
    let password_hash = match patch.password {
        Some(password) => {
            let lookup = id.clone();
            let email = db
                .run(move |conn| model::find_user(conn, &lookup))
                .await?
                .ok_or(Error::NotFound)?
                .email;
            policy::check("password", &password, &email)?;
            Some(crate::blocking(move || password::hash(&password)).await??)
        }
        None => None,
    };
    let admin_id = admin.user.id.clone();
    let user = db
        .run(move |conn| {
            db::write(conn, |conn| {
                let user = model::find_user(conn, &id)?.ok_or(Error::NotFound)?;
                let demoted = role.is_some_and(|r| r != super::Role::Admin);
                if (demoted || patch.active == Some(false)) && user.role() == super::Role::Admin {
                    users::ensure_other_active_admin(conn, &user.id)?;
                }
                if id.as_str() == admin_id && patch.active == Some(false) {
                    return Err(Error::invalid("active", "you cannot deactivate yourself"));
                }
                model::update_user(
                    conn,
                    &id,
                    &UserChanges {
                        name,
                        role: role.map(|r| r.as_str().to_string()),
                        updated_at: Some(db::now()),
                        ..UserChanges::default()
                    },
                )?;
                if let Some(hash) = password_hash {
                    users::set_password(conn, &user, hash)?;
                }
                if let Some(active) = patch.active {
                    users::set_active(conn, &id, active)?;
                }
                model::find_user(conn, &id)?.ok_or(Error::NotFound)
            })
        })
        .await?;
    Ok(Json(UserView::from(&user)))
}
