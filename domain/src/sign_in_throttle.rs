//! How long a sign-in must wait after failures: a few free tries, then delays that double with
//! each further failure up to a ceiling. Delays, not a lock: whoever knows an administrator's name
//! can slow their sign-in down by at most the account ceiling (a minute), never lock them out.

/// One throttle: per account name, or per client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    /// Failures (in the window) that cost nothing.
    pub free: u64,
    pub first_wait_ms: i64,
    pub max_wait_ms: i64,
}

/// Failures older than this are forgotten.
pub const WINDOW_MS: i64 = 15 * 60_000;

/// Per account name, existing or not (so throttling reveals nothing about which exist).
pub const PER_ACCOUNT: Throttle = Throttle { free: 5, first_wait_ms: 4_000, max_wait_ms: 60_000 };
/// Per client address: one address guessing many accounts.
pub const PER_CLIENT: Throttle = Throttle { free: 20, first_wait_ms: 4_000, max_wait_ms: WINDOW_MS };

impl Throttle {
    /// How long to wait still, given `failures` in the window (attempts still being checked
    /// count as failures) and the time since the newest one; None when a try is allowed now.
    pub fn wait_ms(&self, failures: u64, since_last_ms: i64) -> Option<i64> {
        let over = failures.checked_sub(self.free)?;
        let doubling = over.min(30) as u32;
        let wait = self.first_wait_ms.saturating_mul(1_i64 << doubling).min(self.max_wait_ms);
        let left = wait - since_last_ms.max(0);
        (left > 0).then_some(left)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_tries_then_doubling_delays_up_to_the_ceiling() {
        let cases = [
            (PER_ACCOUNT, 0, 0, None),
            (PER_ACCOUNT, 4, 0, None),
            (PER_ACCOUNT, 5, 0, Some(4_000)),
            (PER_ACCOUNT, 5, 3_000, Some(1_000)),
            (PER_ACCOUNT, 5, 4_000, None),
            (PER_ACCOUNT, 6, 0, Some(8_000)),
            (PER_ACCOUNT, 9, 0, Some(60_000)),
            (PER_ACCOUNT, 1_000, 0, Some(60_000)),
            (PER_ACCOUNT, 1_000, 60_000, None),
            (PER_CLIENT, 19, 0, None),
            (PER_CLIENT, 20, 0, Some(4_000)),
            (PER_CLIENT, 500, 0, Some(WINDOW_MS)),
        ];
        for (throttle, failures, since, expected) in cases {
            assert_eq!(throttle.wait_ms(failures, since), expected, "{throttle:?} {failures} failures, {since} ms since the last");
        }
    }
}
