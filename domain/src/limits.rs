//! The AWS Batch limits this service enforces (ARCHITECTURE.md §7).

pub const MIN_MEMORY_MIB: i64 = 4;
pub const MIN_ARRAY_SIZE: i64 = 2;
pub const MAX_ARRAY_SIZE: i64 = 10_000;
pub const MAX_DEPENDENCIES: usize = 20;
pub const MIN_RETRY_ATTEMPTS: i64 = 1;
pub const MAX_RETRY_ATTEMPTS: i64 = 10;
pub const MAX_EVALUATE_ON_EXIT_RULES: usize = 5;
pub const MIN_TIMEOUT_SECONDS: i64 = 60;
pub const MAX_TAGS: usize = 50;
pub const MAX_SUBMIT_PAYLOAD_BYTES: usize = 30 * 1024;
pub const MAX_COMPUTE_ENVIRONMENTS_PER_QUEUE: usize = 3;
pub const MAX_DESCRIBE_JOBS: usize = 100;
pub const RESERVED_ENV_PREFIX: &str = "AWS_BATCH_";

/// Dashboard counts stop at this many and show "10,000+": exact counts of millions of rows
/// would cost a scan of them all on every refresh.
pub const COUNT_CAP: i64 = 10_000;
