//! Epoch milliseconds as `YYYY-MM-DD HH:MM:SS` UTC, the same on the server and in the browser.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

pub fn utc(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms).map(|at| at.format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_else(|| "—".into())
}

/// The time of day with milliseconds, `HH:MM:SS.mmm` UTC: a log line's stamp.
pub fn clock(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms).map(|at| at.format("%H:%M:%S%.3f").to_string()).unwrap_or_default()
}

pub fn utc_opt(ms: Option<i64>) -> String {
    ms.map(utc).unwrap_or_else(|| "—".into())
}

/// `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS` (what a date or datetime-local
/// input gives), read as UTC, in epoch milliseconds. Dates that do not exist are refused.
pub fn parse_utc(text: &str) -> Option<i64> {
    let text = text.trim();
    let at = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .or_else(|| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").ok())
        .or_else(|| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S").ok())?;
    Some(at.and_utc().timestamp_millis())
}

/// A span of time as people say it: `850 ms`, `12 s`, `3 min 5 s`, `2 h 4 min`, `3 d 2 h`.
pub fn duration(ms: i64) -> String {
    let ms = ms.max(0);
    let seconds = ms / 1000;
    let (minutes, hours, days) = (seconds / 60, seconds / 3600, seconds / 86_400);
    match () {
        _ if seconds == 0 => format!("{ms} ms"),
        _ if minutes == 0 => format!("{seconds} s"),
        _ if hours == 0 => format!("{minutes} min {} s", seconds % 60),
        _ if days == 0 => format!("{hours} h {} min", minutes % 60),
        _ => format!("{days} d {} h", hours % 24),
    }
}

/// How long a job waited before its first start, and how long it then ran until it stopped:
/// each once it is known (a job still running shows no run time, so the server's page and the
/// browser's agree).
pub fn queued_and_ran(created_at: i64, started_at: Option<i64>, stopped_at: Option<i64>) -> (Option<String>, Option<String>) {
    let queued = started_at.map(|started| duration(started - created_at));
    let ran = started_at.zip(stopped_at).map(|(started, stopped)| duration(stopped - started));
    (queued, ran)
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(super::duration(850), "850 ms");
        assert_eq!(super::duration(12_400), "12 s");
        assert_eq!(super::duration(185_000), "3 min 5 s");
        assert_eq!(super::duration(2 * 3_600_000 + 4 * 60_000), "2 h 4 min");
        assert_eq!(super::duration(3 * 86_400_000 + 2 * 3_600_000), "3 d 2 h");
        assert_eq!(super::queued_and_ran(0, Some(1_500), None), (Some("1 s".into()), None));
        assert_eq!(super::queued_and_ran(0, Some(1_000), Some(61_000)), (Some("1 s".into()), Some("1 min 0 s".into())));
        assert_eq!(super::queued_and_ran(0, None, None), (None, None));
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(super::utc(0), "1970-01-01 00:00:00");
        assert_eq!(super::utc(1_795_000_000_000), "2026-11-18 11:06:40"); // date -u -d @1795000000
        assert_eq!(super::utc(951_782_400_000), "2000-02-29 00:00:00");
        assert_eq!(super::clock(1_795_000_000_123), "11:06:40.123");
        assert_eq!(super::parse_utc("2000-02-29"), Some(951_782_400_000));
        assert_eq!(super::parse_utc("2026-11-18T11:06"), Some(1_795_000_000_000 - 40_000));
        assert_eq!(super::parse_utc("2026-11-18T11:06:40"), Some(1_795_000_000_000));
        assert_eq!(super::parse_utc("2026-02-31"), None, "no February 31st");
        assert_eq!(super::parse_utc("yesterday"), None);
    }
}
