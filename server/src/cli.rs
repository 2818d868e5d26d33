//! Commands run on the server's machine, against its database:
//! - `server users create --username NAME --role admin|operator|viewer`: make a user (for
//!   example the first administrator, without opening the set-up page). The password is read
//!   from `BATCH_PASSWORD` or, when that is unset, from the first line of standard input, so
//!   it never appears in the process list or shell history.
//! - `server access-keys create --username NAME`: an access key for that user, printed as
//!   `ACCESS_KEY_ID SECRET` (for scripts; the console shows the same once).
//! - `server access-keys revoke --access-key-id ID`.
//! - `server secrets create --name NAME [--description TEXT]`: a named secret for job
//!   definitions' `containerProperties.secrets`; the value is read like a password
//!   (`BATCH_SECRET_VALUE`, else the first line of standard input).
//! - `server secrets delete --name NAME`, `server secrets list` (names, never values).

use crate::settings::Settings;
use crate::startup::open_store;
use domain::access::{Caller, Role};
use domain::secret::CreateSecret;
use service::access::NewUser;
use service::{Batch, BatchConfig};
use std::io::BufRead;

/// Whoever can run this command owns the database already; the audit log names them so.
const COMMAND_LINE: &str = "command-line";

/// `--name value` pairs.
fn options(rest: &[String], known: &[&str]) -> Result<std::collections::HashMap<String, String>, String> {
    let mut found = std::collections::HashMap::new();
    let mut rest = rest.iter();
    while let Some(flag) = rest.next() {
        if !known.contains(&flag.as_str()) {
            return Err(format!("unknown option {flag:?}; the options are {}", known.join(", ")));
        }
        let value = rest.next().ok_or_else(|| format!("{flag} needs a value"))?;
        found.insert(flag.clone(), value.clone());
    }
    Ok(found)
}

async fn open_batch(settings: &Settings) -> Result<Batch, String> {
    let (db, server_key) = open_store(settings).await.map_err(|e| e.to_string())?;
    Ok(Batch::new(
        db,
        BatchConfig { server_key, region: settings.region.clone(), account_id: settings.account_id.clone(), ..BatchConfig::default() },
    ))
}

pub async fn access_keys(args: &[String], settings: Settings) -> Result<String, String> {
    let usage = "usage: server access-keys create --username NAME | server access-keys revoke --access-key-id ID";
    let [action, rest @ ..] = args else { return Err(usage.into()) };
    match action.as_str() {
        "create" => {
            let options = options(rest, &["--username"])?;
            let username = options.get("--username").ok_or("--username is required")?;
            let batch = open_batch(&settings).await?;
            let caller = batch.caller_for_user(username).await.map_err(|e| e.to_string())?;
            let key = batch.create_access_key(&caller).await.map_err(|e| e.to_string())?;
            Ok(format!("{} {}", key.access_key_id, key.secret_access_key))
        }
        "revoke" => {
            let options = options(rest, &["--access-key-id"])?;
            let id = options.get("--access-key-id").ok_or("--access-key-id is required")?;
            let batch = open_batch(&settings).await?;
            batch.revoke_access_key(&Caller::user(0, COMMAND_LINE, Role::Admin), id).await.map_err(|e| e.to_string())?;
            Ok(format!("revoked {id}"))
        }
        _ => Err(usage.into()),
    }
}

pub async fn users(args: &[String], settings: Settings) -> Result<String, String> {
    let [action, rest @ ..] = args else {
        return Err("usage: server users create --username NAME --role admin|operator|viewer".into());
    };
    if action != "create" {
        return Err(format!("unknown users command {action:?}; the command is: server users create"));
    }
    let options = options(rest, &["--username", "--role"])?;
    let username = options.get("--username").ok_or("--username is required")?.clone();
    let role = options.get("--role").ok_or("--role is required")?;
    let role = Role::parse(role).ok_or_else(|| format!("--role must be admin, operator or viewer (got {role:?})"))?;
    let password = from_env_or_stdin("BATCH_PASSWORD", "the password")?;
    let batch = open_batch(&settings).await?;
    let created = if !batch.has_users().await.map_err(|e| e.to_string())? && role == Role::Admin {
        batch.create_first_admin(&username, &password, Some(COMMAND_LINE)).await
    } else {
        let caller = Caller::user(0, COMMAND_LINE, Role::Admin);
        batch.create_user(&caller, NewUser { username: username.clone(), password, role }).await
    };
    let user = created.map_err(|e| e.to_string())?;
    Ok(format!("created {} with the {} role", user.username, user.role))
}

/// A value that must not appear in the process list or shell history: from `variable`, else the
/// first line of standard input.
fn from_env_or_stdin(variable: &str, what: &str) -> Result<String, String> {
    if let Ok(value) = std::env::var(variable) {
        return Ok(value);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| format!("cannot read {what} from standard input: {e}"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

pub async fn secrets(args: &[String], settings: Settings) -> Result<String, String> {
    let usage = "usage: server secrets create --name NAME [--description TEXT] | server secrets delete --name NAME | server secrets list";
    let [action, rest @ ..] = args else { return Err(usage.into()) };
    let caller = Caller::user(0, COMMAND_LINE, Role::Admin);
    match action.as_str() {
        "create" => {
            let options = options(rest, &["--name", "--description"])?;
            let name = options.get("--name").ok_or("--name is required")?.clone();
            let description = options.get("--description").cloned().unwrap_or_default();
            let value = from_env_or_stdin("BATCH_SECRET_VALUE", "the secret's value")?;
            let batch = open_batch(&settings).await?;
            let created = batch.create_secret(&caller, CreateSecret { name, value, description }).await.map_err(|e| e.to_string())?;
            Ok(format!("created {}", created.arn))
        }
        "delete" => {
            let options = options(rest, &["--name"])?;
            let name = options.get("--name").ok_or("--name is required")?;
            open_batch(&settings).await?.delete_secret(&caller, name).await.map_err(|e| e.to_string())?;
            Ok(format!("deleted {name}"))
        }
        "list" => {
            let secrets = open_batch(&settings).await?.list_secrets(&caller).await.map_err(|e| e.to_string())?;
            Ok(secrets.iter().map(|s| format!("{}\t{}", s.name, s.description)).collect::<Vec<_>>().join("\n"))
        }
        _ => Err(usage.into()),
    }
}
