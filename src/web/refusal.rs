//! Why a request guard refused a request, kept in the request's local cache so the catcher
//! that answers it can say which field was wrong.

use rocket::Request;

use crate::error::Error;

/// The error a guard met, kept for the catcher so it can say which field was wrong.
#[derive(Default)]
pub struct GuardFailure(pub Option<(String, Option<String>)>);

/// Records why a guard refused the request, for the catcher to report.
pub fn remember(req: &Request<'_>, error: &Error) {
    let field = match error {
        Error::Invalid { field, .. } => Some(field.clone()),
        _ => None,
    };
    req.local_cache(|| GuardFailure(Some((error.public_message(), field))));
}
