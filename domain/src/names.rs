//! Names of compute environments, job queues, job definitions and jobs follow one AWS rule:
//! 1 to 128 characters of letters, digits, hyphens and underscores.

use serde::{Deserialize, Serialize};
use std::fmt;

pub const MAX_NAME_LEN: usize = 128;

/// A name that satisfies the AWS naming rule. Only `parse` builds one.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ResourceName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {MAX_NAME_LEN} characters (got {0})")]
    TooLong(usize),
    #[error("may contain only letters, digits, hyphens and underscores (found {0:?})")]
    BadCharacter(char),
}

impl ResourceName {
    pub fn parse(raw: &str) -> Result<Self, NameError> {
        if raw.is_empty() {
            return Err(NameError::Empty);
        }
        let len = raw.chars().count();
        if len > MAX_NAME_LEN {
            return Err(NameError::TooLong(len));
        }
        if let Some(bad) = raw.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_')) {
            return Err(NameError::BadCharacter(bad));
        }
        Ok(ResourceName(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ResourceName {
    type Error = NameError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        ResourceName::parse(&raw)
    }
}

impl From<ResourceName> for String {
    fn from(name: ResourceName) -> String {
        name.0
    }
}

impl fmt::Display for ResourceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_letters_digits_hyphens_and_underscores() {
        for good in ["a", "my-queue_01", &"x".repeat(128)] {
            assert_eq!(ResourceName::parse(good).unwrap().as_str(), good);
        }
    }

    #[test]
    fn refuses_names_outside_the_aws_rule() {
        assert_eq!(ResourceName::parse(""), Err(NameError::Empty));
        assert_eq!(ResourceName::parse(&"x".repeat(129)), Err(NameError::TooLong(129)));
        assert_eq!(ResourceName::parse("has space"), Err(NameError::BadCharacter(' ')));
        assert_eq!(ResourceName::parse("colon:1"), Err(NameError::BadCharacter(':')));
        assert_eq!(ResourceName::parse("é"), Err(NameError::BadCharacter('é')));
    }
}
