//! Checks on the shape of the source: every table is written by its one owner module, and no
//! two files under `src/` depend on each other, directly or round a circle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::source::rust_files;

/// Which module writes which table; README's layout section says the same.
const OWNERS: &[(&str, &str)] = &[
    ("users", "src/auth/model.rs"),
    ("sessions", "src/auth/model.rs"),
    ("api_tokens", "src/auth/model.rs"),
    ("auth_failures", "src/auth/model.rs"),
    ("setup_tokens", "src/auth/model.rs"),
    ("surveys", "src/survey/model.rs"),
    ("questions", "src/survey/model.rs"),
    ("contacts", "src/contact/model.rs"),
    ("suppressions", "src/contact/model.rs"),
    ("invitations", "src/invite/model.rs"),
    ("responses", "src/respond/model.rs"),
    ("answers", "src/respond/model.rs"),
    ("response_drafts", "src/respond/model.rs"),
    ("question_tallies", "src/respond/tally.rs"),
    ("text_terms", "src/results/model.rs"),
    ("survey_tallies", "src/respond/tally.rs"),
    ("outbox", "src/mail/outbox.rs"),
    ("coupons", "src/incentive/model.rs"),
    ("coupon_grants", "src/incentive/model.rs"),
    ("coupon_stock", "src/incentive/model.rs"),
    ("draws", "src/incentive/draw_model.rs"),
    ("draw_entries", "src/incentive/draw_model.rs"),
    ("complaints", "src/complaint/model.rs"),
    ("complaint_changes", "src/complaint/model.rs"),
    ("tags", "src/insight/model.rs"),
    ("tag_links", "src/insight/model.rs"),
    ("focus_groups", "src/focus/model.rs"),
    ("focus_participants", "src/focus/model.rs"),
    ("focus_notes", "src/focus/model.rs"),
    ("focus_volunteers", "src/focus/model.rs"),
];

/// Every source file with its text, comments and string contents left in.
fn sources() -> Vec<(String, String)> {
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            (path.to_string_lossy().replace('\\', "/"), text)
        })
        .collect()
}

/// The code of a file without its comments (line comments only: the code base uses no others).
fn code_of(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn tables_in_schema() -> Vec<String> {
    let schema = std::fs::read_to_string("src/db/schema.rs").unwrap();
    schema
        .split("diesel::table! {")
        .skip(1)
        .map(|block| block.trim().split([' ', '(']).next().unwrap().to_string())
        .collect()
}

/// Whether `code` names `table` as a Diesel table (`table::` not preceded by another name
/// character, so `outbox::` inside `mail::outbox::queue` is not the table).
fn names_table(code: &str, table: &str) -> bool {
    let needle = format!("{table}::");
    code.match_indices(&needle).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let qualified = code[..at].ends_with("schema::");
        let standalone = !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
        (standalone || qualified)
            && !code[..at].ends_with("mail::")
            && !code[at + needle.len()..].starts_with("Outbox")
    })
}

const WRITES: [&str; 4] = [
    "insert_into(",
    "diesel::update(",
    "diesel::delete(",
    "insert_all!(",
];

#[test]
fn every_table_is_written_by_its_owner_alone() {
    let tables = tables_in_schema();
    for table in &tables {
        assert!(
            OWNERS.iter().any(|(t, _)| t == table),
            "the table `{table}` has no owner: add it to OWNERS here and to the README's layout"
        );
    }
    let mut offenders = Vec::new();
    for (path, text) in sources() {
        if path.starts_with("src/db/") {
            continue;
        }
        let code = code_of(&text);
        // Raw SQL that changes data has no place outside the owners either.
        let owner = OWNERS.iter().any(|(_, file)| *file == path);
        for statement in ["\"INSERT ", "\"UPDATE ", "\"DELETE "] {
            if !owner && code.to_uppercase().contains(statement) {
                offenders.push(format!("{path}: raw SQL {statement}…"));
            }
        }
        if !WRITES.iter().any(|w| code.contains(w)) {
            continue;
        }
        for (table, owner) in OWNERS {
            if *owner != path && names_table(&code, table) {
                offenders.push(format!(
                    "{path} writes and names `{table}`, owned by {owner}"
                ));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "tables written outside their owner module: {offenders:#?}"
    );
}

#[test]
fn the_ownership_check_sees_a_write_outside_the_owner() {
    let foreign = "use crate::db::schema::invitations;\n\
                   diesel::update(invitations::table.find(id)).set(x).execute(conn)?;";
    assert!(names_table(foreign, "invitations"));
    assert!(WRITES.iter().any(|w| foreign.contains(w)));
    assert!(!names_table("crate::mail::outbox::queue(conn)", "outbox"));
    assert!(names_table("schema::outbox::table", "outbox"));
    assert!(!names_table("let x = my_outbox::y;", "outbox"));
}

/// The file a module path (`["invite", "model"]`) lives in, if any.
fn file_of(module: &[String]) -> Option<String> {
    if module.is_empty() {
        return Some("src/lib.rs".into());
    }
    let base = format!("src/{}", module.join("/"));
    [format!("{base}.rs"), format!("{base}/mod.rs")]
        .into_iter()
        .find(|candidate| Path::new(candidate).is_file())
}

/// The module path of a file: `src/invite/model.rs` → `["invite", "model"]`.
fn module_of(path: &str) -> Vec<String> {
    let inner = path.trim_start_matches("src/").trim_end_matches(".rs");
    let mut parts: Vec<String> = inner.split('/').map(str::to_string).collect();
    if parts
        .last()
        .is_some_and(|p| p == "mod" || p == "lib" || p == "main")
    {
        parts.pop();
    }
    parts
}

/// `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let mut tree = tree.split_whitespace().collect::<Vec<_>>().join(" ");
    for tight in ["{", "}", ",", "::"] {
        tree = tree
            .replace(&format!(" {tight}"), tight)
            .replace(&format!("{tight} "), tight);
    }
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(&format!("{prefix}{p}")))
        .collect()
}

/// The paths a file depends on: its `use crate::…`, `use super::…` and `use self::…` items
/// (re-exports too) and every `crate::…` path in its code, as absolute module paths.
fn dependencies(path: &str, code: &str) -> Vec<(Vec<String>, bool)> {
    let here = module_of(path);
    let mut found = Vec::new();
    for (tree, reexport) in use_items(code) {
        for item in expand(&tree) {
            let item = item.split(" as ").next().unwrap_or_default().to_string();
            let segments: Vec<&str> = item.split("::").collect();
            let absolute: Option<Vec<String>> = match segments.first() {
                Some(&"crate") => Some(segments[1..].iter().map(|s| s.to_string()).collect()),
                Some(&"super") => {
                    let mut base = here.clone();
                    let mut segments = &segments[..];
                    while segments.first() == Some(&"super") {
                        base.pop();
                        segments = &segments[1..];
                    }
                    base.extend(segments.iter().map(|s| s.to_string()));
                    Some(base)
                }
                Some(&"self") => {
                    let mut base = here.clone();
                    base.extend(segments[1..].iter().map(|s| s.to_string()));
                    Some(base)
                }
                _ => None,
            };
            if let Some(absolute) = absolute {
                found.push((absolute, reexport));
            }
        }
    }
    // Paths in code through the parent module (`super::x::f()`). A parent naming its own
    // child modules (`pages::routes()` beside `mod pages;`) is containment, not an import.
    for (at, _) in code.match_indices("super::") {
        let before = code[..at].chars().next_back();
        let line_start = code[..at].rfind('\n').map_or(0, |n| n + 1);
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
            || code[line_start..at].trim_start().starts_with("use ")
            || code[line_start..at].trim_start().starts_with("pub")
        {
            continue;
        }
        let tail: String = code[at + 7..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        let mut absolute = here.clone();
        absolute.pop();
        absolute.extend(
            tail.split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        );
        found.push((absolute, false));
    }
    for (at, _) in code.match_indices("crate::") {
        if code[..at].ends_with('$') || code[..at].trim_end().ends_with("use") {
            continue;
        }
        let tail: String = code[at + 7..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        let mut segments: Vec<String> = tail
            .split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        // An exported macro is named at the crate root but lives where it is defined.
        if code[at + 7 + tail.len()..].starts_with('!')
            && let Some(name) = segments.last()
            && let Some(home) = macro_home(name)
        {
            segments = home;
        }
        found.push((segments, false));
    }
    found
}

/// The module path of the file that defines `macro_rules! name`.
fn macro_home(name: &str) -> Option<Vec<String>> {
    let needle = format!("macro_rules! {name} ");
    sources()
        .into_iter()
        .find(|(_, text)| text.contains(&needle))
        .map(|(path, _)| module_of(&path))
}

/// The `use` items of a file (each up to its `;`), and whether each is a `pub` re-export. An
/// indented `use super::` sits in an inline module (`mod tests`), whose parent is the file's
/// own module: it is given as `self::`.
fn use_items(code: &str) -> Vec<(String, bool)> {
    let mut items = Vec::new();
    let mut lines = code.lines();
    while let Some(raw) = lines.next() {
        let indented = raw.starts_with(char::is_whitespace);
        let line = raw.trim();
        let (reexport, rest) = if let Some(rest) = line.strip_prefix("use ") {
            (false, rest)
        } else if let Some(rest) = line
            .strip_prefix("pub use ")
            .or_else(|| line.strip_prefix("pub(crate) use "))
            .or_else(|| line.strip_prefix("pub(super) use "))
        {
            (true, rest)
        } else {
            continue;
        };
        let mut tree = rest.to_string();
        while !tree.contains(';') {
            match lines.next() {
                Some(more) => tree.push_str(more),
                None => break,
            }
        }
        let mut tree = tree
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        if indented && let Some(rest) = tree.strip_prefix("super::") {
            tree = format!("self::{rest}");
        }
        items.push((tree, reexport));
    }
    items
}

/// The file an absolute path leads to: the deepest module file along it, followed through a
/// `pub use` re-export when the path names an item its module only re-exports.
fn resolve(path: &[String], reexports: &BTreeMap<(String, String), String>) -> Option<String> {
    for len in (0..=path.len()).rev() {
        if let Some(file) = file_of(&path[..len]) {
            if let Some(item) = path.get(len)
                && let Some(target) = reexports.get(&(file.clone(), item.clone()))
            {
                return Some(target.clone());
            }
            return Some(file);
        }
    }
    None
}

/// Import arrows between files: (from, to).
fn arrows() -> BTreeSet<(String, String)> {
    let sources: Vec<(String, String)> = sources()
        .into_iter()
        .map(|(path, text)| {
            let code = code_of(&text);
            (path, code)
        })
        .collect();
    let mut reexports = BTreeMap::new();
    for (path, code) in &sources {
        for (target, reexport) in dependencies(path, code) {
            if reexport
                && let (Some(item), Some(file)) =
                    (target.last(), file_of(&target[..target.len() - 1]))
            {
                reexports.insert((path.clone(), item.clone()), file);
            }
        }
    }
    let mut arrows = BTreeSet::new();
    for (path, code) in &sources {
        for (target, reexport) in dependencies(path, code) {
            if reexport {
                continue;
            }
            if let Some(file) = resolve(&target, &reexports)
                && &file != path
            {
                arrows.insert((path.clone(), file));
            }
        }
    }
    arrows
}

/// Files that reach each other round a circle (Tarjan's strongly connected components).
fn circles(arrows: &BTreeSet<(String, String)>) -> Vec<Vec<String>> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to) in arrows {
        next.entry(from).or_default().push(to);
        next.entry(to).or_default();
    }
    struct State<'a> {
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(node: &'a str, next: &BTreeMap<&'a str, Vec<&'a str>>, s: &mut State<'a>) {
        let i = s.index.len();
        s.index.insert(node, i);
        s.low.insert(node, i);
        s.stack.push(node);
        s.on_stack.insert(node);
        for &to in &next[node] {
            if !s.index.contains_key(to) {
                visit(to, next, s);
                let low = s.low[node].min(s.low[to]);
                s.low.insert(node, low);
            } else if s.on_stack.contains(to) {
                let low = s.low[node].min(s.index[to]);
                s.low.insert(node, low);
            }
        }
        if s.low[node] == s.index[node] {
            let mut component = Vec::new();
            while let Some(top) = s.stack.pop() {
                s.on_stack.remove(top);
                component.push(top.to_string());
                if top == node {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    let nodes: Vec<&str> = next.keys().copied().collect();
    for node in nodes {
        if !state.index.contains_key(node) {
            visit(node, &next, &mut state);
        }
    }
    state.found
}

#[test]
fn no_two_files_import_each_other_round_a_circle() {
    let arrows = arrows();
    assert!(
        arrows.len() > 100,
        "the import reader found too little: {arrows:?}"
    );
    assert!(arrows.contains(&("src/auth/session.rs".into(), "src/auth/model.rs".into())));
    let found = circles(&arrows);
    let described: Vec<String> = found
        .iter()
        .map(|circle| {
            let ties: Vec<String> = arrows
                .iter()
                .filter(|(a, b)| circle.contains(a) && circle.contains(b))
                .map(|(a, b)| format!("{a} -> {b}"))
                .collect();
            ties.join("\n  ")
        })
        .collect();
    assert!(
        found.is_empty(),
        "import circles between files:\n  {}",
        described.join("\n\n  ")
    );
}

#[test]
fn the_foundation_imports_no_capability() {
    const FOUNDATION: [&str; 9] = [
        "src/error.rs",
        "src/counters.rs",
        "src/config.rs",
        "src/config/",
        "src/ids.rs",
        "src/db/",
        "src/web/",
        "src/i18n/",
        "src/mail/",
    ];
    let foundation = |file: &str| FOUNDATION.iter().any(|f| file.starts_with(f));
    let offenders: Vec<String> = arrows()
        .into_iter()
        .filter(|(from, to)| foundation(from) && !foundation(to))
        .map(|(from, to)| format!("{from} -> {to}"))
        .collect();
    assert!(
        offenders.is_empty(),
        "the foundation imports capabilities: {offenders:#?}"
    );
}

#[test]
fn the_circle_finder_finds_circles() {
    let arrows: BTreeSet<(String, String)> = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(circles(&arrows), vec![vec!["a", "b", "c"]]);
    assert_eq!(
        expand("crate::{a::b, c::{d, e as f}}"),
        vec!["crate::a::b", "crate::c::d", "crate::c::e as f"]
    );
}
