//! A job's dependencies as a small graph: the jobs it waits on and the jobs waiting on it, a
//! few steps each way, laid out in columns (upstream on the left) for the job page to draw.
//!
//! The service gathers the nodes and edges from the store; what to gather next and where each
//! node goes are decided here, so the page and its tests agree on one layout.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::job_status::JobStatus;

/// How many steps upstream and downstream the graph follows.
pub const MAX_DEPTH: usize = 3;
/// At most this many jobs are drawn; the rest are counted.
pub const MAX_NODES: usize = 40;

/// One job in the graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphNode {
    pub job_id: String,
    pub job_name: String,
    pub status: JobStatus,
    /// The array's size, for an array parent.
    pub array_size: Option<i64>,
    /// An array whose children run one after another (a SEQUENTIAL dependency).
    pub sequential: bool,
}

/// `to` waits on `from`; `kind` is `N_TO_N` or `SEQUENTIAL` for array edges, none for a whole job.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GraphEdge {
    pub from: String,
    pub to: String,
    pub kind: Option<String>,
}

/// The graph around `focus`, and how many jobs were left out to keep it small.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobGraph {
    pub focus: String,
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
    pub left_out: usize,
}

impl JobGraph {
    /// Only the focus: a job that waits on nothing and that nothing waits on.
    pub fn is_alone(&self) -> bool {
        self.edges.is_empty()
    }
}

/// Which way a walk goes from a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// To the jobs it waits on.
    Upstream,
    /// To the jobs waiting on it.
    Downstream,
}

/// The walk of a graph: the service asks for the neighbours of `frontier`, hands them back
/// with `visit`, and stops when `frontier` is empty. Keeps to `MAX_DEPTH` steps each way and
/// `MAX_NODES` jobs, counting what it leaves out.
#[derive(Debug, Clone)]
pub struct Walk {
    direction: Direction,
    depth: usize,
    frontier: Vec<String>,
    seen: BTreeSet<String>,
    pub edges: BTreeSet<GraphEdge>,
    pub left_out: BTreeSet<String>,
}

impl Walk {
    /// A walk from `focus`, one direction at a time; `seen` carries the jobs of earlier walks.
    pub fn new(focus: &str, direction: Direction, seen: BTreeSet<String>) -> Walk {
        let mut seen = seen;
        seen.insert(focus.to_string());
        Walk { direction, depth: 0, frontier: vec![focus.to_string()], seen, edges: BTreeSet::new(), left_out: BTreeSet::new() }
    }

    /// The jobs whose neighbours the service should read next (empty when the walk is done).
    pub fn frontier(&self) -> &[String] {
        &self.frontier
    }

    /// Takes the edges read for the current frontier and moves one step on.
    pub fn visit(&mut self, edges: Vec<GraphEdge>) {
        self.depth += 1;
        let mut next = Vec::new();
        for edge in edges {
            let far = match self.direction {
                Direction::Upstream => edge.from.clone(),
                Direction::Downstream => edge.to.clone(),
            };
            if !self.seen.contains(&far) {
                if self.seen.len() >= MAX_NODES {
                    self.left_out.insert(far);
                    continue;
                }
                self.seen.insert(far.clone());
                next.push(far);
            }
            self.edges.insert(edge);
        }
        if self.depth >= MAX_DEPTH {
            // Neighbours of the last step are drawn but not followed further.
            next.clear();
        }
        self.frontier = next;
    }

    /// Every job the walk has reached (and those of the walks before it).
    pub fn seen(&self) -> &BTreeSet<String> {
        &self.seen
    }
}

/// Where a node goes: its column (0 = the leftmost) and its row within the column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub column: usize,
    pub row: usize,
}

/// Columns by longest path, so every edge points right; rows ordered by the mean row of each
/// node's upstream neighbours (fewer crossings), then by id for a stable drawing.
pub fn layout(graph: &JobGraph) -> HashMap<String, Place> {
    let ids: BTreeSet<&str> = graph.nodes.iter().map(|n| n.job_id.as_str()).collect();
    let edges: Vec<&GraphEdge> =
        graph.edges.iter().filter(|e| ids.contains(e.from.as_str()) && ids.contains(e.to.as_str()) && e.from != e.to).collect();
    // Longest path from any source; a cycle (not possible in the store) stops after |nodes| rounds.
    let mut level: BTreeMap<&str, usize> = ids.iter().map(|id| (*id, 0)).collect();
    for _ in 0..ids.len() {
        let mut moved = false;
        for edge in &edges {
            let wanted = level[edge.from.as_str()] + 1;
            if level[edge.to.as_str()] < wanted && wanted < ids.len() {
                level.insert(edge.to.as_str(), wanted);
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    let columns = level.values().copied().max().map_or(0, |m| m + 1);
    let mut places: HashMap<String, Place> = HashMap::new();
    for column in 0..columns {
        let mut members: Vec<(f64, &str)> = level
            .iter()
            .filter(|(_, l)| **l == column)
            .map(|(id, _)| {
                let rows: Vec<usize> =
                    edges.iter().filter(|e| e.to == *id).filter_map(|e| places.get(e.from.as_str())).map(|p| p.row).collect();
                let mean = if rows.is_empty() { f64::MAX } else { rows.iter().sum::<usize>() as f64 / rows.len() as f64 };
                (mean, *id)
            })
            .collect();
        members.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(b.1)));
        for (row, (_, id)) in members.into_iter().enumerate() {
            places.insert(id.to_string(), Place { column, row });
        }
    }
    places
}

#[cfg(test)]
mod tests;
