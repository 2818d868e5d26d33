//! Job output as CloudWatch Logs shows it (ARCHITECTURE.md §12): one log group,
//! `/aws/batch/job`, and one stream per attempt named as AWS Batch names it,
//! `<job definition name>/default/<task id>`, where the task id here is the job id and attempt
//! (`4f0c…_1`, an array child `4f0c….3_1`: a stream name may not hold `:`). The name alone says
//! which attempt it is, so reading a stream needs no lookup table.
//!
//! Also the paging tokens of GetLogEvents and the simple term patterns of FilterLogEvents.

/// The one log group job output is in, as on AWS Batch.
pub const LOG_GROUP: &str = "/aws/batch/job";

/// Most events GetLogEvents and FilterLogEvents return at once (AWS's limit too).
pub const MAX_EVENTS: u64 = 10_000;

/// Most lines FilterLogEvents reads per call; a call that matched nothing in them still returns
/// a token to go on from, as AWS does.
pub const FILTER_SCAN: u64 = 10_000;

/// The stream an attempt's output is in.
pub fn stream_name(definition_name: &str, job_id: &str, attempt: i32) -> String {
    format!("{definition_name}/default/{}_{attempt}", job_id.replace(':', "."))
}

/// The job id and attempt a stream name names, or `None` when it is not one of ours.
pub fn attempt_of_stream(name: &str) -> Option<(String, i32)> {
    let (_, task) = name.rsplit_once("/default/")?;
    let (job, attempt) = task.rsplit_once('_')?;
    let attempt: i32 = attempt.parse().ok().filter(|n| *n >= 1)?;
    (!job.is_empty()).then(|| (job.replace('.', ":"), attempt))
}

/// Where GetLogEvents goes on from: after a line (forward) or before one (backward).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogToken {
    Forward(i64),
    Backward(i64),
}

impl LogToken {
    pub fn parse(text: &str) -> Option<LogToken> {
        let (direction, id) = text.split_once('/')?;
        let id: i64 = id.parse().ok()?;
        match direction {
            "f" => Some(LogToken::Forward(id)),
            "b" => Some(LogToken::Backward(id)),
            _ => None,
        }
    }

    pub fn as_text(self) -> String {
        match self {
            LogToken::Forward(id) => format!("f/{id}"),
            LogToken::Backward(id) => format!("b/{id}"),
        }
    }
}

/// The tokens GetLogEvents answers with for a page of lines `first..=last` (ids), read from
/// `from`: at the end of the stream in the direction read, the token passed in comes back, which
/// is how AWS clients know to stop.
pub fn next_tokens(from: LogToken, page: Option<(i64, i64)>) -> (LogToken, LogToken) {
    match (page, from) {
        (Some((first, last)), _) => (LogToken::Forward(last), LogToken::Backward(first)),
        (None, LogToken::Forward(after)) => (from, LogToken::Backward(after.saturating_add(1))),
        (None, LogToken::Backward(before)) => (LogToken::Forward(before.saturating_sub(1)), from),
    }
}

/// A FilterLogEvents pattern of terms: every plain term must appear (`ERROR timeout`), any one
/// `?term` must appear when there are some (`?ERROR ?WARN`), no `-term` may appear; `"a phrase"`
/// is one term. Matching is case-sensitive, as on CloudWatch. JSON (`{ ... }`) and
/// space-delimited (`[ ... ]`) patterns are refused with a message saying so.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TermPattern {
    all: Vec<String>,
    any: Vec<String>,
    none: Vec<String>,
}

impl TermPattern {
    pub fn parse(text: &str) -> Result<TermPattern, String> {
        let text = text.trim();
        if text.starts_with('{') || text.starts_with('[') {
            return Err(
                "filterPattern: only term patterns are supported here (words, \"phrases\", ?any, -not), not JSON or space-delimited ones"
                    .into(),
            );
        }
        let mut pattern = TermPattern::default();
        let mut rest = text;
        while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
            rest = &rest[start..];
            let (prefix, body) = match rest.as_bytes()[0] {
                b'?' => (Some('?'), &rest[1..]),
                b'-' => (Some('-'), &rest[1..]),
                _ => (None, rest),
            };
            let (term, after) = if let Some(quoted) = body.strip_prefix('"') {
                let end = quoted.find('"').ok_or("filterPattern: a quoted phrase has no closing quote")?;
                (&quoted[..end], &quoted[end + 1..])
            } else {
                let end = body.find(char::is_whitespace).unwrap_or(body.len());
                (&body[..end], &body[end..])
            };
            if !term.is_empty() {
                let list = match prefix {
                    Some('?') => &mut pattern.any,
                    Some('-') => &mut pattern.none,
                    _ => &mut pattern.all,
                };
                list.push(term.to_string());
            }
            rest = after;
        }
        Ok(pattern)
    }

    pub fn matches(&self, line: &str) -> bool {
        self.all.iter().all(|term| line.contains(term.as_str()))
            && (self.any.is_empty() || self.any.iter().any(|term| line.contains(term.as_str())))
            && !self.none.iter().any(|term| line.contains(term.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_stream_names_its_attempt() {
        assert_eq!(stream_name("nightly", "4f0c-aa", 2), "nightly/default/4f0c-aa_2");
        assert_eq!(stream_name("nightly", "4f0c-aa:17", 1), "nightly/default/4f0c-aa.17_1");
        assert_eq!(attempt_of_stream("nightly/default/4f0c-aa.17_1"), Some(("4f0c-aa:17".into(), 1)));
        // A definition name may hold anything a name may; only the last part is read.
        assert_eq!(attempt_of_stream("a_b/default/x_3"), Some(("x".into(), 3)));
    }

    #[test]
    fn names_that_are_not_ours_name_no_attempt() {
        for name in ["", "nightly", "nightly/default/", "nightly/default/x", "nightly/default/x_0", "nightly/default/_1", "n/other/x_1"] {
            assert_eq!(attempt_of_stream(name), None, "{name}");
        }
    }

    proptest! {
        #[test]
        fn every_stream_name_reads_back(definition in "[A-Za-z0-9_-]{1,128}", job in "[0-9a-f-]{36}(:[0-9]{1,4})?", attempt in 1..=10i32) {
            prop_assert_eq!(attempt_of_stream(&stream_name(&definition, &job, attempt)), Some((job, attempt)));
        }

        #[test]
        fn tokens_read_back(id in any::<i64>(), forward in any::<bool>()) {
            let token = if forward { LogToken::Forward(id) } else { LogToken::Backward(id) };
            prop_assert_eq!(LogToken::parse(&token.as_text()), Some(token));
        }
    }

    #[test]
    fn at_the_end_the_token_passed_in_comes_back() {
        let from = LogToken::Forward(40);
        assert_eq!(next_tokens(from, None).0, from);
        assert_eq!(next_tokens(from, Some((41, 50))), (LogToken::Forward(50), LogToken::Backward(41)));
        let back = LogToken::Backward(41);
        assert_eq!(next_tokens(back, None).1, back);
        assert_eq!(next_tokens(back, Some((30, 40))), (LogToken::Forward(40), LogToken::Backward(30)));
        assert_eq!(LogToken::parse("x/1"), None);
        assert_eq!(LogToken::parse("f/one"), None);
    }

    #[test]
    fn term_patterns_match_as_cloudwatch_does() {
        let cases: &[(&str, &str, bool)] = &[
            ("", "anything", true),
            ("ERROR", "an ERROR here", true),
            ("ERROR", "an error here", false),
            ("ERROR timeout", "ERROR: timeout", true),
            ("ERROR timeout", "ERROR: refused", false),
            ("?ERROR ?WARN", "WARN: disk", true),
            ("?ERROR ?WARN", "INFO: ok", false),
            ("ERROR -retry", "ERROR, will retry", false),
            ("ERROR -retry", "ERROR, giving up", true),
            ("\"connection reset\"", "peer: connection reset", true),
            ("\"connection reset\"", "connection was reset", false),
        ];
        for (pattern, line, expected) in cases {
            assert_eq!(TermPattern::parse(pattern).unwrap().matches(line), *expected, "{pattern:?} on {line:?}");
        }
    }

    #[test]
    fn structured_and_broken_patterns_are_refused_by_name() {
        for pattern in ["{ $.level = \"ERROR\" }", "[ip, user]", "\"unclosed"] {
            assert!(TermPattern::parse(pattern).unwrap_err().starts_with("filterPattern:"), "{pattern}");
        }
    }
}
