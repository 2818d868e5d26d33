//! Queues and environments.

use sea_orm::DatabaseConnection;

on_both_stores!(a_queue_keeps_its_environment_order);

async fn a_queue_keeps_its_environment_order(db: DatabaseConnection) {
    use crate::store::job_queues;
    let mut ids = Vec::new();
    for name in ["first", "second", "third"] {
        ids.push(super::insert_environment(&db, name).await.id);
    }
    let queue = super::insert_queue(&db, "q").await;
    job_queues::set_environment_order(&db, queue.id, &[ids[2], ids[0]]).await.unwrap();
    let order = job_queues::environment_order(&db, queue.id).await.unwrap();
    assert_eq!(order, [(0, "third".to_string()), (1, "first".to_string())]);
    job_queues::set_environment_order(&db, queue.id, &[ids[1]]).await.unwrap();
    assert_eq!(job_queues::environment_order(&db, queue.id).await.unwrap(), [(0, "second".to_string())]);
    job_queues::delete(&db, queue.id).await.unwrap();
    assert!(job_queues::find_by_name(&db, "q").await.unwrap().is_none());
}
