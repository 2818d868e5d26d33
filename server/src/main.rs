//! `server [--config PATH]`: build the application from settings and run it until SIGTERM or
//! SIGINT. Any start-up failure is one line on stderr and a non-zero exit.

use server::settings::Settings;
use server::startup::Application;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| default_log_filter().into()))
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => return fail(format!("cannot start the async runtime: {error}")),
    };
    match runtime.block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(message),
    }
}

/// The server logs its work; a command-line subcommand only prints its answer.
fn default_log_filter() -> &'static str {
    if std::env::args().nth(1).is_some_and(|a| a == "users" || a == "access-keys" || a == "secrets") {
        "warn"
    } else {
        "info,sqlx=warn,tower_http=info"
    }
}

fn fail(message: String) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}

async fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(command @ ("users" | "access-keys" | "secrets")) = args.first().map(String::as_str) {
        let settings = Settings::load(None).map_err(|e| e.to_string())?;
        let answer = match command {
            "users" => server::cli::users(&args[1..], settings).await?,
            "secrets" => server::cli::secrets(&args[1..], settings).await?,
            _ => server::cli::access_keys(&args[1..], settings).await?,
        };
        println!("{answer}");
        return Ok(());
    }
    let config = parse_args()?;
    let settings = Settings::load(config).map_err(|e| e.to_string())?;
    tracing::info!(?settings, "starting");
    let app = Application::build(settings).await.map_err(|e| e.to_string())?;
    app.run_until(shutdown_signal()).await.map_err(|e| format!("the server stopped: {e}"))?;
    tracing::info!("stopped cleanly");
    Ok(())
}

fn parse_args() -> Result<Option<PathBuf>, String> {
    let mut args = std::env::args().skip(1);
    let mut config = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--config" => config = Some(PathBuf::from(args.next().ok_or("--config needs a file path")?)),
            "--help" | "-h" => {
                println!(
                    "usage: server [--config PATH]\n       server users create --username NAME --role admin|operator|viewer\n       server access-keys create --username NAME\n       server access-keys revoke --access-key-id ID\n       server secrets create --name NAME [--description TEXT] | delete --name NAME | list\nSee README.md for the settings."
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}; try --help")),
        }
    }
    Ok(config)
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = interrupt => tracing::info!("SIGINT received, shutting down"),
        () = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}
