use super::*;
use crate::container::ResourceRequirement;
use proptest::prelude::*;

fn container(vcpus: &str, memory: &str) -> ContainerProperties {
    ContainerProperties {
        image: "busybox".into(),
        resource_requirements: vec![
            ResourceRequirement { kind: "VCPU".into(), value: vcpus.into() },
            ResourceRequirement { kind: "MEMORY".into(), value: memory.into() },
        ],
        ..Default::default()
    }
}

fn range(target: &str, vcpus: &str) -> NodeRangeProperty {
    NodeRangeProperty { target_nodes: target.into(), container: Some(container(vcpus, "64")), ..Default::default() }
}

fn properties(num_nodes: i64, main_node: i64, ranges: Vec<NodeRangeProperty>) -> NodeProperties {
    NodeProperties { num_nodes, main_node, node_range_properties: ranges }
}

#[test]
fn ranges_take_every_aws_form() {
    let parse = |raw| NodeRange::parse("t", raw, 5).map(|r| (r.first, r.last));
    assert_eq!(parse("2"), Ok((2, 2)));
    assert_eq!(parse("0:3"), Ok((0, 3)));
    assert_eq!(parse(":3"), Ok((0, 3)));
    assert_eq!(parse("3:"), Ok((3, 4)));
    assert!(parse("3:1").is_err(), "high to low");
    assert!(parse("0:5").is_err(), "past the last node");
    assert!(parse("a:b").is_err());
    assert!(parse("-1").is_err());
}

#[test]
fn the_ranges_must_cover_every_node_once() {
    let gap = properties(4, 0, vec![range("0", "1"), range("2:3", "1")]).validate("nodeProperties").unwrap_err();
    assert_eq!(gap.field, "nodeProperties.nodeRangeProperties");
    assert!(gap.message.contains("node 1 is in no range"), "{gap}");
    let overlap = properties(4, 0, vec![range("0:2", "1"), range("2:", "1")]).validate("nodeProperties").unwrap_err();
    assert_eq!(overlap.field, "nodeProperties.nodeRangeProperties[1].targetNodes");
    let main = properties(2, 2, vec![range("0:", "1")]).validate("nodeProperties").unwrap_err();
    assert_eq!(main.field, "nodeProperties.mainNode");
    let count = properties(0, 0, vec![range("0:", "1")]).validate("nodeProperties").unwrap_err();
    assert_eq!(count.field, "nodeProperties.numNodes");
    let mut no_container = properties(1, 0, vec![range("0", "1")]);
    no_container.node_range_properties[0].container = None;
    assert_eq!(no_container.validate("nodeProperties").unwrap_err().field, "nodeProperties.nodeRangeProperties[0].container");
}

#[test]
fn the_gang_reserves_the_sum_of_its_nodes_with_their_overrides() {
    let definition = properties(3, 0, vec![range("0", "2"), range("1:", "0.5")]);
    let valid = definition.validate("nodeProperties").unwrap();
    assert_eq!(valid.resources.milli_vcpus, 3000);
    assert_eq!(valid.resources.memory_mib, 192);
    assert_eq!(valid.main_container, container("2", "64"));
    let more = NodeOverrides {
        num_nodes: Some(5),
        node_property_overrides: vec![NodePropertyOverride {
            target_nodes: "4".into(),
            container_overrides: Some(ContainerOverrides {
                resource_requirements: vec![ResourceRequirement { kind: "VCPU".into(), value: "4".into() }],
                ..Default::default()
            }),
            ..Default::default()
        }],
    };
    // Node 0: 2, nodes 1-3: 0.5 each, node 4: 4 (overridden).
    assert_eq!(definition.total_resources(&more).unwrap().milli_vcpus, 7500);
}

#[test]
fn the_count_changes_only_through_an_open_ended_range_and_keeps_the_main_node() {
    let closed = properties(2, 0, vec![range("0:1", "1")]);
    let error = closed.num_nodes_with(&NodeOverrides { num_nodes: Some(3), ..Default::default() }).unwrap_err();
    assert_eq!(error.field, "nodeOverrides.numNodes");
    let open = properties(3, 2, vec![range("0", "1"), range("1:", "1")]);
    assert_eq!(open.num_nodes_with(&NodeOverrides { num_nodes: Some(6), ..Default::default() }), Ok(6));
    assert!(open.num_nodes_with(&NodeOverrides { num_nodes: Some(2), ..Default::default() }).is_err(), "drops the main node");
}

#[test]
fn node_variables_give_the_main_address_to_the_other_nodes_only() {
    let main = node_environment(0, 3, 0, Some("10.1.0.2"));
    assert!(!main.iter().any(|(k, _)| k == "AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS"));
    let other = node_environment(2, 3, 0, Some("10.1.0.2"));
    assert!(other.contains(&("AWS_BATCH_JOB_NODE_INDEX".into(), "2".into())));
    assert!(other.contains(&("AWS_BATCH_JOB_NUM_NODES".into(), "3".into())));
    assert!(other.contains(&("AWS_BATCH_JOB_MAIN_NODE_INDEX".into(), "0".into())));
    assert!(other.contains(&("AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS".into(), "10.1.0.2".into())));
}

#[test]
fn node_job_ids_round_trip() {
    assert_eq!(parse_node_job_id(&node_job_id("abc-1", 7)), Some(("abc-1", 7)));
    assert_eq!(parse_node_job_id("abc-1"), None);
    assert_eq!(parse_node_job_id("abc#x"), None);
}

proptest! {
    /// Ranges cut from 0..n at random points: valid, every node has exactly its range's
    /// container, and the total is the sum of the nodes'.
    #[test]
    fn any_partition_of_the_nodes_is_valid_and_each_node_runs_its_ranges_container(
        n in 1i64..40,
        cuts in proptest::collection::btree_set(1i64..40, 0..6),
        main in 0i64..40,
    ) {
        let cuts: Vec<i64> = cuts.into_iter().filter(|c| *c < n).collect();
        let mut bounds = vec![0];
        bounds.extend(cuts);
        bounds.push(n);
        let ranges: Vec<NodeRangeProperty> = bounds
            .windows(2)
            .enumerate()
            .map(|(i, w)| range(&format!("{}:{}", w[0], w[1] - 1), &(i + 1).to_string()))
            .collect();
        let definition = properties(n, main % n, ranges);
        let valid = definition.validate("nodeProperties").unwrap();
        let mut expected = 0;
        for (i, w) in bounds.windows(2).enumerate() {
            for node in w[0]..w[1] {
                let vcpus = &definition.container_of(node).unwrap().resource_requirements[0].value;
                prop_assert_eq!(vcpus, &(i + 1).to_string());
                expected += 1000 * (i as i64 + 1);
            }
        }
        prop_assert_eq!(valid.resources.milli_vcpus, expected);
    }
}

#[test]
fn a_node_jobs_status_follows_its_container_and_then_the_main_node() {
    use crate::JobStatus::*;
    let run = |stopped_at, exit_code| Some(NodeRun { stopped_at, exit_code });
    assert_eq!(node_status(Failed, true, run(Some(5), Some(0)), Some(9)), Failed, "the main node is the job");
    assert_eq!(node_status(Runnable, false, None, None), Runnable);
    assert_eq!(node_status(Running, false, None, None), Starting, "the main node runs, this one not yet");
    assert_eq!(node_status(Running, false, run(None, None), None), Running);
    assert_eq!(node_status(Running, false, run(Some(5), Some(0)), None), Succeeded, "ended on its own");
    assert_eq!(node_status(Running, false, run(Some(5), Some(2)), None), Failed);
    assert_eq!(node_status(Succeeded, false, run(Some(9), Some(143)), Some(9)), Succeeded, "stopped for the main node");
    assert_eq!(node_status(Succeeded, false, run(Some(5), Some(1)), Some(9)), Failed, "failed before the main node ended");
    assert_eq!(node_status(Failed, false, run(None, None), Some(9)), Failed);
}
