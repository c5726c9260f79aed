//! `ApiJson<T>`: the JSON body guard of the API. Malformed JSON is a 400; JSON that does not fit
//! the type (an unknown field, a wrong type, an array where an object belongs) is a 422 naming
//! the field's path, e.g. `questions[3].options`; a body over the `json` limit is a 413.

use rocket::data::{Data, FromData, Outcome, ToByteUnit};
use rocket::http::Status;
use rocket::request::Request;
use serde::de::DeserializeOwned;
use serde_json::Value;

use self::size::Budget;
use self::strict::Strict;
use super::refusal::remember;
use crate::error::Error;

mod size;
mod strict;

pub struct ApiJson<T>(pub T);

fn fail<'r, T>(req: &Request<'_>, error: Error) -> Outcome<'r, T, Error> {
    remember(req, &error);
    Outcome::Error((error.status(), error))
}

/// Parses `text` as `T`, with errors that say where the problem is. The text is read as JSON
/// first, so a syntax error is a 400 whatever the type; then `T` is read from it with objects
/// only where structs are expected (see [`strict`]).
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    // An empty body reads as `null`, so an optional body (`ApiJson<Option<T>>`) may be left out.
    let text = if text.trim().is_empty() { "null" } else { text };
    // Counted before anything is built: a parsed value takes many times its text's size.
    Budget::default().check(text)?;
    let value: Value = serde_json::from_str(text)
        .map_err(|e| Error::BadRequest(format!("malformed JSON: {e}")))?;
    from_value(&value)
}

/// Reads `T` from parsed JSON; a value that does not fit is a 422 naming the field's path.
pub fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, Error> {
    read(value).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        Error::invalid(field_path(&path, &message), message)
    })
}

/// Reads `T` from parsed JSON, structs from objects only; the error carries the path.
pub fn read<T: DeserializeOwned>(
    value: &Value,
) -> Result<T, serde_path_to_error::Error<serde_json::Error>> {
    serde_path_to_error::deserialize(Strict(value))
}

/// The path of the field at fault: serde reports a missing field at its parent, so the
/// field's name is taken from the message ("missing field `password`").
fn field_path(parent: &str, message: &str) -> String {
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next());
    match (parent, missing) {
        (".", Some(name)) => name.to_string(),
        (".", None) => "body".to_string(),
        (parent, Some(name)) => format!("{parent}.{name}"),
        (parent, None) => parent.to_string(),
    }
}

#[rocket::async_trait]
impl<'r, T: DeserializeOwned> FromData<'r> for ApiJson<T> {
    type Error = Error;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> Outcome<'r, Self, Error> {
        if let Some(ct) = req.content_type()
            && !ct.is_json()
        {
            let error =
                Error::BadRequest(format!("expected Content-Type: application/json, not {ct}"));
            remember(req, &error);
            return Outcome::Error((Status::UnsupportedMediaType, error));
        }
        let limit = req.limits().get("json").unwrap_or(1.mebibytes());
        let text = match data.open(limit).into_string().await {
            Ok(text) if text.is_complete() => text.into_inner(),
            Ok(_) => {
                return fail(
                    req,
                    Error::TooLarge {
                        limit: limit.to_string(),
                    },
                );
            }
            Err(e) => {
                return fail(
                    req,
                    Error::BadRequest(format!("the body could not be read: {e}")),
                );
            }
        };
        match parse(&text) {
            Ok(value) => Outcome::Success(ApiJson(value)),
            Err(error) => fail(req, error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        options: Vec<String>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        questions: Vec<Inner>,
    }

    #[test]
    fn data_errors_name_the_field_path() {
        let err = parse::<Outer>(r#"{"questions":[{"options":[]},{"options":"x"}]}"#).err();
        match err {
            Some(Error::Invalid { field, .. }) => assert_eq!(field, "questions[1].options"),
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn a_missing_field_is_named() {
        match parse::<Outer>(r#"{"questions":[{}]}"#) {
            Err(Error::Invalid { field, .. }) => assert_eq!(field, "questions[0].options"),
            other => panic!("expected a field error, got {other:?}"),
        }
        match parse::<Outer>("{}") {
            Err(Error::Invalid { field, .. }) => assert_eq!(field, "questions"),
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn an_array_is_no_object() {
        match parse::<Outer>(r#"[[["x"]]]"#) {
            Err(Error::Invalid { field, .. }) => assert_eq!(field, "body"),
            other => panic!("expected a field error, got {other:?}"),
        }
        match parse::<Outer>(r#"{"questions":[["x"]]}"#) {
            Err(Error::Invalid { field, .. }) => assert_eq!(field, "questions[0]"),
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn syntax_errors_are_bad_requests() {
        // Read as a struct, `[1` would fail on the type of its first element before the
        // syntax error at the end was seen.
        assert!(matches!(
            parse::<Outer>("[1,2,3"),
            Err(Error::BadRequest(_))
        ));
        assert!(matches!(
            parse::<Outer>("{\"questions\": ["),
            Err(Error::BadRequest(_))
        ));
        assert!(matches!(
            parse::<Outer>(r#"{"questions": []} trailing"#),
            Err(Error::BadRequest(_))
        ));
    }
}
