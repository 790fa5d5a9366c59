//! The bounded int8 scan and the exact rerank shared by exact search and
//! IVF.
//!
//! For a query `q` and a row `x`, the int8 codes give `A = s_q·s_x·(Q·X)`,
//! computed exactly from the integer dot product. The real dot product
//! differs from it by at most
//! `‖q‖·‖x − x̂‖ + ‖q − q̂‖·‖x̂‖` (Cauchy–Schwarz on
//! `q·x − q̂·x̂ = q·(x − x̂) + (q − q̂)·x̂`), and the f32 kernel's result
//! differs from the real value by at most `γ·‖q‖·‖x‖` (for the squared
//! distance `γ·(‖q‖ + ‖x‖)²`) with `γ = (d + 8)·2⁻²³`, twice the textbook
//! rounding bound. So every row gets an interval that holds its exact f32
//! ranking key. The `k`-th largest lower end `T` is a lower bound of the
//! `k`-th best exact key; a row whose upper end is below `T` cannot be in
//! the top `k` (not even by a tie), so only the others are reranked
//! exactly, and the result is the same as an exact scan's.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::ops::Range;

use rayon::prelude::*;

use crate::error::IndexError;
use crate::metric::{normalize, Metric};
use crate::options::{Hit, SearchOptions};
use crate::quant::{dot_i8, quantize};
use crate::rows::{row_ok, Rows};

/// Rows scanned per parallel task.
const CHUNK: usize = 4096;

/// A query ready for scanning: prepared like the rows, with its codes.
#[derive(Debug, Clone)]
pub(crate) struct PreparedQuery {
    pub vec: Vec<f32>,
    codes: Vec<i16>,
    scale: f64,
    norm: f64,
    err: f64,
    code_norm: f64,
    sq_norm: f64,
}

impl PreparedQuery {
    /// Checks and prepares a query (normalised for cosine).
    pub fn new(rows: &Rows, query: &[f32], row: usize) -> Result<Self, IndexError> {
        if query.len() != rows.dim {
            return Err(IndexError::DimensionMismatch {
                expected: rows.dim,
                got: query.len(),
            });
        }
        if !row_ok(query) {
            return Err(IndexError::BadValue { row });
        }
        let mut vec = query.to_vec();
        if rows.metric == Metric::Cosine {
            normalize(&mut vec);
        }
        let mut codes = vec![0i16; rows.stride];
        let m = quantize(&vec, &mut codes);
        Ok(PreparedQuery {
            vec,
            codes,
            scale: m.scale as f64,
            norm: m.norm as f64,
            err: m.err as f64,
            code_norm: m.code_norm as f64,
            sq_norm: m.sq_norm as f64,
        })
    }
}

/// What a query wants.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Goal {
    /// The `k` best rows.
    Top(usize),
    /// Every row with a score at least (cosine) or at most (Euclidean)
    /// this value.
    Within(f32),
}

/// One query of a scan.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Job<'a> {
    pub query: &'a PreparedQuery,
    pub goal: Goal,
    pub exclude: Option<u32>,
}

/// f64 ordered by `total_cmp`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Key(f64);
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Key {
    fn cmp(&self, o: &Self) -> Ordering {
        self.0.total_cmp(&o.0)
    }
}

/// Per-query scan state: the best lower bounds seen and the candidates.
#[derive(Debug, Clone)]
struct State {
    k: usize,
    lows: BinaryHeap<Reverse<Key>>,
    threshold: f64,
    cands: Vec<(u32, f64)>,
}

impl State {
    fn new(goal: Goal, metric: Metric) -> State {
        let (k, threshold) = match goal {
            Goal::Top(k) => (k, f64::NEG_INFINITY),
            Goal::Within(v) => (0, within_key(metric, v)),
        };
        State {
            k,
            lows: BinaryHeap::with_capacity(k + 1),
            threshold,
            cands: Vec::new(),
        }
    }

    #[inline]
    fn offer(&mut self, pos: u32, lo: f64, hi: f64) {
        if hi < self.threshold {
            return;
        }
        self.cands.push((pos, hi));
        if self.k > 0 {
            self.lows.push(Reverse(Key(lo)));
            if self.lows.len() > self.k {
                self.lows.pop();
            }
            if self.lows.len() == self.k {
                if let Some(Reverse(Key(t))) = self.lows.peek() {
                    self.threshold = self.threshold.max(*t);
                }
            }
        }
    }

    fn merge(mut self, other: State) -> State {
        self.cands.extend(other.cands);
        for Reverse(Key(lo)) in other.lows {
            self.lows.push(Reverse(Key(lo)));
            if self.lows.len() > self.k {
                self.lows.pop();
            }
        }
        if self.k > 0 && self.lows.len() == self.k {
            if let Some(Reverse(Key(t))) = self.lows.peek() {
                self.threshold = self.threshold.max(*t);
            }
        }
        self.threshold = self.threshold.max(other.threshold);
        let t = self.threshold;
        self.cands.retain(|&(_, hi)| hi >= t);
        self
    }
}

/// The lowest ranking key a row within `v` can have, with room for the
/// rounding of the reported distance's square root.
fn within_key(metric: Metric, v: f32) -> f64 {
    match metric {
        Metric::Cosine => v as f64,
        Metric::Euclidean => {
            let r = v.max(0.0) as f64 * (1.0 + 2f64.powi(-22));
            -(r * r)
        }
    }
}

/// Bounds of the exact f32 ranking key of row `pos` (see module docs).
#[inline(always)]
fn bounds(rows: &Rows, q: &PreparedQuery, pos: usize, gamma: f64) -> (f64, f64) {
    let m = &rows.meta[pos];
    let ip = dot_i8(&q.codes, rows.code(pos)) as f64;
    let centre = q.scale * m.scale as f64 * ip;
    let (xn, xe, xc) = (m.norm as f64, m.err as f64, m.code_norm as f64);
    let bdot = (q.norm * xe + q.err * xc + 1e-9 * q.code_norm * xc) * (1.0 + 1e-9);
    match rows.metric {
        Metric::Cosine => {
            let b = bdot + gamma * q.norm * xn;
            (centre - b, centre + b)
        }
        Metric::Euclidean => {
            let xs = m.sq_norm as f64;
            let c = q.sq_norm + xs - 2.0 * centre;
            let nn = q.norm + xn;
            let b = 2.0 * bdot + 1e-6 * (q.sq_norm + xs) + gamma * nn * nn;
            (-(c + b), -(c - b))
        }
    }
}

/// Scans one range of positions for every job.
fn scan_range(
    rows: &Rows,
    ids: Option<&[u32]>,
    jobs: &[Job],
    opts: &SearchOptions,
    range: Range<usize>,
    states: &mut [State],
) {
    let gamma = (rows.dim as f64 + 8.0) * 2f64.powi(-23);
    for pos in range {
        let id = ids.map_or(pos as u32, |m| m[pos]);
        if opts.allow.is_some_and(|f| !f(id)) {
            continue;
        }
        for (job, st) in jobs.iter().zip(states.iter_mut()) {
            if job.exclude == Some(id) || opts.exclude == Some(id) {
                continue;
            }
            let (lo, hi) = bounds(rows, job.query, pos, gamma);
            st.offer(pos as u32, lo, hi);
        }
    }
}

/// Splits ranges into pieces of at most [`CHUNK`] positions.
fn pieces(ranges: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for r in ranges {
        let mut s = r.start;
        while s < r.end {
            let e = (s + CHUNK).min(r.end);
            out.push(s..e);
            s = e;
        }
    }
    out
}

/// Searches the positions in `ranges` for every job, on all cores; `ids`
/// maps positions to row ids (identity when `None`).
pub(crate) fn scan(
    rows: &Rows,
    ids: Option<&[u32]>,
    ranges: &[Range<usize>],
    jobs: &[Job],
    opts: &SearchOptions,
) -> Vec<Vec<Hit>> {
    let fresh = || -> Vec<State> {
        jobs.iter()
            .map(|j| State::new(j.goal, rows.metric))
            .collect()
    };
    let states = pieces(ranges)
        .into_par_iter()
        .fold(fresh, |mut st, r| {
            scan_range(rows, ids, jobs, opts, r, &mut st);
            st
        })
        .reduce(fresh, |a, b| {
            a.into_iter().zip(b).map(|(x, y)| x.merge(y)).collect()
        });
    states
        .into_iter()
        .zip(jobs)
        .map(|(st, job)| rerank(rows, ids, job, st))
        .collect()
}

/// Exact keys of the surviving candidates, best first, ties by lower id.
fn rerank(rows: &Rows, ids: Option<&[u32]>, job: &Job, st: State) -> Vec<Hit> {
    let metric = rows.metric;
    let mut scored: Vec<(f32, u32)> = st
        .cands
        .iter()
        .filter(|&&(_, hi)| hi >= st.threshold)
        .map(|&(pos, _)| {
            let id = ids.map_or(pos, |m| m[pos as usize]);
            (metric.key(&job.query.vec, rows.row(pos as usize)), id)
        })
        .collect();
    scored.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let hits = scored.into_iter().map(|(key, id)| Hit {
        id,
        score: metric.score_of_key(key),
    });
    match job.goal {
        Goal::Top(k) => hits.take(k).collect(),
        Goal::Within(v) => hits
            .filter(|h| match metric {
                Metric::Cosine => h.score >= v,
                Metric::Euclidean => h.score <= v,
            })
            .collect(),
    }
}
