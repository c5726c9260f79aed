//! How much parsed JSON one body may become. A JSON object of a few bytes becomes a map of
//! several allocations once parsed, so a 1 MiB body of small objects would take tens of
//! megabytes; a pass that builds nothing counts the values first and refuses a body over its
//! budget with a 413. The budget is far above any real survey, invitation list or answer set.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::error::Error;

/// The most objects one body may hold.
pub const MAX_OBJECTS: usize = 10_000;
/// The most values of any kind one body may hold.
pub const MAX_VALUES: usize = 200_000;

/// What is left to spend while counting a body.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    objects: usize,
    values: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            objects: MAX_OBJECTS,
            values: MAX_VALUES,
        }
    }
}

/// Why counting stopped early: the budget, not the syntax.
const OVER_BUDGET: &str = "over the JSON value budget";

impl Budget {
    /// Checks that `text` fits the budget. A syntax error is a 400, too many values a 413.
    pub fn check(mut self, text: &str) -> Result<(), Error> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        match (Counter(&mut self)).deserialize(&mut deserializer) {
            Ok(()) => Ok(()),
            Err(e) if e.to_string().starts_with(OVER_BUDGET) => Err(Error::TooLarge {
                limit: format!("{MAX_OBJECTS} objects and {MAX_VALUES} values"),
            }),
            Err(e) => Err(Error::BadRequest(format!("malformed JSON: {e}"))),
        }
    }

    fn spend<E: de::Error>(&mut self, object: bool) -> Result<(), E> {
        if self.values == 0 || (object && self.objects == 0) {
            return Err(E::custom(OVER_BUDGET));
        }
        self.values -= 1;
        if object {
            self.objects -= 1;
        }
        Ok(())
    }
}

struct Counter<'a>(&'a mut Budget);

impl<'de> DeserializeSeed<'de> for Counter<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Counter<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.0.spend(false)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.0.spend(false)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.0.spend(false)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.0.spend(false)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.0.spend(false)
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.spend(false)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<(), A::Error> {
        self.0.spend(false)?;
        while items.next_element_seed(Counter(&mut *self.0))?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<(), A::Error> {
        self.0.spend(true)?;
        while entries.next_key::<IgnoredAny>()?.is_some() {
            entries.next_value_seed(Counter(&mut *self.0))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_within_the_budget_passes() {
        let ids: Vec<String> = (0..40_000).map(|i| format!("\"c{i}\"")).collect();
        let body = format!("{{\"contact_ids\":[{}]}}", ids.join(","));
        assert!(Budget::default().check(&body).is_ok());
    }

    #[test]
    fn too_many_objects_or_values_is_413_and_bad_syntax_400() {
        let objects = format!("[{}{{}}]", "{},".repeat(MAX_OBJECTS));
        assert!(matches!(
            Budget::default().check(&objects),
            Err(Error::TooLarge { .. })
        ));
        let values = format!("[{}1]", "1,".repeat(MAX_VALUES));
        assert!(matches!(
            Budget::default().check(&values),
            Err(Error::TooLarge { .. })
        ));
        assert!(matches!(
            Budget::default().check("[1,2,3"),
            Err(Error::BadRequest(_))
        ));
    }
}
