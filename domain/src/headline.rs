//! A finished job's headline in words, for people: what happened, not AWS's status reason
//! ("Essential container in task exited" says nothing of a failure after two attempts).

use crate::JobStatus;
use crate::views::JobDetail;

/// AWS's reasons for how an attempt ended, as the service records them.
pub const EXITED_REASON: &str = "Essential container in task exited";
pub const TIMEOUT_REASON: &str = "Job attempt duration exceeded timeout";
pub const OOM_REASON: &str = "OutOfMemoryError: Container killed due to memory usage";

/// What happened to a finished job, in a sentence; none while it has not finished.
pub fn headline(job: &JobDetail) -> Option<String> {
    if !job.status.is_terminal() {
        return None;
    }
    if let Some(summary) = job.array_properties.as_ref().and_then(|a| a.status_summary.as_ref()) {
        let count = |status: &str| summary.get(status).copied().unwrap_or(0);
        let size = job.array_properties.as_ref().and_then(|a| a.size).unwrap_or(count("SUCCEEDED") + count("FAILED"));
        return Some(match count("FAILED") {
            0 if job.status == JobStatus::Succeeded => format!("All {size} children succeeded"),
            0 => stopped(job).unwrap_or_else(|| "Failed".into()),
            failed => format!("{failed} of {size} children failed"),
        });
    }
    let tries = job.attempts.len();
    let allowed = job.retry_strategy.attempts.unwrap_or(1).max(tries as i64);
    let of_attempts = |n: usize| if allowed > 1 { format!(" after {n} of {allowed} attempts") } else { String::new() };
    if job.status == JobStatus::Succeeded {
        return Some(match tries {
            0 | 1 => "Succeeded".into(),
            n => format!("Succeeded on attempt {n} of {allowed}"),
        });
    }
    if let Some(words) = stopped(job) {
        return Some(words);
    }
    let Some(last) = job.attempts.last() else {
        return Some(match job.status_reason.as_deref() {
            Some(reason) => format!("Failed before it ran: {reason}"),
            None => "Failed before it ran".into(),
        });
    };
    let reason = last.container.reason.as_deref().or(last.status_reason.as_deref()).unwrap_or_default();
    Some(if reason.starts_with("OutOfMemory") {
        format!("Killed: out of memory (limit {} MiB){}", job.container.memory, of_attempts(tries))
    } else if reason == TIMEOUT_REASON || last.status_reason.as_deref() == Some(TIMEOUT_REASON) {
        let limit = job.timeout.as_ref().and_then(|t| t.attempt_duration_seconds);
        let after = limit.map(|s| format!(" after {s} s")).unwrap_or_default();
        format!("Timed out{after}{}", of_attempts(tries))
    } else if let Some(code) = last.container.exit_code {
        format!("Exited with code {code}{}", of_attempts(tries))
    } else if !reason.is_empty() && reason != EXITED_REASON {
        format!("Failed: {reason}{}", of_attempts(tries))
    } else {
        format!("Failed{}", of_attempts(tries))
    })
}

/// A job someone stopped: cancelled (before it ran) or terminated, with their reason.
fn stopped(job: &JobDetail) -> Option<String> {
    let reason = job.status_reason.as_deref().unwrap_or_default();
    let with_reason = |what: &str| if reason.is_empty() { what.to_string() } else { format!("{what}: {reason}") };
    if job.is_terminated {
        Some(with_reason("Terminated"))
    } else if job.is_cancelled {
        Some(with_reason("Cancelled"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// A job as DescribeJobs shows it, with `changes` merged in.
    fn job(changes: Value) -> JobDetail {
        let mut base = json!({
            "jobArn": "arn", "jobId": "id", "jobName": "n", "jobQueue": "q", "jobDefinition": "d",
            "status": "FAILED", "createdAt": 0, "dependsOn": [], "parameters": {},
            "container": { "image": "busybox", "command": [], "environment": [], "vcpus": 1.0, "memory": 64 },
            "retryStrategy": {}, "attempts": [], "tags": {}, "isCancelled": false, "isTerminated": false,
            "submittedBy": "lead", "statusHistory": [],
        });
        for (key, value) in changes.as_object().unwrap() {
            base[key] = value.clone();
        }
        serde_json::from_value(base).unwrap()
    }

    fn attempt(exit_code: Option<i64>, reason: Option<&str>, status_reason: &str) -> Value {
        json!({ "attemptNumber": 1, "container": { "exitCode": exit_code, "reason": reason }, "statusReason": status_reason })
    }

    fn headline_of(changes: Value) -> String {
        headline(&job(changes)).unwrap()
    }

    #[test]
    fn a_failure_says_how_and_after_how_many_attempts() {
        let exited = attempt(Some(3), None, EXITED_REASON);
        assert_eq!(
            headline_of(json!({ "attempts": [exited.clone(), exited.clone()], "retryStrategy": { "attempts": 2 } })),
            "Exited with code 3 after 2 of 2 attempts"
        );
        assert_eq!(headline_of(json!({ "attempts": [exited] })), "Exited with code 3");
        let oom = attempt(Some(137), Some(OOM_REASON), EXITED_REASON);
        assert_eq!(headline_of(json!({ "attempts": [oom] })), "Killed: out of memory (limit 64 MiB)");
        let timed_out = attempt(None, None, TIMEOUT_REASON);
        assert_eq!(headline_of(json!({ "attempts": [timed_out], "timeout": { "attemptDurationSeconds": 60 } })), "Timed out after 60 s");
        let pull = attempt(None, Some("CannotPullContainerError: no such image"), "Task failed to start");
        assert_eq!(headline_of(json!({ "attempts": [pull] })), "Failed: CannotPullContainerError: no such image");
        assert_eq!(headline_of(json!({ "statusReason": "Dependent job failed" })), "Failed before it ran: Dependent job failed");
    }

    #[test]
    fn stopped_jobs_say_who_stopped_them_and_why() {
        let reason = "Cancelled in the console by lead: not needed";
        assert_eq!(headline_of(json!({ "isCancelled": true, "statusReason": reason })), format!("Cancelled: {reason}"));
        let terminated =
            json!({ "isTerminated": true, "statusReason": "wrong input", "attempts": [attempt(Some(143), None, EXITED_REASON)] });
        assert_eq!(headline_of(terminated), "Terminated: wrong input");
    }

    #[test]
    fn successes_and_arrays_and_unfinished_jobs() {
        assert_eq!(headline_of(json!({ "status": "SUCCEEDED", "attempts": [attempt(Some(0), None, EXITED_REASON)] })), "Succeeded");
        let retried = json!({
            "status": "SUCCEEDED", "retryStrategy": { "attempts": 3 },
            "attempts": [attempt(Some(1), None, EXITED_REASON), attempt(Some(0), None, EXITED_REASON)],
        });
        assert_eq!(headline_of(retried), "Succeeded on attempt 2 of 3");
        let array = json!({ "arrayProperties": { "size": 20, "statusSummary": { "SUCCEEDED": 17, "FAILED": 3 } } });
        assert_eq!(headline_of(array), "3 of 20 children failed");
        assert_eq!(headline(&job(json!({ "status": "RUNNING" }))), None);
    }
}
