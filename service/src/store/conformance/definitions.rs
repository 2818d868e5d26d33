//! Compute environments, job definitions, tags and retention.
