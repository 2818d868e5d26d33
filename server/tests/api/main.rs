//! Integration tests of the server: each test starts the real application on port 0 against a
//! fresh database (Postgres from TEST_DATABASE_URL, and SQLite in a temporary directory) and
//! the real Docker engine.

mod bad_configuration;
mod edge;
mod health;
mod helpers;
mod kill;
mod pages;
mod restart;
mod sign_in;
