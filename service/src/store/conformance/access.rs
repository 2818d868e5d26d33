//! Users, sessions, access keys, audit records and secrets.
