//! Job output read as CloudWatch Logs streams (ARCHITECTURE.md §12): a page of one stream
//! (GetLogEvents), matching lines across streams (FilterLogEvents), and the streams themselves
//! (DescribeLogStreams). Reading needs the Read action, as any other read: a viewer may.

use crate::batch::Batch;
use crate::error::{ServiceError, ServiceResult};
use crate::store::entities::{attempt_logs, job_attempts};
use crate::store::job_logs::{self, StreamOrder, TimeRange};
use domain::FieldError;
use domain::access::{Action, Caller};
use domain::job_logs::{FILTER_SCAN, LogToken, MAX_EVENTS, TermPattern, attempt_of_stream, next_tokens};
use std::collections::HashMap;

/// Most streams a FilterLogEvents call searches by name or prefix (AWS's limit for names).
pub const MAX_FILTER_STREAMS: usize = 100;
/// Most streams DescribeLogStreams returns at once (AWS's limit).
pub const MAX_STREAMS: u64 = 50;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    /// The line's id: increasing, and the `eventId` FilterLogEvents gives it.
    pub id: i64,
    pub stream: String,
    pub at: i64,
    pub message: String,
}

/// GetLogEvents: where to read one stream from.
#[derive(Debug, Clone, Default)]
pub struct ReadStream {
    pub stream: String,
    pub token: Option<LogToken>,
    /// Without a token: the oldest lines when true, else the newest (AWS's default).
    pub start_from_head: bool,
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub limit: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamPage {
    pub events: Vec<LogEvent>,
    pub forward: LogToken,
    pub backward: LogToken,
}

/// FilterLogEvents: which streams, which lines, and where the last call stopped.
#[derive(Debug, Clone, Default)]
pub struct FilterEvents {
    pub streams: Vec<String>,
    pub stream_prefix: Option<String>,
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub pattern: TermPattern,
    /// The last line the previous call read.
    pub after: i64,
    pub limit: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilteredEvents {
    pub events: Vec<LogEvent>,
    /// Where to go on from, when the search is not finished (it may have matched nothing yet).
    pub after: Option<i64>,
}

/// DescribeLogStreams.
#[derive(Debug, Clone, Default)]
pub struct ListStreams {
    pub prefix: String,
    /// Order by when the stream's attempt opened (standing in for AWS's LastEventTime).
    pub by_opening: bool,
    pub descending: bool,
    pub token: Option<String>,
    pub limit: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogStream {
    pub name: String,
    /// When its attempt started (its container ran), if it did.
    pub created_at: Option<i64>,
    pub stopped_at: Option<i64>,
}

fn limit_of(limit: Option<u64>, most: u64, field: &str) -> ServiceResult<u64> {
    match limit {
        None => Ok(most),
        Some(n) if (1..=most).contains(&n) => Ok(n),
        Some(_) => Err(FieldError::new(field, format!("must be between 1 and {most}")).into()),
    }
}

fn stream_not_found(name: &str) -> ServiceError {
    ServiceError::not_found("log stream", name)
}

impl Batch {
    /// GetLogEvents: a page of one attempt's output, with tokens to read on in both directions.
    pub async fn log_events(&self, caller: &Caller, read: ReadStream) -> ServiceResult<StreamPage> {
        self.guarded(caller, Action::Read, "", async move {
            let limit = limit_of(read.limit, MAX_EVENTS, "limit")?;
            let (job_id, attempt) = attempt_of_stream(&read.stream).ok_or_else(|| stream_not_found(&read.stream))?;
            if !job_logs::attempt_named(self.reader(), &job_id, attempt, &read.stream).await? {
                return Err(stream_not_found(&read.stream));
            }
            let from = read.token.unwrap_or(if read.start_from_head { LogToken::Forward(0) } else { LogToken::Backward(i64::MAX) });
            let range = TimeRange { start: read.start, end: read.end };
            let lines = job_logs::page(self.reader(), &job_id, attempt, from, range, limit).await?;
            let ids = lines.first().zip(lines.last()).map(|(first, last)| (first.id, last.id));
            let (mut forward, backward) = next_tokens(from, ids);
            if ids.is_none() && from == LogToken::Backward(i64::MAX) {
                // An empty stream read from its end: reading forward must find its first line.
                forward = LogToken::Forward(0);
            }
            let events = lines.into_iter().map(|line| event(line, &read.stream)).collect();
            Ok(StreamPage { events, forward, backward })
        })
        .await
    }

    /// FilterLogEvents: lines matching a term pattern, oldest first, across the named streams,
    /// those with a prefix, or all. Each call reads at most `FILTER_SCAN` lines, so a search of
    /// a large store is paged, as on AWS (a page may hold no events and still a token).
    pub async fn filter_log_events(&self, caller: &Caller, filter: FilterEvents) -> ServiceResult<FilteredEvents> {
        self.guarded(caller, Action::Read, "", async move {
            let limit = limit_of(filter.limit, MAX_EVENTS, "limit")?;
            let attempts = self.attempts_to_search(&filter).await?;
            if attempts.as_ref().is_some_and(Vec::is_empty) {
                return Ok(FilteredEvents { events: Vec::new(), after: None });
            }
            let range = TimeRange { start: filter.start, end: filter.end };
            let lines = job_logs::across(self.reader(), attempts.as_deref(), filter.after, range, FILTER_SCAN).await?;
            let scanned_all = (lines.len() as u64) < FILTER_SCAN;
            let mut after = lines.last().map(|line| line.id);
            let mut matched = Vec::new();
            for line in lines {
                if filter.pattern.matches(&line.line) {
                    if matched.len() as u64 == limit {
                        break;
                    }
                    after = Some(line.id);
                    matched.push(line);
                }
            }
            let finished = scanned_all && (matched.len() as u64) < limit;
            let names = self.stream_names_of(&matched).await?;
            let events = matched
                .into_iter()
                .map(|line| {
                    let stream = names.get(&(line.job_id.clone(), line.attempt_number)).cloned().unwrap_or_default();
                    event(line, &stream)
                })
                .collect();
            Ok(FilteredEvents { events, after: if finished { None } else { after } })
        })
        .await
    }

    /// The attempts a filter names (by stream name or prefix), or `None` for all of them.
    async fn attempts_to_search(&self, filter: &FilterEvents) -> ServiceResult<Option<Vec<(String, i32)>>> {
        if !filter.streams.is_empty() && filter.stream_prefix.is_some() {
            return Err(FieldError::new("logStreamNamePrefix", "give logStreamNames or logStreamNamePrefix, not both").into());
        }
        if filter.streams.len() > MAX_FILTER_STREAMS {
            return Err(FieldError::new("logStreamNames", format!("at most {MAX_FILTER_STREAMS} names")).into());
        }
        if let Some(prefix) = &filter.stream_prefix {
            let attempts = job_logs::streams(self.reader(), prefix, &StreamOrder::Name(None), false, MAX_FILTER_STREAMS as u64).await?;
            return Ok(Some(streams_with_prefix(attempts, prefix).filter_map(|s| attempt_of_stream(&s.name)).collect()));
        }
        if filter.streams.is_empty() {
            return Ok(None);
        }
        Ok(Some(filter.streams.iter().filter_map(|name| attempt_of_stream(name)).collect()))
    }

    async fn stream_names_of(&self, lines: &[attempt_logs::Model]) -> ServiceResult<HashMap<(String, i32), String>> {
        let mut job_ids: Vec<String> = lines.iter().map(|line| line.job_id.clone()).collect();
        job_ids.sort_unstable();
        job_ids.dedup();
        let attempts = crate::store::attempts::of_jobs(self.reader(), &job_ids).await?;
        Ok(attempts.into_iter().filter_map(|a| Some(((a.job_id, a.attempt_number), a.log_stream_name?))).collect())
    }

    /// DescribeLogStreams: the streams whose names start with a prefix, by name or by when
    /// their attempt opened; the token is where the previous page ended.
    pub async fn log_streams(&self, caller: &Caller, list: ListStreams) -> ServiceResult<(Vec<LogStream>, Option<String>)> {
        self.guarded(caller, Action::Read, "", async move {
            let limit = limit_of(list.limit, MAX_STREAMS, "limit")?;
            let order = match (&list.token, list.by_opening) {
                (None, false) => StreamOrder::Name(None),
                (None, true) => StreamOrder::Opened(None),
                (Some(token), false) => StreamOrder::Name(Some(token.clone())),
                (Some(token), true) => {
                    StreamOrder::Opened(Some(token.parse().map_err(|_| FieldError::new("nextToken", "is not a token this call gave"))?))
                }
            };
            let attempts = job_logs::streams(self.reader(), &list.prefix, &order, list.descending, limit).await?;
            // The token is taken before the exact prefix check drops anything, so a page cut
            // short by that check still leads on.
            let token = match order {
                _ if (attempts.len() as u64) < limit => None,
                StreamOrder::Name(_) => attempts.last().and_then(|a| a.log_stream_name.clone()),
                StreamOrder::Opened(_) => attempts.last().map(|a| a.id.to_string()),
            };
            Ok((streams_with_prefix(attempts, &list.prefix).collect(), token))
        })
        .await
    }
}

/// The streams of `attempts` whose names really start with `prefix` (LIKE was a first cut).
fn streams_with_prefix(attempts: Vec<job_attempts::Model>, prefix: &str) -> impl Iterator<Item = LogStream> + '_ {
    attempts.into_iter().filter_map(move |a| {
        let name = a.log_stream_name.filter(|name| name.starts_with(prefix))?;
        Some(LogStream { name, created_at: a.started_at, stopped_at: a.stopped_at })
    })
}

fn event(line: attempt_logs::Model, stream: &str) -> LogEvent {
    LogEvent { id: line.id, stream: stream.to_string(), at: line.at, message: line.line }
}
