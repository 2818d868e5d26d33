//! Jobs: submission, transitions and their history, attempts, output, the scheduler's reads.
