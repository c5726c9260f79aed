//! Checks on the source itself: no type is both request input and a database write
//! (mass assignment, security check 22a).

/// Every `.rs` file below `dir`.
pub fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_type_is_both_request_input_and_a_database_write() {
    let mut files = Vec::new();
    rust_files(std::path::Path::new("src"), &mut files);
    assert!(files.len() > 20);
    let mut offenders = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        // A type's derives may span several #[derive] lines before its `struct`/`enum`.
        let mut derives = String::new();
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with("#[derive(") {
                derives.push_str(line);
            } else if line.starts_with("#[") || line.starts_with("///") {
                continue;
            } else {
                if line.contains("struct ") || line.contains("enum ") {
                    let input = derives.contains("Deserialize") || derives.contains("FromForm");
                    let write = derives.contains("Insertable") || derives.contains("AsChangeset");
                    if input && write {
                        offenders.push(format!("{}: {line}", file.display()));
                    }
                }
                derives.clear();
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "input types that are also database writes: {offenders:#?}"
    );
}

#[test]
fn deeply_nested_json_is_refused_cleanly() {
    let app = crate::TestApp::new();
    let (_, token) = app.user_with_token(hearken::auth::Role::Designer);
    let nested = format!(
        "{{\"title\": \"x\", \"questions\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let response = app
        .client
        .post("/api/v1/surveys")
        .header(crate::bearer(&token))
        .header(rocket::http::ContentType::JSON)
        .body(nested)
        .dispatch();
    assert!(
        matches!(response.status().code, 400 | 413 | 422),
        "{}",
        response.status()
    );
    assert_eq!(app.count("surveys"), 0);
}
