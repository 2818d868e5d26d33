//! Members of the AWS Batch request shapes that mean nothing on Docker (service roles, instance
//! types, subnets, launch templates, `platformCapabilities`, `propagateTags`, FARGATE settings,
//! ...): kept as sent and returned by the Describe operations, so code written for AWS Batch
//! reads back what it wrote.
//!
//! A request struct holds them in a flattened `aws_fields`, which collects every member the
//! struct does not model itself; the matching view flattens the same map back out. The API edge
//! checks each body against the AWS model first (`server/src/aws/model.rs`), so what lands here
//! is a member of the model with the model's type, never an arbitrary key.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AwsFields(pub Map<String, Value>);

impl AwsFields {
    /// The members of `request` this service does not keep in columns of its own: the whole
    /// request as JSON, less the `owned` members (a dotted path reaches into a structure, and a
    /// structure left empty goes too).
    pub fn of(request: &impl Serialize, owned: &[&str]) -> AwsFields {
        let Ok(Value::Object(mut members)) = serde_json::to_value(request) else { return AwsFields::default() };
        for path in owned {
            remove_path(&mut members, path);
        }
        AwsFields(members)
    }

    /// These members without the nested structure `member` (which a view shows on its own).
    pub fn without(&self, member: &str) -> AwsFields {
        let mut members = self.0.clone();
        members.remove(member);
        AwsFields(members)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, member: &str) -> Option<&Value> {
        self.0.get(member)
    }

    /// The members kept inside a nested structure (`computeResources`), as their own set.
    pub fn nested(&self, member: &str) -> AwsFields {
        match self.0.get(member) {
            Some(Value::Object(map)) => AwsFields(map.clone()),
            _ => AwsFields::default(),
        }
    }

    /// These members with `update`'s laid over them: an update names only what changes, and a
    /// member set to null is removed (AWS's way to clear an optional setting).
    pub fn updated_with(&self, update: &AwsFields) -> AwsFields {
        let mut merged = self.0.clone();
        for (member, value) in &update.0 {
            match (merged.get_mut(member), value) {
                (_, Value::Null) => {
                    merged.remove(member);
                }
                (Some(Value::Object(current)), Value::Object(changes)) => {
                    let nested = AwsFields(current.clone()).updated_with(&AwsFields(changes.clone()));
                    *current = nested.0;
                }
                _ => {
                    merged.insert(member.clone(), value.clone());
                }
            }
        }
        AwsFields(merged)
    }

    /// Stored form: JSON text (`{}` when empty).
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).expect("a JSON map serializes")
    }

    /// From the stored form; a damaged value reads as no members rather than failing a describe.
    pub fn from_json(text: &str) -> AwsFields {
        serde_json::from_str(text).unwrap_or_default()
    }
}

fn remove_path(members: &mut Map<String, Value>, path: &str) {
    match path.split_once('.') {
        None => {
            members.remove(path);
        }
        Some((head, rest)) => {
            if let Some(Value::Object(nested)) = members.get_mut(head) {
                remove_path(nested, rest);
                if nested.is_empty() {
                    members.remove(head);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(value: Value) -> AwsFields {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn an_update_replaces_members_merges_structures_and_clears_nulls() {
        let stored = fields(json!({"serviceRole": "a", "computeResources": {"subnets": ["s1"], "imageId": "ami-1"}, "context": "x"}));
        let update = fields(json!({"serviceRole": "b", "computeResources": {"subnets": ["s2"]}, "context": null}));
        assert_eq!(
            stored.updated_with(&update),
            fields(json!({"serviceRole": "b", "computeResources": {"subnets": ["s2"], "imageId": "ami-1"}}))
        );
    }

    #[test]
    fn a_request_keeps_what_the_service_does_not_own() {
        let request = json!({"name": "a", "serviceRole": "r", "computeResources": {"maxvCpus": 4, "type": "FARGATE"}, "tags": {}});
        let kept = AwsFields::of(&request, &["name", "tags", "computeResources.maxvCpus"]);
        assert_eq!(kept, fields(json!({"serviceRole": "r", "computeResources": {"type": "FARGATE"}})));
        let only_owned = json!({"name": "a", "computeResources": {"maxvCpus": 4}});
        assert!(AwsFields::of(&only_owned, &["name", "computeResources.maxvCpus"]).is_empty());
        assert_eq!(kept.without("computeResources"), fields(json!({"serviceRole": "r"})));
    }

    #[test]
    fn stored_text_round_trips_and_damage_reads_as_empty() {
        let kept = fields(json!({"propagateTags": true, "platformCapabilities": ["FARGATE"]}));
        assert_eq!(AwsFields::from_json(&kept.to_json()), kept);
        assert!(AwsFields::from_json("not json").is_empty());
        assert_eq!(kept.nested("computeResources"), AwsFields::default());
    }
}
