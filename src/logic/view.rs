//! The visible time window of the timeline and flow graphs: zoom around a point, pan, and the
//! mapping between virtual time and pixels. Times are µs as f64 (spans up to a virtual day).

/// Narrowest window: 1 ms across the whole width.
pub const MIN_SPAN_US: f64 = 1_000.0;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct View {
    pub start: f64,
    pub end: f64,
    /// Length of the whole run; the window never leaves [0, total].
    pub total: f64,
}

impl View {
    /// The whole run.
    pub fn fit(total_us: u64) -> View {
        let total = (total_us as f64).max(MIN_SPAN_US);
        View { start: 0.0, end: total, total }
    }

    pub fn span(&self) -> f64 {
        self.end - self.start
    }

    /// Zoom by `factor` (< 1 zooms in) keeping the time under `anchor` (0..1 across the
    /// width) where it is.
    pub fn zoom(&self, factor: f64, anchor: f64) -> View {
        let anchor = anchor.clamp(0.0, 1.0);
        let at = self.start + self.span() * anchor;
        let span = (self.span() * factor).clamp(MIN_SPAN_US.min(self.total), self.total);
        self.placed(at - span * anchor, span)
    }

    /// Shift by `frac` of the visible span (positive: later).
    pub fn pan(&self, frac: f64) -> View {
        self.placed(self.start + self.span() * frac, self.span())
    }

    /// The same window if `t` is inside it, else the window centred on `t`.
    pub fn follow(&self, t: f64) -> View {
        if t >= self.start && t <= self.end {
            *self
        } else {
            self.placed(t - self.span() / 2.0, self.span())
        }
    }

    /// A window of the same zoom over a run of another length (after a re-run).
    pub fn rescaled(&self, total_us: u64) -> View {
        let fresh = View::fit(total_us);
        if self.span() >= self.total {
            fresh
        } else {
            View { total: fresh.total, ..*self }.placed(self.start, self.span())
        }
    }

    fn placed(&self, start: f64, span: f64) -> View {
        let span = span.min(self.total);
        let start = start.clamp(0.0, self.total - span);
        View { start, end: start + span, total: self.total }
    }

    /// Pixel x of time `t` on a plot `width` px wide.
    pub fn x(&self, t: f64, width: f64) -> f64 {
        (t - self.start) / self.span() * width
    }

    /// Time at pixel `x`.
    pub fn t_at(&self, x: f64, width: f64) -> f64 {
        self.start + x / width * self.span()
    }
}

/// The time axis's tick step for a window of `span` µs: about 8 ticks at a 1/2/5 step. The
/// power of ten comes from multiplying rather than `powf(log10)`, which the first paint would
/// otherwise run for this alone (issue 10 item 6); spans start at `MIN_SPAN_US`, so it is exact.
pub fn tick_step(span: f64) -> f64 {
    let raw = span / 8.0;
    let mut mag = 1.0f64;
    while mag.is_finite() && mag * 10.0 <= raw {
        mag *= 10.0;
    }
    while mag > raw {
        mag /= 10.0;
    }
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The step is the one `10^floor(log10(span / 8))` gave (the axis's earlier formula), over
    /// every span a window can have (1 ms to beyond a virtual day), powers of ten included.
    #[test]
    fn tick_steps_are_1_2_5_times_the_power_of_ten_below_an_eighth_of_the_span() {
        let by_log = |span: f64| {
            let raw = span / 8.0;
            let mag = 10f64.powf(raw.log10().floor());
            [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag)
        };
        let mut spans: Vec<f64> = (0..=12).flat_map(|k| [1.0, 2.0, 5.0, 8.0, 16.0, 40.0, 79.9, 80.0, 80.1].map(|m| m * 10f64.powi(k))).collect();
        spans.extend((0..2000).map(|i| MIN_SPAN_US * 1.013f64.powi(i)));
        for span in spans.into_iter().filter(|s| *s >= MIN_SPAN_US) {
            assert_eq!(tick_step(span), by_log(span), "span {span}");
        }
        assert_eq!(tick_step(1_000.0), 200.0);
        assert_eq!(tick_step(80_000.0), 10_000.0);
        assert_eq!(tick_step(86_400e6), 20_000e6, "a virtual day: 20 000 s");
    }

    #[test]
    fn zoom_keeps_the_anchor_time_under_the_pointer() {
        let v = View::fit(10_000_000);
        let z = v.zoom(0.5, 0.25);
        assert!((z.t_at(250.0, 1000.0) - v.t_at(250.0, 1000.0)).abs() < 1e-6);
        assert!((z.span() - 5_000_000.0).abs() < 1e-6);
    }

    #[test]
    fn zoom_out_never_passes_the_whole_run_and_zoom_in_stops_at_1ms() {
        let v = View::fit(10_000_000);
        assert_eq!(v.zoom(8.0, 0.5), v);
        let mut z = v;
        for _ in 0..100 {
            z = z.zoom(0.5, 0.5);
        }
        assert!((z.span() - MIN_SPAN_US).abs() < 1e-6);
    }

    #[test]
    fn pan_is_clamped_to_the_run() {
        let v = View::fit(10_000_000).zoom(0.1, 0.0);
        assert_eq!(v.pan(-5.0).start, 0.0);
        let right = v.pan(100.0);
        assert!((right.end - 10_000_000.0).abs() < 1e-6);
        assert!((right.span() - v.span()).abs() < 1e-6);
    }

    #[test]
    fn follow_centres_on_a_time_outside_the_window_only() {
        let v = View::fit(10_000_000).zoom(0.1, 0.0); // [0, 1 s]
        assert_eq!(v.follow(500_000.0), v);
        let f = v.follow(5_000_000.0);
        assert!((f.start - 4_500_000.0).abs() < 1e-6);
    }

    #[test]
    fn x_and_t_at_are_inverse() {
        let v = View::fit(86_400_000_000).zoom(0.001, 0.3);
        let t = v.t_at(123.0, 900.0);
        assert!((v.x(t, 900.0) - 123.0).abs() < 1e-6);
    }

    #[test]
    fn a_zero_length_run_still_has_a_window() {
        let v = View::fit(0);
        assert!(v.span() > 0.0);
        assert!(v.x(0.0, 100.0).is_finite());
    }
}
