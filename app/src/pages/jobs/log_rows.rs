//! Where each line of a job's output sits, so that only the rows in view need drawing
//! (`log_view.rs`, ARCHITECTURE.md §15).
//!
//! Unwrapped, every line is one row of `ROW_PX`. Wrapped, the output breaks the way a terminal
//! does: at the column where the next character no longer fits, spaces included (the stylesheet's
//! `white-space: break-spaces; line-break: anywhere`). In a monospace font a line of `n`
//! character cells then takes `ceil(n / columns)` rows, so a scroll position still names a line
//! without measuring one. Characters a monospace font draws wider (CJK, emoji) are counted as one
//! cell: such lines take more rows than counted, and the view is off by as much.

/// Every row's height in CSS pixels (`.log .line` in style/main.css says the same).
pub const ROW_PX: f64 = 18.0;
/// Rows drawn beyond each edge of the view, so a fast scroll does not show a gap.
pub const OVERSCAN: usize = 30;
/// The cells a tab advances to the next multiple of (CSS `tab-size`'s default).
const TAB_STOP: usize = 8;

/// The rows each shown line starts at.
#[derive(Clone, Debug, PartialEq)]
pub enum Rows {
    /// This many lines, each one row.
    One(usize),
    /// The row each line starts at, then the row after the last line.
    Starts(Vec<usize>),
}

impl Rows {
    /// Lines of the given numbers of cells, wrapped at `columns`.
    pub fn wrapped(cells: impl IntoIterator<Item = usize>, columns: usize) -> Rows {
        let columns = columns.max(1);
        let mut starts = vec![0];
        let mut next = 0;
        for n in cells {
            next += n.div_ceil(columns).max(1);
            starts.push(next);
        }
        Rows::Starts(starts)
    }

    pub fn lines(&self) -> usize {
        match self {
            Rows::One(lines) => *lines,
            Rows::Starts(starts) => starts.len() - 1,
        }
    }

    /// The row `line` starts at (`lines()` for the row after the last line).
    pub fn start_of(&self, line: usize) -> usize {
        match self {
            Rows::One(_) => line,
            Rows::Starts(starts) => starts[line],
        }
    }

    pub fn total(&self) -> usize {
        self.start_of(self.lines())
    }

    /// The line that row `row` (below `total()`) belongs to.
    pub fn line_at(&self, row: usize) -> usize {
        match self {
            Rows::One(_) => row,
            Rows::Starts(starts) => starts.partition_point(|&start| start <= row) - 1,
        }
    }
}

/// The character cells a line takes: `prefix` cells drawn before its text (attempt, time), then
/// one a character, a tab reaching the next tab stop.
pub fn cells(prefix: usize, text: &str) -> usize {
    text.chars().fold(prefix, |at, c| if c == '\t' { (at / TAB_STOP + 1) * TAB_STOP } else { at + 1 })
}

/// Which lines to draw for a view `view_px` high scrolled to `scroll_px`: those with a row in
/// view and `OVERSCAN` more either side, as `first..end`. A position past the end (as before the
/// first scroll) is the end.
pub fn rows_in_view(rows: &Rows, scroll_px: f64, view_px: f64) -> (usize, usize) {
    let (lines, total) = (rows.lines(), rows.total());
    if lines == 0 {
        return (0, 0);
    }
    let view_rows = (view_px.max(0.0) / ROW_PX).ceil() as usize;
    let top = ((scroll_px.max(0.0) / ROW_PX) as usize).min(total.saturating_sub(view_rows));
    let bottom = (top + view_rows.max(1) - 1).min(total - 1);
    (rows.line_at(top).saturating_sub(OVERSCAN), (rows.line_at(bottom) + 1 + OVERSCAN).min(lines))
}

#[cfg(test)]
mod tests {
    use super::{OVERSCAN, ROW_PX, Rows, cells, rows_in_view};

    #[test]
    fn unwrapped_draws_the_rows_in_view_and_a_margin_either_side_within_the_rows_there_are() {
        let view = 10.0 * ROW_PX;
        // (lines, scrolled to row) -> lines drawn
        let cases = [
            (0, 0.0, (0, 0)),
            (5, 0.0, (0, 5)),
            (1_000_000, 0.0, (0, 10 + OVERSCAN)),
            (1_000_000, 500_000.0, (500_000 - OVERSCAN, 500_000 + 10 + OVERSCAN)),
            (1_000_000, 999_990.0, (999_990 - OVERSCAN, 1_000_000)),
            (1_000_000, f64::MAX, (999_990 - OVERSCAN, 1_000_000)),
            // A stale scroll position past the end (lines filtered away) draws the last lines.
            (100, 5_000.0, (90 - OVERSCAN, 100)),
        ];
        for (lines, at_row, expected) in cases {
            assert_eq!(rows_in_view(&Rows::One(lines), at_row * ROW_PX, view), expected, "{lines} lines at row {at_row}");
        }
    }

    #[test]
    fn a_wrapped_line_takes_a_row_per_columns_cells_and_an_empty_line_one() {
        let rows = Rows::wrapped([0, 1, 80, 81, 160, 161], 80);
        assert_eq!(rows, Rows::Starts(vec![0, 1, 2, 3, 5, 7, 10]));
        assert_eq!((rows.lines(), rows.total()), (6, 10));
        // No columns measured yet: a row per cell rather than a division by zero.
        assert_eq!(Rows::wrapped([3], 0).total(), 3);
    }

    #[test]
    fn wrapped_draws_the_lines_whose_rows_are_in_view() {
        // 200 lines of 5 rows each: row r is in line r / 5.
        let rows = Rows::wrapped(std::iter::repeat_n(400, 200), 80);
        let view = 10.0 * ROW_PX;
        assert_eq!(rows_in_view(&rows, 0.0, view), (0, 2 + OVERSCAN));
        // Rows 503..513 are in lines 100..=102.
        assert_eq!(rows_in_view(&rows, 503.0 * ROW_PX, view), (100 - OVERSCAN, 103 + OVERSCAN));
        // The end: the last two lines' rows.
        assert_eq!(rows_in_view(&rows, f64::MAX, view), (198 - OVERSCAN, 200));
        // The same positions for lines of one row each are the unwrapped answer.
        let ones = Rows::wrapped(std::iter::repeat_n(10, 1_000), 80);
        for at_row in [0.0, 17.0, 500.0, 995.0, 5_000.0] {
            assert_eq!(rows_in_view(&ones, at_row * ROW_PX, view), rows_in_view(&Rows::One(1_000), at_row * ROW_PX, view));
        }
    }

    #[test]
    fn a_line_counts_its_prefix_and_reaches_tab_stops() {
        assert_eq!(cells(4, ""), 4);
        assert_eq!(cells(4, "abc"), 7);
        // "[1] " then a tab: to cell 8; "x" then a tab: from 9 to 16.
        assert_eq!(cells(4, "\t"), 8);
        assert_eq!(cells(4, "\tx\t"), 16);
        assert_eq!(cells(0, "héllo"), 5);
    }
}
