//! Polygon rasterisation exactly as maskApi's `rleFrPoly`.
//!
//! The polygon is scaled by 5 and rounded to integers, every side is walked
//! one step per upsampled pixel, and each step that moves to another
//! upsampled column and lands on the centre of a real pixel column records a
//! boundary: the pixel row (clamped to `0..=height`) where the mask toggles.
//! Sorting those boundaries in column-major order gives the run lengths.
//!
//! pycocotools materialises every upsampled step. This version visits only
//! the steps that can record a boundary (the others are skipped with binary
//! searches over the monotone walk), so far-away or non-finite coordinates
//! cost no more than in-image ones, and the output is the same.

/// Upsampling factor of maskApi (`double scale=5`).
const SCALE: f64 = 5.0;

/// A point of the upsampled walk: (column, row) in 1/5 pixels.
type Point = (i64, i64);

/// C's `(int)` cast of a double as x86-64 performs it: truncation toward
/// zero, and `INT_MIN` for NaN or values outside the `int` range.
fn c_int(value: f64) -> i64 {
    if value.is_nan() || value >= 2_147_483_648.0 || value <= -2_147_483_649.0 {
        i64::from(i32::MIN)
    } else {
        value.trunc() as i64
    }
}

/// One side of the polygon, oriented and parameterised as maskApi does.
struct Edge {
    xs: i64,
    ys: i64,
    /// Walk along y (one step per row) instead of along x.
    steep: bool,
    /// maskApi swapped the end points; steps are then taken from the end.
    flip: bool,
    /// Index of the last step (`dx` or `dy`).
    last: i64,
    /// Slope of the minor axis per step.
    slope: f64,
}

impl Edge {
    fn new((x0, y0): Point, (x1, y1): Point) -> Edge {
        let (dx, dy) = ((x1 - x0).abs(), (y0 - y1).abs());
        let steep = dx < dy;
        let flip = if steep { y0 > y1 } else { x0 > x1 };
        let (xs, ys, xe, ye) = if flip {
            (x1, y1, x0, y0)
        } else {
            (x0, y0, x1, y1)
        };
        let (last, slope) = if steep {
            (dy, (xe - xs) as f64 / dy as f64)
        } else {
            // A zero-length side divides 0 by 0: the slope is NaN, as in C.
            (dx, (ye - ys) as f64 / dx as f64)
        };
        Edge {
            xs,
            ys,
            steep,
            flip,
            last,
            slope,
        }
    }

    /// The `d`-th point of the walk (`0..=last`), in walking order.
    fn point(&self, d: i64) -> Point {
        let t = if self.flip { self.last - d } else { d };
        if self.steep {
            (
                c_int(self.xs as f64 + self.slope * t as f64 + 0.5),
                t + self.ys,
            )
        } else {
            (
                t + self.xs,
                c_int(self.ys as f64 + self.slope * t as f64 + 0.5),
            )
        }
    }

    /// The column of the `d`-th point, without computing its row.
    fn column(&self, d: i64) -> i64 {
        let t = if self.flip { self.last - d } else { d };
        if self.steep {
            c_int(self.xs as f64 + self.slope * t as f64 + 0.5)
        } else {
            t + self.xs
        }
    }
}

/// Smallest `d` in `lo..=hi` for which the monotone `pred` holds, else `hi + 1`.
fn first_true(mut lo: i64, mut hi: i64, pred: impl Fn(i64) -> bool) -> i64 {
    let end = hi + 1;
    hi = end;
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo.min(end)
}

/// First step after `from` (up to `to`) whose column differs from step
/// `from`'s; `to + 1` when there is none. Gallops, since most sides change
/// column at every step.
fn next_change(edge: &Edge, from: i64, to: i64) -> i64 {
    if !edge.steep {
        // Walking along x, every step moves to the next column.
        return if from < to { from + 1 } else { to + 1 };
    }
    let column = edge.column(from);
    let changed = |d: i64| edge.column(d) != column;
    let (mut known_same, mut step) = (from, 1);
    loop {
        let probe = (from + step).min(to);
        if probe <= known_same {
            return to + 1;
        }
        if changed(probe) {
            return first_true(known_same + 1, probe, changed);
        }
        known_same = probe;
        step *= 2;
    }
}

/// Collects the column-major boundary offsets of `rleFrPoly`.
struct Boundaries {
    height: u32,
    /// `w - 1` as maskApi compares it (a double of an unsigned long).
    max_column: f64,
    /// Columns of the walk outside this range cannot record a boundary.
    window: (i64, i64),
    offsets: Vec<u32>,
}

impl Boundaries {
    fn new(height: u32, width: u32) -> Boundaries {
        let max_column = f64::from(width) - 1.0;
        let window = (-1, 5 * i64::from(width) + 1);
        let offsets = Vec::new();
        Boundaries {
            height,
            max_column,
            window,
            offsets,
        }
    }

    /// Consecutive walk points `prev`, `cur`: record a boundary if the walk
    /// entered another column at the centre of a pixel column.
    fn step(&mut self, prev: Point, cur: Point) {
        if cur.0 == prev.0 {
            return;
        }
        let column = if cur.0 < prev.0 { cur.0 } else { cur.0 - 1 };
        let xd = (column as f64 + 0.5) / SCALE - 0.5;
        if xd.floor() != xd || xd < 0.0 || xd > self.max_column {
            return;
        }
        let mut yd = (cur.1.min(prev.1) as f64 + 0.5) / SCALE - 0.5;
        let height = f64::from(self.height);
        if yd < 0.0 {
            yd = 0.0;
        } else if yd > height {
            yd = height;
        }
        let (x, y) = (c_int(xd), c_int(yd.ceil()));
        // C computes this in (wrapping) int and casts it to uint.
        let offset = (x as u32).wrapping_mul(self.height).wrapping_add(y as u32);
        self.offsets.push(offset);
    }

    /// Feed the steps of one side whose columns lie in the window.
    fn walk(&mut self, edge: &Edge) {
        let (first, last) = (edge.column(0), edge.column(edge.last));
        if first == last {
            return; // the column is constant along the side
        }
        let (lo, hi) = self.window;
        let (start, end) = if first < last {
            let start = first_true(0, edge.last, |d| edge.column(d) >= lo);
            (start, first_true(0, edge.last, |d| edge.column(d) > hi) - 1)
        } else {
            let start = first_true(0, edge.last, |d| edge.column(d) <= hi);
            (start, first_true(0, edge.last, |d| edge.column(d) < lo) - 1)
        };
        let mut d = start;
        loop {
            let next = next_change(edge, d, end);
            if next > end {
                return;
            }
            self.step(edge.point(next - 1), edge.point(next));
            d = next;
        }
    }

    /// Run lengths from the boundaries, merging coinciding ones.
    fn into_counts(mut self, pixels: u32) -> Vec<u32> {
        self.offsets.push(pixels);
        self.offsets.sort_unstable();
        let mut previous = 0;
        let mut runs = self.offsets.into_iter().map(|offset| {
            let run = offset.wrapping_sub(previous);
            previous = offset;
            run
        });
        let mut counts = vec![runs.next().unwrap_or(0)];
        while let Some(run) = runs.next() {
            if run > 0 {
                counts.push(run);
            } else if let Some(next) = runs.next() {
                // Two boundaries at one pixel cancel: extend the last run.
                if let Some(last) = counts.last_mut() {
                    *last = last.wrapping_add(next);
                }
            }
        }
        counts
    }
}

/// Run lengths of `rleFrPoly` for the flat `[x0, y0, x1, y1, ...]` polygon
/// (a trailing odd value is ignored, as pycocotools' `len(poly)/2` does).
///
/// A zero height gives `[0]` exactly as maskApi; a zero width gives `[0]`
/// too, where maskApi returns counts that do not sum to zero.
pub(super) fn rasterize(xy: &[f64], height: u32, width: u32) -> Vec<u32> {
    // maskApi's `(uint)(h*w)`, computed in 64 bits and truncated.
    let pixels = (u64::from(height) * u64::from(width)) as u32;
    if height == 0 || width == 0 {
        return vec![pixels];
    }
    let points: Vec<Point> = xy
        .chunks_exact(2)
        .map(|p| (c_int(SCALE * p[0] + 0.5), c_int(SCALE * p[1] + 0.5)))
        .collect();
    let mut boundaries = Boundaries::new(height, width);
    let mut prev: Option<Point> = None;
    for (j, &start) in points.iter().enumerate() {
        let edge = Edge::new(start, points[(j + 1) % points.len()]);
        if let Some(prev) = prev {
            boundaries.step(prev, edge.point(0));
        }
        boundaries.walk(&edge);
        prev = Some(edge.point(edge.last));
    }
    boundaries.into_counts(pixels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The straightforward walk: every upsampled step, as maskApi does it.
    fn rasterize_naive(xy: &[f64], height: u32, width: u32) -> Vec<u32> {
        let pixels = (u64::from(height) * u64::from(width)) as u32;
        let points: Vec<Point> = xy
            .chunks_exact(2)
            .map(|p| (c_int(SCALE * p[0] + 0.5), c_int(SCALE * p[1] + 0.5)))
            .collect();
        let mut walk = Vec::new();
        for (j, &start) in points.iter().enumerate() {
            let edge = Edge::new(start, points[(j + 1) % points.len()]);
            walk.extend((0..=edge.last).map(|d| edge.point(d)));
        }
        let mut boundaries = Boundaries::new(height, width);
        for pair in walk.windows(2) {
            boundaries.step(pair[0], pair[1]);
        }
        boundaries.into_counts(pixels)
    }

    #[test]
    fn skipping_walk_matches_the_full_walk() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..3000 {
            let (h, w) = (rng.random_range(1..40), rng.random_range(1..40));
            let reach = [1.5, 3.0, 30.0][rng.random_range(0..3)];
            let n = 2 * rng.random_range(1..12);
            let xy: Vec<f64> = (0..n)
                .map(|i| {
                    let extent = if i % 2 == 0 { w } else { h };
                    let v = rng.random_range(-reach..reach + 1.0) * f64::from(extent);
                    if rng.random_bool(0.3) {
                        (v * 2.0).round() / 2.0
                    } else {
                        v
                    }
                })
                .collect();
            assert_eq!(
                rasterize(&xy, h, w),
                rasterize_naive(&xy, h, w),
                "{xy:?} {h}x{w}"
            );
        }
    }

    #[test]
    fn c_int_matches_x86_conversion() {
        assert_eq!(c_int(2.9), 2);
        assert_eq!(c_int(-2.9), -2);
        assert_eq!(c_int(f64::NAN), -2_147_483_648);
        assert_eq!(c_int(3e9), -2_147_483_648);
        assert_eq!(c_int(-2_147_483_648.5), -2_147_483_648);
    }

    #[test]
    fn non_finite_and_huge_coordinates_finish_quickly() {
        let xy = [f64::NAN, 1.0, 1e12, -1e12, 3.0, f64::INFINITY, 2.0, 2.0];
        let counts = rasterize(&xy, 50, 50);
        assert_eq!(counts.iter().map(|&c| u64::from(c)).sum::<u64>(), 2500);
    }
}
