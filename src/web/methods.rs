//! Telling "wrong method" from "no such path". Rocket answers 404 when a path is routed for
//! other methods only, and 400 for a method it does not know at all (`QUERY`); HTTP says 405
//! with an `Allow` header listing the methods the path has. The API's catcher asks here.

use rocket::Request;
use rocket::http::{Method, Status};

/// The methods to list in `Allow` when `status`, raised for `req`, really means the path exists
/// but not for this method; `None` when the status stands.
pub fn not_allowed(status: Status, req: &Request<'_>) -> Option<Vec<&'static str>> {
    let unknown_method = match status.code {
        404 => false,
        // A request Rocket could not take in (an unknown method; an unreadable URI becomes
        // `/`) reaches the catchers without ever being routed.
        400 if req.route().is_none() => true,
        _ => return None,
    };
    let segments: Vec<&str> = req.uri().path().segments().collect();
    let matching: Vec<(usize, Method)> = req
        .rocket()
        .routes()
        .filter(|route| path_matches(route.uri.path(), &segments))
        .map(|route| (dynamic_segments(route.uri.path()), route.method))
        .collect();
    // A path a static route names (`/complaints/goals`) is that route's alone, though a
    // dynamic one (`/complaints/<id>`) could take it too.
    let fewest = matching.iter().map(|(n, _)| *n).min().unwrap_or(0);
    let mut allowed: Vec<Method> = matching
        .into_iter()
        .filter(|(n, _)| *n == fewest)
        .map(|(_, method)| method)
        .collect();
    // Rocket answers HEAD with the GET route.
    if allowed.contains(&Method::Get) {
        allowed.push(Method::Head);
    }
    if allowed.is_empty() || (!unknown_method && allowed.contains(&req.method())) {
        return None;
    }
    let mut names: Vec<&'static str> = allowed.iter().map(|m| m.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    Some(names)
}

/// How many of a route path's segments are dynamic (`<id>`).
fn dynamic_segments(route: &str) -> usize {
    route.split('/').filter(|s| s.starts_with('<')).count()
}

/// Whether a route path such as `/api/v1/surveys/<id>` matches the request's segments.
fn path_matches(route: &str, request: &[&str]) -> bool {
    let route: Vec<&str> = route.split('/').filter(|s| !s.is_empty()).collect();
    let dynamic = |segment: &str| segment.starts_with('<') && segment.ends_with('>');
    if let Some(last) = route.last()
        && dynamic(last)
        && last.ends_with("..>")
    {
        let fixed = &route[..route.len() - 1];
        return request.len() >= fixed.len()
            && fixed.iter().zip(request).all(|(r, q)| dynamic(r) || r == q);
    }
    route.len() == request.len()
        && route
            .iter()
            .zip(request)
            .all(|(r, q)| (dynamic(r) && !q.is_empty()) || r == q)
}

#[cfg(test)]
mod tests {
    use super::path_matches;

    #[test]
    fn paths_match_segment_by_segment() {
        assert!(path_matches("/api/v1/surveys", &["api", "v1", "surveys"]));
        assert!(path_matches(
            "/api/v1/surveys/<id>/lint",
            &["api", "v1", "surveys", "x1", "lint"]
        ));
        assert!(!path_matches(
            "/api/v1/surveys/<id>",
            &["api", "v1", "surveys", "x1", "lint"]
        ));
        assert!(!path_matches("/api/v1/surveys", &["api", "v1", "contacts"]));
        assert!(path_matches("/static/<path..>", &["static", "a", "b.css"]));
    }
}
