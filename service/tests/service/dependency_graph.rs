//! The job page's dependency graph read from real stores: whole-job, N_TO_N and SEQUENTIAL
//! edges, from an array, from a child, and a wide fan-out kept to the node cap.

use crate::fixtures::{submission, with_queue_and_definition};
use domain::dependency_graph::{GraphEdge, JobGraph, MAX_NODES};
use domain::submit::{ArrayProperties, JobDependency};
use service::ServiceError;
use service::testing::{BACKENDS, admin, operator};
use std::collections::BTreeSet;

fn whole(id: &str) -> JobDependency {
    JobDependency { job_id: Some(id.into()), kind: None }
}

/// Submits job `name` (an array of `size` when given) waiting on `depends_on`; its id.
async fn submit(batch: &service::Batch, name: &str, size: Option<i64>, depends_on: Vec<JobDependency>) -> String {
    let mut request = submission(name);
    request.array_properties = size.map(|size| ArrayProperties { size });
    request.depends_on = depends_on;
    batch.submit_job(&operator(), request).await.unwrap().job_id
}

fn edges(graph: &JobGraph) -> Vec<(String, String, Option<String>)> {
    graph.edges.iter().map(|GraphEdge { from, to, kind }| (from.clone(), to.clone(), kind.clone())).collect()
}

#[tokio::test]
async fn the_graph_follows_whole_job_n_to_n_and_sequential_edges_both_ways() {
    for backend in BACKENDS {
        let batch = with_queue_and_definition(backend).await;
        let first = submit(&batch, "first", Some(3), vec![]).await;
        let n_to_n = JobDependency { job_id: Some(first.clone()), kind: Some("N_TO_N".into()) };
        let sequential = JobDependency { job_id: None, kind: Some("SEQUENTIAL".into()) };
        let second = submit(&batch, "second", Some(3), vec![n_to_n, sequential]).await;
        let lone = submit(&batch, "lone", None, vec![whole(&second)]).await;
        let after = submit(&batch, "after", None, vec![whole(&lone)]).await;

        let graph = batch.dependency_graph(&admin(), &second).await.unwrap();
        let want = BTreeSet::from([
            (first.clone(), second.clone(), Some("N_TO_N".to_string())),
            (second.clone(), lone.clone(), None),
            (lone.clone(), after.clone(), None),
        ]);
        assert_eq!(edges(&graph).into_iter().collect::<BTreeSet<_>>(), want, "{backend:?}");
        let node = graph.nodes.iter().find(|n| n.job_id == second).unwrap();
        assert_eq!((node.array_size, node.sequential, node.job_name.as_str()), (Some(3), true, "second"));
        assert_eq!(graph.nodes.len(), 4);

        // From the first array: downstream through its children's N_TO_N rows.
        let graph = batch.dependency_graph(&admin(), &first).await.unwrap();
        assert_eq!(graph.nodes.len(), 4, "{backend:?}: {graph:?}");
        assert!(graph.edges.contains(&GraphEdge { from: first.clone(), to: second.clone(), kind: Some("N_TO_N".into()) }));

        // A child: its N_TO_N partner and its previous sibling upstream, its next sibling downstream.
        let child = format!("{second}:1");
        let graph = batch.dependency_graph(&admin(), &child).await.unwrap();
        let direct: Vec<_> = edges(&graph).into_iter().filter(|(from, to, _)| from == &child || to == &child).collect();
        assert!(direct.contains(&(format!("{first}:1"), child.clone(), Some("N_TO_N".into()))), "{direct:?}");
        assert!(direct.contains(&(format!("{second}:0"), child.clone(), Some("SEQUENTIAL".into()))), "{direct:?}");
        assert!(direct.contains(&(child.clone(), format!("{second}:2"), Some("SEQUENTIAL".into()))), "{direct:?}");
        assert_eq!(graph.nodes.iter().find(|n| n.job_id == child).unwrap().job_name, "second[1]");

        // A job alone, and one that does not exist.
        let alone = submit(&batch, "alone", None, vec![]).await;
        assert!(batch.dependency_graph(&admin(), &alone).await.unwrap().is_alone());
        let missing = batch.dependency_graph(&admin(), "no-such-job").await.unwrap_err();
        assert!(matches!(missing, ServiceError::NotFound { .. }), "{missing}");
    }
}

#[tokio::test]
async fn a_job_many_wait_on_is_drawn_with_the_first_of_them_and_the_rest_counted() {
    for backend in BACKENDS {
        let batch = with_queue_and_definition(backend).await;
        let root = batch.submit_job(&operator(), submission("root")).await.unwrap().job_id;
        for i in 0..MAX_NODES + 5 {
            let mut request = submission(&format!("waiter-{i}"));
            request.depends_on = vec![whole(&root)];
            batch.submit_job(&operator(), request).await.unwrap();
        }
        let graph = batch.dependency_graph(&admin(), &root).await.unwrap();
        assert_eq!(graph.nodes.len(), MAX_NODES, "{backend:?}");
        assert_eq!(graph.left_out, MAX_NODES + 5 + 1 - MAX_NODES);
        assert_eq!(graph.edges.len(), MAX_NODES - 1);
    }
}

/// What `/events?graph=` watches: the cursor of a graph moves when one of its jobs changes
/// state or a job starts waiting on one (also through an array's first child, N_TO_N), and
/// stays put while jobs outside the graph change.
#[tokio::test]
async fn the_graph_cursor_moves_with_its_jobs_and_new_dependents_only() {
    for backend in BACKENDS {
        let batch = with_queue_and_definition(backend).await;
        let upstream = submit(&batch, "upstream", None, vec![]).await;
        let focus = submit(&batch, "focus", None, vec![whole(&upstream)]).await;
        let members = |graph: JobGraph| graph.nodes.into_iter().map(|n| n.job_id).collect::<Vec<_>>();
        let watched = members(batch.dependency_graph(&admin(), &focus).await.unwrap());
        let start = batch.graph_cursor(&admin(), &watched).await.unwrap();

        let elsewhere = submit(&batch, "elsewhere", None, vec![]).await;
        batch.cancel_job(&operator(), &elsewhere, "not in the graph").await.unwrap();
        assert_eq!(batch.graph_cursor(&admin(), &watched).await.unwrap(), start, "{backend:?}: a job outside the graph");

        batch.cancel_job(&operator(), &upstream, "a job of the graph").await.unwrap();
        let cancelled = batch.graph_cursor(&admin(), &watched).await.unwrap();
        assert!(cancelled.last_status_change > start.last_status_change, "{backend:?}: {cancelled:?} after {start:?}");

        submit(&batch, "downstream", None, vec![whole(&focus)]).await;
        let waited_on = batch.graph_cursor(&admin(), &watched).await.unwrap();
        assert_eq!(waited_on.links, cancelled.links + 1, "{backend:?}: a new dependent is a new link");

        // An array in the graph: a child's move is recorded on the array, and an N_TO_N
        // dependent waits on its first child.
        let array = submit(&batch, "array", Some(2), vec![]).await;
        let child = format!("{array}:1");
        let watched = [array.clone(), child.clone()];
        let before = batch.graph_cursor(&admin(), &watched).await.unwrap();
        let n_to_n = JobDependency { job_id: Some(array.clone()), kind: Some("N_TO_N".into()) };
        submit(&batch, "partner", Some(2), vec![n_to_n]).await;
        let linked = batch.graph_cursor(&admin(), &watched).await.unwrap();
        assert!(linked.links > before.links, "{backend:?}: {linked:?} after {before:?}");
        batch.cancel_job(&operator(), &array, "the children too").await.unwrap();
        let child_moved = batch.graph_cursor(&admin(), std::slice::from_ref(&child)).await.unwrap();
        assert!(child_moved.last_status_change > linked.last_status_change, "{backend:?}: the child's move");

        assert_eq!(batch.graph_cursor(&admin(), &[]).await.unwrap(), Default::default(), "{backend:?}: no jobs, no SQL error");
        let refused = batch.graph_cursor(&domain::access::Caller::Anonymous, &watched).await.unwrap_err();
        assert!(matches!(refused, ServiceError::Forbidden(_)), "{refused:?}");
    }
}
