//! "Retry failed children" of an array (`domain::retry_children`): read which children failed,
//! submit the new job, and tag the array with it. The new job carries its link back from the
//! moment it is submitted; if the process stops before the array is tagged, the array lacks
//! only the forward link.

use super::query::ListJobs;
use super::submit::SubmittedJob;
use crate::batch::Batch;
use crate::error::{ServiceError, ServiceResult};
use domain::JobStatus;
use domain::access::Caller;
use domain::retry_children::{RETRIED_AS_TAG, retry_request};

impl Batch {
    pub async fn retry_failed_children(&self, caller: &Caller, array_job_id: &str) -> ServiceResult<SubmittedJob> {
        let parent = self
            .describe_jobs(caller, &[array_job_id.to_string()])
            .await?
            .pop()
            .ok_or_else(|| ServiceError::not_found("job", array_job_id))?;
        let mut failed = Vec::new();
        let mut token = None;
        loop {
            let request = ListJobs {
                array_job_id: Some(parent.job_id.clone()),
                status: Some(JobStatus::Failed),
                max_results: Some(1000),
                next_token: token,
                ..Default::default()
            };
            let page = self.list_jobs(caller, &request).await?;
            failed.extend(page.items.iter().filter_map(|child| child.array_properties.as_ref()?.index));
            token = page.next_token;
            if token.is_none() {
                break;
            }
        }
        let submitted = self.submit_job(caller, retry_request(&parent, &failed)?).await?;
        let link = [(RETRIED_AS_TAG.to_string(), submitted.job_id.clone())].into();
        self.tag_resource(caller, &parent.job_arn, link).await?;
        Ok(submitted)
    }
}
