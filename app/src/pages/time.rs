//! Epoch milliseconds as `YYYY-MM-DD HH:MM:SS` UTC, the same on the server and in the browser;
//! and, once the page has hydrated, as a time relative to now ("3 min ago") with the absolute
//! time in the viewer's time zone on hover.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use leptos::prelude::*;

/// The browser's clock, ticking every 30 s: `None` on the server and until hydration, so the
/// first render in the browser matches the server's.
#[derive(Clone, Copy)]
pub struct Now(RwSignal<Option<i64>>);

/// Starts the clock `When` reads (once, in the layout).
pub fn provide_clock() {
    let now = RwSignal::new(None::<i64>);
    provide_context(Now(now));
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let tick = move || now.set(Some(web_sys::js_sys::Date::now() as i64));
        tick();
        // Lives as long as the page: the handle is not kept to be cleared.
        let _ = set_interval_with_handle(tick, std::time::Duration::from_secs(30));
    });
}

/// An instant: absolute (UTC) as rendered on the server; relative once hydrated, with the
/// viewer's local time on hover.
#[component]
pub fn When(ms: i64) -> impl IntoView {
    let now = use_context::<Now>().map(|Now(now)| now);
    let absolute = utc(ms);
    let utc_title = format!("{absolute} UTC");
    let iso = DateTime::from_timestamp_millis(ms).map(|at| at.to_rfc3339()).unwrap_or_default();
    let hydrated = move || now.and_then(|now| now.get());
    view! {
        <time
            datetime=iso
            title=move || if hydrated().is_some() { local_time(ms).unwrap_or_else(|| utc_title.clone()) } else { utc_title.clone() }
        >
            {move || match hydrated() {
                Some(now) => relative(now, ms),
                None => absolute.clone(),
            }}
        </time>
    }
}

/// `When`, or a dash for an instant that has not happened.
pub fn when_opt(ms: Option<i64>) -> AnyView {
    match ms {
        Some(ms) => view! { <When ms /> }.into_any(),
        None => "—".into_any(),
    }
}

/// The instant in the viewer's time zone and locale, with the zone's name.
fn local_time(ms: i64) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsValue;
        use web_sys::js_sys::{Date, Object, Reflect};
        let options = Object::new();
        Reflect::set(&options, &"dateStyle".into(), &"medium".into()).ok()?;
        Reflect::set(&options, &"timeStyle".into(), &"long".into()).ok()?;
        let date = Date::new(&JsValue::from_f64(ms as f64));
        Some(String::from(date.to_locale_string("default", &options)))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ms;
        None
    }
}

/// How long ago (or how far ahead) `at` is from `now`, as people say it; beyond 30 days the
/// date.
pub fn relative(now: i64, at: i64) -> String {
    let seconds = (now - at) / 1000;
    let (magnitude, future) = (seconds.abs(), seconds < 0);
    let amount = match magnitude {
        0..10 => return "just now".into(),
        10..60 => format!("{magnitude} s"),
        60..3_600 => format!("{} min", magnitude / 60),
        3_600..86_400 => format!("{} h", magnitude / 3_600),
        86_400..2_592_000 => format!("{} d", magnitude / 86_400),
        _ => return utc(at).get(..10).unwrap_or_default().to_string(),
    };
    if future { format!("in {amount}") } else { format!("{amount} ago") }
}

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
    fn relative_times_read_as_people_say_them() {
        let now = 1_795_000_000_000;
        assert_eq!(super::relative(now, now - 3_000), "just now");
        assert_eq!(super::relative(now, now - 42_000), "42 s ago");
        assert_eq!(super::relative(now, now - 185_000), "3 min ago");
        assert_eq!(super::relative(now, now - 2 * 3_600_000), "2 h ago");
        assert_eq!(super::relative(now, now - 3 * 86_400_000), "3 d ago");
        assert_eq!(super::relative(now, now + 90_000), "in 1 min");
        assert_eq!(super::relative(now, now - 40 * 86_400_000), "2026-10-09");
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
