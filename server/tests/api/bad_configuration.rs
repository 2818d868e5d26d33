//! Bad configuration stops the real binary with one clear line and a non-zero exit, never a
//! panic.

use crate::helpers::{site_root, temp_dir};
use std::process::Command;

fn run_server(settings: &[(&str, &str)], args: &[&str]) -> (i32, String) {
    let data = temp_dir();
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command.args(args).env("BATCH_DATA_DIR", data.path()).env("BATCH_SITE_ROOT", site_root()).env("RUST_LOG", "off");
    for (name, value) in settings {
        command.env(name, value);
    }
    let output = command.output().expect("the server binary runs");
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stderr).into_owned())
}

fn assert_one_clear_line(stderr: &str, expected: &[&str]) {
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for part in expected {
        assert!(lines[0].contains(part), "{part:?} missing from {stderr}");
    }
}

#[test]
fn an_unreachable_database_names_database_url_and_hides_the_password() {
    let (code, stderr) =
        run_server(&[("DATABASE_URL", "postgres://batch:hunter2@127.0.0.1:1/batch"), ("BATCH_LISTEN", "127.0.0.1:0")], &[]);
    assert_eq!(code, 1);
    assert_one_clear_line(&stderr, &["cannot reach the database", "postgres://batch:***@127.0.0.1:1/batch", "DATABASE_URL"]);
    assert!(!stderr.contains("hunter2"));
}

#[test]
fn a_missing_docker_socket_names_docker_host() {
    let (code, stderr) = run_server(&[("DOCKER_HOST", "unix:///nonexistent/docker.sock"), ("BATCH_LISTEN", "127.0.0.1:0")], &[]);
    assert_eq!(code, 1);
    assert_one_clear_line(&stderr, &["/nonexistent/docker.sock", "DOCKER_HOST"]);
}

#[test]
fn a_port_in_use_names_the_address_and_batch_listen() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let (code, stderr) = run_server(&[("BATCH_LISTEN", &address)], &[]);
    assert_eq!(code, 1);
    assert_one_clear_line(&stderr, &[&address, "BATCH_LISTEN"]);
}

#[test]
fn an_unreadable_settings_file_names_its_path() {
    let (code, stderr) = run_server(&[], &["--config", "/nonexistent/batch.toml"]);
    assert_eq!(code, 1);
    assert_one_clear_line(&stderr, &["cannot read the settings file /nonexistent/batch.toml"]);
}
