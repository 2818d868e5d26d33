//! Commands as people type them in the console: POSIX shell words (quotes and backslash
//! escapes, no expansion), and back: an argument list as a line a shell would split into the
//! same list. The container gets the list; no shell runs unless the command names one.

use crate::FieldError;

/// Splits `text` the way a POSIX shell splits words (`sh -c 'echo a; exit 3'` is three
/// arguments). `field` names the input in the error about an unclosed quote.
pub fn parse(field: &str, text: &str) -> Result<Vec<String>, FieldError> {
    shlex::split(text)
        .ok_or_else(|| FieldError::new(field, "has an unclosed quote or a trailing backslash: close it, or escape the character with \\"))
}

/// The argument list as one line a shell splits back into the same list (quoted only where
/// needed), to show and to copy.
pub fn shell_form(arguments: &[String]) -> String {
    // `try_join` refuses only NUL bytes, which no argument list from a form or the API holds;
    // fall back to each argument in single quotes.
    shlex::try_join(arguments.iter().map(String::as_str))
        .unwrap_or_else(|_| arguments.iter().map(|a| format!("'{}'", a.replace('\'', r"'\''"))).collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quotes_and_escapes_make_words_as_a_shell_would() {
        let words = parse("command", r#"sh -c 'echo oops >&2; exit 3'"#).unwrap();
        assert_eq!(words, ["sh", "-c", "echo oops >&2; exit 3"]);
        assert_eq!(parse("command", r#"printf "%s\n" a\ b"#).unwrap(), ["printf", "%s\\n", "a b"]);
        assert_eq!(parse("command", "  echo   hello  ").unwrap(), ["echo", "hello"]);
        assert_eq!(parse("command", "").unwrap(), Vec::<String>::new());
        let error = parse("containerOverrides.command", "echo 'unclosed").unwrap_err();
        assert_eq!(error.field, "containerOverrides.command");
    }

    #[test]
    fn the_shell_form_quotes_only_what_needs_it() {
        let words: Vec<String> = ["sh", "-c", "echo oops >&2; exit 3"].map(String::from).to_vec();
        assert_eq!(shell_form(&words), "sh -c 'echo oops >&2; exit 3'");
        assert_eq!(shell_form(&["echo".into(), "hello".into()]), "echo hello");
    }

    proptest! {
        /// Any argument list survives the trip to a line and back.
        #[test]
        fn the_shell_form_parses_back_to_the_same_arguments(arguments in proptest::collection::vec("[^\u{0}]{0,12}", 0..6)) {
            prop_assert_eq!(parse("command", &shell_form(&arguments)).unwrap(), arguments);
        }
    }
}
