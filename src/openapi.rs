//! The OpenAPI 3.1 document of `/api/v1`, generated from the `#[utoipa::path]` annotation on each
//! API handler and the `ToSchema` body types, built once at ignite and served without a token.
//! `hearken openapi` prints the same document.
//!
//! Each annotation sits on the handler it describes, above Rocket's route attribute: the method,
//! the path and its parameters are read from that attribute, so they cannot drift from the
//! route. A test compares the document's operations with the mounted routes, so a route whose
//! annotation is missing (or left out of `paths(...)` below) fails it. The error responses
//! every operation shares (401, 404, 422, …) are added in `errors`, from what each operation
//! declares; annotations list only the others (409, 429).

use rocket::fairing::AdHoc;
use rocket::http::ContentType;
use rocket::{Build, Rocket, State, get, routes};
use utoipa::openapi::schema::AdditionalProperties;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder, Schema};
use utoipa::{Modify, OpenApi, ToResponse};

use crate::error::Error;

mod errors;

use self::errors::StandardErrors;

const DESCRIPTION: &str = "Surveys, contacts, invitations, results and more. Every call except \
the token endpoint and this document needs `Authorization: Bearer <token>`. `x-hearken-roles` \
lists the roles allowed to call an operation (admins may call everything); `public` means no \
token is needed. Every error comes in one envelope, `{\"error\": {\"status\", \"code\", \
\"message\", \"field\"}}`; a 409 may carry a list beside it (e.g. `hints` when publishing). \
Malformed JSON is a 400; JSON of the wrong shape (an unknown field, a wrong type, an array where \
an object belongs) or an invalid value is a 422 whose `field` names the place, e.g. \
`questions[3].options`. A query parameter that is given must hold a valid value: an empty, \
non-numeric or out-of-range `limit` and an empty or unknown `after` cursor are 422s naming the \
parameter; leave a parameter out to get its default. A method a path does not have is a 405 \
with an `Allow` header.";

#[derive(OpenApi)]
#[openapi(
    info(title = "Hearken API", version = "1", description = DESCRIPTION),
    servers((url = "/")),
    paths(
        serve,
        crate::auth::api::create_token,
        crate::auth::api::revoke_token,
        crate::auth::api::me,
        crate::auth::api::list_users,
        crate::auth::api::create_user,
        crate::auth::api::update_user,
        crate::survey::api::list_templates,
        crate::survey::api::create_survey,
        crate::survey::api::list_surveys,
        crate::survey::api::get_survey,
        crate::survey::api::patch_survey,
        crate::survey::api::delete_survey,
        crate::survey::api::lint_survey,
        crate::survey::api::publish_survey,
        crate::survey::api::close_survey,
        crate::respond::api::create_response,
        crate::respond::api::list_responses,
        crate::contact::api::import_contacts,
        crate::contact::api::list_contacts,
        crate::contact::api::get_contact,
        crate::contact::api::export_contact,
        crate::contact::api::delete_contact,
        crate::invite::api::invite,
        crate::invite::api::list,
        crate::invite::api::remind,
        crate::incentive::api::add_coupons,
        crate::incentive::api::list_coupons,
        crate::incentive::api::redeem_coupon,
        crate::incentive::draw_api::get_draw,
        crate::incentive::draw_api::run_draw,
        crate::results::api::results,
        crate::results::api::export_responses,
        crate::complaint::api::create_complaint,
        crate::complaint::api::list_complaints,
        crate::complaint::api::complaint_goals,
        crate::complaint::api::get_complaint,
        crate::complaint::api::patch_complaint,
        crate::insight::api::create_tag,
        crate::insight::api::list_tags,
        crate::insight::api::change_tag,
        crate::insight::api::merge_tag,
        crate::insight::api::delete_tag,
        crate::insight::api::link_tag,
        crate::insight::api::unlink_tag,
        crate::insight::api::top_problems,
        crate::focus::api::create_group,
        crate::focus::api::list_groups,
        crate::focus::api::get_group,
        crate::focus::api::patch_group,
        crate::focus::api::add_participant,
        crate::focus::api::remove_participant,
        crate::focus::api::add_note,
        crate::focus::api::survey_volunteers,
    ),
    components(schemas(crate::error::Envelope), responses(Error)),
    modifiers(&BearerToken, &StandardErrors, &ClosedIncentive),
    security(("bearer" = [])),
    tags(
        (name = "meta", description = "This document"),
        (name = "auth", description = "API tokens and the user a token belongs to"),
        (name = "users", description = "Staff users (admins only)"),
        (name = "surveys", description = "Questionnaires: templates, drafts, lint, publish, close"),
        (name = "responses", description = "Submitting and reading responses"),
        (name = "results", description = "Figures per question, for everyone or a segment, and exports"),
        (name = "contacts", description = "The people surveys are sent to (personal data)"),
        (name = "invitations", description = "Invitations and reminders by email"),
        (name = "incentives", description = "Coupon pools, redeeming codes, the verifiable prize draw"),
        (name = "complaints", description = "The complaint log, its history, follow-ups and service goals"),
        (name = "focus groups", description = "Focus-group sessions, participants and their consent, notes and quotes"),
        (name = "themes", description = "Tags shared by answers, notes and complaints, and the top problems"),
    )
)]
pub struct ApiDoc;

/// The `bearer` scheme the document's default security requirement names.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Each kind of incentive refuses fields it does not know, as its schema now says: utoipa
/// closes a struct with `deny_unknown_fields`, but not the variants of a tagged enum.
struct ClosedIncentive;

impl Modify for ClosedIncentive {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let schemas = doc.components.as_mut().map(|c| &mut c.schemas);
        if let Some(RefOr::T(Schema::OneOf(kinds))) = schemas.and_then(|s| s.get_mut("Incentive")) {
            for kind in &mut kinds.items {
                if let RefOr::T(Schema::Object(object)) = kind {
                    object.additional_properties =
                        Some(Box::new(AdditionalProperties::FreeForm(false)));
                }
            }
        }
    }
}

/// Every error response of the API is the envelope (`crate::error::Envelope`, named `Error`
/// in the document). The ones every operation shares come from `errors::StandardErrors`;
/// handlers list only their own, such as `(status = 409, response = Error)`.
impl<'s> ToResponse<'s> for Error {
    fn response() -> (&'s str, RefOr<Response>) {
        let content = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Error")))
            .build();
        let response = ResponseBuilder::new()
            .description("An error in the standard envelope")
            .content("application/json", content)
            .build();
        ("Error", RefOr::T(response))
    }
}

/// The document as pretty-printed JSON.
pub fn to_json() -> Result<String, serde_json::Error> {
    ApiDoc::openapi().to_pretty_json()
}

/// The serialized document, made once when the server ignites.
struct Document(String);

pub fn mount(rocket: Rocket<Build>) -> Rocket<Build> {
    rocket
        .attach(AdHoc::try_on_ignite("OpenAPI document", |rocket| async {
            match to_json() {
                Ok(json) => Ok(rocket.manage(Document(json))),
                Err(e) => {
                    log::error!("the OpenAPI document could not be serialized: {e}");
                    Err(rocket)
                }
            }
        }))
        .mount("/api/v1", routes![serve])
}

/// This document
#[utoipa::path(
    context_path = "/api/v1",
    tag = "meta",
    operation_id = "openapi",
    security(()),
    responses((status = 200, description = "This document", content_type = "application/json")),
    extensions(("x-hearken-roles" = json!(["public"]))),
)]
#[get("/openapi.json")]
fn serve(document: &State<Document>) -> (ContentType, &str) {
    (ContentType::JSON, &document.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_declares_roles_and_answers_errors_in_the_envelope() {
        let doc: serde_json::Value = serde_json::from_str(&to_json().unwrap()).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        let paths = doc["paths"].as_object().unwrap();
        assert!(paths.len() >= 15, "{} paths", paths.len());
        for (path, item) in paths {
            assert!(path.starts_with("/api/v1/"), "{path}");
            for (method, operation) in item.as_object().unwrap() {
                let roles = operation["x-hearken-roles"].as_array();
                assert!(
                    roles.is_some_and(|r| !r.is_empty()),
                    "{method} {path} declares no roles"
                );
                let public = roles.is_some_and(|r| r.iter().any(|r| r == "public"));
                assert_eq!(
                    public,
                    operation.get("security").is_some(),
                    "{method} {path}: only public operations override the bearer requirement"
                );
                assert!(
                    operation["summary"].as_str().is_some_and(|s| !s.is_empty()),
                    "{method} {path} has no summary"
                );
                for (status, response) in operation["responses"].as_object().unwrap() {
                    if status.starts_with('4') {
                        assert_eq!(
                            response["$ref"], "#/components/responses/Error",
                            "{method} {path} {status}"
                        );
                    }
                }
            }
        }
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
        assert!(doc["components"]["schemas"]["Error"]["properties"]["error"].is_object());
    }

    /// Schema attributes take literals only, so the limits are repeated there; this keeps them
    /// equal to the constants the code enforces.
    #[test]
    fn stated_limits_are_the_enforced_ones() {
        let doc: serde_json::Value = serde_json::from_str(&to_json().unwrap()).unwrap();
        let schemas = &doc["components"]["schemas"];
        for name in ["NewUserRequest", "UserPatch"] {
            let password = &schemas[name]["properties"]["password"];
            assert_eq!(
                password["minLength"],
                crate::auth::policy::MIN_LENGTH,
                "{name}"
            );
            assert_eq!(
                password["maxLength"],
                crate::auth::policy::MAX_LENGTH,
                "{name}"
            );
        }
        assert_eq!(
            schemas["SurveyInput"]["properties"]["max_reminders"]["maximum"],
            crate::survey::editing::MAX_REMINDERS
        );
        assert_eq!(
            schemas["InvitationRequest"]["properties"]["contact_ids"]["maxItems"],
            crate::invite::api::MAX_CONTACT_IDS
        );
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let parameters = operation["parameters"].as_array().into_iter().flatten();
                for limit in parameters.filter(|p| p["name"] == "limit") {
                    let schema = &limit["schema"];
                    assert_eq!(
                        schema["maximum"],
                        crate::web::paging::MAX_LIMIT,
                        "{method} {path}"
                    );
                    assert_eq!(schema["minimum"], 1, "{method} {path}");
                }
            }
        }
    }
}
