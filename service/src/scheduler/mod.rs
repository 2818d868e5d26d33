//! The scheduler shell: load a snapshot, `domain::scheduler::plan` it, apply the plan with
//! compare-and-set writes, and hand placed jobs to the executor. One replica at a time runs it
//! (a lease row); it wakes on new work and on a short tick, and never holds a transaction open
//! while a container runs.

mod attempt;
mod finish;
mod follow;
mod maintenance;
mod nodes;
mod quiet;
mod recovery;
mod timings;
mod usage;

pub use attempt::AttemptEnd;
pub use timings::PhaseTimes;

use crate::batch::{Batch, now_ms};
use crate::docker::DockerEngine;
use crate::error::ServiceResult;
use crate::store::transition::{Transition, set_waiting_reasons, transition};
use crate::store::{installation, jobs as job_rows, lease, snapshot};
use domain::JobStatus;
use domain::scheduler::{BlockedQueues, Plan, array_outcome, plan};
use maintenance::Maintenance;
use quiet::Quiet;
use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use timings::Timings;
use tokio::sync::watch;

/// How often the scheduler looks even when nothing woke it (time limits, lost wake-ups).
const TICK: Duration = Duration::from_millis(500);
/// Seconds between SIGTERM and SIGKILL when a container is stopped.
pub const STOP_GRACE_SECONDS: i32 = 10;

#[derive(Clone)]
pub struct Scheduler {
    inner: Arc<Inner>,
}

struct Inner {
    batch: Batch,
    /// This replica, as written in container labels and the lease.
    instance: String,
    /// This installation (see `Batch::installation_id`), known once the scheduler runs.
    installation: std::sync::OnceLock<String>,
    /// Attempts running in this process, by job id: sending `true` stops the container.
    running: Mutex<HashMap<String, watch::Sender<bool>>>,
    engines: Mutex<HashMap<String, DockerEngine>>,
    timings: Timings,
    /// The queues whose last read of RUNNABLE jobs could start none of them.
    blocked: Mutex<BlockedQueues>,
    /// Whether a queue had RUNNABLE time limits at the last pass (see `quiet`).
    time_limits: AtomicBool,
    /// Docker endpoints that did not answer the last reconciliation, since when.
    unreachable: Mutex<HashMap<String, Instant>>,
}

/// What one pass did, for tests and logs.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PassReport {
    pub moved: usize,
    pub started: usize,
    pub stopped: usize,
}

impl Scheduler {
    pub fn new(batch: Batch, instance: impl Into<String>) -> Self {
        Scheduler {
            inner: Arc::new(Inner {
                batch,
                instance: instance.into(),
                installation: std::sync::OnceLock::new(),
                running: Mutex::new(HashMap::new()),
                blocked: Mutex::default(),
                time_limits: AtomicBool::new(false),
                unreachable: Mutex::new(HashMap::new()),
                engines: Mutex::new(HashMap::new()),
                timings: Timings::default(),
            }),
        }
    }

    pub fn batch(&self) -> &Batch {
        &self.inner.batch
    }

    /// Time spent per phase since this scheduler started.
    pub fn phase_times(&self) -> PhaseTimes {
        self.inner.timings.snapshot()
    }

    fn has_time_limits(&self) -> bool {
        self.inner.time_limits.load(Ordering::Relaxed)
    }

    /// Asks for a pass now (after a submit, an exit, a cancel).
    pub fn wake(&self) {
        self.inner.batch.notify_work();
    }

    /// Runs passes until `shutdown` completes, while this replica holds the lease (renewed by a
    /// task of its own, so a long pass never lets it lapse). Reconciles with the engines when it
    /// takes the lead, then runs the periodic `maintenance` between passes.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let (holding_tx, mut holding) = watch::channel(false);
        // Aborted when `run` ends or is dropped: a scheduler that stopped must not keep the lease.
        let renewer = AbortOnDrop(tokio::spawn(renew_lease(self.inner.batch.clone(), self.inner.instance.clone(), holding_tx)));
        let mut leading = false;
        let mut maintenance = Maintenance::after_take_over();
        let mut quiet: Option<Quiet> = None;
        let mut on_tick = false;
        loop {
            if !*holding.borrow_and_update() {
                leading = false;
            } else if !leading {
                tracing::info!(instance = %self.inner.instance, "leading the scheduler");
                leading = self.take_over().await;
                maintenance = Maintenance::after_take_over();
                quiet = None;
                // Another replica may have led meanwhile: what this one knew may be stale.
                *self.inner.blocked.lock().expect("blocked queues") = BlockedQueues::default();
            } else {
                self.maintain(&mut maintenance).await;
            }
            let skip = match quiet.as_mut() {
                Some(quiet) if leading && on_tick => self.quiet_tick(quiet).await,
                _ => false,
            };
            if leading && !skip {
                match self.run_once().await {
                    // More may be ready at once: go again, unless asked to stop.
                    Ok(report) if report.moved + report.started > 0 => {
                        quiet = None;
                        tokio::select! {
                            biased;
                            () = &mut shutdown => break,
                            () = std::future::ready(()) => continue,
                        }
                    }
                    Ok(report) if report.stopped > 0 => quiet = None,
                    Ok(_) => quiet = Some(Quiet::after_idle_pass(quiet.take())),
                    Err(error) => {
                        quiet = None;
                        tracing::error!(?error, "scheduler pass failed");
                    }
                }
            }
            on_tick = false;
            tokio::select! {
                () = &mut shutdown => break,
                () = self.inner.batch.work_arrived() => {}
                _ = holding.changed() => {}
                () = tokio::time::sleep(TICK) => on_tick = true,
            }
        }
        drop(renewer);
        let _ = lease::release(self.inner.batch.db(), &self.inner.instance).await;
    }

    /// What a new leader does first: learn the installation id, then reconcile with the
    /// engines. False (retried after a tick) when either fails.
    async fn take_over(&self) -> bool {
        match self.inner.batch.installation_id().await {
            Ok(id) => {
                let _ = self.inner.installation.set(id);
            }
            Err(error) => {
                tracing::error!(%error, "cannot read the installation id");
                return false;
            }
        }
        match self.reconcile().await {
            Ok(()) => true,
            Err(error) => {
                tracing::error!(?error, "recovery after taking the lead failed; retrying");
                false
            }
        }
    }

    /// One pass: move waiting jobs, start what fits, stop what was terminated.
    pub async fn run_once(&self) -> ServiceResult<PassReport> {
        let batch = &self.inner.batch;
        let timings = &self.inner.timings;
        timings.count_pass();
        let now = now_ms();
        let mut clock = Instant::now();
        let mut report = PassReport { moved: batch.start_array_parents(now).await?, ..Default::default() };
        timings.add(clock, |t| &mut t.parents);
        clock = Instant::now();
        let mut snapshot = snapshot::load_snapshot_but_runnable(batch.reader()).await?;
        self.inner.time_limits.store(snapshot.queues.iter().any(|q| !q.time_limits.is_empty()), Ordering::Relaxed);
        snapshot.unread = self.inner.blocked.lock().expect("blocked queues").unread(&snapshot, now);
        snapshot.runnable = snapshot::runnable_jobs(batch.reader(), &snapshot.queues, &snapshot.unread).await?;
        timings.add(clock, |t| &mut t.snapshot);
        clock = Instant::now();
        let plan = plan(&snapshot, now);
        self.inner.blocked.lock().expect("blocked queues").after_pass(&snapshot, &plan, now);
        timings.add(clock, |t| &mut t.plan);
        clock = Instant::now();
        report.moved += self.apply_moves(&plan, now).await?;
        timings.add(clock, |t| &mut t.moves);
        clock = Instant::now();
        report.started = self.start_attempts(&plan, now).await?;
        timings.add(clock, |t| &mut t.start);
        clock = Instant::now();
        report.moved += batch.finish_array_parents(now).await?;
        timings.add(clock, |t| &mut t.parents);
        report.stopped = self.stop_terminated().await?;
        Ok(report)
    }

    async fn apply_moves(&self, plan: &Plan, now: i64) -> ServiceResult<usize> {
        let db = self.inner.batch.db();
        let mut moved = 0;
        let pending = Transition::new(&[JobStatus::Submitted], JobStatus::Pending, now);
        moved += transition(db, &plan.to_pending, &pending).await?.len();
        // A job that becomes RUNNABLE and cannot start yet gets its waiting reason in the same
        // write (one update of its row, not two).
        // The reasons' text (AWS's statusReason), rendered once by `WaitReason`'s one renderer.
        let rendered: Vec<(&String, String)> = plan.reasons.iter().map(|(id, reason)| (id, reason.to_string())).collect();
        let reasons: HashMap<&str, &str> = rendered.iter().map(|(id, reason)| (id.as_str(), reason.as_str())).collect();
        for (reason, ids) in by_reason(plan.to_runnable.iter().map(|id| (id, reasons.get(id.as_str()).copied()))) {
            let runnable = Transition::new(&[JobStatus::Submitted, JobStatus::Pending], JobStatus::Runnable, now).reason(reason);
            moved += transition(db, &ids, &runnable).await?.len();
        }
        for (reason, ids) in by_reason(plan.to_fail.iter().map(|(id, reason)| (id, reason.as_str()))) {
            let failed = Transition::new(&[JobStatus::Submitted, JobStatus::Pending, JobStatus::Runnable], JobStatus::Failed, now)
                .reason(Some(reason));
            moved += transition(db, &ids, &failed).await?.len();
        }
        let newly_runnable: HashSet<&str> = plan.to_runnable.iter().map(String::as_str).collect();
        let still_waiting = rendered.iter().filter(|(id, _)| !newly_runnable.contains(id.as_str()));
        set_waiting_reasons(db, by_reason(still_waiting.map(|(id, reason)| (*id, reason.as_str())))).await?;
        Ok(moved)
    }

    /// Asks running containers of terminated jobs to stop; their attempts then end FAILED.
    async fn stop_terminated(&self) -> ServiceResult<usize> {
        let ids = job_rows::asked_to_terminate(self.inner.batch.reader()).await?;
        let running = self.inner.running.lock().expect("running map");
        let mut stopped = 0;
        for id in ids {
            if let Some(stop) = running.get(&id)
                && !*stop.borrow()
            {
                let _ = stop.send(true);
                stopped += 1;
            }
        }
        Ok(stopped)
    }

    pub(crate) fn installation(&self) -> &str {
        self.inner.installation.get().map(String::as_str).unwrap_or("unknown")
    }

    pub(crate) async fn engine(&self, endpoint: &str) -> Result<DockerEngine, crate::docker::DockerError> {
        if let Some(engine) = self.inner.engines.lock().expect("engines").get(endpoint) {
            return Ok(engine.clone());
        }
        // Over TLS when an environment names certificates for this endpoint.
        let host = self.batch().docker_host(endpoint).await.ok().flatten();
        let engine = match host {
            Some(host) => DockerEngine::connect_host(&host).await?,
            None => DockerEngine::connect(Some(endpoint)).await?,
        };
        self.inner.engines.lock().expect("engines").insert(endpoint.to_string(), engine.clone());
        Ok(engine)
    }
}

impl Batch {
    /// Array parents never run: SUBMITTED parents become PENDING while their children run.
    async fn start_array_parents(&self, now: i64) -> ServiceResult<usize> {
        let ids = job_rows::array_parents_in(self.reader(), JobStatus::Submitted).await?;
        let t = Transition::new(&[JobStatus::Submitted], JobStatus::Pending, now);
        Ok(transition(self.db(), &ids, &t).await?.len())
    }

    /// A parent whose children have all finished ends SUCCEEDED if every child did, else FAILED.
    async fn finish_array_parents(&self, now: i64) -> ServiceResult<usize> {
        let parents = job_rows::array_parents_in(self.reader(), JobStatus::Pending).await?;
        let children = job_rows::children_by_status(self.reader(), &parents).await?;
        let mut moves: HashMap<(JobStatus, Option<String>), Vec<String>> = HashMap::new();
        for parent in parents {
            let counts = children.get(&parent).into_iter().flatten().copied();
            if let Some(outcome) = array_outcome(counts) {
                moves.entry(outcome).or_default().push(parent);
            }
        }
        let mut moved = 0;
        for ((to, reason), ids) in moves {
            let t = Transition::new(&[JobStatus::Pending], to, now).reason(reason.as_deref());
            moved += transition(self.db(), &ids, &t).await?.len();
        }
        Ok(moved)
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Takes or renews the lease every `RENEW_EVERY`; publishes whether this instance holds it. A
/// store that does not answer counts as not holding it (another replica may have taken over).
async fn renew_lease(batch: Batch, instance: String, holding: watch::Sender<bool>) {
    let mut warned = false;
    loop {
        let held = match lease::hold(batch.db(), &instance).await {
            Ok(held) => {
                warned = false;
                held
            }
            Err(error) => {
                if !warned {
                    tracing::warn!(%error, "cannot renew the scheduler lease; not scheduling until the store answers");
                    warned = true;
                }
                false
            }
        };
        holding.send_if_modified(|current| std::mem::replace(current, held) != held);
        tokio::time::sleep(lease::RENEW_EVERY).await;
    }
}

impl Batch {
    /// The id of this installation (its store), made on first use.
    pub async fn installation_id(&self) -> Result<String, sea_orm::DbErr> {
        installation::id_made_on_first_use(self.db()).await
    }
}

/// Ids grouped by the reason they are written with: one statement per distinct reason.
pub(crate) fn by_reason<'a, R: Eq + Hash>(pairs: impl IntoIterator<Item = (&'a String, R)>) -> HashMap<R, Vec<String>> {
    let mut groups: HashMap<R, Vec<String>> = HashMap::new();
    for (id, reason) in pairs {
        groups.entry(reason).or_default().push(id.clone());
    }
    groups
}
