//! Strings of the staff pages (everything a signed-in member or someone signing in reads), kept
//! apart from the respondent catalogues because staff pages come in fewer languages. Each area of
//! the product has its own pair of files, `staff/<area>.<code>.json`, so pages can be converted
//! area by area without everyone editing one file; the areas are merged per language at first
//! use, and a key two areas both define is an error (see [`check`]).
//!
//! The language of a staff page is the member's own choice when they made one, else the first
//! staff language the browser's `Accept-Language` names, else English ([`resolve`]).

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Languages the staff pages are written in, English first because it is the fallback.
pub const STAFF_LANGUAGES: [&str; 2] = ["en", "nl"];

/// An area's name and its English and Dutch source, in the order of [`STAFF_LANGUAGES`].
macro_rules! area {
    ($name:literal) => {
        (
            $name,
            [
                include_str!(concat!("staff/", $name, ".en.json")),
                include_str!(concat!("staff/", $name, ".nl.json")),
            ],
        )
    };
}

/// Each area's English and Dutch source.
const AREAS: &[(&str, [&str; 2])] = &[
    area!("layout"),
    area!("auth"),
    area!("errors"),
    area!("home"),
    area!("surveys"),
    area!("workspace"),
    area!("editor"),
    area!("distribute"),
    area!("users"),
    area!("results"),
    area!("listening"),
    area!("fields"),
];

/// The staff language for a stored or requested tag, by its primary subtag (`nl-BE` is Dutch).
pub fn supported(tag: &str) -> Option<&'static str> {
    super::by_primary_subtag(tag, &STAFF_LANGUAGES)
}

/// The first staff language an `Accept-Language` header asks for, by quality (`q`), ties in the
/// order written; a language with `q=0` is refused, not asked for.
pub fn from_accept_language(header: &str) -> Option<&'static str> {
    let mut asked: Vec<(u16, &'static str)> = header
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';');
            let code = supported(parts.next()?)?;
            let mut quality = 1000;
            for param in parts {
                if let Some(q) = param.trim().strip_prefix("q=") {
                    // Thousandths, so the order needs no floating-point comparison.
                    quality = (q.trim().parse::<f32>().ok()?.clamp(0.0, 1.0) * 1000.0) as u16;
                }
            }
            (quality > 0).then_some((quality, code))
        })
        .collect();
    // A stable sort keeps the written order among equal qualities.
    asked.sort_by_key(|&(quality, _)| std::cmp::Reverse(quality));
    asked.first().map(|(_, code)| *code)
}

/// A staff page's language: the member's choice, else the browser's, else English.
pub fn resolve(chosen: Option<&str>, accept_language: Option<&str>) -> &'static str {
    chosen
        .and_then(supported)
        .or_else(|| accept_language.and_then(from_accept_language))
        .unwrap_or("en")
}

/// One staff language's strings, every area merged.
#[derive(Debug)]
pub struct StaffCatalog {
    code: &'static str,
    strings: BTreeMap<String, String>,
}

impl StaffCatalog {
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The string for `key`; falls back to English, then to the key itself (never panics), so
    /// a missing translation shows up on the page rather than breaking it.
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.strings
            .get(key)
            .or_else(|| english().strings.get(key))
            .map_or(key, String::as_str)
    }

    /// `get` with `{name}` placeholders filled (see [`super::fill`]).
    pub fn format(&self, key: &str, args: &[(&str, &str)]) -> String {
        super::fill(self.get(key), args)
    }

    /// `format` for a counted phrase: `<key>_<form>` for the form this language uses for `n`.
    pub fn plural(&self, key: &str, n: u64, args: &[(&str, &str)]) -> String {
        let form = format!("{key}_{}", super::plural::category(self.code, n));
        if self.strings.contains_key(&form) || english().strings.contains_key(&form) {
            self.format(&form, args)
        } else {
            self.format(&format!("{key}_other"), args)
        }
    }

    /// A counted phrase whose count is also shown: `{count}` is `n` with its digits grouped.
    pub fn counted(&self, key: &str, n: i64) -> String {
        let shown = self.number(n);
        self.plural(key, n.unsigned_abs(), &[("count", &shown)])
    }

    /// A whole number with its digits grouped as this language writes it: "1,200" in English,
    /// "1.200" in Dutch.
    pub fn number(&self, n: i64) -> String {
        crate::web::wording::grouped(n).replace(',', self.get("number.group"))
    }

    /// `x` with `places` decimals and this language's decimal sign: "4.5" in English, "4,5"
    /// in Dutch (thousands grouped as [`number`](Self::number) does).
    pub fn decimal(&self, x: f64, places: usize) -> String {
        let fixed = format!("{:.places$}", x.abs());
        let (whole, fraction) = fixed.split_once('.').unwrap_or((&fixed, ""));
        let sign = if x < 0.0 && fixed.chars().any(|c| ('1'..='9').contains(&c)) {
            "-"
        } else {
            ""
        };
        let whole = self.number(whole.parse().unwrap_or(0));
        if fraction.is_empty() {
            format!("{sign}{whole}")
        } else {
            format!("{sign}{whole}{}{fraction}", self.get("number.decimal"))
        }
    }
}

/// The staff catalogue for `code`; a language without one gets English.
pub fn staff_catalog(code: &str) -> &'static StaffCatalog {
    catalogs()
        .iter()
        .find(|c| c.code == code)
        .unwrap_or_else(|| english())
}

fn english() -> &'static StaffCatalog {
    static EMPTY: OnceLock<StaffCatalog> = OnceLock::new();
    catalogs()
        .iter()
        .find(|c| c.code == "en")
        .unwrap_or_else(|| {
            EMPTY.get_or_init(|| StaffCatalog {
                code: "en",
                strings: BTreeMap::new(),
            })
        })
}

fn catalogs() -> &'static [StaffCatalog] {
    static CATALOGS: OnceLock<Vec<StaffCatalog>> = OnceLock::new();
    CATALOGS.get_or_init(|| {
        STAFF_LANGUAGES
            .iter()
            .enumerate()
            .map(|(index, &code)| {
                let strings = merge(index).unwrap_or_else(|e| {
                    // The start-up check refuses this; a page in part untranslated beats none.
                    log::error!("staff strings for {code:?}: {e}");
                    BTreeMap::new()
                });
                StaffCatalog { code, strings }
            })
            .collect()
    })
}

/// Every area of the language at `index` of [`STAFF_LANGUAGES`] in one map.
fn merge(index: usize) -> Result<BTreeMap<String, String>, String> {
    let code = STAFF_LANGUAGES.get(index).copied().unwrap_or("?");
    let mut merged = BTreeMap::new();
    let mut owner: BTreeMap<String, &str> = BTreeMap::new();
    for (area, sources) in AREAS {
        let source = sources.get(index).copied().unwrap_or("{}");
        let strings: BTreeMap<String, String> = serde_json::from_str(source)
            .map_err(|e| format!("staff/{area}.{code}.json cannot be read: {e}"))?;
        for (key, value) in strings {
            if let Some(first) = owner.insert(key.clone(), area) {
                return Err(format!(
                    "the key {key:?} is in both staff/{first}.{code}.json and staff/{area}.{code}.json"
                ));
            }
            merged.insert(key, value);
        }
    }
    Ok(merged)
}

/// Every key of the English staff catalogue, for checks that compare a page against it.
pub fn keys() -> Vec<String> {
    english().strings.keys().cloned().collect()
}

/// Whether every staff catalogue reads and no key is defined by two areas; the server refuses
/// to start otherwise.
pub fn check() -> Result<(), String> {
    (0..STAFF_LANGUAGES.len()).try_for_each(|index| merge(index).map(drop))
}

#[cfg(test)]
#[path = "staff_tests.rs"]
mod tests;
