//! What an attempt used, read from a real engine: the container really fills memory and
//! really burns CPU, and the recorded peak and CPU time say so.

use crate::scheduler::{finished, harness, shell_definition, submit_to};
use domain::container::ResourceRequirement;
use service::testing::{Backend, admin, operator};

#[tokio::test]
async fn an_attempts_peak_memory_and_cpu_time_come_from_the_engine() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let h = harness(backend, 4).await;
        // 40 MiB into tmpfs (charged to the container's memory), a second or so of busy shell,
        // then a pause holding the memory, so the readings see both.
        let script = "dd if=/dev/zero of=/dev/shm/fill bs=1048576 count=40 2>/dev/null; \
                      i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; sleep 3";
        let mut d = shell_definition("fills", script);
        d.container_properties.as_mut().unwrap().resource_requirements[1] =
            ResourceRequirement { kind: "MEMORY".into(), value: "128".into() };
        h.batch.register_job_definition(&admin(), d).await.unwrap();
        let job = h.batch.submit_job(&operator(), submit_to("fills", "fills")).await.unwrap();
        let done = finished(&h.batch, &job.job_id).await;
        assert_eq!(done.status, "SUCCEEDED", "{backend:?}: {:?}", done.status_reason);

        let usage = h.batch.attempt_usage(&admin(), &job.job_id).await.unwrap();
        assert_eq!(usage.len(), 1, "{backend:?}");
        let used = &usage[0];
        assert_eq!(used.attempt_number, 1);
        let peak = used.peak_memory_bytes.expect("peak measured");
        assert!((40 << 20..128 << 20).contains(&peak), "{backend:?}: peak {peak} bytes for 40 MiB held under a 128 MiB limit");
        let cpu = used.cpu_time_ms.expect("CPU time measured");
        assert!(cpu >= 100, "{backend:?}: {cpu} ms of CPU for a busy loop");
        assert!(used.samples.len() >= 2, "{backend:?}: readings over the attempt's life: {:?}", used.samples);
        assert!(used.samples.windows(2).all(|w| w[0].at_ms < w[1].at_ms && w[0].cpu_ms <= w[1].cpu_ms));
    }
}

#[tokio::test]
async fn an_out_of_memory_kill_records_the_limit_as_its_peak() {
    let h = harness(Backend::Sqlite, 4).await;
    let mut d = shell_definition("greedy", "sleep 2; x=a; while true; do x=$x$x; done");
    d.container_properties.as_mut().unwrap().resource_requirements[1] = ResourceRequirement { kind: "MEMORY".into(), value: "8".into() };
    h.batch.register_job_definition(&admin(), d).await.unwrap();
    let job = h.batch.submit_job(&operator(), submit_to("greedy", "greedy")).await.unwrap();
    let done = finished(&h.batch, &job.job_id).await;
    // On failure, say how it ended (the engine's note of an out-of-memory kill can be missing:
    // follow.rs waits for it after an exit 137), so a flake in CI can be told apart.
    assert!(
        done.status_reason.as_deref().unwrap_or_default().starts_with("OutOfMemoryError"),
        "{:?}; attempts: {:?}",
        done.status_reason,
        done.attempts
    );
    let usage = h.batch.attempt_usage(&admin(), &job.job_id).await.unwrap();
    assert_eq!(usage[0].peak_memory_bytes, Some(8 << 20));
}
