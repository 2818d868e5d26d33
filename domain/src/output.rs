//! A container's output cut into stored lines, with bounds that hold whatever it prints: a line
//! longer than `max_line_bytes` is split (as Docker's log drivers split at 16 KiB), and once an
//! attempt has used its byte or line allowance the rest is counted, not kept, and one
//! `[output truncated: N bytes dropped]` line closes the output. Memory per attempt is two
//! partial lines; the work per byte is constant.

/// The bounds on one attempt's stored output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputLimits {
    pub max_line_bytes: usize,
    /// Bytes kept per attempt (newlines included).
    pub max_bytes: u64,
    pub max_lines: u64,
}

/// Docker's own split point for long lines.
pub const DOCKER_LINE_BYTES: usize = 16 * 1024;

impl Default for OutputLimits {
    fn default() -> Self {
        OutputLimits { max_line_bytes: DOCKER_LINE_BYTES, max_bytes: 64 * 1024 * 1024, max_lines: 1_000_000 }
    }
}

/// Which of the container's streams a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    pub fn as_str(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }

    fn slot(self) -> usize {
        self as usize
    }
}

/// One line to store, without its newline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub stream: Stream,
    pub bytes: Vec<u8>,
}

/// Bytes in, lines out, for one attempt.
#[derive(Debug)]
pub struct OutputLines {
    limits: OutputLimits,
    partial: [Vec<u8>; 2],
    kept_bytes: u64,
    kept_lines: u64,
    /// Some once the allowance is used up: the bytes discarded since.
    dropped: Option<u64>,
}

impl OutputLines {
    pub fn new(limits: OutputLimits) -> Self {
        assert!(limits.max_line_bytes > 0, "a line holds at least one byte");
        OutputLines { limits, partial: [Vec::new(), Vec::new()], kept_bytes: 0, kept_lines: 0, dropped: None }
    }

    /// Takes a chunk of `stream`, appending the lines it completes to `out`.
    pub fn take(&mut self, stream: Stream, mut bytes: &[u8], out: &mut Vec<Line>) {
        let slot = stream.slot();
        while !bytes.is_empty() {
            if let Some(dropped) = &mut self.dropped {
                *dropped += bytes.len() as u64;
                return;
            }
            let room = self.limits.max_line_bytes - self.partial[slot].len();
            // A newline right after a full line ends that line, not an empty one.
            let window = &bytes[..bytes.len().min(room + 1)];
            if let Some(newline) = window.iter().position(|b| *b == b'\n') {
                self.partial[slot].extend_from_slice(&bytes[..newline]);
                bytes = &bytes[newline + 1..];
                self.end_line(stream, 1, out);
            } else if bytes.len() > room {
                let cut = char_boundary(bytes, room);
                self.partial[slot].extend_from_slice(&bytes[..cut]);
                bytes = &bytes[cut..];
                self.end_line(stream, 0, out);
            } else {
                self.partial[slot].extend_from_slice(bytes);
                return;
            }
        }
    }

    /// The output ended: unterminated last lines are lines, then the truncation line if any.
    pub fn finish(&mut self, out: &mut Vec<Line>) {
        for stream in [Stream::Stdout, Stream::Stderr] {
            if !self.partial[stream.slot()].is_empty() {
                self.end_line(stream, 0, out);
            }
        }
        if let Some(dropped) = self.dropped.take() {
            out.push(Line { stream: Stream::Stderr, bytes: format!("[output truncated: {dropped} bytes dropped]").into_bytes() });
        }
    }

    /// Whether the allowance is used up (what follows is only counted).
    pub fn truncated(&self) -> bool {
        self.dropped.is_some()
    }

    /// Bytes held while waiting for a newline (bounded by two lines).
    pub fn buffered(&self) -> usize {
        self.partial.iter().map(Vec::len).sum()
    }

    fn end_line(&mut self, stream: Stream, newline: u64, out: &mut Vec<Line>) {
        let line = std::mem::take(&mut self.partial[stream.slot()]);
        let size = line.len() as u64 + newline;
        if self.kept_lines < self.limits.max_lines && self.kept_bytes + size <= self.limits.max_bytes {
            self.kept_lines += 1;
            self.kept_bytes += size;
            out.push(Line { stream, bytes: line });
        } else {
            let other = std::mem::take(&mut self.partial[1 - stream.slot()]);
            self.dropped = Some(size + other.len() as u64);
        }
    }
}

/// How far a reader of the engine's log got, by the engine's timestamps, so a re-attached
/// stream (which restarts at a whole second) skips exactly what was read. Docker gives every
/// 16 KiB piece of one long line the line's timestamp, so equal timestamps are counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadPosition {
    /// Nanoseconds since the epoch of the last chunk read.
    pub last: i64,
    /// Chunks read with exactly that timestamp.
    at_last: usize,
    /// Chunks with that timestamp still to skip on the current attach.
    to_skip: usize,
}

impl ReadPosition {
    /// The stream is attached again from `since_seconds()`.
    pub fn reattach(&mut self) {
        self.to_skip = self.at_last;
    }

    /// Where to attach from: the whole second holding the last chunk read.
    pub fn since_seconds(&self) -> i64 {
        self.last / 1_000_000_000
    }

    /// Whether a chunk stamped `at` is new (and counts it as read). 0 means no timestamp.
    pub fn is_new(&mut self, at: i64) -> bool {
        if at == 0 {
            return true;
        }
        if at < self.last {
            return false;
        }
        if at == self.last {
            if self.to_skip > 0 {
                self.to_skip -= 1;
                return false;
            }
            self.at_last += 1;
        } else {
            *self = ReadPosition { last: at, at_last: 1, to_skip: 0 };
        }
        true
    }
}

/// Where to cut `bytes` at or before `at` without splitting a UTF-8 character (at `at` when no
/// boundary is within a character's length: the bytes were not UTF-8 anyway).
fn char_boundary(bytes: &[u8], at: usize) -> usize {
    let is_continuation = |b: u8| b & 0xC0 == 0x80;
    (at.saturating_sub(3)..=at).rev().find(|&i| !is_continuation(bytes[i])).filter(|&i| i > 0).unwrap_or(at)
}

#[cfg(test)]
mod tests;
