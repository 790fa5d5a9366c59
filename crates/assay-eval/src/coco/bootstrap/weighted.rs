//! `COCOeval.accumulate` over a resample, from the per-image tables and the
//! images' multiplicities, without matching again.
//!
//! The result is what pycocotools gives on the materialised resample (each
//! occurrence of an image a new image, with ids ascending in resample
//! order): every count is an integer, so an image occurring `w` times adds
//! `w` times its counts, and the floating-point operations are those of
//! `accumulate` on the same operands.
//!
//! The detection order is the materialised one. Detections of distinct
//! scores are ordered by score alone; `w` copies of a detection are then
//! consecutive, and consecutive true positives (with no false positive in
//! between) form a run along which precision does not decrease, so a run
//! is kept as its last point (its count of true positives and precision)
//! with the same envelope. Among equal scores pycocotools keeps the
//! materialised order (stable sort): image occurrences by resample
//! position, detections of one occurrence by rank; such runs are expanded
//! one occurrence at a time in that order.

use super::super::params::Params;
use super::resample::Resample;
use super::tables::CategoryTable;

/// Array sizes and which `max_dets` entries need precision curves.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    /// Area ranges.
    pub a_n: usize,
    /// IoU thresholds.
    pub t_n: usize,
    /// Recall thresholds.
    pub r_n: usize,
    /// Categories.
    pub k_n: usize,
    /// `max_dets` entries.
    pub m_n: usize,
    /// The `max_dets` entries (indices) whose precision is computed.
    pub needed: Vec<usize>,
}

impl Layout {
    /// Length of the precision array, `[K][needed][A][T][R]`.
    pub fn precision_len(&self) -> usize {
        self.needed.len() * self.a_n * self.t_n * self.r_n * self.k_n
    }

    /// Length of the recall array, `[M][A][T][K]`.
    pub fn recall_len(&self) -> usize {
        self.m_n * self.a_n * self.t_n * self.k_n
    }

    /// Index of precision `(k, needed index, a, t, r)`: each category's
    /// curves are together (written together, per resample).
    pub fn precision_at(&self, k: usize, n: usize, a: usize, t: usize, r: usize) -> usize {
        (((k * self.needed.len() + n) * self.a_n + a) * self.t_n + t) * self.r_n + r
    }

    /// Index of recall `(m, a, t, k)`.
    pub fn recall_at(&self, m: usize, a: usize, t: usize, k: usize) -> usize {
        ((m * self.a_n + a) * self.t_n + t) * self.k_n + k
    }
}

/// One precision curve being accumulated.
#[derive(Debug, Clone, Default)]
struct Curve {
    tp: u64,
    fp: u64,
    /// No false positive since the last run of true positives began.
    open: bool,
    /// Some detection has been seen.
    started: bool,
    /// Precision at the first detection.
    first: f64,
    /// Runs of true positives: (true positives at the run's end, precision
    /// there), later the envelope.
    runs: Vec<(u64, f64)>,
}

impl Curve {
    fn reset(&mut self) {
        self.tp = 0;
        self.fp = 0;
        self.open = false;
        self.started = false;
        self.first = 0.0;
        self.runs.clear();
    }

    /// Adds `w` consecutive copies of a detection.
    fn push(&mut self, matched: bool, ignored: bool, w: u64) {
        if !self.started {
            self.started = true;
            let tp = if matched && !ignored { 1.0 } else { 0.0 };
            let fp = if !matched && !ignored { 1.0 } else { 0.0 };
            self.first = tp / (fp + tp + f64::EPSILON);
        }
        if ignored {
            return;
        }
        if matched {
            self.tp += w;
            let (tp, fp) = (self.tp as f64, self.fp as f64);
            let precision = tp / (fp + tp + f64::EPSILON);
            match self.runs.last_mut() {
                Some(last) if self.open => *last = (self.tp, precision),
                _ => self.runs.push((self.tp, precision)),
            }
            self.open = true;
        } else {
            self.fp += w;
            self.open = false;
        }
    }
}

/// Buffers reused from one resample to the next.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    /// Precision, `[K][needed][A][T][R]`, -1 where a category has no
    /// ground truth.
    pub precision: Vec<f64>,
    /// Recall, `[M][A][T][K]`.
    pub recall: Vec<f64>,
    /// Ground truths that count per category and area range, `[K][A]`.
    pub counted: Vec<u64>,
    /// Buffers of the metric means.
    pub buffers: (Vec<f64>, Vec<usize>),
    curves: Vec<Curve>,
    events: Vec<(u32, u32, u32)>,
    needed_tps: Vec<Option<u64>>,
    npig: Vec<u64>,
    nd: Vec<u64>,
    tp: Vec<u64>,
}

/// Accumulates every category over `resample` into `s.precision` and
/// `s.recall`.
pub(crate) fn accumulate(
    tables: &[CategoryTable],
    params: &Params,
    layout: &Layout,
    resample: &Resample,
    s: &mut Scratch,
) {
    // Every entry is written below.
    s.precision.resize(layout.precision_len(), 0.0);
    s.recall.resize(layout.recall_len(), 0.0);
    s.counted.resize(layout.k_n * layout.a_n, 0);
    let curves = layout.needed.len() * layout.a_n * layout.t_n;
    if s.curves.len() < curves {
        s.curves.resize_with(curves, Curve::default);
    }
    for (k, table) in tables.iter().enumerate() {
        category(k, table, params, layout, resample, s);
    }
}

fn category(
    k: usize,
    table: &CategoryTable,
    params: &Params,
    layout: &Layout,
    resample: &Resample,
    s: &mut Scratch,
) {
    let (a_n, t_n, m_n) = (layout.a_n, layout.t_n, layout.m_n);
    s.npig.clear();
    s.npig.resize(a_n, 0);
    s.nd.clear();
    s.nd.resize(m_n, 0);
    s.tp.clear();
    s.tp.resize(m_n * a_n * t_n, 0);
    for image in &table.images {
        let w = u64::from(resample.weights[image.image as usize]);
        if w == 0 {
            continue;
        }
        for (n, &c) in s.npig.iter_mut().zip(&image.counted) {
            *n += w * u64::from(c);
        }
        for (n, &e) in s.nd.iter_mut().zip(&image.evaluated) {
            *n += w * u64::from(e);
        }
        for (n, &t) in s.tp.iter_mut().zip(&image.tp) {
            *n += w * u64::from(t);
        }
    }
    for m in 0..m_n {
        for a in 0..a_n {
            for t in 0..t_n {
                s.recall[layout.recall_at(m, a, t, k)] = match (s.npig[a], s.nd[m]) {
                    (0, _) => -1.0,
                    (_, 0) => 0.0,
                    (npig, _) => s.tp[(m * a_n + a) * t_n + t] as f64 / npig as f64,
                };
            }
        }
    }
    s.counted[k * a_n..(k + 1) * a_n].copy_from_slice(&s.npig);
    if s.npig.iter().all(|&n| n == 0) {
        for n in 0..layout.needed.len() {
            for a in 0..a_n {
                no_truth(k, n, a, layout, &mut s.precision);
            }
        }
        return;
    }
    walk(table, params, layout, resample, s);
    fill_precision(k, params, layout, s);
}

/// Feeds the category's detections to the curves in the materialised
/// order.
fn walk(
    table: &CategoryTable,
    params: &Params,
    layout: &Layout,
    resample: &Resample,
    s: &mut Scratch,
) {
    let curves = &mut s.curves[..layout.needed.len() * layout.a_n * layout.t_n];
    curves.iter_mut().for_each(Curve::reset);
    let max_dets: Vec<usize> = layout.needed.iter().map(|&m| params.max_dets[m]).collect();
    let feed = |curves: &mut [Curve], d: usize, w: u64| {
        let rank = table.dets[d].rank as usize;
        for (n, &max_det) in max_dets.iter().enumerate() {
            if rank >= max_det {
                continue;
            }
            for a in 0..layout.a_n {
                let (matched, ignored) = table.bits[d * layout.a_n + a];
                let base = (n * layout.a_n + a) * layout.t_n;
                for (t, curve) in curves[base..base + layout.t_n].iter_mut().enumerate() {
                    curve.push(matched >> t & 1 == 1, ignored >> t & 1 == 1, w);
                }
            }
        }
    };
    for block in table.blocks.windows(2) {
        let (start, end) = (block[0] as usize, block[1] as usize);
        let first_image = table.dets[start].image;
        if table.dets[start..end]
            .iter()
            .all(|d| d.image == first_image)
        {
            let w = resample.weights[first_image as usize];
            if end - start == 1 {
                if w > 0 {
                    feed(curves, start, u64::from(w));
                }
            } else {
                // Occurrence by occurrence, each in rank order.
                for _ in 0..w {
                    (start..end).for_each(|d| feed(curves, d, 1));
                }
            }
            continue;
        }
        // Equal scores on several images: occurrences by resample position.
        s.events.clear();
        let mut from = start;
        while from < end {
            let image = table.dets[from].image;
            let mut to = from;
            while to < end && table.dets[to].image == image {
                to += 1;
            }
            for &position in resample.occurrences(image as usize) {
                s.events.push((position, from as u32, to as u32));
            }
            from = to;
        }
        s.events.sort_unstable();
        for &(_, from, to) in &s.events {
            (from as usize..to as usize).for_each(|d| feed(curves, d, 1));
        }
    }
}

/// Interpolated precision at each recall threshold from the curves, as
/// `accumulate` reads it (`np.searchsorted(rc, recThrs, side="left")`).
fn fill_precision(k: usize, params: &Params, layout: &Layout, s: &mut Scratch) {
    for a in 0..layout.a_n {
        let npig = s.npig[a];
        if npig == 0 {
            for n in 0..layout.needed.len() {
                no_truth(k, n, a, layout, &mut s.precision);
            }
            continue;
        }
        s.needed_tps.clear();
        s.needed_tps.extend(
            params
                .recall_thresholds
                .iter()
                .map(|&threshold| needed_tps(threshold, npig)),
        );
        for n in 0..layout.needed.len() {
            for t in 0..layout.t_n {
                let curve = &mut s.curves[(n * layout.a_n + a) * layout.t_n + t];
                for i in (1..curve.runs.len()).rev() {
                    if curve.runs[i].1 > curve.runs[i - 1].1 {
                        curve.runs[i - 1].1 = curve.runs[i].1;
                    }
                }
                let start = layout.precision_at(k, n, a, t, 0);
                let row = &mut s.precision[start..start + layout.r_n];
                row.fill(0.0);
                if curve.started {
                    read_curve(curve, &params.recall_thresholds, &s.needed_tps, row);
                }
            }
        }
    }
}

/// Marks category `k` as without ground truth at `(n, a)`: -1 everywhere.
fn no_truth(k: usize, n: usize, a: usize, layout: &Layout, precision: &mut [f64]) {
    for t in 0..layout.t_n {
        let start = layout.precision_at(k, n, a, t, 0);
        precision[start..start + layout.r_n].fill(-1.0);
    }
}

/// Reads an enveloped curve at each recall threshold into `row` (left as
/// is from the first threshold the curve does not reach).
fn read_curve(curve: &Curve, thresholds: &[f64], needed_tps: &[Option<u64>], row: &mut [f64]) {
    let (mut i, mut previous) = (0, 0);
    for (r, &threshold) in thresholds.iter().enumerate() {
        row[r] = if threshold <= 0.0 {
            curve
                .runs
                .first()
                .map_or(curve.first, |run| run.1.max(curve.first))
        } else {
            match needed_tps[r] {
                Some(needed) if needed <= curve.tp => {
                    // The run holding the `needed`-th true positive.
                    if needed < previous {
                        i = curve.runs.partition_point(|run| run.0 < needed);
                    }
                    while curve.runs[i].0 < needed {
                        i += 1;
                    }
                    previous = needed;
                    curve.runs[i].1
                }
                _ => break,
            }
        };
    }
}

/// The fewest true positives whose recall `tp / npig` (as a float
/// division) reaches `threshold > 0`; `None` when even `npig` does not.
fn needed_tps(threshold: f64, npig: u64) -> Option<u64> {
    let total = npig as f64;
    let reaches = |k: u64| k as f64 / total >= threshold;
    if !reaches(npig) {
        return None;
    }
    let guess = (threshold * total).ceil();
    let mut k = if guess >= 1.0 {
        (guess as u64).min(npig)
    } else {
        1
    };
    while k > 1 && reaches(k - 1) {
        k -= 1;
    }
    while !reaches(k) {
        k += 1;
    }
    Some(k)
}

#[cfg(test)]
mod tests {
    use super::needed_tps;

    #[test]
    fn needed_tps_is_the_first_count_reaching_the_threshold() {
        for npig in 1..60u64 {
            for r in 1..=100 {
                let threshold = r as f64 / 100.0;
                let expected = (1..=npig).find(|&k| k as f64 / npig as f64 >= threshold);
                assert_eq!(needed_tps(threshold, npig), expected, "{threshold} {npig}");
            }
        }
        assert_eq!(needed_tps(1.5, 4), None);
        assert_eq!(needed_tps(f64::NAN, 4), None);
    }
}
