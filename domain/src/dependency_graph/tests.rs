use std::collections::{BTreeSet, HashSet};

use proptest::prelude::*;

use super::*;

fn node(id: &str) -> GraphNode {
    GraphNode { job_id: id.into(), job_name: id.into(), status: JobStatus::Succeeded, array_size: None, sequential: false }
}

fn edge(from: &str, to: &str) -> GraphEdge {
    GraphEdge { from: from.into(), to: to.into(), kind: None }
}

fn graph(ids: &[&str], edges: &[(&str, &str)]) -> JobGraph {
    JobGraph {
        focus: ids[0].into(),
        nodes: ids.iter().map(|id| node(id)).collect(),
        edges: edges.iter().map(|(f, t)| edge(f, t)).collect(),
        left_out: 0,
    }
}

#[test]
fn a_chain_goes_left_to_right_in_one_row() {
    let places = layout(&graph(&["b", "a", "c"], &[("a", "b"), ("b", "c")]));
    assert_eq!(places["a"], Place { column: 0, row: 0 });
    assert_eq!(places["b"], Place { column: 1, row: 0 });
    assert_eq!(places["c"], Place { column: 2, row: 0 });
}

#[test]
fn a_shortcut_edge_does_not_pull_its_target_left() {
    // a -> b -> c and a -> c: c stays right of b.
    let places = layout(&graph(&["a", "b", "c"], &[("a", "b"), ("b", "c"), ("a", "c")]));
    assert_eq!((places["a"].column, places["b"].column, places["c"].column), (0, 1, 2));
}

#[test]
fn a_fan_in_stacks_its_sources_in_one_column() {
    let places = layout(&graph(&["z", "x", "y"], &[("x", "z"), ("y", "z")]));
    assert_eq!(places["x"], Place { column: 0, row: 0 });
    assert_eq!(places["y"], Place { column: 0, row: 1 });
    assert_eq!(places["z"], Place { column: 1, row: 0 });
}

#[test]
fn rows_follow_their_upstream_to_avoid_crossings() {
    // b1 comes from a2 (row 1), b2 from a1 (row 0): b2 goes above b1 although b1 sorts first.
    let places = layout(&graph(&["a1", "a2", "b1", "b2"], &[("a2", "b1"), ("a1", "b2")]));
    assert_eq!(places["b2"].row, 0);
    assert_eq!(places["b1"].row, 1);
}

#[test]
fn a_cycle_still_places_every_node() {
    let places = layout(&graph(&["a", "b"], &[("a", "b"), ("b", "a")]));
    assert_eq!(places.len(), 2);
}

#[test]
fn a_walk_stops_after_three_steps() {
    // Upstream of j0: j1, j2, ... in a line.
    let mut walk = Walk::new("j0", Direction::Upstream, BTreeSet::new());
    let mut reads = 0;
    while let Some(last) = walk.frontier().first().cloned() {
        let n: usize = last[1..].parse().unwrap();
        walk.visit(vec![edge(&format!("j{}", n + 1), &last)]);
        reads += 1;
    }
    assert_eq!(reads, MAX_DEPTH);
    assert_eq!(walk.seen().len(), MAX_DEPTH + 1);
    assert_eq!(walk.edges.len(), MAX_DEPTH);
}

#[test]
fn a_wide_walk_keeps_to_the_node_cap_and_counts_the_rest() {
    let mut walk = Walk::new("focus", Direction::Downstream, BTreeSet::new());
    walk.visit((0..100).map(|i| edge("focus", &format!("d{i:03}"))).collect());
    assert_eq!(walk.seen().len(), MAX_NODES);
    assert_eq!(walk.left_out.len(), 100 - (MAX_NODES - 1));
    assert_eq!(walk.edges.len(), MAX_NODES - 1, "no edge to a job left out");
}

#[test]
fn a_downstream_walk_continues_from_what_the_upstream_walk_saw() {
    let up = {
        let mut walk = Walk::new("f", Direction::Upstream, BTreeSet::new());
        walk.visit(vec![edge("u", "f")]);
        walk
    };
    let mut down = Walk::new("f", Direction::Downstream, up.seen().clone());
    // "u" also waits downstream in this (impossible) store: it is not visited twice.
    down.visit(vec![edge("f", "u"), edge("f", "d")]);
    assert_eq!(down.frontier(), ["d".to_string()]);
}

proptest! {
    /// Any graph: every node placed once, no two in one spot, every edge points right (or the
    /// graph has a cycle, which the store cannot hold).
    #[test]
    fn every_edge_points_right(edges in proptest::collection::vec((0usize..12, 0usize..12), 0..30)) {
        // Only edges from a lower to a higher number: a DAG, as the store holds.
        let edges: Vec<(String, String)> =
            edges.into_iter().filter(|(a, b)| a < b).map(|(a, b)| (format!("n{a}"), format!("n{b}"))).collect();
        let ids: Vec<String> = (0..12).map(|i| format!("n{i}")).collect();
        let g = JobGraph {
            focus: "n0".into(),
            nodes: ids.iter().map(|id| node(id)).collect(),
            edges: edges.iter().map(|(f, t)| edge(f, t)).collect(),
            left_out: 0,
        };
        let places = layout(&g);
        prop_assert_eq!(places.len(), ids.len());
        let spots: HashSet<(usize, usize)> = places.values().map(|p| (p.column, p.row)).collect();
        prop_assert_eq!(spots.len(), ids.len());
        for (from, to) in &edges {
            prop_assert!(places[from].column < places[to].column, "{from} -> {to}");
        }
    }
}
