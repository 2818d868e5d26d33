//! The graph of a job's dependencies for the job page (`domain::dependency_graph`): whole-job
//! edges as stored, N_TO_N edges between arrays read through their first children (the store
//! keeps N_TO_N per child pair, `X:i -> Y:i`), SEQUENTIAL as a mark on the array.

use crate::batch::{Batch, from_json, name_from_arn};
use crate::error::{ServiceError, ServiceResult};
use crate::store::entities::jobs;
use crate::store::{changes, dependency_edges, jobs as job_rows};
use domain::access::{Action, Caller};
use domain::dependency_graph::{Direction, GraphEdge, GraphNode, JobGraph, Walk};
use domain::submit::JobDependency;
use std::collections::{BTreeSet, HashMap};

const N_TO_N: &str = "N_TO_N";
const SEQUENTIAL: &str = "SEQUENTIAL";

/// Where a dependency graph stands: its jobs' newest status change and how many dependency rows
/// touch them. It moves when a job in the graph changes state or a job starts waiting on one
/// (or a link goes with retention), and stays put while jobs outside the graph change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GraphCursor {
    pub last_status_change: i64,
    pub links: u64,
}

impl Batch {
    /// The jobs `job_id` waits on and the jobs waiting on it, a few steps each way.
    pub async fn dependency_graph(&self, caller: &Caller, job_id: &str) -> ServiceResult<JobGraph> {
        self.guarded(caller, Action::Read, "", async move {
            let focus = name_from_arn(job_id).to_string();
            let mut rows: HashMap<String, jobs::Model> = HashMap::new();
            self.load_graph_rows(&mut rows, std::slice::from_ref(&focus)).await?;
            if !rows.contains_key(&focus) {
                return Err(ServiceError::not_found("job", job_id));
            }
            let mut edges = BTreeSet::new();
            let mut left_out = BTreeSet::new();
            let mut seen = BTreeSet::new();
            for direction in [Direction::Upstream, Direction::Downstream] {
                let mut walk = Walk::new(&focus, direction, seen);
                while !walk.frontier().is_empty() {
                    let frontier = walk.frontier().to_vec();
                    self.load_graph_rows(&mut rows, &frontier).await?;
                    let found = self.graph_edges_at(&rows, &frontier, direction).await?;
                    walk.visit(found);
                }
                self.load_graph_rows(&mut rows, &walk.seen().iter().cloned().collect::<Vec<_>>()).await?;
                edges.extend(std::mem::take(&mut walk.edges));
                left_out.extend(std::mem::take(&mut walk.left_out));
                seen = walk.seen().clone();
            }
            // Edges between jobs the walks reached by other paths (a -> b -> c and a -> c).
            let all: Vec<String> = seen.iter().cloned().collect();
            let among = self.graph_edges_at(&rows, &all, Direction::Upstream).await?;
            edges.extend(among.into_iter().filter(|e| seen.contains(&e.from) && seen.contains(&e.to)));
            let nodes = seen.iter().filter_map(|id| rows.get(id)).map(node).collect();
            Ok(JobGraph { focus, nodes, edges: edges.into_iter().collect(), left_out: left_out.len() })
        })
        .await
    }

    /// The cursor of the graph whose jobs are `members` (the nodes of a graph read).
    pub async fn graph_cursor(&self, caller: &Caller, members: &[String]) -> ServiceResult<GraphCursor> {
        self.guarded(caller, Action::Read, "", async move {
            // A child's moves are recorded on its array (runs of children); an array's N_TO_N
            // dependents wait on its first child.
            let arrays = members.iter().filter_map(|id| id.split_once(':').map(|(array, _)| array.to_string()));
            let with_arrays: Vec<String> = members.iter().cloned().chain(arrays).collect::<BTreeSet<_>>().into_iter().collect();
            let first_children = members.iter().filter(|id| !id.contains(':')).map(|id| format!("{id}:0"));
            let with_first_children: Vec<String> = members.iter().cloned().chain(first_children).collect();
            Ok(GraphCursor {
                last_status_change: changes::newest_status_change_of(self.reader(), &with_arrays).await?,
                links: dependency_edges::count_touching(self.reader(), &with_first_children).await?,
            })
        })
        .await
    }

    async fn load_graph_rows(&self, rows: &mut HashMap<String, jobs::Model>, ids: &[String]) -> ServiceResult<()> {
        let missing: Vec<&str> = ids.iter().map(String::as_str).filter(|id| !rows.contains_key(*id)).collect();
        if !missing.is_empty() {
            rows.extend(job_rows::find_many(self.reader(), &missing).await?.into_iter().map(|j| (j.id.clone(), j)));
        }
        Ok(())
    }

    /// The edges at `frontier` one step in `direction`.
    async fn graph_edges_at(
        &self,
        rows: &HashMap<String, jobs::Model>,
        frontier: &[String],
        direction: Direction,
    ) -> ServiceResult<Vec<GraphEdge>> {
        let arrays: Vec<&jobs::Model> = frontier.iter().filter_map(|id| rows.get(id)).filter(|j| is_array_parent(j)).collect();
        let mut edges = dependency_edges::edges_touching(self.reader(), frontier, direction).await?;
        match direction {
            // An array's N_TO_N upstream is in its own dependsOn.
            Direction::Upstream => {
                for array in arrays {
                    let declared: Vec<JobDependency> = from_json("depends_on", &array.depends_on)?;
                    edges.extend(declared.into_iter().filter(|d| d.kind.as_deref() == Some(N_TO_N)).filter_map(|d| {
                        Some(GraphEdge { from: name_from_arn(&d.job_id?).to_string(), to: array.id.clone(), kind: Some(N_TO_N.into()) })
                    }));
                }
            }
            // An array's N_TO_N dependents wait on its first child.
            Direction::Downstream => {
                let firsts: Vec<String> = arrays.iter().map(|a| format!("{}:0", a.id)).collect();
                if !firsts.is_empty() {
                    let through_children = dependency_edges::edges_touching(self.reader(), &firsts, direction).await?;
                    edges.extend(through_children.into_iter().filter(|e| e.kind.as_deref() == Some(N_TO_N)).filter_map(|e| {
                        Some(GraphEdge {
                            from: e.from.strip_suffix(":0")?.to_string(),
                            to: e.to.strip_suffix(":0")?.to_string(),
                            kind: e.kind,
                        })
                    }));
                }
            }
        }
        Ok(edges)
    }
}

fn is_array_parent(job: &jobs::Model) -> bool {
    job.array_size.is_some() && job.array_index.is_none()
}

fn node(job: &jobs::Model) -> GraphNode {
    let sequential = is_array_parent(job)
        && from_json::<Vec<JobDependency>>("depends_on", &job.depends_on)
            .is_ok_and(|deps| deps.iter().any(|d| d.kind.as_deref() == Some(SEQUENTIAL)));
    let job_name = match job.array_index {
        Some(index) => format!("{}[{index}]", job.name),
        None => job.name.clone(),
    };
    GraphNode {
        job_id: job.id.clone(),
        job_name,
        status: *job.status,
        array_size: job.array_size.filter(|_| is_array_parent(job)).map(i64::from),
        sequential,
    }
}
