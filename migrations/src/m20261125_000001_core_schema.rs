//! Compute environments, job queues, job definitions, jobs, their dependencies, attempts,
//! attempt logs and state history.

use crate::index;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000001_core_schema"
    }
}

fn fk(from: (&'static str, &'static str), to: (&'static str, &'static str)) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{}_{}", from.0, from.1))
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("compute_environments")
                    .col(pk_auto("id"))
                    .col(string_len_uniq("name", 128))
                    .col(string_len("state", 16))
                    .col(string_len("status", 16))
                    .col(string_len("type", 16))
                    .col(integer("max_vcpus"))
                    .col(string_len("executor", 16))
                    .col(boolean("allow_privileged"))
                    // [{"endpoint": "unix:///var/run/docker.sock", "vcpus": 2, "memoryMib": 4096}]
                    .col(text("hosts"))
                    .col(text("tags"))
                    .col(big_integer("created_at"))
                    .col(big_integer("updated_at"))
                    .check(Expr::cust("state IN ('ENABLED', 'DISABLED')"))
                    .check(Expr::cust("max_vcpus > 0"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("job_queues")
                    .col(pk_auto("id"))
                    .col(string_len_uniq("name", 128))
                    .col(string_len("state", 16))
                    .col(string_len("status", 16))
                    .col(integer("priority"))
                    .col(text("job_state_time_limit_actions"))
                    .col(text("tags"))
                    .col(big_integer("created_at"))
                    .col(big_integer("updated_at"))
                    .check(Expr::cust("state IN ('ENABLED', 'DISABLED')"))
                    .check(Expr::cust("priority >= 0"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("job_queue_compute_environments")
                    .col(integer("job_queue_id"))
                    .col(integer("position"))
                    .col(integer("compute_environment_id"))
                    .primary_key(Index::create().col("job_queue_id").col("position"))
                    .foreign_key(&mut fk(("job_queue_compute_environments", "job_queue_id"), ("job_queues", "id")))
                    .foreign_key(&mut fk(("job_queue_compute_environments", "compute_environment_id"), ("compute_environments", "id")))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("idx_jqce_compute_environment", "job_queue_compute_environments", &["compute_environment_id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("job_definitions")
                    .col(pk_auto("id"))
                    .col(string_len("name", 128))
                    .col(integer("revision"))
                    .col(string_len("status", 16))
                    .col(string_len("type", 16))
                    .col(text("container_properties"))
                    .col(text("parameters"))
                    .col(text_null("retry_strategy"))
                    .col(integer_null("timeout_seconds"))
                    .col(integer_null("scheduling_priority"))
                    .col(text("tags"))
                    .col(big_integer("created_at"))
                    .check(Expr::cust("status IN ('ACTIVE', 'INACTIVE')"))
                    .check(Expr::cust("revision >= 1"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_job_definitions_name_revision", "job_definitions", &["name", "revision"]).unique().to_owned())
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("jobs")
                    .col(string_len("id", 64).primary_key())
                    .col(string_len("name", 128))
                    .col(integer("job_queue_id"))
                    .col(integer("job_definition_id"))
                    .col(string_len("status", 16))
                    .col(text_null("status_reason"))
                    .col(big_integer("created_at"))
                    // When the job last entered its current status (RUNNABLE time limits use it).
                    .col(big_integer("status_changed_at"))
                    .col(big_integer_null("started_at"))
                    .col(big_integer_null("stopped_at"))
                    .col(string_len_null("array_parent_id", 64))
                    .col(integer_null("array_index"))
                    .col(integer_null("array_size"))
                    .col(text("parameters"))
                    .col(text("container_overrides"))
                    .col(integer("retry_attempts"))
                    .col(text("evaluate_on_exit"))
                    .col(integer_null("timeout_seconds"))
                    .col(text("depends_on"))
                    .col(text("tags"))
                    .col(string_len_null("share_identifier", 255))
                    .col(integer_null("scheduling_priority"))
                    .col(string_len("submitted_by", 128))
                    .col(integer("attempt_count").default(0))
                    // Recorded by TerminateJob for the scheduler to act on (stop the container).
                    .col(text_null("terminate_reason"))
                    // Resolved at submit (definition + overrides) so the scheduler reads numbers, not JSON.
                    .col(integer("milli_vcpus").default(0))
                    .col(integer("memory_mib").default(0))
                    // Where the current attempt was placed, while STARTING or RUNNING.
                    .col(integer_null("compute_environment_id"))
                    .col(integer_null("host_index"))
                    .foreign_key(&mut fk(("jobs", "job_queue_id"), ("job_queues", "id")))
                    .foreign_key(&mut fk(("jobs", "job_definition_id"), ("job_definitions", "id")))
                    // No foreign key on array_parent_id (nor on job_status_history.job_id): on
                    // Postgres their per-row checks were ~250 ms of a 10,000-child submit; both
                    // are written only by the submit transaction that writes the parent.
                    .check(Expr::cust("status IN ('SUBMITTED','PENDING','RUNNABLE','STARTING','RUNNING','SUCCEEDED','FAILED')"))
                    .check(Expr::cust("status NOT IN ('SUCCEEDED','FAILED') OR stopped_at IS NOT NULL"))
                    .check(Expr::cust("retry_attempts BETWEEN 1 AND 10"))
                    .check(Expr::cust("attempt_count >= 0 AND attempt_count <= retry_attempts"))
                    .check(Expr::cust("array_size IS NULL OR array_size BETWEEN 2 AND 10000"))
                    .to_owned(),
            )
            .await?;
        // The console and ListJobs: by queue (and status), newest first, paged by (created_at, id).
        manager.create_index(index("idx_jobs_queue_status_created", "jobs", &["job_queue_id", "status", "created_at", "id"])).await?;
        manager.create_index(index("idx_jobs_queue_created", "jobs", &["job_queue_id", "created_at", "id"])).await?;
        // The scheduler: every job in a status, oldest first.
        manager.create_index(index("idx_jobs_status_created", "jobs", &["status", "created_at", "id"])).await?;
        // An array job's children in index order.
        manager.create_index(index("idx_jobs_array_parent", "jobs", &["array_parent_id", "array_index"])).await?;

        // Placed and running jobs by environment: the scheduler's capacity accounting.
        manager.create_index(index("idx_jobs_environment_status", "jobs", &["compute_environment_id", "status"])).await?;

        // Which installation this store is: container labels carry it, so installations that
        // share a Docker engine never touch each other's containers.
        manager.create_table(Table::create().table("installation").col(string_len("id", 64).primary_key()).to_owned()).await?;

        // One scheduler at a time: the replica holding an unexpired lease runs it.
        manager
            .create_table(
                Table::create()
                    .table("scheduler_lease")
                    .col(integer("id").primary_key())
                    .col(string_len("holder", 64))
                    .col(big_integer("expires_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("job_dependencies")
                    .col(string_len("job_id", 64))
                    .col(string_len("depends_on_job_id", 64))
                    .col(string_len_null("type", 16))
                    .primary_key(Index::create().col("job_id").col("depends_on_job_id"))
                    .foreign_key(&mut fk(("job_dependencies", "job_id"), ("jobs", "id")))
                    .foreign_key(&mut fk(("job_dependencies", "depends_on_job_id"), ("jobs", "id")))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("idx_job_dependencies_target", "job_dependencies", &["depends_on_job_id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("job_attempts")
                    .col(big_pk_auto("id"))
                    .col(string_len("job_id", 64))
                    .col(integer("attempt_number"))
                    .col(string_len_null("compute_environment", 128))
                    .col(string_null("host"))
                    .col(string_null("container_id"))
                    .col(string_null("log_stream_name"))
                    .col(big_integer_null("started_at"))
                    .col(big_integer_null("stopped_at"))
                    .col(integer_null("exit_code"))
                    .col(text_null("reason"))
                    .col(text_null("status_reason"))
                    .foreign_key(&mut fk(("job_attempts", "job_id"), ("jobs", "id")))
                    .check(Expr::cust("attempt_number >= 1"))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("idx_job_attempts_number", "job_attempts", &["job_id", "attempt_number"]).unique().to_owned()).await?;

        manager
            .create_table(
                Table::create()
                    .table("attempt_logs")
                    .col(big_pk_auto("id"))
                    .col(string_len("job_id", 64))
                    .col(integer("attempt_number"))
                    .col(string_len("stream", 8))
                    .col(big_integer("at"))
                    .col(text("line"))
                    .foreign_key(&mut fk(("attempt_logs", "job_id"), ("jobs", "id")))
                    .check(Expr::cust("stream IN ('stdout', 'stderr')"))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("idx_attempt_logs_attempt", "attempt_logs", &["job_id", "attempt_number", "id"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("job_status_history")
                    .col(big_pk_auto("id"))
                    .col(string_len("job_id", 64))
                    .col(string_len("status", 16))
                    .col(text_null("reason"))
                    .col(big_integer("at"))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("idx_job_status_history_job", "job_status_history", &["job_id", "id"])).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "scheduler_lease",
            "installation",
            "job_status_history",
            "attempt_logs",
            "job_attempts",
            "job_dependencies",
            "jobs",
            "job_definitions",
            "job_queue_compute_environments",
            "job_queues",
            "compute_environments",
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
