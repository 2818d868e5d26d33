//! Integration tests of the service crate against real Postgres, SQLite and Docker.

mod docker;
