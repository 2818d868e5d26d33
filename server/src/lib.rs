//! The server: settings, start-up, and the HTTP routes around the console.

pub mod health;
pub mod settings;
pub mod startup;
