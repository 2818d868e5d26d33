//! The server: settings, start-up, and the HTTP routes around the console.

pub mod auth;
pub mod aws;
pub mod cli;
pub mod edge;
pub mod health;
pub mod job_log;
pub mod live;
pub mod public_edge;
pub mod settings;
pub mod startup;
