//! What a job's attempts used (`domain::resource_use`), for the job page.

use crate::batch::{Batch, name_from_arn};
use crate::error::ServiceResult;
use crate::store::attempt_usage;
use domain::access::{Action, Caller};
use domain::resource_use::{AttemptUsage, MemorySpread, SPREAD_OVER, spread};
use std::collections::{BTreeMap, HashMap};

/// Attempts read for the definitions' spreads, across all definitions.
const PEAKS_READ: u64 = 10_000;

impl Batch {
    /// Each measured attempt's peak memory, CPU time and readings, by attempt number.
    pub async fn attempt_usage(&self, caller: &Caller, job_id: &str) -> ServiceResult<Vec<AttemptUsage>> {
        self.guarded(caller, Action::Read, "", async move { Ok(attempt_usage::of_job(self.reader(), name_from_arn(job_id)).await?) }).await
    }

    /// Per definition revision (its ARN), the spread of its newest measured attempts' peak
    /// memory, over the newest `PEAKS_READ` measured attempts of all definitions.
    pub async fn memory_use_by_definition(&self, caller: &Caller) -> ServiceResult<BTreeMap<String, MemorySpread>> {
        self.guarded(caller, Action::Read, "", async move {
            let mut peaks: HashMap<i32, Vec<u64>> = HashMap::new();
            for (definition, peak) in attempt_usage::recent_peaks(self.reader(), PEAKS_READ).await? {
                let list = peaks.entry(definition).or_default();
                if list.len() < SPREAD_OVER {
                    list.push(peak.max(0) as u64);
                }
            }
            let arns = self.definition_arns(peaks.keys().copied()).await?;
            Ok(peaks.into_iter().filter_map(|(id, list)| Some((arns.get(&id)?.clone(), spread(&list)?))).collect())
        })
        .await
    }
}
