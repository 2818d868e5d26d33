//! Jobs' details kept from one DescribeJobs to the next. Clients poll (boto3 waiters, Airflow's
//! operator, scripts: the same ids every few hundred milliseconds) and most polls find nothing
//! changed, yet each one read every job's row, attempts and history again. A poll now first
//! reads the `Revisions` of the jobs it names and of the attempts their kept details show (one
//! statement); when they equal the sum of what the kept details were made from, the kept
//! details are the answer, as exactly as a fresh read (see `Revisions`). A new attempt is
//! always preceded by its job's claim, which raises the job's revision, so the attempts a kept
//! detail shows are the ones to check. The same statement reads a stamp of the compute
//! environments, whose names and creation times make the attempts' task ARNs. An array job's
//! counts of children by state are read every time: they change without its row.

use crate::store::jobs::{Environments, Revisions};
use domain::views::JobDetail;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Details kept at most; past it the oldest half goes. 20,000 is 200 clients each polling a
/// hundred jobs, a few kilobytes each.
const KEPT_AT_MOST: usize = 20_000;

#[derive(Default)]
pub(crate) struct DescribedJobs {
    kept: Mutex<Kept>,
    /// Polls answered from memory (read by tests and benchmarks).
    pub(crate) answered: AtomicU64,
}

/// What a detail was made from: the revisions of its rows, the attempts it shows (numbered 1 to
/// this), the compute environments there were.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MadeFrom {
    pub revisions: Revisions,
    pub attempts: i32,
    pub environments: Environments,
}

/// One job's detail, what it was made from, and when it was kept.
struct Kept1 {
    detail: JobDetail,
    made_from: MadeFrom,
    age: u64,
}

#[derive(Default)]
struct Kept {
    details: HashMap<String, Kept1>,
    /// Bumped on each keep: the age of an entry, for evicting the oldest half.
    clock: u64,
}

impl DescribedJobs {
    /// The attempts (job id, number) whose revisions a poll of `distinct` jobs must read, when
    /// every one of them is kept.
    pub(crate) fn attempts_to_check(&self, distinct: &[&str]) -> Option<Vec<(String, i32)>> {
        attempts_kept(&self.kept.lock().expect("described jobs"), distinct)
    }

    /// The kept details of the jobs `asked` (names, not ARNs; in that order, repeats
    /// included), when together they were made from exactly what the store reads now: the
    /// revisions of the distinct jobs asked and of the attempts `checked` (`attempts_to_check`,
    /// which must still be what the kept details show), and the same compute environments.
    pub(crate) fn answer(
        &self,
        asked: &[&str],
        checked: &[(String, i32)],
        now: Revisions,
        environments: Environments,
    ) -> Option<Vec<JobDetail>> {
        let mut distinct: Vec<&str> = asked.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        let kept = self.kept.lock().expect("described jobs");
        if attempts_kept(&kept, &distinct).as_deref() != Some(checked) {
            return None;
        }
        let made_from: Vec<MadeFrom> = distinct.iter().map(|id| kept.details[*id].made_from).collect();
        if made_from.iter().any(|made| made.environments != environments)
            || made_from.iter().map(|made| made.revisions).sum::<Revisions>() != now
        {
            return None;
        }
        self.answered.fetch_add(1, Ordering::Relaxed);
        Some(asked.iter().map(|id| kept.details[*id].detail.clone()).collect())
    }

    /// Keeps each detail with what it was made from.
    pub(crate) fn keep(&self, made: impl IntoIterator<Item = (JobDetail, MadeFrom)>) {
        let mut kept = self.kept.lock().expect("described jobs");
        for (detail, made_from) in made {
            kept.clock += 1;
            let age = kept.clock;
            kept.details.insert(detail.job_id.clone(), Kept1 { detail, made_from, age });
        }
        if kept.details.len() > KEPT_AT_MOST {
            let mut ages: Vec<u64> = kept.details.values().map(|one| one.age).collect();
            let (_, median, _) = ages.select_nth_unstable(KEPT_AT_MOST / 2);
            let cut = *median;
            kept.details.retain(|_, one| one.age > cut);
        }
    }
}

fn attempts_kept(kept: &Kept, distinct: &[&str]) -> Option<Vec<(String, i32)>> {
    let mut keys = Vec::new();
    for id in distinct {
        let one = kept.details.get(*id)?;
        keys.extend((1..=one.made_from.attempts).map(|number| (id.to_string(), number)));
    }
    Some(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detail(id: &str) -> JobDetail {
        serde_json::from_value(serde_json::json!({
            "jobArn": format!("arn:{id}"), "jobName": "n", "jobId": id, "jobQueue": "q", "status": "RUNNING",
            "createdAt": 1, "jobDefinition": "d", "dependsOn": [], "container": {"image": "i", "command": [], "environment": [], "vcpus": 1.0, "memory": 1},
            "parameters": {}, "retryStrategy": {}, "attempts": [], "tags": {}, "isCancelled": false, "isTerminated": false, "submittedBy": "t", "statusHistory": [],
        }))
        .expect("a minimal detail")
    }

    fn at(job_revision: i64, attempts: i64) -> Revisions {
        Revisions { jobs: 1, job_revisions: job_revision, attempts, attempt_revisions: attempts }
    }

    const ONE_ENVIRONMENT: Environments = Environments { count: 1, created: 100 };

    fn made(revisions: Revisions, attempts: i32) -> MadeFrom {
        MadeFrom { revisions, attempts, environments: ONE_ENVIRONMENT }
    }

    #[test]
    fn kept_details_answer_only_while_the_store_reads_what_they_were_made_from() {
        let described = DescribedJobs::default();
        described.keep([(detail("a"), made(at(3, 1), 1)), (detail("b"), made(at(5, 0), 0))]);
        let both = Revisions { jobs: 2, job_revisions: 8, attempts: 1, attempt_revisions: 1 };
        let checked = described.attempts_to_check(&["a", "b"]).unwrap();
        assert_eq!(checked, [("a".to_string(), 1)]);
        let ids = |details: Vec<JobDetail>| details.into_iter().map(|d| d.job_id).collect::<Vec<_>>();
        assert_eq!(
            described.answer(&["b", "a", "b"], &checked, both, ONE_ENVIRONMENT).map(ids),
            Some(vec!["b".to_string(), "a".into(), "b".into()]),
            "in the order asked"
        );
        assert!(
            described.answer(&["a", "b"], &checked, Revisions { job_revisions: 9, ..both }, ONE_ENVIRONMENT).is_none(),
            "a job row changed"
        );
        assert!(
            described.answer(&["a", "b"], &checked, Revisions { attempt_revisions: 2, ..both }, ONE_ENVIRONMENT).is_none(),
            "an attempt changed"
        );
        assert!(described.answer(&["a", "b"], &checked, Revisions { jobs: 1, ..both }, ONE_ENVIRONMENT).is_none(), "a job was removed");
        assert!(described.attempts_to_check(&["a", "c"]).is_none(), "c was never kept");
        assert!(described.answer(&["a", "b"], &[], both, ONE_ENVIRONMENT).is_none(), "checked other attempts than a shows");
        let recreated = Environments { count: 1, created: 200 };
        assert!(described.answer(&["a", "b"], &checked, both, recreated).is_none(), "an environment was deleted and made again");
        assert_eq!(described.answer(&["a"], &checked, at(3, 1), ONE_ENVIRONMENT).map(ids), Some(vec!["a".to_string()]));
    }

    #[test]
    fn the_oldest_half_goes_when_too_many_are_kept() {
        let described = DescribedJobs::default();
        described.keep((0..=KEPT_AT_MOST).map(|i| (detail(&format!("j{i}")), made(at(0, 0), 0))));
        let kept = described.kept.lock().unwrap();
        assert!(kept.details.len() <= KEPT_AT_MOST / 2 + 1);
        assert!(kept.details.contains_key(&format!("j{KEPT_AT_MOST}")), "the newest stays");
        assert!(!kept.details.contains_key("j0"), "the oldest goes");
    }
}
