//! DescribeJobs and ListJobs.

use super::describe_context::DescribeContext;
use super::listed::{KEPT_PAGE_SIZE, KeptPage, PageKey};
use crate::batch::{Batch, from_json, name_from_arn};
use crate::error::ServiceResult;
use crate::store::entities::jobs;
use crate::store::jobs::{JobPage, JobScope, Revisions};
use crate::store::listing::{self, ListingStamp, PageRange};
use crate::store::{attempts, catalog, job_logs, jobs as job_rows};
use domain::access::{Action, Caller};
use domain::aws_fields::AwsFields;
use domain::consumable_resource::{ConsumableResourceProperties, ConsumableResourceRequirement};
use domain::container::ContainerOverrides;
use domain::job_definition::{DefinitionRef, JobTimeout};
use domain::limits::{COUNT_CAP, MAX_DESCRIBE_JOBS};
use domain::multi_node::parse_node_job_id;
use domain::parameters::{merge, substitute};
use domain::retry::RetryStrategy;
use domain::views::{
    ArrayPropertiesDetail, AttemptContainerDetail, AttemptDetail, ContainerSummary, JobContainerDetail, JobDetail, JobSummary, Page,
    StatusChange,
};
use domain::{FieldError, JobStatus};
use std::collections::{BTreeMap, HashMap};

/// ListJobs: by queue (optionally by status), or the children of an array job.
#[derive(Debug, Clone, Default)]
pub struct ListJobs {
    pub job_queue: Option<String>,
    pub array_job_id: Option<String>,
    pub status: Option<JobStatus>,
    pub name: Option<NameFilter>,
    /// A definition name, `name:revision`, or ARN.
    pub job_definition: Option<String>,
    pub created_after: Option<i64>,
    pub created_before: Option<i64>,
    pub max_results: Option<u64>,
    pub next_token: Option<String>,
}

/// JOB_NAME filter: an exact name, or a prefix when written with a trailing `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameFilter {
    Exact(String),
    Prefix(String),
}

impl NameFilter {
    pub fn parse(raw: &str) -> NameFilter {
        match raw.strip_suffix('*') {
            Some(prefix) => NameFilter::Prefix(prefix.to_string()),
            None => NameFilter::Exact(raw.to_string()),
        }
    }
}

const DEFAULT_PAGE: u64 = 100;
const MAX_PAGE: u64 = 1000;

impl Batch {
    /// Up to 100 jobs by id, in the order asked; unknown ids are left out (as AWS does).
    pub async fn describe_jobs(&self, caller: &Caller, ids: &[String]) -> ServiceResult<Vec<JobDetail>> {
        self.guarded(caller, Action::Read, "", async move {
            if ids.len() > MAX_DESCRIBE_JOBS {
                return Err(FieldError::new("jobs", format!("at most {MAX_DESCRIBE_JOBS} job ids (got {})", ids.len())).into());
            }
            // A node job (`<id>#<n>`) is read from its multi-node job's row.
            fn owner(id: &str) -> (&str, Option<i64>) {
                let name = name_from_arn(id);
                parse_node_job_id(name).map_or((name, None), |(job, index)| (job, Some(index)))
            }
            let names: Vec<&str> = ids.iter().map(|id| owner(id).0).collect();
            // Node jobs are made of their nodes' rows too, which revisions do not cover.
            let keepable = !ids.is_empty() && ids.iter().all(|id| owner(id).1.is_none());
            if keepable {
                let mut distinct = names.clone();
                distinct.sort_unstable();
                distinct.dedup();
                if let Some(checked) = self.described.attempts_to_check(&distinct) {
                    let attempts: Vec<(&str, i32)> = checked.iter().map(|(id, number)| (id.as_str(), *number)).collect();
                    let (now, environments) = job_rows::revisions_of(self.reader(), &distinct, &attempts).await?;
                    if let Some(mut details) = self.described.answer(&names, &checked, now, environments) {
                        for detail in &mut details {
                            self.count_children_again(detail).await?;
                        }
                        return Ok(details);
                    }
                }
            }
            let rows: HashMap<String, jobs::Model> =
                job_rows::find_many(self.reader(), &names).await?.into_iter().map(|j| (j.id.clone(), j)).collect();
            let mut details = Vec::with_capacity(rows.len());
            let context = DescribeContext::load(self, &rows.values().collect::<Vec<_>>()).await?;
            for id in ids {
                let (name, node) = owner(id);
                let Some(job) = rows.get(name) else { continue };
                match node {
                    Some(index) => details.extend(self.node_detail(job, index, &context).await?),
                    None => details.push(self.job_detail(job.clone(), &context).await?),
                }
            }
            if keepable {
                let made = details.iter().filter_map(|detail| rows.get(&detail.job_id).map(|job| (detail.clone(), context.made_from(job))));
                self.described.keep(made.collect::<Vec<_>>());
            }
            Ok(details)
        })
        .await
    }

    /// A kept array job's counts of its children by state, read again: they change while its
    /// own row does not.
    async fn count_children_again(&self, detail: &mut JobDetail) -> ServiceResult<()> {
        if let Some(array) = detail.array_properties.as_mut().filter(|array| array.status_summary.is_some()) {
            array.status_summary = Some(self.children_by_status(&detail.job_id).await?);
        }
        Ok(())
    }

    /// Newest first, paged by (createdAt, jobId) so a deep page costs what the first does.
    pub async fn list_jobs(&self, caller: &Caller, request: &ListJobs) -> ServiceResult<Page<JobSummary>> {
        self.guarded(caller, Action::Read, "", async move {
            let limit = request.max_results.unwrap_or(DEFAULT_PAGE);
            if !(1..=MAX_PAGE).contains(&limit) {
                return Err(FieldError::new("maxResults", format!("must be between 1 and {MAX_PAGE} (got {limit})")).into());
            }
            let scope = match (&request.job_queue, &request.array_job_id) {
                (_, Some(parent)) => JobScope::ChildrenOf(name_from_arn(parent)),
                (Some(queue), None) => {
                    let queue = self
                        .job_queue_by_name(queue)
                        .await
                        .map_err(|_| FieldError::new("jobQueue", format!("job queue {queue} does not exist")))?;
                    JobScope::Queue(queue.id)
                }
                (None, None) => return Err(FieldError::new("jobQueue", "give a jobQueue or an arrayJobId").into()),
            };
            let by_array = matches!(scope, JobScope::ChildrenOf(_));
            let definition_ids = match &request.job_definition {
                Some(reference) => {
                    let parsed = DefinitionRef::parse("filters.JOB_DEFINITION", reference)?;
                    Some(catalog::definition_ids_named(self.reader(), &parsed.name, parsed.revision.map(|r| r as i32)).await?)
                }
                None => None,
            };
            let cursor = request.next_token.as_deref().map(Cursor::decode).transpose()?;
            let after = cursor.map(|c| (c.created_at, c.id));
            // The plain listing of a queue's jobs in one state is kept for the next poll.
            let keep_as = match (&scope, request.status) {
                (JobScope::Queue(queue_id), Some(status))
                    if limit <= KEPT_PAGE_SIZE
                        && request.name.is_none()
                        && definition_ids.is_none()
                        && request.created_after.is_none()
                        && request.created_before.is_none() =>
                {
                    Some(PageKey { queue_id: *queue_id, status: status.as_str(), limit, after: after.clone() })
                }
                _ => None,
            };
            if let Some(key) = &keep_as
                && let Some(page) = self.kept_page(key).await?
            {
                return Ok(page);
            }
            let page = JobPage {
                scope,
                status: request.status,
                name: request.name.as_ref(),
                definition_ids,
                created_after: request.created_after,
                created_before: request.created_before,
                after,
                limit: limit + 1,
            };
            let mut rows = job_rows::page(self.reader(), &page).await?;
            let next_token = if rows.len() as u64 > limit {
                rows.truncate(limit as usize);
                rows.last().map(|last| {
                    let position = if by_array { last.array_index.unwrap_or_default().into() } else { last.created_at };
                    Cursor { created_at: position, id: last.id.clone() }.encode()
                })
            } else {
                None
            };
            let last = rows.last().map(|job| (job.created_at, job.id.clone()));
            let current_attempts: Vec<(String, i32)> =
                rows.iter().filter(|job| job.attempt_count > 0).map(|job| (job.id.clone(), job.attempt_count)).collect();
            let job_revisions =
                Revisions { jobs: rows.len() as i64, job_revisions: rows.iter().map(|job| job.revision).sum(), ..Revisions::default() };
            let (items, attempts) = self.summaries_read(rows).await?;
            let page = Page { items, next_token };
            if let Some(key) = keep_as {
                let revisions = Revisions {
                    attempts: attempts.len() as i64,
                    attempt_revisions: attempts.iter().map(|(_, _, revision)| revision).sum(),
                    ..job_revisions
                };
                let stamp = ListingStamp { in_range: revisions.jobs, beyond: page.next_token.is_some(), revisions };
                self.listed.keep(key, KeptPage { page: page.clone(), stamp, last, attempts: current_attempts });
            }
            Ok(page)
        })
        .await
    }

    /// The page kept for `key`, when its stamp read again is the one it was read with.
    async fn kept_page(&self, key: &PageKey) -> ServiceResult<Option<Page<JobSummary>>> {
        let Some(kept) = self.listed.kept(key) else { return Ok(None) };
        let range = PageRange {
            queue_id: key.queue_id,
            status: key.status,
            after: key.after.as_ref().map(|(created_at, id)| (*created_at, id.as_str())),
            last: kept.last.as_ref().map(|(created_at, id)| (*created_at, id.as_str())),
        };
        let ids: Vec<&str> = kept.page.items.iter().map(|job| job.job_id.as_str()).collect();
        let attempts: Vec<(&str, i32)> = kept.attempts.iter().map(|(job_id, number)| (job_id.as_str(), *number)).collect();
        let now = listing::stamp(self.reader(), &range, &ids, &attempts).await?;
        Ok(self.listed.answer(&kept, now))
    }

    /// The most recent failures across every queue, newest first (an index seek on
    /// status + creation time, whatever the number of jobs).
    pub async fn recent_failures(&self, caller: &Caller, limit: u64) -> ServiceResult<Vec<JobSummary>> {
        self.guarded(caller, Action::Read, "", async move {
            let rows = job_rows::recent_failures(self.reader(), Ord::min(limit, 100)).await?;
            self.summaries(rows).await
        })
        .await
    }

    async fn summaries(&self, rows: Vec<jobs::Model>) -> ServiceResult<Vec<JobSummary>> {
        Ok(self.summaries_read(rows).await?.0)
    }

    /// The summaries of `rows`, and the attempts they were made from: (job id, number, revision).
    async fn summaries_read(&self, rows: Vec<jobs::Model>) -> ServiceResult<(Vec<JobSummary>, Vec<(String, i32, i64)>)> {
        let definition_arns = self.definition_arns(rows.iter().map(|r| r.job_definition_id)).await?;
        let mut current = attempts::current_of(self.reader(), &rows).await?;
        let read = current.values().map(|a| (a.job_id.clone(), a.attempt_number, a.revision)).collect();
        let summaries = rows
            .into_iter()
            .map(|job| JobSummary {
                container: current
                    .remove(&job.id)
                    .filter(|a| a.exit_code.is_some() || a.reason.is_some())
                    .map(|a| ContainerSummary { exit_code: a.exit_code.map(Into::into), reason: a.reason }),
                share_identifier: job.share_identifier.clone(),
                is_cancelled: is_cancelled(&job),
                is_terminated: is_terminated(&job),
                node_properties: None,
                job_arn: self.arn("job", &job.id),
                job_definition: definition_arns.get(&job.job_definition_id).cloned().unwrap_or_default(),
                array_properties: job
                    .array_index
                    .map(|index| ArrayPropertiesDetail { status_summary: None, size: None, index: Some(index.into()) })
                    .or_else(|| {
                        job.array_size.map(|size| ArrayPropertiesDetail { status_summary: None, size: Some(size.into()), index: None })
                    }),
                job_id: job.id,
                job_name: job.name,
                created_at: job.created_at,
                status: *job.status,
                status_reason: job.status_reason,
                started_at: job.started_at,
                stopped_at: job.stopped_at,
            })
            .collect();
        Ok((summaries, read))
    }

    pub(super) async fn definition_arns(&self, ids: impl Iterator<Item = i32>) -> ServiceResult<HashMap<i32, String>> {
        let mut ids: Vec<i32> = ids.collect();
        ids.sort_unstable();
        ids.dedup();
        let rows = catalog::definitions_by_id(self.reader(), ids).await?;
        Ok(rows.into_values().map(|d| (d.id, self.arn("job-definition", &format!("{}:{}", d.name, d.revision)))).collect())
    }

    /// A job as DescribeJobs shows it, from what `context` read for the request.
    pub(super) async fn job_detail(&self, job: jobs::Model, context: &DescribeContext) -> ServiceResult<JobDetail> {
        let queue = context.queues.get(&job.job_queue_id);
        let definition = context
            .definitions
            .get(&job.job_definition_id)
            .ok_or_else(|| sea_orm::DbErr::RecordNotFound(format!("job definition {}", job.job_definition_id)))?;
        let properties = &definition.properties;
        let parameters = merge(&definition.parameters, &from_json("parameters", &job.parameters)?);
        let overrides: ContainerOverrides = from_json("container_overrides", &job.container_overrides)?;
        let base_resources = definition.resources.clone().map_err(sea_orm::DbErr::Custom)?;
        let resources = overrides.apply_resources(base_resources);
        let command = substitute(overrides.command.as_ref().unwrap_or(&properties.command), &parameters);

        let mut attempts = context.attempts_of(&job.id);
        // taskArn as AWS shapes it, in the cluster of the environment each attempt ran in.
        for attempt in &mut attempts {
            let environment = attempt.compute_environment.as_ref().and_then(|name| context.environments.get(name));
            if let (Some(environment), Some(container)) = (environment, &attempt.container_id) {
                attempt.container_id = Some(self.task_arn(environment, container));
            }
        }
        let status_history = context
            .history_of(&job)
            .map(|h| StatusChange { status: h.status.parse().unwrap_or(JobStatus::Submitted), reason: h.reason.clone(), at: h.at })
            .collect();
        let array_properties = if job.array_index.is_some() {
            Some(ArrayPropertiesDetail {
                status_summary: None,
                size: job.array_size.map(Into::into),
                index: job.array_index.map(Into::into),
            })
        } else if let Some(size) = job.array_size {
            Some(ArrayPropertiesDetail {
                status_summary: Some(self.children_by_status(&job.id).await?),
                size: Some(size.into()),
                index: None,
            })
        } else {
            None
        };
        let last_attempt = attempts.last();
        let status = *job.status;
        let mut members = definition.members.updated_with(&AwsFields::from_json(&job.aws_fields));
        if let Some(gang) = super::nodes::gang_of(&definition.row, &job)? {
            members = super::nodes::job_members(members, &gang);
        }
        Ok(JobDetail {
            job_arn: self.arn("job", &job.id),
            job_queue: self.arn("job-queue", queue.as_ref().map_or("", |q| &q.name)),
            job_definition: definition.arn.clone(),
            status,
            status_reason: job.status_reason.clone(),
            created_at: job.created_at,
            started_at: job.started_at,
            stopped_at: job.stopped_at,
            depends_on: from_json("depends_on", &job.depends_on)?,
            container: JobContainerDetail {
                image: properties.image.clone(),
                command,
                environment: overrides.apply_environment(&properties.environment),
                vcpus: resources.vcpus(),
                memory: resources.memory_mib,
                exit_code: last_attempt.and_then(|a| a.exit_code.map(Into::into)),
                reason: last_attempt.and_then(|a| a.reason.clone()),
                log_stream_name: last_attempt.and_then(|a| a.log_stream_name.clone()),
                task_arn: last_attempt.and_then(|a| a.container_id.clone()),
                container_instance_arn: last_attempt.and_then(|a| a.host.clone()),
                aws_fields: container_members(&definition.container_members, &overrides),
            },
            parameters,
            retry_strategy: RetryStrategy {
                attempts: Some(job.retry_attempts.into()),
                evaluate_on_exit: from_json("evaluate_on_exit", &job.evaluate_on_exit)?,
            },
            timeout: job.timeout_seconds.map(|s| JobTimeout { attempt_duration_seconds: Some(s.into()) }),
            array_properties,
            attempts: attempts
                .into_iter()
                .map(|a| AttemptDetail {
                    attempt_number: a.attempt_number.into(),
                    container: AttemptContainerDetail {
                        container_instance_arn: a.host,
                        task_arn: a.container_id,
                        exit_code: a.exit_code.map(Into::into),
                        reason: a.reason,
                        log_stream_name: a.log_stream_name,
                    },
                    started_at: a.started_at,
                    stopped_at: a.stopped_at,
                    status_reason: a.status_reason,
                })
                .collect(),
            tags: from_json("tags", &job.tags)?,
            is_cancelled: is_cancelled(&job),
            is_terminated: is_terminated(&job),
            share_identifier: job.share_identifier,
            scheduling_priority: job.scheduling_priority.map(Into::into),
            submitted_by: job.submitted_by,
            status_history,
            consumable_resource_properties: consumable_resource_properties(&job.consumable_resources)?,
            aws_fields: members,
            job_id: job.id,
            job_name: job.name,
        })
    }

    /// An array parent's children counted by status (every status present, zeros included).
    async fn children_by_status(&self, parent_id: &str) -> ServiceResult<BTreeMap<String, i64>> {
        let counts = job_rows::count_children_by_status(self.reader(), parent_id).await?;
        let mut summary: BTreeMap<String, i64> = JobStatus::ALL.iter().map(|s| (s.as_str().to_string(), 0)).collect();
        summary.extend(counts);
        Ok(summary)
    }
}

/// The token of the page that starts right after a job (newest-first order): lets a caller
/// jump into a list at a point in time.
pub fn token_after(created_at: i64, job_id: &str) -> String {
    Cursor { created_at, id: job_id.to_string() }.encode()
}

/// The position after the last job of a page. Opaque to callers: `<created_at>.<id>` in hex.
struct Cursor {
    created_at: i64,
    id: String,
}

impl Cursor {
    fn encode(&self) -> String {
        hex::encode(format!("{}.{}", self.created_at, self.id))
    }

    fn decode(token: &str) -> Result<Cursor, FieldError> {
        let bad = || FieldError::new("nextToken", "is not a token this service issued");
        if token.len() > 512 {
            return Err(bad());
        }
        let bytes = hex::decode(token).map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let (created_at, id) = text.split_once('.').ok_or_else(bad)?;
        Ok(Cursor { created_at: created_at.parse().map_err(|_| bad())?, id: id.to_string() })
    }
}

impl Batch {
    /// Jobs per queue and status (array children counted, their parents not), each count
    /// capped at `COUNT_CAP + 1`: an exact count of a million rows costs a scan of them all,
    /// a capped one at most `COUNT_CAP` index entries, so the dashboard stays fast at any size.
    pub async fn job_counts_by_queue(&self, caller: &Caller) -> ServiceResult<BTreeMap<String, BTreeMap<String, i64>>> {
        self.guarded(caller, Action::Read, "", async move {
            let mut counts = BTreeMap::new();
            for queue in catalog::queues_by_id(self.reader()).await?.into_values() {
                let mut by_status = BTreeMap::new();
                for status in JobStatus::ALL {
                    let n = job_rows::capped_count(self.reader(), queue.id, status, COUNT_CAP).await?;
                    by_status.insert(status.as_str().to_string(), n);
                }
                counts.insert(queue.name, by_status);
            }
            Ok(counts)
        })
        .await
    }

    /// Per queue, why its RUNNABLE jobs wait: each reason (places in line folded together,
    /// `domain::scheduler::top_reasons`) with how many jobs hold it, most first, read over at
    /// most `COUNT_CAP` jobs a queue.
    pub async fn waiting_reasons_by_queue(&self, caller: &Caller) -> ServiceResult<BTreeMap<String, Vec<(String, i64)>>> {
        self.guarded(caller, Action::Read, "", async move {
            let mut by_queue = BTreeMap::new();
            for queue in catalog::queues_by_id(self.reader()).await?.into_values() {
                let reasons = job_rows::runnable_reasons(self.reader(), queue.id, COUNT_CAP).await?;
                if !reasons.is_empty() {
                    by_queue.insert(queue.name, domain::scheduler::top_reasons(reasons));
                }
            }
            Ok(by_queue)
        })
        .await
    }
}

/// One line of a job's output.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LogLine {
    /// Increasing: ask for lines after the last one seen to follow a log.
    pub id: i64,
    pub attempt: i32,
    pub stream: String,
    pub at: i64,
    pub line: String,
}

impl Batch {
    /// Output lines of `job_id` (one attempt, or all), after line `after_id`, oldest first.
    pub async fn job_log(
        &self,
        caller: &Caller,
        job_id: &str,
        attempt: Option<i32>,
        after_id: i64,
        limit: u64,
    ) -> ServiceResult<Vec<LogLine>> {
        self.guarded(caller, Action::Read, "", async move {
            Ok(attempts::output_of(self.reader(), name_from_arn(job_id), attempt, after_id, Ord::min(limit, 10_000))
                .await?
                .into_iter()
                .map(|l| LogLine { id: l.id, attempt: l.attempt_number, stream: l.stream, at: l.at, line: l.line })
                .collect())
        })
        .await
    }

    /// The last `limit` lines of a job's output (one attempt or all) before line `before` (the
    /// newest when `None`), oldest first, and how many lines come before them (at most
    /// `EARLIER_CAP + 1`: more is "more than 100,000").
    pub async fn job_log_tail(
        &self,
        caller: &Caller,
        job_id: &str,
        attempt: Option<i32>,
        before: Option<i64>,
        limit: u64,
    ) -> ServiceResult<(Vec<LogLine>, i64)> {
        self.guarded(caller, Action::Read, "", async move {
            let job_id = name_from_arn(job_id);
            let lines = job_logs::tail(self.reader(), job_id, attempt, before, Ord::min(limit, 10_000)).await?;
            let earlier = match lines.first() {
                Some(first) => job_logs::count_before(self.reader(), job_id, attempt, first.id, EARLIER_CAP).await?,
                None => 0,
            };
            let lines = lines
                .into_iter()
                .map(|l| LogLine { id: l.id, attempt: l.attempt_number, stream: l.stream, at: l.at, line: l.line })
                .collect();
            Ok((lines, earlier))
        })
        .await
    }
}

/// The most earlier lines the console counts exactly.
pub const EARLIER_CAP: i64 = 100_000;

/// The job's needs as AWS shows them, `None` when it needs no consumable resource.
fn consumable_resource_properties(stored: &str) -> ServiceResult<Option<ConsumableResourceProperties>> {
    let needs: Vec<(String, i64)> = from_json("consumable_resources", stored)?;
    Ok((!needs.is_empty()).then(|| ConsumableResourceProperties {
        consumable_resource_list: needs
            .into_iter()
            .map(|(consumable_resource, quantity)| ConsumableResourceRequirement { consumable_resource, quantity })
            .collect(),
    }))
}

/// Cancelled: failed before it ever started, without a terminate request (a cancel, or a
/// dependency that failed).
fn is_cancelled(job: &jobs::Model) -> bool {
    *job.status == JobStatus::Failed && job.terminate_reason.is_none() && job.started_at.is_none()
}

fn is_terminated(job: &jobs::Model) -> bool {
    job.terminate_reason.is_some()
}

/// The definition's container properties a job shows besides those its container detail
/// computes itself (`DescribedDefinition::container_members`), with the submission's
/// `resourceRequirements` in place of the definition's when it gave any.
fn container_members(of_definition: &AwsFields, overrides: &ContainerOverrides) -> AwsFields {
    let mut members = of_definition.clone();
    if !overrides.resource_requirements.is_empty() {
        let requirements = serde_json::to_value(&overrides.resource_requirements).expect("requirements serialize");
        members = members.updated_with(&AwsFields([("resourceRequirements".to_string(), requirements)].into_iter().collect()));
    }
    members
}
