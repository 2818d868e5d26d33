//! Consumable resources: counted things jobs need besides vCPUs and memory (licences, API
//! quota, seats). A REPLENISHABLE resource's quantity returns when a job ends; a
//! NON_REPLENISHABLE one is used up once a job starts. The scheduler places a job only when
//! every resource it needs has enough available (`scheduler::placement`).

use crate::tags::{Tags, validate_tags};
use crate::validation::{FieldError, Validated, ensure, name};
use serde::{Deserialize, Serialize};

/// The most resources one job may need (a bound on a request, not AWS's published limit).
pub const MAX_RESOURCES_PER_JOB: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResourceType {
    #[default]
    Replenishable,
    NonReplenishable,
}

impl ResourceType {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceType::Replenishable => "REPLENISHABLE",
            ResourceType::NonReplenishable => "NON_REPLENISHABLE",
        }
    }

    pub fn parse(field: &str, text: &str) -> Validated<ResourceType> {
        match text {
            "REPLENISHABLE" => Ok(ResourceType::Replenishable),
            "NON_REPLENISHABLE" => Ok(ResourceType::NonReplenishable),
            other => Err(FieldError::new(field, format!("must be REPLENISHABLE or NON_REPLENISHABLE (got {other:?})"))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateConsumableResource {
    pub consumable_resource_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_quantity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidConsumableResource {
    pub name: crate::ResourceName,
    pub total_quantity: i64,
    pub resource_type: ResourceType,
}

impl CreateConsumableResource {
    pub fn validate(&self) -> Validated<ValidConsumableResource> {
        let valid_name = name("consumableResourceName", &self.consumable_resource_name)?;
        let total_quantity = self.total_quantity.unwrap_or(0);
        ensure(total_quantity >= 0, "totalQuantity", format!("must not be negative (got {total_quantity})"))?;
        let resource_type = match &self.resource_type {
            Some(text) => ResourceType::parse("resourceType", text)?,
            None => ResourceType::default(),
        };
        validate_tags("tags", &self.tags)?;
        Ok(ValidConsumableResource { name: valid_name, total_quantity, resource_type })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateConsumableResource {
    pub consumable_resource: String,
    /// SET (the default), ADD or REMOVE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<i64>,
    /// Accepted for compatibility; an update is idempotent only when it is a SET.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_token: Option<String>,
}

impl UpdateConsumableResource {
    /// The total after this update of a resource whose total is `current`.
    pub fn new_total(&self, current: i64) -> Validated<i64> {
        let quantity = self.quantity.ok_or_else(|| FieldError::new("quantity", "is required"))?;
        ensure(quantity >= 0, "quantity", format!("must not be negative (got {quantity})"))?;
        let total = match self.operation.as_deref().unwrap_or("SET") {
            "SET" => quantity,
            "ADD" => current.saturating_add(quantity),
            "REMOVE" => current - quantity,
            other => return Err(FieldError::new("operation", format!("must be SET, ADD or REMOVE (got {other:?})"))),
        };
        ensure(total >= 0, "quantity", format!("would leave a negative total ({current} - {quantity})"))?;
        Ok(total)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsumableResourceRequirement {
    /// A name or an ARN.
    pub consumable_resource: String,
    pub quantity: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsumableResourceProperties {
    #[serde(default)]
    pub consumable_resource_list: Vec<ConsumableResourceRequirement>,
}

impl ConsumableResourceProperties {
    /// The (resource name, quantity) pairs, names taken out of ARNs; each resource once.
    pub fn validate(&self, at: &str) -> Validated<Vec<(String, i64)>> {
        let list = &self.consumable_resource_list;
        ensure(
            list.len() <= MAX_RESOURCES_PER_JOB,
            format!("{at}.consumableResourceList"),
            format!("at most {MAX_RESOURCES_PER_JOB} resources (got {})", list.len()),
        )?;
        let mut needs: Vec<(String, i64)> = Vec::with_capacity(list.len());
        for (i, requirement) in list.iter().enumerate() {
            let field = |member: &str| format!("{at}.consumableResourceList[{i}].{member}");
            let name = resource_name(&requirement.consumable_resource);
            ensure(!name.is_empty(), field("consumableResource"), "is required")?;
            ensure(requirement.quantity >= 1, field("quantity"), format!("must be 1 or more (got {})", requirement.quantity))?;
            ensure(!needs.iter().any(|(n, _)| n == name), field("consumableResource"), format!("{name} is listed twice"))?;
            needs.push((name.to_string(), requirement.quantity));
        }
        Ok(needs)
    }
}

/// What `member` of a request's kept members (`consumableResourceProperties` of a definition,
/// `consumableResourcePropertiesOverride` of a submission) asks for, if the request gave it.
pub fn needs_in(fields: &crate::aws_fields::AwsFields, member: &str) -> Validated<Option<Vec<(String, i64)>>> {
    let Some(value) = fields.0.get(member).filter(|v| !v.is_null()) else { return Ok(None) };
    let properties: ConsumableResourceProperties =
        serde_json::from_value(value.clone()).map_err(|e| FieldError::new(member, format!("is not valid: {e}")))?;
    properties.validate(member).map(Some)
}

/// What jobs hold of a resource now (STARTING or RUNNING) and have used of it ever (a job
/// that started, running or not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResourceUse {
    pub held: i64,
    pub used: i64,
}

impl ResourceUse {
    pub fn add(&mut self, quantity: i64, holds_now: bool, started: bool) {
        if holds_now {
            self.held += quantity;
        }
        if started {
            self.used += quantity;
        }
    }

    /// (in use, available) of a resource of `kind` with `total`: a REPLENISHABLE resource gets
    /// back what a job held when it ends; a NON_REPLENISHABLE one never does.
    pub fn availability(self, kind: ResourceType, total: i64) -> (i64, i64) {
        let gone = match kind {
            ResourceType::Replenishable => self.held,
            ResourceType::NonReplenishable => self.used,
        };
        (self.held, (total - gone).max(0))
    }
}

/// The name in a resource's ARN (`arn:aws:batch:...:consumable-resource/licences`), or the name.
pub fn resource_name(name_or_arn: &str) -> &str {
    if name_or_arn.starts_with("arn:") { name_or_arn.rsplit_once('/').map_or(name_or_arn, |(_, name)| name) } else { name_or_arn }
}

/// ListJobsByConsumableResource's `filters`: JOB_STATUS (any of the values) and JOB_NAME
/// (case-insensitive; a value ending in `*` is a prefix), all filters holding at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobFilters {
    statuses: Option<Vec<crate::JobStatus>>,
    names: Option<Vec<String>>,
}

impl JobFilters {
    /// From `(name, values)` pairs as sent; an unknown name or status is refused by its path.
    pub fn parse(filters: &[(String, Vec<String>)]) -> Validated<JobFilters> {
        let mut parsed = JobFilters::default();
        for (i, (filter, values)) in filters.iter().enumerate() {
            ensure(!values.is_empty(), format!("filters[{i}].values"), "give at least one value")?;
            match filter.as_str() {
                "JOB_STATUS" => {
                    let statuses = values
                        .iter()
                        .map(|v| {
                            v.parse::<crate::JobStatus>().map_err(|_| {
                                FieldError::new(format!("filters[{i}].values"), format!("{v:?} is not a job status such as RUNNABLE"))
                            })
                        })
                        .collect::<Validated<Vec<_>>>()?;
                    parsed.statuses.get_or_insert_with(Vec::new).extend(statuses);
                }
                "JOB_NAME" => parsed.names.get_or_insert_with(Vec::new).extend(values.iter().map(|v| v.to_lowercase())),
                other => {
                    return Err(FieldError::new(format!("filters[{i}].name"), format!("must be JOB_STATUS or JOB_NAME (got {other:?})")));
                }
            }
        }
        Ok(parsed)
    }

    pub fn matches(&self, status: crate::JobStatus, name: &str) -> bool {
        let name = name.to_lowercase();
        let name_matches = |wanted: &String| match wanted.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => name == *wanted,
        };
        self.statuses.as_ref().is_none_or(|s| s.contains(&status)) && self.names.as_ref().is_none_or(|n| n.iter().any(name_matches))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_filters_match_statuses_and_names_as_aws_describes() {
        use crate::JobStatus::*;
        let pair = |name: &str, values: &[&str]| (name.to_string(), values.iter().map(|v| v.to_string()).collect());
        let filters = JobFilters::parse(&[pair("JOB_STATUS", &["RUNNING", "RUNNABLE"]), pair("JOB_NAME", &["Render*", "exact"])]).unwrap();
        assert!(filters.matches(Running, "render-frame-1"), "case-insensitive prefix");
        assert!(filters.matches(Runnable, "EXACT"));
        assert!(!filters.matches(Running, "exactly"), "no * means the whole name");
        assert!(!filters.matches(Succeeded, "render"), "status filtered");
        assert!(JobFilters::parse(&[]).unwrap().matches(Failed, "anything"));
        assert_eq!(JobFilters::parse(&[pair("JOB_QUEUE", &["q"])]).unwrap_err().field, "filters[0].name");
        assert_eq!(JobFilters::parse(&[pair("JOB_STATUS", &["DONE"])]).unwrap_err().field, "filters[0].values");
    }

    fn update(operation: Option<&str>, quantity: i64) -> UpdateConsumableResource {
        UpdateConsumableResource {
            consumable_resource: "licences".into(),
            operation: operation.map(String::from),
            quantity: Some(quantity),
            client_token: None,
        }
    }

    #[test]
    fn updates_set_add_or_remove_and_never_go_negative() {
        assert_eq!(update(None, 7).new_total(3), Ok(7));
        assert_eq!(update(Some("ADD"), 2).new_total(3), Ok(5));
        assert_eq!(update(Some("REMOVE"), 2).new_total(3), Ok(1));
        assert_eq!(update(Some("REMOVE"), 4).new_total(3).unwrap_err().field, "quantity");
        assert_eq!(update(Some("TRIPLE"), 1).new_total(3).unwrap_err().field, "operation");
        assert_eq!(update(None, -1).new_total(3).unwrap_err().field, "quantity");
    }

    #[test]
    fn requirements_name_each_resource_once_with_a_positive_quantity() {
        let needs = |list: Vec<(&str, i64)>| ConsumableResourceProperties {
            consumable_resource_list: list
                .into_iter()
                .map(|(name, quantity)| ConsumableResourceRequirement { consumable_resource: name.into(), quantity })
                .collect(),
        };
        assert_eq!(
            needs(vec![("arn:aws:batch:us-east-1:0:consumable-resource/licences", 2), ("seats", 1)]).validate("p"),
            Ok(vec![("licences".to_string(), 2), ("seats".to_string(), 1)])
        );
        assert_eq!(needs(vec![("licences", 0)]).validate("p").unwrap_err().field, "p.consumableResourceList[0].quantity");
        assert_eq!(
            needs(vec![("licences", 1), ("licences", 2)]).validate("p").unwrap_err().field,
            "p.consumableResourceList[1].consumableResource"
        );
    }

    #[test]
    fn replenishable_resources_come_back_and_the_others_are_used_up() {
        let mut usage = ResourceUse::default();
        usage.add(2, true, true); // running now
        usage.add(1, false, true); // ran and ended
        usage.add(5, false, false); // never started
        assert_eq!(usage.availability(ResourceType::Replenishable, 10), (2, 8));
        assert_eq!(usage.availability(ResourceType::NonReplenishable, 10), (2, 7));
        assert_eq!(usage.availability(ResourceType::NonReplenishable, 2), (2, 0), "never below zero");
    }

    #[test]
    fn a_new_resource_is_replenishable_with_nothing_by_default() {
        let create = CreateConsumableResource {
            consumable_resource_name: "licences".into(),
            total_quantity: None,
            resource_type: None,
            tags: Tags::new(),
        };
        let valid = create.validate().unwrap();
        assert_eq!((valid.total_quantity, valid.resource_type), (0, ResourceType::Replenishable));
        let bad = CreateConsumableResource { resource_type: Some("SOMETIMES".into()), ..create };
        assert_eq!(bad.validate().unwrap_err().field, "resourceType");
    }
}
