//! Whose voice a survey collects: customers (the default), employees or suppliers. Answers
//! count for their survey's audience when problems from every source are put side by side.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    #[default]
    Customers,
    Employees,
    Suppliers,
}

impl Audience {
    pub const ALL: [Audience; 3] = [
        Audience::Customers,
        Audience::Employees,
        Audience::Suppliers,
    ];

    /// The text stored and shown in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Customers => "customers",
            Audience::Employees => "employees",
            Audience::Suppliers => "suppliers",
        }
    }

    /// The stored text read back; anything unknown is customers, the default.
    pub fn parse(text: &str) -> Option<Audience> {
        Audience::ALL.into_iter().find(|a| a.as_str() == text)
    }

    /// What the staff pages call it.
    pub fn label(self) -> &'static str {
        match self {
            Audience::Customers => "Customers",
            Audience::Employees => "Employees",
            Audience::Suppliers => "Suppliers",
        }
    }
}

impl fmt::Display for Audience {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audiences_read_back_from_their_text() {
        for audience in Audience::ALL {
            assert_eq!(Audience::parse(audience.as_str()), Some(audience));
        }
        assert_eq!(Audience::parse("staff"), None);
        assert_eq!(Audience::default(), Audience::Customers);
    }
}
