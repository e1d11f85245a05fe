//! Scroll geometry of the virtual log viewer: for a log of `total` lines
//! seen through a scroller of some height at some scroll position, which
//! lines are in view, which to render and fetch, where the rendered window
//! sits, and where to scroll to show a line. Plain numbers, no DOM, so it is
//! tested here and computed in one place.
//!
//! Rows are [`ROW_H`] pixels high. A log taller than a browser lets an
//! element be ([`MAX_PX`]) is *scaled*: the content is `MAX_PX` high and the
//! scroll position maps proportionally onto line numbers.

/// Height of one row, in CSS pixels (the stylesheet agrees).
pub const ROW_H: f64 = 18.0;
/// Browsers cap element heights (Firefox near 17.9M px): past this the
/// scroll position maps proportionally onto line numbers.
pub const MAX_PX: f64 = 15_000_000.0;
/// Rows rendered beyond the viewport, each side.
pub const OVERSCAN: u64 = 12;

/// A log of `total` lines seen through a scroller `height` pixels high,
/// scrolled to `scroll_top`. Line numbers start at 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Viewport {
    /// Lines in the log.
    pub total: u64,
    /// The scroller's `scrollTop`, in CSS pixels.
    pub scroll_top: f64,
    /// The scroller's visible height (`clientHeight`), in CSS pixels.
    pub height: f64,
}

impl Viewport {
    pub fn new(total: u64, scroll_top: f64, height: f64) -> Viewport {
        Viewport { total, scroll_top, height }
    }

    /// Rows the viewport shows (one more for a partly shown row).
    pub fn visible_rows(&self) -> u64 {
        (self.height / ROW_H).ceil() as u64 + 1
    }

    /// Whether the log is too tall to lay out row by row, so scroll
    /// positions map proportionally onto line numbers.
    pub fn scaled(&self) -> bool {
        self.total as f64 * ROW_H > MAX_PX
    }

    /// Height of the scrolled content (the spacer), in CSS pixels.
    pub fn content_height(&self) -> f64 {
        (self.total as f64 * ROW_H).min(MAX_PX)
    }

    /// How far the scroll position can travel in scaled mode (at least 1).
    fn travel(&self) -> f64 {
        (self.content_height() - self.height).max(1.0)
    }

    /// The first line in view, in `1..=total` (1 for an empty log).
    pub fn first_line(&self) -> u64 {
        if self.total == 0 {
            return 1;
        }
        let n = if self.scaled() {
            let at = (self.scroll_top / self.travel()).clamp(0.0, 1.0);
            (at * (self.total.saturating_sub(self.visible_rows()) as f64)) as u64 + 1
        } else {
            (self.scroll_top / ROW_H) as u64 + 1
        };
        n.clamp(1, self.total)
    }

    /// The lines to render and to have loaded, `(first, last)` inclusive:
    /// the lines in view and [`OVERSCAN`] more each side, within the log
    /// (`(1, 0)`, nothing, for an empty log).
    pub fn window(&self) -> (u64, u64) {
        let first = self.first_line();
        (first.saturating_sub(OVERSCAN).max(1), (first + self.visible_rows() + OVERSCAN).min(self.total))
    }

    /// Where the rendered window starts inside the content, in CSS pixels
    /// (its `translateY`). Scaled, the window is kept at the scroll
    /// position, shifted up by the overscan rows rendered above the first
    /// visible line.
    pub fn window_offset(&self) -> f64 {
        let (first_rendered, _) = self.window();
        if self.scaled() {
            (self.scroll_top - (self.first_line() - first_rendered) as f64 * ROW_H).max(0.0)
        } else {
            (first_rendered - 1) as f64 * ROW_H
        }
    }

    /// The scroll position that puts line `n` at the top of the view.
    pub fn scroll_top_for(&self, n: u64) -> f64 {
        let rows_before = n.saturating_sub(1) as f64;
        if self.scaled() {
            let last_top = self.total.max(1).saturating_sub(self.visible_rows()).max(1) as f64;
            rows_before / last_top * self.travel()
        } else {
            rows_before * ROW_H
        }
    }

    /// The scroll position for a jump to line `n` (a permalink, a search
    /// match): the line a third of the way down the view, never above the
    /// top.
    pub fn scroll_top_to_show(&self, n: u64) -> f64 {
        (self.scroll_top_for(n) - self.height / 3.0).max(0.0)
    }

    /// Whether the view is at the bottom of a scroller whose content is
    /// `scroll_height` pixels high (within a row): follow mode holds there.
    pub fn at_bottom(&self, scroll_height: f64) -> bool {
        self.scroll_top + self.height >= scroll_height - ROW_H
    }

    /// Width of the line-number gutter, in `ch` (see [`gutter_width`]).
    pub fn gutter_width(&self) -> usize {
        gutter_width(self.total)
    }
}

/// Width of the line-number gutter for a log of `total` lines, in `ch`: the
/// digits of the largest line number (at least 4), plus one.
pub fn gutter_width(total: u64) -> usize {
    total.max(1).to_string().len().max(4) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 600 px shows 34 rows (33⅓ rounded up), plus one partly shown.
    const H: f64 = 600.0;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn rows_in_view() {
        assert_eq!(Viewport::new(1000, 0.0, H).visible_rows(), 35);
        assert_eq!(Viewport::new(1000, 0.0, 18.0).visible_rows(), 2);
        assert_eq!(Viewport::new(1000, 0.0, 0.0).visible_rows(), 1);
    }

    #[test]
    fn top_of_a_short_log() {
        let v = Viewport::new(1000, 0.0, H);
        assert!(!v.scaled());
        assert_eq!(v.content_height(), 18_000.0);
        assert_eq!(v.first_line(), 1);
        assert_eq!(v.window(), (1, 48));
        assert_eq!(v.window_offset(), 0.0);
    }

    #[test]
    fn scrolled_into_the_middle() {
        // 100 rows down.
        let v = Viewport::new(1000, 1800.0, H);
        assert_eq!(v.first_line(), 101);
        assert_eq!(v.window(), (89, 148));
        assert_eq!(v.window_offset(), 88.0 * ROW_H);
        // Part of a row scrolled off still counts as that row.
        assert_eq!(Viewport::new(1000, 1817.0, H).first_line(), 101);
        assert_eq!(Viewport::new(1000, 1818.0, H).first_line(), 102);
    }

    #[test]
    fn clamped_at_the_ends() {
        // The bottom: content 18 000 px, view 600 px.
        let v = Viewport::new(1000, 17_400.0, H);
        assert_eq!(v.first_line(), 967);
        assert_eq!(v.window(), (955, 1000));
        // Past the end (an over-scroll, a stale position after a reset).
        let v = Viewport::new(1000, 1e9, H);
        assert_eq!(v.first_line(), 1000);
        assert_eq!(v.window(), (988, 1000));
        // Above the top (elastic scrolling).
        let v = Viewport::new(1000, -50.0, H);
        assert_eq!(v.first_line(), 1);
        assert_eq!(v.window(), (1, 48));
        // A log shorter than the view.
        assert_eq!(Viewport::new(10, 0.0, H).window(), (1, 10));
    }

    #[test]
    fn empty_log() {
        let v = Viewport::new(0, 0.0, H);
        assert_eq!(v.first_line(), 1);
        assert_eq!(v.window(), (1, 0));
        assert_eq!(v.content_height(), 0.0);
        assert_eq!(v.window_offset(), 0.0);
        assert_eq!(v.scroll_top_for(1), 0.0);
        assert_eq!(v.gutter_width(), 5);
    }

    #[test]
    fn scaling_starts_past_the_browser_limit() {
        // 833 333 rows are 14 999 994 px; one more is past 15 000 000.
        assert!(!Viewport::new(833_333, 0.0, H).scaled());
        let v = Viewport::new(833_334, 0.0, H);
        assert!(v.scaled());
        assert_eq!(v.content_height(), MAX_PX);
    }

    #[test]
    fn a_million_lines() {
        let total = 1_000_000;
        let top = Viewport::new(total, 0.0, H);
        assert!(top.scaled());
        assert_eq!(top.content_height(), 15_000_000.0);
        assert_eq!(top.first_line(), 1);
        assert_eq!(top.window(), (1, 48));
        assert_eq!(top.window_offset(), 0.0);

        // The scroll bar travels 15 000 000 − 600 px over lines 1..=999 966
        // (the last 35 fill the view at the bottom).
        let bottom = Viewport::new(total, 14_999_400.0, H);
        assert_eq!(bottom.first_line(), 999_966);
        assert_eq!(bottom.window(), (999_954, 1_000_000));
        // The window sits at the scroll position, 12 overscan rows higher.
        assert_eq!(bottom.window_offset(), 14_999_400.0 - 12.0 * ROW_H);
        assert_eq!(Viewport::new(total, 2e7, H).first_line(), 999_966);

        let middle = Viewport::new(total, 7_499_700.0, H);
        assert_eq!(middle.first_line(), 499_983);
        assert_eq!(middle.window(), (499_971, 500_030));
        assert_eq!(middle.window_offset(), 7_499_700.0 - 12.0 * ROW_H);

        // Back from line numbers to scroll positions.
        assert_eq!(top.scroll_top_for(1), 0.0);
        assert_eq!(top.scroll_top_for(999_966), 14_999_400.0);
        assert!(close(top.scroll_top_for(499_983), 7_499_692.500_037_502));
        // The last line is past the travel: the browser clamps it.
        assert!(top.scroll_top_for(1_000_000) > 14_999_400.0);
        assert_eq!(Viewport::new(total, top.scroll_top_for(999_966), H).first_line(), 999_966);
        assert_eq!(top.gutter_width(), 8);
    }

    #[test]
    fn scroll_positions_for_lines() {
        let v = Viewport::new(1000, 0.0, H);
        assert_eq!(v.scroll_top_for(1), 0.0);
        assert_eq!(v.scroll_top_for(101), 1800.0);
        assert_eq!(v.scroll_top_for(0), 0.0);
        // A jump puts the line a third of the way down, never above the top.
        assert_eq!(v.scroll_top_to_show(101), 1600.0);
        assert_eq!(v.scroll_top_to_show(3), 0.0);
        // And the line is then in view.
        let after = Viewport::new(1000, v.scroll_top_to_show(500), H);
        assert_eq!(after.first_line(), 488);
        assert!(after.first_line() <= 500 && 500 < after.first_line() + after.visible_rows());
    }

    #[test]
    fn follow_holds_within_a_row_of_the_bottom() {
        let at = |st: f64| Viewport::new(1000, st, H).at_bottom(18_000.0);
        assert!(at(17_400.0));
        assert!(at(17_382.0));
        assert!(!at(17_381.0));
        assert!(!at(0.0));
        // Shorter than the view: always at the bottom.
        assert!(Viewport::new(10, 0.0, H).at_bottom(180.0));
    }

    #[test]
    fn gutter_fits_the_largest_line_number() {
        assert_eq!(gutter_width(0), 5);
        assert_eq!(gutter_width(9_999), 5);
        assert_eq!(gutter_width(10_000), 6);
        assert_eq!(gutter_width(1_000_000), 8);
    }
}
