//! Fair-share scheduling policies: the resource, its rules and the weight a share gets. The
//! ordering a policy asks for is the scheduler's (the fair-share issue); here what a policy
//! is, what a valid one looks like, and which share a job's `shareIdentifier` falls under.

use crate::tags::{Tags, validate_tags};
use crate::validation::{FieldError, Validated, ensure, name};
use serde::{Deserialize, Serialize};

/// The most entries a policy's `shareDistribution` may list (AWS's limit of active shares).
pub const MAX_SHARES: usize = 500;
/// AWS's window when `shareDecaySeconds` is 0 or not given.
pub const DEFAULT_SHARE_DECAY_SECONDS: i64 = 600;
const MAX_SHARE_DECAY_SECONDS: i64 = 604_800;
const MIN_WEIGHT: f64 = 0.0001;
const MAX_WEIGHT: f64 = 999.9999;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FairsharePolicy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_decay_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute_reservation: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub share_distribution: Vec<ShareAttributes>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShareAttributes {
    /// A share identifier, or a prefix of them when it ends with `*`.
    pub share_identifier: String,
    /// Lower gets more: 0.125 gets eight times what 1.0 gets. 1.0 when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_factor: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateSchedulingPolicy {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fairshare_policy: Option<FairsharePolicy>,
    /// Quota shares belong to SageMaker job queues, which this service does not have.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_share_policy: Option<serde_json::Value>,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateSchedulingPolicy {
    pub arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fairshare_policy: Option<FairsharePolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_share_policy: Option<serde_json::Value>,
}

fn refuse_quota_shares(policy: &Option<serde_json::Value>) -> Validated<()> {
    ensure(
        policy.is_none(),
        "quotaSharePolicy",
        "quota shares are for SageMaker job queues, which this service does not run; use fairsharePolicy",
    )
}

impl CreateSchedulingPolicy {
    pub fn validate(&self) -> Validated<crate::ResourceName> {
        let valid_name = name("name", &self.name)?;
        refuse_quota_shares(&self.quota_share_policy)?;
        if let Some(policy) = &self.fairshare_policy {
            policy.validate("fairsharePolicy")?;
        }
        validate_tags("tags", &self.tags)?;
        Ok(valid_name)
    }
}

impl UpdateSchedulingPolicy {
    pub fn validate(&self) -> Validated<()> {
        ensure(!self.arn.is_empty(), "arn", "is required")?;
        refuse_quota_shares(&self.quota_share_policy)?;
        match &self.fairshare_policy {
            Some(policy) => policy.validate("fairsharePolicy"),
            None => Ok(()),
        }
    }
}

/// A share identifier as AWS documents it: up to 255 letters and digits, then an optional `*`.
pub fn validate_share_identifier(field: &str, identifier: &str) -> Validated<()> {
    let stem = identifier.strip_suffix('*').unwrap_or(identifier);
    ensure(
        !stem.is_empty() && stem.len() <= 255 && stem.chars().all(|c| c.is_ascii_alphanumeric()),
        field,
        format!("must be 1 to 255 letters and digits, optionally followed by * (got {identifier:?})"),
    )
}

impl FairsharePolicy {
    pub fn validate(&self, at: &str) -> Validated<()> {
        if let Some(seconds) = self.share_decay_seconds {
            ensure(
                (0..=MAX_SHARE_DECAY_SECONDS).contains(&seconds),
                format!("{at}.shareDecaySeconds"),
                format!("must be between 0 and {MAX_SHARE_DECAY_SECONDS} (got {seconds})"),
            )?;
        }
        if let Some(reservation) = self.compute_reservation {
            ensure(
                (0..=99).contains(&reservation),
                format!("{at}.computeReservation"),
                format!("must be between 0 and 99 (got {reservation})"),
            )?;
        }
        let shares = &self.share_distribution;
        ensure(
            shares.len() <= MAX_SHARES,
            format!("{at}.shareDistribution"),
            format!("at most {MAX_SHARES} entries (got {})", shares.len()),
        )?;
        for (i, share) in shares.iter().enumerate() {
            let field = |member: &str| format!("{at}.shareDistribution[{i}].{member}");
            validate_share_identifier(&field("shareIdentifier"), &share.share_identifier)?;
            if let Some(weight) = share.weight_factor {
                ensure(
                    (MIN_WEIGHT..=MAX_WEIGHT).contains(&weight),
                    field("weightFactor"),
                    format!("must be between {MIN_WEIGHT} and {MAX_WEIGHT} (got {weight})"),
                )?;
            }
            if let Some(earlier) = shares[..i].iter().position(|other| overlap(&other.share_identifier, &share.share_identifier)) {
                return Err(FieldError::new(
                    field("shareIdentifier"),
                    format!("{} overlaps shareDistribution[{earlier}] ({})", share.share_identifier, shares[earlier].share_identifier),
                ));
            }
        }
        Ok(())
    }

    /// The weight factor of a job's share: the entry that names or covers it (a valid policy
    /// has at most one), else 1.0.
    pub fn weight_of(&self, share_identifier: &str) -> f64 {
        let covers = |entry: &ShareAttributes| match entry.share_identifier.strip_suffix('*') {
            Some(stem) => share_identifier.starts_with(stem),
            None => entry.share_identifier == share_identifier,
        };
        self.share_distribution.iter().find(|entry| covers(entry)).and_then(|entry| entry.weight_factor).unwrap_or(1.0)
    }

    /// The window a share's usage is counted over.
    pub fn decay_seconds(&self) -> i64 {
        self.share_decay_seconds.filter(|s| *s > 0).unwrap_or(DEFAULT_SHARE_DECAY_SECONDS)
    }
}

/// Two entries overlap when one could name the same share as the other (`UserA*` and
/// `UserA1`, `User*` and `UserA*`, or the same identifier twice).
fn overlap(a: &str, b: &str) -> bool {
    let covers = |pattern: &str, other: &str| pattern.strip_suffix('*').is_some_and(|stem| other.starts_with(stem));
    a == b || covers(a, b) || covers(b, a)
}

/// AWS's rule for a submission's `shareIdentifier`: required in a queue with a fair-share
/// policy, refused in one without.
pub fn check_share_identifier(queue_has_policy: bool, share_identifier: Option<&str>) -> Result<(), FieldError> {
    match (queue_has_policy, share_identifier) {
        (true, None) => Err(FieldError::new("shareIdentifier", "is required: the job queue has a fair-share scheduling policy")),
        (false, Some(_)) => Err(FieldError::new(
            "shareIdentifier",
            "the job queue has no fair-share scheduling policy (it runs jobs first in, first out); leave it out",
        )),
        (true, Some(identifier)) => validate_share_identifier("shareIdentifier", identifier),
        (false, None) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(identifier: &str, weight: Option<f64>) -> ShareAttributes {
        ShareAttributes { share_identifier: identifier.into(), weight_factor: weight }
    }

    fn policy(shares: Vec<ShareAttributes>) -> FairsharePolicy {
        FairsharePolicy { share_distribution: shares, ..Default::default() }
    }

    fn field_of(policy: &FairsharePolicy) -> Option<String> {
        policy.validate("fairsharePolicy").err().map(|e| e.field)
    }

    #[test]
    fn overlapping_entries_are_refused_naming_the_later_one() {
        for (a, b) in [("UserA*", "UserA1"), ("UserA1", "UserA*"), ("User*", "UserA*"), ("blue", "blue")] {
            let refused = field_of(&policy(vec![share(a, None), share(b, None)]));
            assert_eq!(refused.as_deref(), Some("fairsharePolicy.shareDistribution[1].shareIdentifier"), "{a} / {b}");
        }
        assert_eq!(field_of(&policy(vec![share("UserA*", None), share("UserB*", None), share("blue", None)])), None);
    }

    #[test]
    fn each_limit_names_its_member() {
        let cases: Vec<(FairsharePolicy, &str)> = vec![
            (FairsharePolicy { share_decay_seconds: Some(604_801), ..Default::default() }, "fairsharePolicy.shareDecaySeconds"),
            (FairsharePolicy { share_decay_seconds: Some(-1), ..Default::default() }, "fairsharePolicy.shareDecaySeconds"),
            (FairsharePolicy { compute_reservation: Some(100), ..Default::default() }, "fairsharePolicy.computeReservation"),
            (policy(vec![share("a", Some(0.0))]), "fairsharePolicy.shareDistribution[0].weightFactor"),
            (policy(vec![share("a", Some(1000.0))]), "fairsharePolicy.shareDistribution[0].weightFactor"),
            (policy(vec![share("team-a", None)]), "fairsharePolicy.shareDistribution[0].shareIdentifier"),
            (policy(vec![share("*", None)]), "fairsharePolicy.shareDistribution[0].shareIdentifier"),
            (policy(vec![share(&"a".repeat(256), None)]), "fairsharePolicy.shareDistribution[0].shareIdentifier"),
            (policy((0..=MAX_SHARES).map(|i| share(&format!("s{i}"), None)).collect()), "fairsharePolicy.shareDistribution"),
        ];
        for (policy, field) in cases {
            assert_eq!(field_of(&policy).as_deref(), Some(field), "{policy:?}");
        }
        let full = FairsharePolicy {
            share_decay_seconds: Some(604_800),
            compute_reservation: Some(99),
            share_distribution: vec![share("a", Some(0.0001)), share("b*", Some(999.9999))],
        };
        assert_eq!(field_of(&full), None);
    }

    #[test]
    fn a_share_weighs_by_the_entry_that_names_or_covers_it_else_one() {
        let policy = policy(vec![share("gold", Some(0.125)), share("team*", Some(0.5)), share("plain", None)]);
        assert_eq!(field_of(&policy), None);
        assert_eq!(policy.weight_of("gold"), 0.125);
        assert_eq!(policy.weight_of("teamred"), 0.5);
        assert_eq!(policy.weight_of("team"), 0.5);
        assert_eq!(policy.weight_of("golden"), 1.0);
        assert_eq!(policy.weight_of("plain"), 1.0);
        assert_eq!(policy.weight_of("other"), 1.0);
    }

    #[test]
    fn the_decay_window_defaults_as_aws_documents() {
        assert_eq!(FairsharePolicy::default().decay_seconds(), 600);
        assert_eq!(FairsharePolicy { share_decay_seconds: Some(0), ..Default::default() }.decay_seconds(), 600);
        assert_eq!(FairsharePolicy { share_decay_seconds: Some(3600), ..Default::default() }.decay_seconds(), 3600);
    }

    #[test]
    fn a_share_is_named_in_a_fair_share_queue_and_only_there() {
        assert_eq!(check_share_identifier(true, None).unwrap_err().field, "shareIdentifier");
        assert_eq!(check_share_identifier(false, Some("blue")).unwrap_err().field, "shareIdentifier");
        assert_eq!(check_share_identifier(true, Some("no spaces")).unwrap_err().field, "shareIdentifier");
        assert!(check_share_identifier(true, Some("blue")).is_ok());
        assert!(check_share_identifier(false, None).is_ok());
    }

    #[test]
    fn quota_shares_are_refused_by_name() {
        let create = CreateSchedulingPolicy {
            name: "p".into(),
            fairshare_policy: None,
            quota_share_policy: Some(serde_json::json!({"idleResourceAssignmentStrategy": "FIFO"})),
            tags: Tags::default(),
        };
        assert_eq!(create.validate().unwrap_err().field, "quotaSharePolicy");
    }
}
