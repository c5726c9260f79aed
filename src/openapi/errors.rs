//! The error responses every operation shares, added in one place from what the operation
//! declares, so the document lists each status the server really answers with and a new route
//! cannot forget one: 401 behind a token, 403 when some role may not call it, 404 with an id in
//! the path, 400/413/415/422 with a JSON body, 422 with query parameters. What only some
//! operations answer (409, 429, a 413 for uploads) stays on their own annotation.

use utoipa::Modify;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{OpenApi, Ref, RefOr};

use crate::auth::Role;

pub struct StandardErrors;

impl Modify for StandardErrors {
    fn modify(&self, doc: &mut OpenApi) {
        for item in doc.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
            ];
            for operation in operations.into_iter().flatten() {
                for status in statuses(operation) {
                    operation
                        .responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| RefOr::Ref(Ref::from_response_name("Error")));
                }
            }
        }
    }
}

/// The error statuses the server can answer `operation` with, whatever its handler does.
fn statuses(operation: &Operation) -> Vec<u16> {
    let mut statuses = Vec::new();
    // Public operations (no token) override the document's bearer requirement; see
    // `security(())` on them.
    if operation.security.is_none() {
        statuses.push(401);
        let roles = operation
            .extensions
            .as_ref()
            .and_then(|e| e.get("x-hearken-roles"))
            .and_then(|r| r.as_array());
        // Admins may call everything, so the list names the other roles allowed.
        let everyone = roles.is_some_and(|roles| {
            Role::ALL
                .iter()
                .filter(|role| **role != Role::Admin)
                .all(|role| roles.iter().any(|r| r == role.as_str()))
        });
        if !everyone {
            statuses.push(403);
        }
    }
    let parameters = operation.parameters.iter().flatten();
    let mut path = false;
    let mut query = false;
    for parameter in parameters {
        match parameter.parameter_in {
            ParameterIn::Path => path = true,
            ParameterIn::Query => query = true,
            _ => {}
        }
    }
    if path {
        statuses.push(404);
    }
    if operation.request_body.is_some() {
        statuses.extend([400, 413, 415, 422]);
    } else if query {
        statuses.push(422);
    }
    statuses
}
