//! The console's scheduling-policy form: the weights as a table of rows (a share identifier and
//! its weight), turned into the AWS `fairsharePolicy`. Empty rows are dropped, so the form can
//! offer spare rows; errors name the AWS field so the same rules answer the console and the API.

use crate::FieldError;
use crate::scheduling_policy::{CreateSchedulingPolicy, FairsharePolicy, ShareAttributes, UpdateSchedulingPolicy};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyForm {
    pub name: String,
    /// Seconds; empty leaves it to AWS's default (600).
    #[serde(default)]
    pub share_decay_seconds: String,
    /// Percent, 0-99; empty reserves nothing.
    #[serde(default)]
    pub compute_reservation: String,
    /// One row per share: the identifier (or `prefix*`) and its weight (empty: 1.0).
    #[serde(default)]
    pub shares: Vec<ShareRow>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareRow {
    #[serde(default)]
    pub share_identifier: String,
    #[serde(default)]
    pub weight_factor: String,
}

impl PolicyForm {
    /// The form of an existing policy, for editing it.
    pub fn of(name: &str, policy: &FairsharePolicy) -> PolicyForm {
        PolicyForm {
            name: name.into(),
            share_decay_seconds: policy.share_decay_seconds.map(|s| s.to_string()).unwrap_or_default(),
            compute_reservation: policy.compute_reservation.map(|r| r.to_string()).unwrap_or_default(),
            shares: policy
                .share_distribution
                .iter()
                .map(|entry| ShareRow {
                    share_identifier: entry.share_identifier.clone(),
                    weight_factor: entry.weight_factor.map(|w| w.to_string()).unwrap_or_default(),
                })
                .collect(),
        }
    }

    pub fn fairshare_policy(&self) -> Result<FairsharePolicy, FieldError> {
        let whole = |field: &str, text: &str| -> Result<Option<i64>, FieldError> {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            text.parse().map(Some).map_err(|_| FieldError::new(field, format!("must be a whole number (got {text:?})")))
        };
        let mut share_distribution = Vec::new();
        // Errors name the form's row; the spare rows the form offers come last, so a row's
        // number is also its place in the list sent.
        let filled = self
            .shares
            .iter()
            .enumerate()
            .filter(|(_, row)| !(row.share_identifier.trim().is_empty() && row.weight_factor.trim().is_empty()));
        for (index, row) in filled {
            let at = format!("fairsharePolicy.shareDistribution[{index}]");
            let identifier = row.share_identifier.trim();
            if identifier.is_empty() {
                return Err(FieldError::new(format!("{at}.shareIdentifier"), "is required when the row has a weight"));
            }
            let weight = row.weight_factor.trim();
            let weight_factor = if weight.is_empty() {
                None
            } else {
                let parsed: f64 = weight
                    .parse()
                    .map_err(|_| FieldError::new(format!("{at}.weightFactor"), format!("must be a number such as 0.5 (got {weight:?})")))?;
                Some(parsed)
            };
            share_distribution.push(ShareAttributes { share_identifier: identifier.into(), weight_factor });
        }
        Ok(FairsharePolicy {
            share_decay_seconds: whole("fairsharePolicy.shareDecaySeconds", &self.share_decay_seconds)?,
            compute_reservation: whole("fairsharePolicy.computeReservation", &self.compute_reservation)?,
            share_distribution,
        })
    }

    pub fn to_create(&self) -> Result<CreateSchedulingPolicy, FieldError> {
        Ok(CreateSchedulingPolicy {
            name: self.name.trim().into(),
            fairshare_policy: Some(self.fairshare_policy()?),
            quota_share_policy: None,
            tags: Default::default(),
        })
    }

    /// An update of the policy `arn` to what the form says (the name is not changed by AWS).
    pub fn to_update(&self, arn: &str) -> Result<UpdateSchedulingPolicy, FieldError> {
        Ok(UpdateSchedulingPolicy { arn: arn.into(), fairshare_policy: Some(self.fairshare_policy()?), quota_share_policy: None })
    }

    /// The input that shows an error about `field` (an AWS path): its row's cell, or the field.
    pub fn form_field(field: &str) -> String {
        let Some(rest) = field.strip_prefix("fairsharePolicy.") else { return "name".into() };
        if let Some(row) = rest.strip_prefix("shareDistribution[") {
            let (index, cell) = row.split_once(']').unwrap_or((row, ""));
            let cell = if cell.contains("weightFactor") { "weight_factor" } else { "share_identifier" };
            return format!("shares[{index}][{cell}]");
        }
        match rest {
            "shareDecaySeconds" => "share_decay_seconds".into(),
            "computeReservation" => "compute_reservation".into(),
            _ => "name".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(share: &str, weight: &str) -> ShareRow {
        ShareRow { share_identifier: share.into(), weight_factor: weight.into() }
    }

    #[test]
    fn rows_become_the_share_distribution_and_blank_rows_are_spare() {
        let form = PolicyForm {
            name: " teams ".into(),
            share_decay_seconds: "3600".into(),
            compute_reservation: "".into(),
            shares: vec![row("teama", "0.5"), row("", ""), row("ml*", "")],
        };
        let request = form.to_create().unwrap();
        assert_eq!(request.name, "teams");
        let policy = request.fairshare_policy.unwrap();
        assert_eq!(policy.share_decay_seconds, Some(3600));
        assert_eq!(policy.compute_reservation, None);
        assert_eq!(
            policy.share_distribution,
            vec![
                ShareAttributes { share_identifier: "teama".into(), weight_factor: Some(0.5) },
                ShareAttributes { share_identifier: "ml*".into(), weight_factor: None },
            ]
        );
        assert_eq!(PolicyForm::of("teams", &policy).to_create().unwrap().fairshare_policy.unwrap(), policy, "edit round-trips");
    }

    #[test]
    fn errors_name_the_aws_field_and_the_cell_that_shows_them() {
        let form = PolicyForm { name: "p".into(), shares: vec![row("a", "1"), row("b", "half")], ..Default::default() };
        let error = form.to_create().unwrap_err();
        assert_eq!(error.field, "fairsharePolicy.shareDistribution[1].weightFactor");
        assert_eq!(PolicyForm::form_field(&error.field), "shares[1][weight_factor]");

        let form = PolicyForm { name: "p".into(), shares: vec![row("", "2")], ..Default::default() };
        assert_eq!(form.to_create().unwrap_err().field, "fairsharePolicy.shareDistribution[0].shareIdentifier");

        let form = PolicyForm { name: "p".into(), compute_reservation: "ten".into(), ..Default::default() };
        let error = form.to_create().unwrap_err();
        assert_eq!(PolicyForm::form_field(&error.field), "compute_reservation");
    }
}
