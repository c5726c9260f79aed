//! Text search in SQL the same way on both backends: `lower()` on both sides so a search is
//! case-insensitive on PostgreSQL too, and a typed `%` or `_` matched as itself.

diesel::define_sql_function! {
    /// SQL `lower()` of a text that may be NULL.
    fn lower(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

/// A LIKE pattern (escape character `\`) matching text that contains `q`, whose `%`, `_` and
/// `\` are literal characters, not wildcards.
pub fn containing(q: &str) -> String {
    let mut out = String::with_capacity(q.len() + 2);
    out.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn wildcards_typed_are_literal() {
        assert_eq!(super::containing("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
