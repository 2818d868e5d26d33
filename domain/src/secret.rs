//! Named secrets: an administrator stores a value (sealed at rest with the server key); a job
//! definition names it in AWS's `containerProperties.secrets` (`name`, `valueFrom`) and the job
//! gets it as an environment variable at start. Values never travel back out: not in
//! DescribeJobs, the console, the audit log or tracing.

use crate::validation::{Validated, ensure};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One entry of `containerProperties.secrets`: the variable `name` gets the secret `valueFrom`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretReference {
    pub name: String,
    pub value_from: String,
}

/// Secrets Manager's bounds on a secret's name and value.
pub const MAX_NAME_LEN: usize = 512;
pub const MAX_VALUE_BYTES: usize = 65_536;

/// A secret's name: letters, digits and `/_+=.@-`, as Secrets Manager allows.
pub fn check_secret_name(field: &str, name: &str) -> Validated<()> {
    ensure(!name.is_empty() && name.len() <= MAX_NAME_LEN, field, format!("must be 1 to {MAX_NAME_LEN} characters long"))?;
    ensure(
        name.chars().all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c)),
        field,
        format!("may hold only letters, digits and /_+=.@- (got {name:?})"),
    )
}

/// The secret a `valueFrom` names: the name itself, or a Secrets Manager ARN
/// (`arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME`) or a Parameter Store ARN
/// (`arn:aws:ssm:REGION:ACCOUNT:parameter/NAME`) ending in it.
pub fn secret_name(value_from: &str) -> &str {
    if let Some(rest) = value_from.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        if let [_partition, "secretsmanager", _region, _account, resource] = parts.as_slice() {
            return resource.strip_prefix("secret:").unwrap_or(resource);
        }
        if let [_partition, "ssm", _region, _account, resource] = parts.as_slice() {
            return resource.strip_prefix("parameter/").unwrap_or(resource);
        }
    }
    value_from
}

/// `containerProperties.secrets`: well-formed, each variable once, none reserved or also in
/// `environment` (which would leave the job's value ambiguous).
pub fn validate_references(field: &str, secrets: &[SecretReference], environment: &[crate::container::KeyValuePair]) -> Validated<()> {
    for (i, secret) in secrets.iter().enumerate() {
        let at = format!("{field}.secrets[{i}]");
        ensure(!secret.name.is_empty(), format!("{at}.name"), "must not be empty")?;
        ensure(
            !secret.name.starts_with(crate::limits::RESERVED_ENV_PREFIX),
            format!("{at}.name"),
            format!("{} is reserved: names starting with {} are set by the service", secret.name, crate::limits::RESERVED_ENV_PREFIX),
        )?;
        ensure(
            !secrets[..i].iter().any(|s| s.name == secret.name) && !environment.iter().any(|v| v.name == secret.name),
            format!("{at}.name"),
            format!("{} is set twice (in secrets or environment)", secret.name),
        )?;
        check_secret_name(&format!("{at}.valueFrom"), secret_name(&secret.value_from))?;
    }
    Ok(())
}

/// CreateSecret: the value is never printed.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateSecret {
    pub name: String,
    pub value: String,
    #[serde(default)]
    pub description: String,
}

impl fmt::Debug for CreateSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateSecret").field("name", &self.name).field("value", &"***").field("description", &self.description).finish()
    }
}

impl CreateSecret {
    pub fn validate(&self) -> Validated<()> {
        check_secret_name("name", &self.name)?;
        ensure(!self.value.is_empty(), "value", "must not be empty")?;
        ensure(self.value.len() <= MAX_VALUE_BYTES, "value", format!("must be at most {MAX_VALUE_BYTES} bytes"))?;
        ensure(!self.value.contains('\0'), "value", "must not contain NUL (an environment variable cannot hold it)")?;
        ensure(self.description.len() <= 2048, "description", "must be at most 2048 characters long")
    }
}

/// A secret as anyone may see it: never its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretView {
    pub name: String,
    pub arn: String,
    pub description: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A secret's value on its way into a container: prints as `***`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretValue(pub String);

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::KeyValuePair;

    #[test]
    fn value_from_is_a_name_or_an_arn_ending_in_one() {
        assert_eq!(secret_name("db-password"), "db-password");
        assert_eq!(secret_name("arn:aws:secretsmanager:us-east-1:123456789012:secret:team/db"), "team/db");
        assert_eq!(secret_name("arn:aws:ssm:eu-west-1:123456789012:parameter/app/token"), "app/token");
        assert_eq!(
            secret_name("arn:aws:s3:::bucket"),
            "arn:aws:s3:::bucket",
            "anything else is taken as a name (and refused by its characters)"
        );
    }

    #[test]
    fn references_are_checked_with_the_field_named() {
        let reference = |name: &str, from: &str| SecretReference { name: name.into(), value_from: from.into() };
        let env = [KeyValuePair { name: "MODE".into(), value: "x".into() }];
        let check = |secrets: &[SecretReference]| validate_references("containerProperties", secrets, &env).map_err(|e| e.field);
        assert_eq!(check(&[reference("DB", "db"), reference("TOKEN", "arn:aws:secretsmanager:r:1:secret:t")]), Ok(()));
        assert_eq!(check(&[reference("", "db")]).unwrap_err(), "containerProperties.secrets[0].name");
        assert_eq!(check(&[reference("AWS_BATCH_X", "db")]).unwrap_err(), "containerProperties.secrets[0].name");
        assert_eq!(check(&[reference("DB", "db"), reference("DB", "db2")]).unwrap_err(), "containerProperties.secrets[1].name");
        assert_eq!(check(&[reference("MODE", "db")]).unwrap_err(), "containerProperties.secrets[0].name");
        assert_eq!(check(&[reference("DB", "arn:aws:s3:::bucket")]).unwrap_err(), "containerProperties.secrets[0].valueFrom");
    }

    #[test]
    fn a_new_secret_never_prints_its_value() {
        let secret = CreateSecret { name: "db".into(), value: "hunter2-very-secret".into(), description: String::new() };
        assert!(!format!("{secret:?}").contains("hunter2"));
        assert!(!format!("{:?}", SecretValue("hunter2".into())).contains("hunter2"));
        assert_eq!(CreateSecret { value: String::new(), ..secret.clone() }.validate().unwrap_err().field, "value");
        assert_eq!(CreateSecret { name: "a b".into(), ..secret }.validate().unwrap_err().field, "name");
    }
}
