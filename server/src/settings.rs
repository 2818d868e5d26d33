//! Settings come from an optional TOML file, then environment variables override them.
//!
//! | setting       | file key       | environment        | default            |
//! |---------------|----------------|--------------------|--------------------|
//! | listen address| `listen`       | `BATCH_LISTEN`     | `127.0.0.1:3000`   |
//! | database      | `database_url` | `DATABASE_URL`     | SQLite in data dir |
//! | Docker engine | `docker_host`  | `DOCKER_HOST`      | local socket       |
//! | data directory| `data_dir`     | `BATCH_DATA_DIR`   | `./data`           |
//! | built site    | `site_root`    | `BATCH_SITE_ROOT`  | `target/site`      |
//! | ARN region    | `region`       | `BATCH_REGION`     | `us-east-1`        |
//! | ARN account   | `account_id`   | `BATCH_ACCOUNT_ID` | `000000000000`     |
//! | server key    | `secret_key`   | `BATCH_SECRET_KEY` | made in data dir   |
//! | job retention | `job_retention_days` | `BATCH_JOB_RETENTION_DAYS` | 30     |
//! | audit retention | `audit_retention_days` | `BATCH_AUDIT_RETENTION_DAYS` | 365 |
//! | output kept per attempt | `output_max_bytes` | `BATCH_OUTPUT_MAX_BYTES` | 67108864 (64 MiB) |
//! | output lines per attempt | `output_max_lines` | `BATCH_OUTPUT_MAX_LINES` | 1000000 |
//! | public URL    | `public_url`   | `BATCH_PUBLIC_URL` | none (address literals and localhost) |
//! | trusted proxies | `trusted_proxies` (list) | `BATCH_TRUSTED_PROXIES` (comma-separated) | none |
//!
//! The file is the one named by `--config PATH` or `BATCH_CONFIG`; without either, `batch.toml`
//! in the working directory is read when it exists.

use serde::Deserialize;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub const DEFAULT_CONFIG_FILE: &str = "batch.toml";

#[derive(Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    /// `None` means the embedded default: SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// `None` means the local socket.
    pub docker_host: Option<String>,
    pub data_dir: PathBuf,
    pub site_root: PathBuf,
    /// Region and account id in the ARNs this service hands out.
    pub region: String,
    pub account_id: String,
    /// Seals access-key secrets at rest (>= 32 characters). Replicas must share it; without it
    /// one is made in `data_dir/secret.key` on first start.
    pub secret_key: Option<String>,
    /// How long finished jobs (with their output) and audit records are kept.
    pub retention: service::retention::Retention,
    /// How much of each attempt's output is stored (the rest is counted and dropped).
    pub output_limits: domain::output::OutputLimits,
    /// Who the console answers as, and whose `X-Forwarded-For` it believes.
    pub edge: crate::public_edge::PublicEdge,
}

/// The database URL may hold a password: never print it whole.
impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("listen", &self.listen)
            .field("database_url", &self.database_url.as_deref().map(service::db::redact_password))
            .field("docker_host", &self.docker_host)
            .field("data_dir", &self.data_dir)
            .field("site_root", &self.site_root)
            .field("region", &self.region)
            .field("account_id", &self.account_id)
            .field("secret_key", &self.secret_key.as_ref().map(|_| "***"))
            .field("retention", &self.retention)
            .field("output_limits", &self.output_limits)
            .field("edge", &self.edge)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read the settings file {path}: {source}")]
    Unreadable { path: PathBuf, source: std::io::Error },
    #[error("the settings file {path} is not valid: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("{name}={value:?} is not a listen address such as 127.0.0.1:3000")]
    BadListen { name: &'static str, value: String },
    #[error("{name}={value:?} is not a whole number of days of at least 1")]
    BadDays { name: &'static str, value: String },
    #[error("{name}={value:?} is not a whole number of at least 1")]
    BadCount { name: &'static str, value: String },
    #[error("{name}: {message}")]
    BadEdge { name: &'static str, message: String },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<String>,
    database_url: Option<String>,
    docker_host: Option<String>,
    data_dir: Option<PathBuf>,
    site_root: Option<PathBuf>,
    region: Option<String>,
    account_id: Option<String>,
    secret_key: Option<String>,
    job_retention_days: Option<u32>,
    audit_retention_days: Option<u32>,
    output_max_bytes: Option<u64>,
    output_max_lines: Option<u64>,
    public_url: Option<String>,
    trusted_proxies: Option<Vec<String>>,
}

impl Settings {
    /// Loads settings for the process: `explicit_file` (from `--config`) first, then
    /// `BATCH_CONFIG`, then `batch.toml` if present; environment variables win over the file.
    pub fn load(explicit_file: Option<PathBuf>) -> Result<Self, SettingsError> {
        Self::load_with(explicit_file, |name| std::env::var(name).ok())
    }

    /// `load`, with the environment passed in so tests need not touch the process's own.
    pub fn load_with(explicit_file: Option<PathBuf>, env: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let named_file = explicit_file.or_else(|| env("BATCH_CONFIG").map(PathBuf::from));
        let file = match named_file {
            Some(path) => read_file(&path)?,
            None if Path::new(DEFAULT_CONFIG_FILE).exists() => read_file(Path::new(DEFAULT_CONFIG_FILE))?,
            None => FileSettings::default(),
        };
        let env = |name: &str| env(name).filter(|value| !value.is_empty());

        let (listen_source, listen) = match env("BATCH_LISTEN") {
            Some(value) => ("BATCH_LISTEN", Some(value)),
            None => ("listen", file.listen),
        };
        let listen = match listen {
            Some(value) => value.parse().map_err(|_| SettingsError::BadListen { name: listen_source, value })?,
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
        };
        let days = |name: &'static str, from_file: Option<u32>, default_ms: i64| -> Result<i64, SettingsError> {
            let days = match env(name) {
                Some(value) => value.parse::<u32>().ok().filter(|d| *d >= 1).ok_or(SettingsError::BadDays { name, value })?,
                None => match from_file {
                    Some(0) => return Err(SettingsError::BadDays { name, value: "0".into() }),
                    Some(d) => d,
                    None => return Ok(default_ms),
                },
            };
            Ok(i64::from(days) * 24 * 3_600_000)
        };
        let defaults = service::retention::Retention::default();
        let retention = service::retention::Retention {
            jobs_ms: days("BATCH_JOB_RETENTION_DAYS", file.job_retention_days, defaults.jobs_ms)?,
            audit_ms: days("BATCH_AUDIT_RETENTION_DAYS", file.audit_retention_days, defaults.audit_ms)?,
            ..defaults
        };
        let count = |name: &'static str, from_file: Option<u64>, default: u64| -> Result<u64, SettingsError> {
            let value = match env(name) {
                Some(value) => value.parse::<u64>().map_err(|_| SettingsError::BadCount { name, value })?,
                None => from_file.unwrap_or(default),
            };
            if value == 0 {
                return Err(SettingsError::BadCount { name, value: "0".into() });
            }
            Ok(value)
        };
        let output_defaults = domain::output::OutputLimits::default();
        let output_limits = domain::output::OutputLimits {
            max_bytes: count("BATCH_OUTPUT_MAX_BYTES", file.output_max_bytes, output_defaults.max_bytes)?,
            max_lines: count("BATCH_OUTPUT_MAX_LINES", file.output_max_lines, output_defaults.max_lines)?,
            ..output_defaults
        };
        let public_url = match env("BATCH_PUBLIC_URL").map(|v| ("BATCH_PUBLIC_URL", v)).or(file.public_url.map(|v| ("public_url", v))) {
            Some((name, text)) => {
                Some(crate::public_edge::PublicUrl::parse(&text).map_err(|message| SettingsError::BadEdge { name, message })?)
            }
            None => None,
        };
        let (proxies_name, proxies) = match env("BATCH_TRUSTED_PROXIES") {
            Some(text) => ("BATCH_TRUSTED_PROXIES", text.split(',').map(str::to_string).collect()),
            None => ("trusted_proxies", file.trusted_proxies.unwrap_or_default()),
        };
        let trusted_proxies = proxies
            .iter()
            .filter(|p| !p.trim().is_empty())
            .map(|p| crate::public_edge::parse_proxy(p))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|message| SettingsError::BadEdge { name: proxies_name, message })?;
        Ok(Settings {
            retention,
            output_limits,
            edge: crate::public_edge::PublicEdge { public_url, trusted_proxies },
            listen,
            database_url: env("DATABASE_URL").or(file.database_url),
            docker_host: env("DOCKER_HOST").or(file.docker_host),
            data_dir: env("BATCH_DATA_DIR").map(PathBuf::from).or(file.data_dir).unwrap_or_else(|| PathBuf::from("data")),
            site_root: env("BATCH_SITE_ROOT").map(PathBuf::from).or(file.site_root).unwrap_or_else(|| PathBuf::from("target/site")),
            region: env("BATCH_REGION").or(file.region).unwrap_or_else(|| "us-east-1".into()),
            account_id: env("BATCH_ACCOUNT_ID").or(file.account_id).unwrap_or_else(|| "000000000000".into()),
            secret_key: env("BATCH_SECRET_KEY").or(file.secret_key),
        })
    }
}

fn read_file(path: &Path) -> Result<FileSettings, SettingsError> {
    let text = std::fs::read_to_string(path).map_err(|source| SettingsError::Unreadable { path: path.to_path_buf(), source })?;
    toml::from_str(&text).map_err(|error| SettingsError::Invalid { path: path.to_path_buf(), message: error.message().to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| map.get(name).cloned()
    }

    fn temp_file(contents: &str) -> PathBuf {
        let path = std::env::temp_dir().join(format!("batch-settings-{}-{:?}.toml", std::process::id(), std::thread::current().id()));
        std::fs::write(&path, contents).unwrap();
        path
    }

    #[test]
    fn environment_overrides_the_file() {
        let path = temp_file("listen = \"0.0.0.0:8080\"\ndata_dir = \"/srv/batch\"\n");
        let settings =
            Settings::load_with(Some(path.clone()), env_of(&[("BATCH_LISTEN", "127.0.0.1:9000"), ("DATABASE_URL", "postgres://x/y")]))
                .unwrap();
        std::fs::remove_file(path).unwrap();
        assert_eq!(settings.listen, "127.0.0.1:9000".parse().unwrap());
        assert_eq!(settings.data_dir, PathBuf::from("/srv/batch"));
        assert_eq!(settings.database_url.as_deref(), Some("postgres://x/y"));
    }

    #[test]
    fn an_unreadable_file_names_its_path() {
        let error = Settings::load_with(Some("/nonexistent/batch.toml".into()), env_of(&[])).unwrap_err();
        assert!(error.to_string().contains("/nonexistent/batch.toml"), "{error}");
    }

    #[test]
    fn an_unknown_key_is_refused_with_its_name() {
        let path = temp_file("lissen = \"x\"\n");
        let error = Settings::load_with(Some(path.clone()), env_of(&[])).unwrap_err();
        std::fs::remove_file(path).unwrap();
        assert!(error.to_string().contains("lissen"), "{error}");
    }

    #[test]
    fn a_bad_listen_address_names_the_variable() {
        let error = Settings::load_with(None, env_of(&[("BATCH_LISTEN", "nonsense")])).unwrap_err();
        assert!(error.to_string().contains("BATCH_LISTEN"), "{error}");
    }

    #[test]
    fn retention_is_set_in_days_and_refuses_zero_naming_the_setting() {
        let settings = Settings::load_with(None, env_of(&[("BATCH_JOB_RETENTION_DAYS", "7")])).unwrap();
        assert_eq!(settings.retention.jobs_ms, 7 * 24 * 3_600_000);
        assert_eq!(settings.retention.audit_ms, 365 * 24 * 3_600_000, "the default");
        for bad in ["0", "-1", "a week"] {
            let error = Settings::load_with(None, env_of(&[("BATCH_AUDIT_RETENTION_DAYS", bad)])).unwrap_err();
            assert!(error.to_string().contains("BATCH_AUDIT_RETENTION_DAYS"), "{error}");
        }
        let path = temp_file("job_retention_days = 0\n");
        let error = Settings::load_with(Some(path.clone()), env_of(&[])).unwrap_err();
        std::fs::remove_file(path).unwrap();
        assert!(error.to_string().contains("BATCH_JOB_RETENTION_DAYS"), "{error}");
    }

    #[test]
    fn passwords_do_not_print() {
        let settings = Settings::load_with(None, env_of(&[("DATABASE_URL", "postgres://u:hunter2@h/db")])).unwrap();
        assert!(!format!("{settings:?}").contains("hunter2"));
    }
}
