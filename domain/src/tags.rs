use crate::limits::MAX_TAGS;
use crate::validation::{Validated, ensure};
use std::collections::BTreeMap;

pub type Tags = BTreeMap<String, String>;

/// AWS tag rules: at most 50; keys 1..128 characters, values up to 256; `aws:` is reserved.
pub fn validate_tags(field: &str, tags: &Tags) -> Validated<()> {
    ensure(tags.len() <= MAX_TAGS, field, format!("at most {MAX_TAGS} tags (got {})", tags.len()))?;
    for (key, value) in tags {
        let len = key.chars().count();
        ensure((1..=128).contains(&len), format!("{field}.{key}"), "tag keys are 1 to 128 characters")?;
        ensure(value.chars().count() <= 256, format!("{field}.{key}"), "tag values are at most 256 characters")?;
        ensure(!key.to_ascii_lowercase().starts_with("aws:"), format!("{field}.{key}"), "the aws: prefix is reserved")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifty_tags_pass_and_fifty_one_fail() {
        let mut tags: Tags = (0..50).map(|i| (format!("k{i}"), "v".into())).collect();
        assert!(validate_tags("tags", &tags).is_ok());
        tags.insert("one-more".into(), "v".into());
        let error = validate_tags("tags", &tags).unwrap_err();
        assert_eq!(error.field, "tags");
        assert!(error.message.contains("at most 50"));
    }

    #[test]
    fn reserved_and_empty_keys_fail() {
        let tags: Tags = [("aws:owner".to_string(), "x".to_string())].into();
        assert!(validate_tags("tags", &tags).unwrap_err().message.contains("reserved"));
        let tags: Tags = [(String::new(), "x".to_string())].into();
        assert!(validate_tags("tags", &tags).is_err());
    }
}
