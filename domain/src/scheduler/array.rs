//! An array job's own outcome, decided from its children's states.

use crate::JobStatus;

/// What a PENDING array job becomes given how many of its children are in each state: nothing
/// while any child is unfinished; SUCCEEDED when every child did; else FAILED, saying how many
/// children failed.
pub fn array_outcome(children: impl IntoIterator<Item = (JobStatus, i64)>) -> Option<(JobStatus, Option<String>)> {
    let mut failed = 0;
    for (status, count) in children {
        match status {
            JobStatus::Succeeded => {}
            JobStatus::Failed => failed += count,
            _ if count > 0 => return None,
            _ => {}
        }
    }
    match failed {
        0 => Some((JobStatus::Succeeded, None)),
        n => Some((JobStatus::Failed, Some(format!("{n} of the array's children failed")))),
    }
}

#[cfg(test)]
mod tests {
    use super::array_outcome;
    use crate::JobStatus::*;

    #[test]
    fn the_array_outcome_table() {
        assert_eq!(array_outcome([(Succeeded, 10)]), Some((Succeeded, None)));
        assert_eq!(array_outcome([(Succeeded, 8), (Failed, 2)]), Some((Failed, Some("2 of the array's children failed".into()))));
        assert_eq!(array_outcome([(Succeeded, 8), (Running, 1), (Failed, 1)]), None, "wait for every child");
        assert_eq!(array_outcome([(Succeeded, 9), (Runnable, 1)]), None);
        assert_eq!(array_outcome([(Failed, 3), (Starting, 0)]), Some((Failed, Some("3 of the array's children failed".into()))));
    }
}
