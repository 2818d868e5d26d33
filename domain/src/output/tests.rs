use super::*;
use proptest::prelude::*;

fn small(max_line_bytes: usize, max_bytes: u64, max_lines: u64) -> OutputLimits {
    OutputLimits { max_line_bytes, max_bytes, max_lines }
}

fn run(limits: OutputLimits, chunks: &[(Stream, &[u8])]) -> Vec<(Stream, String)> {
    let mut output = OutputLines::new(limits);
    let mut lines = Vec::new();
    for (stream, bytes) in chunks {
        output.take(*stream, bytes, &mut lines);
    }
    output.finish(&mut lines);
    lines.into_iter().map(|l| (l.stream, String::from_utf8_lossy(&l.bytes).into_owned())).collect()
}

use Stream::{Stderr, Stdout};

#[test]
fn lines_are_cut_at_newlines_per_stream_across_chunks() {
    let lines = run(OutputLimits::default(), &[(Stdout, b"hel"), (Stderr, b"oops\n"), (Stdout, b"lo\nworld"), (Stdout, b"\n\n")]);
    assert_eq!(lines, [(Stderr, "oops".into()), (Stdout, "hello".into()), (Stdout, "world".into()), (Stdout, "".into())]);
}

#[test]
fn an_unterminated_last_line_is_a_line() {
    assert_eq!(run(OutputLimits::default(), &[(Stdout, b"a\nb")]), [(Stdout, "a".into()), (Stdout, "b".into())]);
}

#[test]
fn a_long_line_is_split_at_the_limit_and_a_newline_after_a_full_piece_adds_no_empty_line() {
    let lines = run(small(4, 1000, 1000), &[(Stdout, b"abcdefghij\n"), (Stdout, b"wxyz\n")]);
    let texts: Vec<&str> = lines.iter().map(|(_, l)| l.as_str()).collect();
    assert_eq!(texts, ["abcd", "efgh", "ij", "wxyz"]);
}

#[test]
fn a_split_never_cuts_a_utf8_character() {
    // "aé" is 3 bytes; a 2-byte limit would cut é in half, so the piece is "a".
    let lines = run(small(2, 1000, 1000), &[(Stdout, "aéé".as_bytes())]);
    let texts: Vec<&str> = lines.iter().map(|(_, l)| l.as_str()).collect();
    assert_eq!(texts, ["a", "é", "é"]);
}

#[test]
fn past_the_line_allowance_the_rest_is_counted_and_one_truncation_line_ends_the_output() {
    let lines = run(small(100, 1000, 2), &[(Stdout, b"one\ntwo\nthree\nfour\n"), (Stderr, b"late")]);
    assert_eq!(
        lines,
        [(Stdout, "one".into()), (Stdout, "two".into()), (Stderr, "[output truncated: 15 bytes dropped]".into())],
        "three\\n four\\n late = 6 + 5 + 4"
    );
}

#[test]
fn past_the_byte_allowance_a_partial_line_on_the_other_stream_is_dropped_too() {
    let lines = run(small(100, 8, 100), &[(Stderr, b"err"), (Stdout, b"1234\n5678\n")]);
    assert_eq!(lines, [(Stdout, "1234".into()), (Stderr, "[output truncated: 8 bytes dropped]".into())]);
}

#[test]
fn a_hundred_megabytes_without_a_newline_keeps_at_most_one_line_in_memory() {
    let limits = small(DOCKER_LINE_BYTES, 1024 * 1024, 1_000_000);
    let mut output = OutputLines::new(limits);
    let chunk = vec![b'x'; 64 * 1024];
    let mut lines = Vec::new();
    for _ in 0..1600 {
        output.take(Stdout, &chunk, &mut lines);
        assert!(output.buffered() <= DOCKER_LINE_BYTES);
        lines.clear();
    }
    output.finish(&mut lines);
    let last = String::from_utf8(lines.pop().unwrap().bytes).unwrap();
    assert_eq!(last, format!("[output truncated: {} bytes dropped]", 1600 * 64 * 1024 - 1024 * 1024));
}

#[test]
fn a_reattached_reader_skips_exactly_what_it_read_even_among_equal_timestamps() {
    let mut position = ReadPosition::default();
    // Three pieces of one long line share a timestamp; the stream breaks after the second.
    assert!(position.is_new(5));
    assert!(position.is_new(7));
    assert!(position.is_new(7));
    position.reattach();
    let replay = [5, 7, 7, 7, 9];
    let new: Vec<bool> = replay.iter().map(|at| position.is_new(*at)).collect();
    assert_eq!(new, [false, false, false, true, true]);
    assert_eq!(position.last, 9);
}

#[test]
fn a_reader_that_never_breaks_takes_every_piece_of_a_long_line() {
    let mut position = ReadPosition::default();
    assert!((0..100).all(|_| position.is_new(42)));
}

fn stream() -> impl Strategy<Value = Stream> {
    prop_oneof![Just(Stdout), Just(Stderr)]
}

proptest! {
    /// Under the allowance nothing is lost: per stream, the lines and the newlines between them
    /// account for every byte, and no line is longer than the limit.
    #[test]
    fn every_byte_is_kept_under_the_allowance(
        chunks in prop::collection::vec((stream(), prop::collection::vec(prop_oneof![Just(b'\n'), any::<u8>()], 0..40)), 0..30),
        max_line in 1usize..10,
    ) {
        let mut output = OutputLines::new(small(max_line, u64::MAX, u64::MAX));
        let mut lines = Vec::new();
        for (stream, bytes) in &chunks {
            output.take(*stream, bytes, &mut lines);
            prop_assert!(output.buffered() <= 2 * max_line);
        }
        output.finish(&mut lines);
        for which in [Stdout, Stderr] {
            let input: usize = chunks.iter().filter(|(s, _)| *s == which).map(|(_, b)| b.len()).sum();
            let newlines: usize = chunks.iter().filter(|(s, _)| *s == which).map(|(_, b)| b.iter().filter(|c| **c == b'\n').count()).sum();
            let kept: usize = lines.iter().filter(|l| l.stream == which).map(|l| l.bytes.len()).sum();
            prop_assert_eq!(kept + newlines, input);
        }
        prop_assert!(lines.iter().all(|l| l.bytes.len() <= max_line && !l.bytes.contains(&b'\n')));
    }

    /// With any allowance: what is kept stays inside it, and kept plus dropped is everything.
    #[test]
    fn kept_and_dropped_account_for_everything(
        chunks in prop::collection::vec((stream(), prop::collection::vec(prop_oneof![Just(b'\n'), Just(b'a')], 0..40)), 0..30),
        max_bytes in 0u64..200,
        max_lines in 0u64..20,
    ) {
        let mut output = OutputLines::new(small(8, max_bytes, max_lines));
        let mut lines = Vec::new();
        for (stream, bytes) in &chunks {
            output.take(*stream, bytes, &mut lines);
        }
        output.finish(&mut lines);
        let total: u64 = chunks.iter().map(|(_, b)| b.len() as u64).sum();
        let dropped = match lines.last().map(|l| String::from_utf8_lossy(&l.bytes).into_owned()) {
            Some(text) if text.starts_with("[output truncated: ") => {
                lines.pop();
                text.trim_start_matches("[output truncated: ").trim_end_matches(" bytes dropped]").parse::<u64>().unwrap()
            }
            _ => 0,
        };
        prop_assert!(lines.len() as u64 <= max_lines);
        let newlines_kept = total - dropped - lines.iter().map(|l| l.bytes.len() as u64).sum::<u64>();
        prop_assert!(newlines_kept <= lines.len() as u64, "only a kept line's own newline is counted with it");
        prop_assert!(total - dropped <= max_bytes);
    }
}
