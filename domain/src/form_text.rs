//! What console forms share: text fields read as numbers and `name=value` lines, with errors
//! that name the AWS field the text becomes.

use crate::FieldError;
use std::collections::BTreeMap;

/// A whole number, or `None` for an empty field.
pub fn number(field: &str, text: &str) -> Result<Option<i64>, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| FieldError::new(field, format!("must be a whole number (got {text:?})")))
}

/// `name=value` lines in the order typed (blank lines skipped; spaces around each side
/// trimmed). Line `i` that is not a pair is `{field}[i]`.
pub fn pair_lines(field: &str, text: &str) -> Result<Vec<(String, String)>, FieldError> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .enumerate()
        .map(|(index, line)| {
            let (name, value) = line
                .split_once('=')
                .ok_or_else(|| FieldError::new(format!("{field}[{index}]"), format!("write NAME=value (got {line:?})")))?;
            Ok((name.trim().to_string(), value.trim().to_string()))
        })
        .collect()
}

/// `name=value` lines as a map (a name given twice keeps its last value).
pub fn pairs(field: &str, text: &str) -> Result<BTreeMap<String, String>, FieldError> {
    Ok(pair_lines(field, text)?.into_iter().collect())
}

/// Pairs back as the lines `pair_lines` reads.
pub fn lines<'a>(pairs: impl IntoIterator<Item = (&'a String, &'a String)>) -> String {
    pairs.into_iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("\n")
}
