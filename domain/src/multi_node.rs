//! Multi-node parallel jobs (`type: multinode`): a definition's `nodeProperties` name how many
//! nodes a job has, which one is the main node, and the container each range of nodes runs; a
//! submission's `nodeOverrides` change the count and each range's container. Everything here
//! decides without the store or the engine: which container node `i` runs, what the whole gang
//! reserves (it is placed as one unit, so all nodes start or none), the `AWS_BATCH_JOB_*`
//! variables of each node, and the ids of node jobs (`<job id>#<index>`, as AWS names them).
//! ARCHITECTURE.md §16.

use crate::aws_fields::AwsFields;
use crate::container::{ContainerOverrides, ContainerProperties, Resources};
use crate::validation::{FieldError, Validated, ensure};
use serde::{Deserialize, Serialize};

/// The most nodes one job may have (AWS's quota for a multi-node parallel job).
pub const MAX_NODES: i64 = 1000;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeProperties {
    pub num_nodes: i64,
    pub main_node: i64,
    #[serde(default)]
    pub node_range_properties: Vec<NodeRangeProperty>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeRangeProperty {
    pub target_nodes: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<ContainerProperties>,
    /// instanceTypes, consumableResourceProperties, ...: kept as sent.
    #[serde(flatten)]
    pub aws_fields: AwsFields,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeOverrides {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_nodes: Option<i64>,
    #[serde(default)]
    pub node_property_overrides: Vec<NodePropertyOverride>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodePropertyOverride {
    pub target_nodes: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_overrides: Option<ContainerOverrides>,
    #[serde(flatten)]
    pub aws_fields: AwsFields,
}

/// A range of node indexes, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeRange {
    pub first: i64,
    pub last: i64,
}

impl NodeRange {
    /// AWS's forms: `2` (one node), `0:3`, `:3` (from 0), `3:` (to the last node).
    pub fn parse(field: &str, raw: &str, num_nodes: i64) -> Validated<NodeRange> {
        let bad = || FieldError::new(field, format!("must be an index or a range such as 0:3, :3 or 3: (got {raw:?})"));
        let index = |text: &str| text.trim().parse::<i64>().map_err(|_| bad());
        let (first, last) = match raw.split_once(':') {
            None => (index(raw)?, index(raw)?),
            Some((from, to)) => {
                let first = if from.trim().is_empty() { 0 } else { index(from)? };
                let last = if to.trim().is_empty() { num_nodes - 1 } else { index(to)? };
                (first, last)
            }
        };
        ensure(first >= 0 && first <= last, field, format!("{raw:?} is not a range of node indexes from low to high"))?;
        ensure(
            last < num_nodes,
            field,
            format!("{raw:?} reaches node {last}, but the job has {num_nodes} nodes (0 to {})", num_nodes - 1),
        )?;
        Ok(NodeRange { first, last })
    }

    pub fn contains(&self, index: i64) -> bool {
        (self.first..=self.last).contains(&index)
    }

    /// Whether the range was written open-ended (`n:`), so it grows with an overridden count.
    fn open_ended(raw: &str) -> bool {
        raw.split_once(':').is_some_and(|(_, to)| to.trim().is_empty())
    }
}

/// A multi-node definition after validation: the main node's container is the one a job's
/// page shows; `resources` is what one job of `num_nodes` nodes reserves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidNodeProperties {
    pub main_container: ContainerProperties,
    pub resources: Resources,
}

impl NodeProperties {
    /// AWS's rules: 1 to `MAX_NODES` nodes, the main node one of them, and the ranges covering
    /// every node exactly once, each with a valid container.
    pub fn validate(&self, field: &str) -> Validated<ValidNodeProperties> {
        ensure(
            (1..=MAX_NODES).contains(&self.num_nodes),
            format!("{field}.numNodes"),
            format!("must be between 1 and {MAX_NODES} (got {})", self.num_nodes),
        )?;
        ensure(
            (0..self.num_nodes).contains(&self.main_node),
            format!("{field}.mainNode"),
            format!("must be a node index below numNodes ({}) (got {})", self.num_nodes, self.main_node),
        )?;
        self.check_ranges(field, self.num_nodes)?;
        for (i, range) in self.node_range_properties.iter().enumerate() {
            range
                .container
                .as_ref()
                .ok_or_else(|| FieldError::new(format!("{field}.nodeRangeProperties[{i}].container"), "is required"))?
                .validate(&format!("{field}.nodeRangeProperties[{i}].container"))?;
        }
        let resources = self.total_resources(&NodeOverrides::default())?;
        Ok(ValidNodeProperties { main_container: self.container_of(self.main_node).cloned().unwrap_or_default(), resources })
    }

    /// Every node in `0..num_nodes` in exactly one range.
    fn check_ranges(&self, field: &str, num_nodes: i64) -> Validated<Vec<NodeRange>> {
        ensure(!self.node_range_properties.is_empty(), format!("{field}.nodeRangeProperties"), "must name at least one range")?;
        let mut ranges = Vec::with_capacity(self.node_range_properties.len());
        for (i, property) in self.node_range_properties.iter().enumerate() {
            let at = format!("{field}.nodeRangeProperties[{i}].targetNodes");
            let range = NodeRange::parse(&at, &property.target_nodes, num_nodes)?;
            if let Some(other) = ranges.iter().position(|r: &NodeRange| r.first <= range.last && range.first <= r.last) {
                return Err(FieldError::new(at, format!("overlaps nodeRangeProperties[{other}]: each node belongs to one range")));
            }
            ranges.push(range);
        }
        if let Some(missing) = (0..num_nodes).find(|n| !ranges.iter().any(|r| r.contains(*n))) {
            return Err(FieldError::new(
                format!("{field}.nodeRangeProperties"),
                format!("node {missing} is in no range: the ranges must cover every node from 0 to {}", num_nodes - 1),
            ));
        }
        Ok(ranges)
    }

    /// The number of nodes a job has with `overrides`: the override needs an open-ended range
    /// (`n:`) to grow into and must keep the main node, as AWS requires.
    pub fn num_nodes_with(&self, overrides: &NodeOverrides) -> Validated<i64> {
        let Some(count) = overrides.num_nodes else { return Ok(self.num_nodes) };
        let field = "nodeOverrides.numNodes";
        ensure((1..=MAX_NODES).contains(&count), field, format!("must be between 1 and {MAX_NODES} (got {count})"))?;
        ensure(
            self.node_range_properties.iter().any(|r| NodeRange::open_ended(&r.target_nodes)),
            field,
            "the job definition has no open-ended node range (such as 1:) for the count to change",
        )?;
        ensure(count > self.main_node, field, format!("must keep the main node ({}) (got {count})", self.main_node))?;
        self.check_ranges("nodeProperties", count).map_err(|e| FieldError::new(field, e.message))?;
        Ok(count)
    }

    /// The container node `index` runs (the definition's; overrides apply at launch).
    pub fn container_of(&self, index: i64) -> Option<&ContainerProperties> {
        let count = Ord::max(self.num_nodes, index + 1);
        self.node_range_properties
            .iter()
            .find(|p| NodeRange::parse("", &p.target_nodes, count).is_ok_and(|r| r.contains(index)))
            .and_then(|p| p.container.as_ref())
    }

    /// Node `index`'s overrides: those of the last override range naming it.
    pub fn overrides_of(overrides: &NodeOverrides, num_nodes: i64, index: i64) -> ContainerOverrides {
        overrides
            .node_property_overrides
            .iter()
            .rev()
            .find(|o| NodeRange::parse("", &o.target_nodes, num_nodes).is_ok_and(|r| r.contains(index)))
            .and_then(|o| o.container_overrides.clone())
            .unwrap_or_default()
    }

    /// What the whole gang reserves: the sum over its nodes, since every node starts at once on
    /// one host.
    pub fn total_resources(&self, overrides: &NodeOverrides) -> Validated<Resources> {
        let num_nodes = self.num_nodes_with(overrides)?;
        for (i, o) in overrides.node_property_overrides.iter().enumerate() {
            NodeRange::parse(&format!("nodeOverrides.nodePropertyOverrides[{i}].targetNodes"), &o.target_nodes, num_nodes)?;
            if let Some(container) = &o.container_overrides {
                container.validate(&format!("nodeOverrides.nodePropertyOverrides[{i}].containerOverrides"))?;
            }
        }
        let mut total = Resources { milli_vcpus: 0, memory_mib: 0, gpus: 0 };
        for index in 0..num_nodes {
            let container =
                self.container_of(index).ok_or_else(|| FieldError::new("nodeProperties", format!("node {index} has no container")))?;
            let node = Self::overrides_of(overrides, num_nodes, index).apply_resources(container.validate("nodeProperties")?);
            total.milli_vcpus += node.milli_vcpus;
            total.memory_mib += node.memory_mib;
            total.gpus += node.gpus;
        }
        Ok(total)
    }
}

/// A node job's id, as AWS writes it: `<job id>#<node index>`.
pub fn node_job_id(job_id: &str, index: i64) -> String {
    format!("{job_id}#{index}")
}

/// The job and node index of a node job's id; `None` for any other id.
pub fn parse_node_job_id(id: &str) -> Option<(&str, i64)> {
    let (job, index) = id.rsplit_once('#')?;
    Some((job, index.parse().ok().filter(|i| *i >= 0)?))
}

/// The variables AWS sets on each node. The main node's address is known only once it runs,
/// so it starts first and the others get it (AWS sets it on the other nodes only).
pub fn node_environment(index: i64, num_nodes: i64, main_node: i64, main_address: Option<&str>) -> Vec<(String, String)> {
    let mut variables = vec![
        ("AWS_BATCH_JOB_NODE_INDEX".to_string(), index.to_string()),
        ("AWS_BATCH_JOB_NUM_NODES".to_string(), num_nodes.to_string()),
        ("AWS_BATCH_JOB_MAIN_NODE_INDEX".to_string(), main_node.to_string()),
    ];
    if let Some(address) = main_address.filter(|_| index != main_node) {
        variables.push(("AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS".to_string(), address.to_string()));
    }
    variables
}

#[cfg(test)]
mod tests;

/// A submission's `nodeOverrides` (kept as sent among its members), or none.
pub fn node_overrides_in(fields: &AwsFields) -> Validated<NodeOverrides> {
    match fields.get("nodeOverrides") {
        Some(value) => serde_json::from_value(value.clone()).map_err(|e| FieldError::new("nodeOverrides", e.to_string())),
        None => Ok(NodeOverrides::default()),
    }
}

/// A job of a multi-node definition: the definition's nodes with the submission's overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gang {
    pub nodes: NodeProperties,
    pub overrides: NodeOverrides,
    pub num_nodes: i64,
}

impl Gang {
    pub fn new(nodes: NodeProperties, overrides: NodeOverrides) -> Validated<Gang> {
        let num_nodes = nodes.num_nodes_with(&overrides)?;
        Ok(Gang { nodes, overrides, num_nodes })
    }

    /// Node `index`'s container and its overrides.
    pub fn node(&self, index: i64) -> Option<(&ContainerProperties, ContainerOverrides)> {
        Some((self.nodes.container_of(index)?, NodeProperties::overrides_of(&self.overrides, self.num_nodes, index)))
    }

    /// The definition's nodeProperties as this job has them (AWS shows the job's node count).
    pub fn properties(&self) -> NodeProperties {
        NodeProperties { num_nodes: self.num_nodes, ..self.nodes.clone() }
    }
}

/// What the store knows of one node's container in the current attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeRun {
    pub stopped_at: Option<i64>,
    pub exit_code: Option<i64>,
}

/// A node job's status. The main node's is the job's. Another node's follows its container:
/// not yet started while the job runs (STARTING), RUNNING while it runs, and its own exit if it
/// ended before the main node; a node still running when the main node ended was stopped for
/// it, and shows the job's outcome, as the job's outcome follows the main node.
pub fn node_status(job: crate::JobStatus, is_main: bool, node: Option<NodeRun>, main_stopped_at: Option<i64>) -> crate::JobStatus {
    use crate::JobStatus::{Failed, Running, Starting, Succeeded};
    if is_main {
        return job;
    }
    let finished = matches!(job, Succeeded | Failed);
    match node {
        None if job == Running => Starting,
        None => job,
        Some(NodeRun { stopped_at: None, .. }) if finished => job,
        Some(NodeRun { stopped_at: None, .. }) => Running,
        Some(NodeRun { stopped_at: Some(at), .. }) if finished && main_stopped_at.is_some_and(|main| at >= main) => job,
        Some(NodeRun { exit_code: Some(0), .. }) => Succeeded,
        Some(NodeRun { .. }) => Failed,
    }
}
