//! JSON routes for coupons: a pool's codes (upload as JSON or CSV, list with counts) and
//! redeeming a code at the till. The prize draw's are in [`super::draw_api`].

use rocket::data::{Data, FromData, Outcome, ToByteUnit};
use rocket::request::Request;
use rocket::serde::json::Json;
use rocket::{State, get, post, routes};
use serde::{Deserialize, Serialize};

use super::CouponGuesses;
use super::coupons::{self, Added, NotRedeemed};
use super::model;
use crate::auth::{ApiUser, Designers};
use crate::config::Settings;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{MalformedId, SurveyId};
use crate::survey::editing;
use crate::web::paging::{self, List};
use crate::web::peer::ClientAddr;
use crate::web::refusal::remember;
use crate::web::rfc3339;

pub fn routes() -> Vec<rocket::Route> {
    routes![add_coupons, list_coupons, redeem_coupon]
}

/// Codes to add to a pool: a JSON object `{"codes": [...]}`, or CSV with a `code` column.
pub struct Codes(Vec<String>);

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodesInput {
    codes: Vec<String>,
}

fn codes_from_json(bytes: &[u8]) -> Result<Vec<String>> {
    let input: CodesInput = serde_json::from_slice(bytes).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => Error::invalid("codes", e.to_string()),
        _ => Error::BadRequest(format!("the body is not valid JSON: {e}")),
    })?;
    Ok(input.codes)
}

fn codes_from_csv(bytes: &[u8]) -> Result<Vec<String>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| Error::BadRequest(format!("the CSV cannot be read: {e}")))?
        .clone();
    let column = headers
        .iter()
        .position(|h| h.trim().eq_ignore_ascii_case("code"))
        .ok_or_else(|| Error::invalid("code", "the CSV needs a header row with a `code` column"))?;
    let mut codes = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record =
            record.map_err(|e| Error::BadRequest(format!("the CSV cannot be read: {e}")))?;
        match record.get(column).map(str::trim) {
            Some("") | None => {}
            Some(code) => codes.push(code.to_string()),
        }
        if i > coupons::MAX_CODES {
            break;
        }
    }
    Ok(codes)
}

#[rocket::async_trait]
impl<'r> FromData<'r> for Codes {
    type Error = Error;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> Outcome<'r, Self, Error> {
        let csv = matches!(req.content_type(), Some(ct) if ct.top() == "text" && ct.sub() == "csv");
        let limit = req.limits().get("file").unwrap_or(16.mebibytes());
        let read = match data.open(limit).into_bytes().await {
            Ok(read) if read.is_complete() => read.into_inner(),
            Ok(_) => {
                let error = Error::TooLarge {
                    limit: limit.to_string(),
                };
                remember(req, &error);
                return Outcome::Error((error.status(), error));
            }
            Err(e) => {
                let error = Error::BadRequest(format!("the body could not be read: {e}"));
                remember(req, &error);
                return Outcome::Error((error.status(), error));
            }
        };
        let parsed = if csv {
            codes_from_csv(&read)
        } else {
            codes_from_json(&read)
        };
        match parsed {
            Ok(codes) => Outcome::Success(Codes(codes)),
            Err(error) => {
                remember(req, &error);
                Outcome::Error((error.status(), error))
            }
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AddedView {
    added: usize,
    duplicates: usize,
    /// Respondents who were owed a code and got one from these.
    served: usize,
}

/// Add codes to a survey's coupon pool
///
/// JSON `{"codes": [...]}` or CSV with a `code` column. Codes that exist already (in this pool
/// or another) are counted as duplicates and skipped. Respondents owed a code get one from the
/// new codes at once, oldest first.
#[utoipa::path(
    context_path = "/api/v1",
    tag = "incentives",
    params(("id" = String, Path, description = "The survey's id")),
    request_body(content(
        (CodesInput = "application/json"),
        (String = "text/csv"),
    )),
    responses(
        (status = 200, description = "Added", body = AddedView),
        (status = 409, response = Error),
    ),
    extensions(("x-hearken-roles" = json!(<Designers as crate::auth::Policy>::ALLOWED))),
)]
#[post("/surveys/<id>/coupons", data = "<body>")]
async fn add_coupons(
    db: &State<Db>,
    settings: &State<Settings>,
    user: ApiUser<Designers>,
    id: Result<SurveyId, MalformedId>,
    body: Codes,
) -> Result<Json<AddedView>> {
    let id = id?;
    if body.0.len() > coupons::MAX_CODES {
        return Err(Error::invalid(
            "codes",
            format!("at most {} codes per upload", coupons::MAX_CODES),
        ));
    }
    let codes = body
        .0
        .iter()
        .enumerate()
        .map(|(i, code)| coupons::check_code(&format!("codes[{i}]"), code))
        .collect::<Result<Vec<_>>>()?;
    let settings = settings.inner().clone();
    let Added {
        added,
        duplicates,
        served,
    } = db
        .run(move |conn| super::add_codes_as(conn, &settings, &user.user, &id, codes))
        .await?;
    Ok(Json(AddedView {
        added,
        duplicates,
        served,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CouponView {
    code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    issued_at: Option<String>,
    /// Absent on anonymous surveys.
    #[serde(skip_serializing_if = "Option::is_none")]
    response_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    redeemed_at: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CouponList {
    items: Vec<CouponView>,
    #[schema(required = true)]
    next: Option<String>,
    /// Pool codes not yet issued (0 for generated codes).
    remaining: i64,
    /// Respondents waiting for a code.
    owed: i64,
}

/// A survey's coupon codes in the order added, with the pool's counts
#[utoipa::path(
    context_path = "/api/v1",
    tag = "incentives",
    params(
        ("id" = String, Path, description = "The survey's id"),
        (
            "limit" = Option<i64>, Query, minimum = 1, maximum = 1000,
            description = "Page size, 1 to 1000; 50 when left out"
        ),
        (
            "after" = Option<String>, Query, min_length = 1,
            description = "The `next` cursor of the previous page; left out for the first page"
        ),
    ),
    responses((status = 200, description = "OK", body = CouponList)),
    extensions(("x-hearken-roles" = json!(<Designers as crate::auth::Policy>::ALLOWED))),
)]
#[get("/surveys/<id>/coupons?<limit>&<after>")]
async fn list_coupons(
    db: &State<Db>,
    user: ApiUser<Designers>,
    id: Result<SurveyId, MalformedId>,
    limit: Vec<&str>,
    after: Vec<&str>,
) -> Result<Json<CouponList>> {
    let id = id?;
    let limit = paging::limit(&limit)?;
    let after = paging::after(&after)?;
    let (rows, anonymous, remaining, owed) = db
        .run(move |conn| {
            let survey = editing::editable_by(conn, &user.user, &id)?;
            let rows = model::coupons_page(conn, survey.id(), after, limit + 1)?;
            let remaining = model::stock(conn, survey.id())?.map_or(0, |s| s.remaining);
            let owed = model::owed_count(conn, survey.id())?;
            Ok::<_, Error>((rows, survey.anonymous(), remaining, owed))
        })
        .await?;
    let List { items, next } = paging::finish(
        rows,
        limit,
        |(row, _)| (row.added_at, row.code.clone()),
        |(row, response)| CouponView {
            code: row.code.clone(),
            issued_at: row.issued_at.map(rfc3339),
            response_id: response.clone().filter(|_| !anonymous),
            redeemed_at: row.redeemed_at.map(rfc3339),
        },
    );
    Ok(Json(CouponList {
        items,
        next,
        remaining,
        owed,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RedeemedView {
    code: String,
    value: String,
    #[schema(format = DateTime)]
    redeemed_at: String,
}

/// Redeem a coupon code once, at the till
///
/// 200 the first time, 409 after, 404 for a code nobody was given, 410 past its expiry.
/// Unknown codes count against the caller's address like unknown personal links (429).
#[utoipa::path(
    context_path = "/api/v1",
    tag = "incentives",
    params(("code" = String, Path, description = "The code as printed")),
    responses(
        (status = 200, description = "Redeemed now", body = RedeemedView),
        (status = 409, response = Error),
        (status = 410, response = Error),
        (status = 429, response = Error),
    ),
    extensions(("x-hearken-roles" = json!(<Designers as crate::auth::Policy>::ALLOWED))),
)]
#[post("/coupons/<code>/redeem")]
async fn redeem_coupon(
    db: &State<Db>,
    guesses: &State<CouponGuesses>,
    peer: ClientAddr,
    user: ApiUser<Designers>,
    code: &str,
) -> Result<Json<RedeemedView>> {
    let redeemed = super::redeem_as(db, guesses, peer, &user.user, code).await?;
    Ok(Json(RedeemedView {
        code: redeemed.code,
        value: redeemed.value,
        redeemed_at: rfc3339(redeemed.redeemed_at),
    }))
}

/// Turns a refusal into the contract's statuses.
pub fn refusal(not: NotRedeemed) -> Error {
    match not {
        NotRedeemed::Unknown => Error::NotFound,
        NotRedeemed::AlreadyRedeemed(at) => Error::conflict(
            "coupon_already_redeemed",
            format!("this code was redeemed at {}", rfc3339(at)),
        ),
        NotRedeemed::Expired(at) => Error::Gone(format!(
            "this code expired at {}",
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )),
    }
}
