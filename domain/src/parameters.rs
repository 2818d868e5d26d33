//! `parameters` fill `Ref::name` placeholders in a job's command. A submission's parameters
//! override the definition's defaults; a placeholder with no parameter stays as written (AWS).

use std::collections::BTreeMap;

pub type Parameters = BTreeMap<String, String>;

/// The definition's defaults with the submission's values on top.
pub fn merge(defaults: &Parameters, submitted: &Parameters) -> Parameters {
    let mut merged = defaults.clone();
    merged.extend(submitted.iter().map(|(k, v)| (k.clone(), v.clone())));
    merged
}

pub fn substitute(command: &[String], parameters: &Parameters) -> Vec<String> {
    command.iter().map(|arg| substitute_one(arg, parameters)).collect()
}

fn substitute_one(arg: &str, parameters: &Parameters) -> String {
    const MARKER: &str = "Ref::";
    let mut out = String::with_capacity(arg.len());
    let mut rest = arg;
    while let Some(at) = rest.find(MARKER) {
        out.push_str(&rest[..at]);
        let after = &rest[at + MARKER.len()..];
        let name_len = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
        let name = &after[..name_len];
        match parameters.get(name) {
            Some(value) if !name.is_empty() => out.push_str(value),
            _ => out.push_str(&rest[at..at + MARKER.len() + name_len]),
        }
        rest = &after[name_len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Parameters {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn placeholders_are_replaced_wherever_they_appear() {
        let p = params(&[("input", "s3://in"), ("codec", "mp4")]);
        assert_eq!(
            substitute(&strings(&["convert", "Ref::input", "--to=Ref::codec", "Ref::codec-Ref::codec"]), &p),
            strings(&["convert", "s3://in", "--to=mp4", "mp4-mp4"])
        );
    }

    #[test]
    fn unknown_placeholders_stay_as_written() {
        assert_eq!(substitute(&strings(&["Ref::missing", "Ref::"]), &params(&[])), strings(&["Ref::missing", "Ref::"]));
    }

    #[test]
    fn submitted_parameters_override_the_definition() {
        let merged = merge(&params(&[("a", "1"), ("b", "2")]), &params(&[("b", "20"), ("c", "30")]));
        assert_eq!(merged, params(&[("a", "1"), ("b", "20"), ("c", "30")]));
    }
}
