//! Queues and environments.

use sea_orm::DatabaseConnection;

on_both_stores!(a_queue_keeps_its_environment_order);

async fn a_queue_keeps_its_environment_order(db: DatabaseConnection) {
    use crate::store::entities::{compute_environments as ce, job_queues as jq};
    use crate::store::job_queues;
    use sea_orm::{ActiveModelTrait, Set};
    let mut ids = Vec::new();
    for name in ["first", "second", "third"] {
        let environment = ce::ActiveModel {
            name: Set(name.into()),
            kind: Set("MANAGED".into()),
            state: Set(domain::compute_environment::State::Enabled.into()),
            status: Set("VALID".into()),
            max_vcpus: Set(4),
            executor: Set(domain::compute_environment::ExecutorKind::Docker.into()),
            allow_privileged: Set(false),
            host_access: Set("{}".into()),
            hosts: Set("[]".into()),
            tags: Set("{}".into()),
            created_at: Set(0),
            updated_at: Set(0),
            ..Default::default()
        };
        ids.push(environment.insert(&db).await.unwrap().id);
    }
    let queue = jq::ActiveModel {
        name: Set("q".into()),
        state: Set(domain::compute_environment::State::Enabled.into()),
        status: Set("VALID".into()),
        priority: Set(1),
        job_state_time_limit_actions: Set("[]".into()),
        tags: Set("{}".into()),
        created_at: Set(0),
        updated_at: Set(0),
        ..Default::default()
    };
    let queue = job_queues::insert(&db, queue).await.unwrap();
    job_queues::set_environment_order(&db, queue.id, &[ids[2], ids[0]]).await.unwrap();
    let order = job_queues::environment_order(&db, queue.id).await.unwrap();
    assert_eq!(order, [(0, "third".to_string()), (1, "first".to_string())]);
    job_queues::set_environment_order(&db, queue.id, &[ids[1]]).await.unwrap();
    assert_eq!(job_queues::environment_order(&db, queue.id).await.unwrap(), [(0, "second".to_string())]);
    job_queues::delete(&db, queue.id).await.unwrap();
    assert!(job_queues::find_by_name(&db, "q").await.unwrap().is_none());
}
