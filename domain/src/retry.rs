//! `retryStrategy`: how many attempts a job gets, and `evaluateOnExit` rules that decide, from
//! how an attempt ended, whether to retry or stop. Time and state are passed in; nothing is read.

use crate::limits::{MAX_EVALUATE_ON_EXIT_RULES, MAX_RETRY_ATTEMPTS, MIN_RETRY_ATTEMPTS};
use crate::validation::{Validated, ensure};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetryStrategy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts: Option<i64>,
    #[serde(default)]
    pub evaluate_on_exit: Vec<EvaluateOnExit>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EvaluateOnExit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_status_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_exit_code: Option<String>,
    /// `RETRY` or `EXIT` (AWS accepts any case).
    pub action: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAction {
    Retry,
    Exit,
}

/// How one attempt ended, as the rules see it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttemptExit<'a> {
    pub exit_code: Option<i64>,
    pub reason: Option<&'a str>,
    pub status_reason: Option<&'a str>,
}

impl AttemptExit<'_> {
    /// Exit code 0 with no container fault: the job SUCCEEDS whatever its retry strategy, unless
    /// it was asked to terminate (see `next_status`).
    pub fn is_clean(&self) -> bool {
        self.exit_code == Some(0) && self.reason.is_none()
    }
}

impl RetryStrategy {
    pub fn validate(&self, field: &str) -> Validated<()> {
        if let Some(attempts) = self.attempts {
            ensure(
                (MIN_RETRY_ATTEMPTS..=MAX_RETRY_ATTEMPTS).contains(&attempts),
                format!("{field}.attempts"),
                format!("must be between {MIN_RETRY_ATTEMPTS} and {MAX_RETRY_ATTEMPTS} (got {attempts})"),
            )?;
        }
        ensure(
            self.evaluate_on_exit.len() <= MAX_EVALUATE_ON_EXIT_RULES,
            format!("{field}.evaluateOnExit"),
            format!("at most {MAX_EVALUATE_ON_EXIT_RULES} rules (got {})", self.evaluate_on_exit.len()),
        )?;
        for (i, rule) in self.evaluate_on_exit.iter().enumerate() {
            let at = |name: &str| format!("{field}.evaluateOnExit[{i}].{name}");
            ensure(rule.action().is_some(), at("action"), format!("must be RETRY or EXIT (got {:?})", rule.action))?;
            if let Some(code) = &rule.on_exit_code {
                let digits = code.strip_suffix('*').unwrap_or(code);
                ensure(
                    !code.is_empty() && code.len() <= 512 && digits.chars().all(|c| c.is_ascii_digit()),
                    at("onExitCode"),
                    "must be digits, optionally ending with * (at most 512 characters)",
                )?;
            }
            for (name, pattern) in [("onReason", &rule.on_reason), ("onStatusReason", &rule.on_status_reason)] {
                if let Some(pattern) = pattern {
                    ensure(pattern.len() <= 512, at(name), "must be at most 512 characters")?;
                }
            }
        }
        Ok(())
    }

    /// The total number of attempts a job gets (1 when no strategy says otherwise).
    pub fn max_attempts(&self) -> i64 {
        self.attempts.unwrap_or(1)
    }

    /// The action of the first rule matching `exit`; `None` when no rule matches.
    pub fn matching_action(&self, exit: &AttemptExit<'_>) -> Option<RetryAction> {
        self.evaluate_on_exit.iter().find(|rule| rule.matches(exit)).and_then(EvaluateOnExit::action)
    }

    /// Whether a failed attempt number `attempt` (1-based) is followed by another. No matching
    /// rule means retry while attempts remain; an EXIT rule stops at once.
    pub fn should_retry(&self, attempt: i64, exit: &AttemptExit<'_>) -> bool {
        attempt < self.max_attempts() && self.matching_action(exit) != Some(RetryAction::Exit)
    }
}

impl EvaluateOnExit {
    pub fn action(&self) -> Option<RetryAction> {
        match self.action.to_ascii_uppercase().as_str() {
            "RETRY" => Some(RetryAction::Retry),
            "EXIT" => Some(RetryAction::Exit),
            _ => None,
        }
    }

    /// Every condition the rule sets must match; a rule with none set matches everything.
    pub fn matches(&self, exit: &AttemptExit<'_>) -> bool {
        let exit_code = exit.exit_code.map(|c| c.to_string());
        condition(&self.on_exit_code, exit_code.as_deref())
            && condition(&self.on_reason, exit.reason)
            && condition(&self.on_status_reason, exit.status_reason)
    }
}

fn condition(pattern: &Option<String>, value: Option<&str>) -> bool {
    match pattern {
        None => true,
        Some(pattern) => value.is_some_and(|value| glob_matches(pattern, value)),
    }
}

/// AWS globs: an exact match, or a prefix match when the pattern ends with `*`.
pub fn glob_matches(pattern: &str, value: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => value.starts_with(prefix),
        None => pattern == value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(code: Option<&str>, reason: Option<&str>, status: Option<&str>, action: &str) -> EvaluateOnExit {
        EvaluateOnExit {
            on_exit_code: code.map(String::from),
            on_reason: reason.map(String::from),
            on_status_reason: status.map(String::from),
            action: action.into(),
        }
    }

    fn exit(code: i64) -> AttemptExit<'static> {
        AttemptExit { exit_code: Some(code), ..Default::default() }
    }

    #[test]
    fn globs_match_exactly_or_by_prefix() {
        let table = [
            ("1", "1", true),
            ("1", "12", false),
            ("1*", "12", true),
            ("*", "", true),
            ("Host EC2*", "Host EC2 terminated", true),
            ("OOM", "OutOfMemory", false),
        ];
        for (pattern, value, expected) in table {
            assert_eq!(glob_matches(pattern, value), expected, "{pattern} vs {value}");
        }
    }

    #[test]
    fn the_first_matching_rule_wins() {
        let strategy = RetryStrategy {
            attempts: Some(5),
            evaluate_on_exit: vec![rule(Some("1*"), None, None, "exit"), rule(Some("*"), None, None, "RETRY")],
        };
        assert_eq!(strategy.matching_action(&exit(13)), Some(RetryAction::Exit));
        assert_eq!(strategy.matching_action(&exit(2)), Some(RetryAction::Retry));
        assert!(!strategy.should_retry(1, &exit(13)));
        assert!(strategy.should_retry(1, &exit(2)));
    }

    #[test]
    fn without_a_matching_rule_a_job_retries_while_attempts_remain() {
        let strategy = RetryStrategy { attempts: Some(3), evaluate_on_exit: vec![rule(Some("7"), None, None, "EXIT")] };
        assert!(strategy.should_retry(1, &exit(1)));
        assert!(strategy.should_retry(2, &exit(1)));
        assert!(!strategy.should_retry(3, &exit(1)), "no attempts left");
        assert!(!RetryStrategy::default().should_retry(1, &exit(1)), "one attempt by default");
    }

    #[test]
    fn all_conditions_of_a_rule_must_match() {
        let r = rule(Some("137"), Some("OutOfMemory*"), None, "EXIT");
        assert!(r.matches(&AttemptExit { exit_code: Some(137), reason: Some("OutOfMemoryError: killed"), status_reason: None }));
        assert!(!r.matches(&AttemptExit { exit_code: Some(137), reason: None, status_reason: None }));
        assert!(!r.matches(&exit(1)));
    }

    #[test]
    fn limits_are_enforced_with_the_field_named() {
        for attempts in [0, 11] {
            let error = RetryStrategy { attempts: Some(attempts), ..Default::default() }.validate("retryStrategy").unwrap_err();
            assert_eq!(error.field, "retryStrategy.attempts");
        }
        let six = RetryStrategy { attempts: Some(2), evaluate_on_exit: vec![rule(None, None, None, "RETRY"); 6] };
        assert_eq!(six.validate("retryStrategy").unwrap_err().field, "retryStrategy.evaluateOnExit");
        let bad_action = RetryStrategy { attempts: Some(2), evaluate_on_exit: vec![rule(None, None, None, "MAYBE")] };
        assert_eq!(bad_action.validate("retryStrategy").unwrap_err().field, "retryStrategy.evaluateOnExit[0].action");
        let bad_code = RetryStrategy { attempts: Some(2), evaluate_on_exit: vec![rule(Some("1x"), None, None, "EXIT")] };
        assert_eq!(bad_code.validate("retryStrategy").unwrap_err().field, "retryStrategy.evaluateOnExit[0].onExitCode");
    }
}

/// How an attempt ended, with what the decision needs beyond the exit itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttemptOutcome<'a> {
    pub exit: AttemptExit<'a>,
    /// Timeouts are never retried.
    pub timed_out: bool,
    /// Set when TerminateJob asked for the stop: the job fails with this reason.
    pub terminate_reason: Option<&'a str>,
}

/// What a job becomes after attempt number `attempt` ended, and the reason shown:
/// terminated → FAILED; exit 0 → SUCCEEDED; otherwise RUNNABLE (retry) while the strategy
/// allows and it was not a timeout; else FAILED.
pub fn next_status(strategy: &RetryStrategy, attempt: i64, outcome: &AttemptOutcome<'_>) -> (crate::JobStatus, String) {
    use crate::JobStatus;
    let shown = outcome.exit.reason.or(outcome.exit.status_reason).unwrap_or("Essential container in task exited");
    if let Some(reason) = outcome.terminate_reason {
        (JobStatus::Failed, reason.to_string())
    } else if outcome.exit.is_clean() {
        (JobStatus::Succeeded, outcome.exit.status_reason.unwrap_or_default().to_string())
    } else if !outcome.timed_out && strategy.should_retry(attempt, &outcome.exit) {
        (JobStatus::Runnable, format!("Attempt {attempt} failed ({shown}); retrying"))
    } else {
        (JobStatus::Failed, shown.to_string())
    }
}

/// The clean-exit rule on its own: an attempt with this exit ends SUCCEEDED unless its job was
/// asked to terminate, whatever the retry strategy. The scheduler writes such ends as one
/// compare-and-set guarded by "not asked to terminate", without reading the jobs' strategies.
pub fn succeeds_unless_terminated(exit: &AttemptExit<'_>) -> bool {
    exit.is_clean()
}

#[cfg(test)]
mod next_status_tests {
    use super::*;
    use crate::JobStatus;

    fn outcome(code: Option<i64>) -> AttemptOutcome<'static> {
        AttemptOutcome {
            exit: AttemptExit { exit_code: code, reason: None, status_reason: Some("Essential container in task exited") },
            ..Default::default()
        }
    }

    #[test]
    fn the_decision_table() {
        let three = RetryStrategy { attempts: Some(3), evaluate_on_exit: vec![] };
        assert_eq!(next_status(&three, 1, &outcome(Some(0))).0, JobStatus::Succeeded);
        assert_eq!(next_status(&three, 1, &outcome(Some(1))).0, JobStatus::Runnable);
        assert_eq!(next_status(&three, 3, &outcome(Some(1))).0, JobStatus::Failed);
        let timed_out = AttemptOutcome { timed_out: true, ..outcome(Some(143)) };
        assert_eq!(next_status(&three, 1, &timed_out).0, JobStatus::Failed, "timeouts are not retried");
        let terminated = AttemptOutcome { terminate_reason: Some("stop"), ..outcome(Some(0)) };
        assert_eq!(next_status(&three, 1, &terminated), (JobStatus::Failed, "stop".to_string()));
        let oom = AttemptOutcome {
            exit: AttemptExit { exit_code: Some(137), reason: Some("OutOfMemoryError: killed"), status_reason: None },
            ..Default::default()
        };
        assert_eq!(next_status(&RetryStrategy::default(), 1, &oom), (JobStatus::Failed, "OutOfMemoryError: killed".to_string()));
    }

    proptest::proptest! {
        /// `succeeds_unless_terminated` is exactly `next_status`'s answer for any strategy,
        /// attempt, exit and timeout, so the scheduler's shortcut can never disagree with it.
        #[test]
        fn the_clean_exit_rule_agrees_with_next_status(
            code in proptest::option::of(-1i64..300),
            attempts in 1i64..=10,
            attempt in 1i64..=10,
            timed_out: bool,
            terminated: bool,
            retry_all: bool,
        ) {
            let rules = if retry_all { vec![EvaluateOnExit { on_exit_code: Some("*".into()), action: "RETRY".into(), on_status_reason: None, on_reason: None }] } else { vec![] };
            let strategy = RetryStrategy { attempts: Some(attempts), evaluate_on_exit: rules };
            let exit = AttemptExit { exit_code: code, reason: None, status_reason: Some("Essential container in task exited") };
            let outcome = AttemptOutcome { exit: exit.clone(), timed_out, terminate_reason: terminated.then_some("stop") };
            let succeeded = next_status(&strategy, attempt, &outcome).0 == JobStatus::Succeeded;
            proptest::prop_assert_eq!(succeeded, succeeds_unless_terminated(&exit) && !terminated);
        }
    }
}
