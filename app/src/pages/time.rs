//! Epoch milliseconds as `YYYY-MM-DD HH:MM:SS` UTC, the same on the server and in the browser.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

pub fn utc(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms).map(|at| at.format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_else(|| "—".into())
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

#[cfg(test)]
mod tests {
    #[test]
    fn formats_known_instants() {
        assert_eq!(super::utc(0), "1970-01-01 00:00:00");
        assert_eq!(super::utc(1_795_000_000_000), "2026-11-18 11:06:40"); // date -u -d @1795000000
        assert_eq!(super::utc(951_782_400_000), "2000-02-29 00:00:00");
        assert_eq!(super::parse_utc("2000-02-29"), Some(951_782_400_000));
        assert_eq!(super::parse_utc("2026-11-18T11:06"), Some(1_795_000_000_000 - 40_000));
        assert_eq!(super::parse_utc("2026-11-18T11:06:40"), Some(1_795_000_000_000));
        assert_eq!(super::parse_utc("2026-02-31"), None, "no February 31st");
        assert_eq!(super::parse_utc("yesterday"), None);
    }
}
