//! Use cases of compute environments: create, update, delete, describe.

use crate::batch::{Batch, from_json, name_from_arn, now_ms, to_json};
use crate::error::{ServiceError, ServiceResult};
use crate::store::compute_environments as environments;
use crate::store::entities::compute_environments as ce;
use domain::access::{Action, Caller};
use domain::aws_fields::AwsFields;
use domain::compute_environment::{self, CreateComputeEnvironment, DockerHost, ExecutorKind, State, UpdateComputeEnvironment};
use domain::host_access::HostAccess;
use domain::views::{ComputeEnvironmentDetail, ComputeResourceDetail};
use sea_orm::Set;

impl Batch {
    #[tracing::instrument(skip_all, fields(name = %input.compute_environment_name))]
    pub async fn create_compute_environment(
        &self,
        caller: &Caller,
        input: CreateComputeEnvironment,
    ) -> ServiceResult<ComputeEnvironmentDetail> {
        let target = input.compute_environment_name.clone();
        self.guarded(caller, Action::CreateComputeEnvironment, &target, async move {
            let valid = input.validate()?;
            let aws_fields = AwsFields::of(&input, compute_environment::OWNED_ON_CREATE);
            if environments::find_by_name(&self.db, valid.name.as_str()).await?.is_some() {
                return Err(ServiceError::Conflict(format!(
                    "computeEnvironmentName: a compute environment named {} already exists",
                    valid.name
                )));
            }
            let hosts = match (valid.hosts, valid.executor) {
                (Some(hosts), _) => hosts,
                // A simulated environment has no engine: one virtual host as large as its budget.
                (None, ExecutorKind::Simulated) => vec![DockerHost {
                    endpoint: "simulated://".into(),
                    vcpus: valid.max_vcpus.unwrap_or(self.config.default_host.vcpus),
                    memory_mib: i64::from(i32::MAX),
                    ..Default::default()
                }],
                (None, ExecutorKind::Docker) => vec![self.config.default_host.clone()],
            };
            let max_vcpus = valid.max_vcpus.unwrap_or_else(|| hosts.iter().map(|h| h.vcpus).sum());
            let now = now_ms();
            let model = ce::ActiveModel {
                name: Set(valid.name.to_string()),
                state: Set(valid.state.into()),
                status: Set("VALID".into()),
                kind: Set(valid.kind),
                max_vcpus: Set(clamp_i32(max_vcpus)),
                executor: Set(valid.executor.into()),
                allow_privileged: Set(valid.host_access.allow_privileged),
                host_access: Set(to_json(&valid.host_access)),
                hosts: Set(to_json(&hosts)),
                tags: Set(to_json(&valid.tags)),
                aws_fields: Set(aws_fields.to_json()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            };
            let model = environments::insert(&self.db, model).await?;
            self.compute_environment_detail(model)
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(name = %input.compute_environment))]
    pub async fn update_compute_environment(
        &self,
        caller: &Caller,
        input: UpdateComputeEnvironment,
    ) -> ServiceResult<ComputeEnvironmentDetail> {
        let target = input.compute_environment.clone();
        self.guarded(caller, Action::UpdateComputeEnvironment, &target, async move {
            let valid = input.validate()?;
            let existing = self.compute_environment_by_name(&input.compute_environment).await?;
            let mut model: ce::ActiveModel = existing.clone().into();
            if let Some(state) = valid.state {
                model.state = Set(state.into());
            }
            if let Some(max) = valid.max_vcpus {
                model.max_vcpus = Set(clamp_i32(max));
            }
            if let Some(hosts) = valid.hosts {
                model.hosts = Set(to_json(&hosts));
            }
            let access = input.host_access.apply(&host_access_of(&existing)?)?;
            model.allow_privileged = Set(access.allow_privileged);
            model.host_access = Set(to_json(&access));
            let changed = AwsFields::of(&input, compute_environment::OWNED_ON_UPDATE);
            model.aws_fields = Set(AwsFields::from_json(&existing.aws_fields).updated_with(&changed).to_json());
            model.updated_at = Set(now_ms());
            let updated = environments::update(&self.db, model).await?;
            self.compute_environment_detail(updated)
        })
        .await
    }

    /// AWS rule: only a DISABLED environment that no queue uses can be deleted.
    #[tracing::instrument(skip(self))]
    pub async fn delete_compute_environment(&self, caller: &Caller, name_or_arn: &str) -> ServiceResult<()> {
        self.guarded(caller, Action::DeleteComputeEnvironment, name_or_arn, async move {
            let existing = self.compute_environment_by_name(name_or_arn).await?;
            if existing.state != State::Disabled {
                return Err(ServiceError::Conflict(format!(
                    "computeEnvironment: {} is ENABLED; disable it before deleting it",
                    existing.name
                )));
            }
            let users = environments::count_queues_using(&self.db, existing.id).await?;
            if users > 0 {
                return Err(ServiceError::Conflict(format!(
                    "computeEnvironment: {} is used by {users} job queue(s); remove it from them first",
                    existing.name
                )));
            }
            environments::delete(&self.db, existing.id).await?;
            Ok(())
        })
        .await
    }

    /// All environments, or those named (names or ARNs), in name order.
    pub async fn describe_compute_environments(&self, caller: &Caller, names: &[String]) -> ServiceResult<Vec<ComputeEnvironmentDetail>> {
        self.guarded(caller, Action::Read, "", async move {
            let names: Vec<&str> = names.iter().map(|n| name_from_arn(n)).collect();
            environments::list(&self.db, &names).await?.into_iter().map(|m| self.compute_environment_detail(m)).collect()
        })
        .await
    }

    pub(crate) async fn compute_environment_by_name(&self, name_or_arn: &str) -> ServiceResult<ce::Model> {
        environments::find_by_name(&self.db, name_from_arn(name_or_arn))
            .await?
            .ok_or_else(|| ServiceError::not_found("compute environment", name_or_arn))
    }

    /// Stable for this environment, new for one re-created under the same name (as in AWS).
    fn environment_uuid(&self, model: &ce::Model) -> String {
        let arn = self.arn("compute-environment", &model.name);
        uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, format!("{arn}#{}", model.created_at).as_bytes()).to_string()
    }

    /// The name of the ECS cluster AWS would run the environment's jobs in.
    pub(crate) fn ecs_cluster_name(&self, model: &ce::Model) -> String {
        format!("{}_Batch_{}", model.name, self.environment_uuid(model))
    }

    /// An attempt's `taskArn` as AWS shapes it: a task of the environment's cluster, named by the
    /// first 32 hex digits of its container id (`docker ps` shows the first 12).
    pub(crate) fn task_arn(&self, environment: &ce::Model, container_id: &str) -> String {
        let task: String = container_id.chars().take(32).collect();
        format!("arn:aws:ecs:{}:{}:task/{}/{task}", self.config.region, self.config.account_id, self.ecs_cluster_name(environment))
    }

    fn compute_environment_detail(&self, model: ce::Model) -> ServiceResult<ComputeEnvironmentDetail> {
        let hosts: Vec<DockerHost> = from_json("hosts", &model.hosts)?;
        let host_access = host_access_of(&model)?;
        let arn = self.arn("compute-environment", &model.name);
        let uuid = self.environment_uuid(&model);
        let aws_fields = AwsFields::from_json(&model.aws_fields);
        Ok(ComputeEnvironmentDetail {
            ecs_cluster_arn: format!(
                "arn:aws:ecs:{}:{}:cluster/{}",
                self.config.region,
                self.config.account_id,
                self.ecs_cluster_name(&model)
            ),
            container_orchestration_type: "ECS".into(),
            uuid,
            compute_environment_arn: arn,
            compute_environment_name: model.name,
            kind: model.kind,
            state: *model.state,
            status: model.status,
            status_reason: "ComputeEnvironment Healthy".into(),
            compute_resources: ComputeResourceDetail {
                max_vcpus: model.max_vcpus.into(),
                aws_fields: aws_fields.nested("computeResources"),
            },
            docker_hosts: hosts,
            executor: *model.executor,
            host_access,
            tags: from_json("tags", &model.tags)?,
            aws_fields: aws_fields.without("computeResources"),
        })
    }
}

/// What the environment's jobs may touch on the host.
impl Batch {
    /// How to reach `endpoint`: with certificates when any environment names some for it (one
    /// connection serves every environment on that engine, so TLS wins over a plain entry).
    pub(crate) async fn docker_host(&self, endpoint: &str) -> ServiceResult<Option<DockerHost>> {
        let mut found: Option<DockerHost> = None;
        for environment in environments::all(self.reader()).await? {
            let hosts: Vec<DockerHost> = from_json("hosts", &environment.hosts)?;
            for host in hosts.into_iter().filter(|h| h.endpoint == endpoint) {
                if found.as_ref().is_none_or(|f| f.tls.is_none()) {
                    found = Some(host);
                }
            }
        }
        Ok(found)
    }
}

pub(crate) fn host_access_of(model: &ce::Model) -> Result<HostAccess, sea_orm::DbErr> {
    let mut access: HostAccess = from_json("host_access", &model.host_access)?;
    access.allow_privileged = model.allow_privileged;
    Ok(access)
}

fn clamp_i32(value: i64) -> i32 {
    value.clamp(0, i32::MAX as i64) as i32
}

/// vCPUs and memory held by STARTING and RUNNING jobs, per environment name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EnvironmentUsage {
    pub milli_vcpus: i64,
    pub memory_mib: i64,
    pub jobs: i64,
}

impl Batch {
    pub async fn environment_usage(&self, caller: &Caller) -> ServiceResult<std::collections::BTreeMap<String, EnvironmentUsage>> {
        use domain::JobStatus;
        self.guarded(caller, Action::Read, "", async move {
            let names: std::collections::HashMap<i32, String> =
                environments::all(&self.db).await?.into_iter().map(|e| (e.id, e.name)).collect();
            let held = environments::held_per_environment(&self.db, &[JobStatus::Starting.as_str(), JobStatus::Running.as_str()]).await?;
            Ok(held
                .into_iter()
                .filter_map(|row| {
                    let name = names.get(&row.environment_id?)?.clone();
                    Some((
                        name,
                        EnvironmentUsage {
                            milli_vcpus: row.milli_vcpus.unwrap_or(0),
                            memory_mib: row.memory_mib.unwrap_or(0),
                            jobs: row.jobs,
                        },
                    ))
                })
                .collect())
        })
        .await
    }
}
