//! `server users create --username NAME --role admin|operator|viewer`: make a user from the
//! machine the server runs on (for example the first administrator, without opening the
//! set-up page). The password is read from `BATCH_PASSWORD` or, when that is unset, from the
//! first line of standard input, so it never appears in the process list or shell history.

use crate::settings::Settings;
use crate::startup::open_store;
use domain::access::{Caller, Role};
use service::access::NewUser;
use service::{Batch, BatchConfig};
use std::io::BufRead;

/// Whoever can run this command owns the database already; the audit log names them so.
const COMMAND_LINE: &str = "command-line";

pub async fn users(args: &[String], settings: Settings) -> Result<String, String> {
    let [action, rest @ ..] = args else {
        return Err("usage: server users create --username NAME --role admin|operator|viewer".into());
    };
    if action != "create" {
        return Err(format!("unknown users command {action:?}; the command is: server users create"));
    }
    let mut username = None;
    let mut role = None;
    let mut rest = rest.iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--username" => username = Some(value.clone()),
            "--role" => role = Some(Role::parse(value).ok_or_else(|| format!("--role must be admin, operator or viewer (got {value:?})"))?),
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    let username = username.ok_or("--username is required")?;
    let role = role.ok_or("--role is required")?;
    let password = match std::env::var("BATCH_PASSWORD") {
        Ok(password) => password,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).map_err(|e| format!("cannot read the password from standard input: {e}"))?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    let (db, server_key) = open_store(&settings).await.map_err(|e| e.to_string())?;
    let batch = Batch::new(db, BatchConfig { server_key, ..BatchConfig::default() });
    let created = if !batch.has_users().await.map_err(|e| e.to_string())? && role == Role::Admin {
        batch.create_first_admin(&username, &password, Some(COMMAND_LINE)).await
    } else {
        let caller = Caller::user(0, COMMAND_LINE, Role::Admin);
        batch.create_user(&caller, NewUser { username: username.clone(), password, role }).await
    };
    let user = created.map_err(|e| e.to_string())?;
    Ok(format!("created {} with the {} role", user.username, user.role))
}
