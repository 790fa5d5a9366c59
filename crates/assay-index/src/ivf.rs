//! Inverted-file (IVF) approximate search: k-means splits the rows into
//! lists; a query searches the `nprobe` lists with the nearest centroids,
//! exactly (int8 pre-scan with error bounds, f32 rerank, as
//! [`crate::exact`]). Only rows in unprobed lists can be missed.
//!
//! `nprobe` is tuned at build time for a target recall: sample rows are
//! searched exactly (themselves excluded), and since the probed lists are
//! searched exactly, the recall at every `nprobe` follows from the rank of
//! each true neighbour's list in the query's centroid order. The smallest
//! `nprobe` whose mean recall reaches the target (plus a margin) is kept.

use std::ops::Range;

use rand::seq::index::sample;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::error::IndexError;
use crate::exact::prepare_queries;
use crate::kmeans::{assign_all, KMeans, KMeansConfig};
use crate::metric::{l2_squared, Metric};
use crate::options::{Hit, SearchOptions};
use crate::rows::Rows;
use crate::scan::{scan, Goal, Job, PreparedQuery};

/// Settings of an IVF build.
#[derive(Debug, Clone, PartialEq)]
pub struct IvfConfig {
    /// Number of lists; `None`: `lists_per_sqrt · sqrt(n)`.
    pub nlist: Option<usize>,
    /// Lists per square root of the row count when `nlist` is `None`.
    pub lists_per_sqrt: f64,
    /// k-means trains on at most this many rows per list.
    pub train_per_list: usize,
    /// Lloyd iterations of the training.
    pub kmeans_iter: usize,
    /// Recall@`tune_k` that tuning aims at.
    pub target_recall: f64,
    /// Added to the target during tuning, for queries not in the sample.
    pub tune_margin: f64,
    /// Number of rows used as tuning queries (0: no tuning).
    pub tune_queries: usize,
    /// The `k` of the tuned recall.
    pub tune_k: usize,
    /// `nprobe` when not tuned.
    pub nprobe: usize,
    /// Seed of sampling and k-means.
    pub seed: u64,
}

impl Default for IvfConfig {
    fn default() -> IvfConfig {
        IvfConfig {
            nlist: None,
            lists_per_sqrt: 1.0,
            train_per_list: 64,
            kmeans_iter: 10,
            target_recall: 0.95,
            tune_margin: 0.01,
            tune_queries: 200,
            tune_k: 10,
            nprobe: 16,
            seed: 0,
        }
    }
}

/// What tuning measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Tuning {
    /// Sample queries used.
    pub queries: usize,
    /// The chosen `nprobe`.
    pub nprobe: usize,
    /// Mean recall@k of the sample at that `nprobe`.
    pub recall: f64,
    /// Mean recall of the sample at every `nprobe` from 1 to `nlist`.
    pub curve: Vec<f64>,
}

/// An IVF index.
#[derive(Debug, Clone)]
pub struct IvfIndex {
    rows: Rows,
    ids: Vec<u32>,
    pos_of: Vec<u32>,
    offsets: Vec<usize>,
    centroids: Vec<f32>,
    nprobe: usize,
    tuning: Option<Tuning>,
}

impl IvfIndex {
    /// Builds lists from `data` (rows of `dim` values end to end; row `i`
    /// gets id `i`) and tunes `nprobe` as `cfg` says.
    pub fn build(
        metric: Metric,
        dim: usize,
        data: Vec<f32>,
        cfg: &IvfConfig,
    ) -> Result<IvfIndex, IndexError> {
        check_config(cfg)?;
        let mut rows = Rows::new(metric, dim, data)?;
        let n = rows.len();
        let nlist = cfg
            .nlist
            .unwrap_or((cfg.lists_per_sqrt * (n as f64).sqrt()).round() as usize)
            .clamp(1, n.max(1));
        let centroids = train(&rows, nlist, cfg)?;
        let lists: Vec<u32> = assign_all(&rows.data, dim, &centroids)
            .into_iter()
            .map(|a| a.0)
            .collect();
        let (order, offsets) = group_by_list(&lists, nlist);
        rows.permute(&order);
        let mut pos_of = vec![0u32; n];
        for (pos, &id) in order.iter().enumerate() {
            pos_of[id as usize] = pos as u32;
        }
        let mut index = IvfIndex {
            rows,
            ids: order,
            pos_of,
            offsets,
            centroids,
            nprobe: cfg.nprobe.clamp(1, nlist),
            tuning: None,
        };
        if cfg.tune_queries > 0 && n > 1 {
            let t = index.tune(&lists, cfg);
            index.nprobe = t.nprobe;
            index.tuning = Some(t);
        }
        Ok(index)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the index has no rows.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The vector dimension.
    pub fn dim(&self) -> usize {
        self.rows.dim
    }

    /// The metric.
    pub fn metric(&self) -> Metric {
        self.rows.metric
    }

    /// Number of lists.
    pub fn nlist(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// The default number of lists searched.
    pub fn nprobe(&self) -> usize {
        self.nprobe
    }

    /// Sets the default number of lists searched (clamped to 1..=nlist).
    pub fn set_nprobe(&mut self, nprobe: usize) {
        self.nprobe = nprobe.clamp(1, self.nlist().max(1));
    }

    /// What tuning measured, if it ran.
    pub fn tuning(&self) -> Option<&Tuning> {
        self.tuning.as_ref()
    }

    /// Bytes held by vectors, codes, bounds, ids and centroids.
    pub fn memory_bytes(&self) -> usize {
        self.rows.memory_bytes() + self.ids.len() * 8 + self.centroids.len() * 4
    }

    /// The stored (for cosine, normalised) vector of row `id`.
    pub fn vector(&self, id: u32) -> Result<&[f32], IndexError> {
        match self.pos_of.get(id as usize) {
            Some(&pos) => Ok(self.rows.row(pos as usize)),
            None => Err(IndexError::UnknownId {
                id,
                len: self.len(),
            }),
        }
    }

    /// The `k` best rows among the default `nprobe` lists.
    pub fn search(
        &self,
        query: &[f32],
        k: usize,
        opts: &SearchOptions,
    ) -> Result<Vec<Hit>, IndexError> {
        self.search_with(query, k, self.nprobe, opts)
    }

    /// The `k` best rows among the `nprobe` nearest lists (`nprobe` = nlist
    /// gives exact results).
    pub fn search_with(
        &self,
        query: &[f32],
        k: usize,
        nprobe: usize,
        opts: &SearchOptions,
    ) -> Result<Vec<Hit>, IndexError> {
        let q = prepare_queries(&self.rows, query)?;
        Ok(self.run(&q[0], Goal::Top(k), nprobe, opts))
    }

    /// [`IvfIndex::search_with`] for queries end to end, in parallel.
    pub fn search_batch(
        &self,
        queries: &[f32],
        k: usize,
        nprobe: usize,
        opts: &SearchOptions,
    ) -> Result<Vec<Vec<Hit>>, IndexError> {
        let q = prepare_queries(&self.rows, queries)?;
        Ok(q.par_iter()
            .map(|q| self.run(q, Goal::Top(k), nprobe, opts))
            .collect())
    }

    /// Every row within `radius` (see [`crate::ExactIndex::within`]) among
    /// the `nprobe` nearest lists.
    pub fn within(
        &self,
        query: &[f32],
        radius: f32,
        nprobe: usize,
        opts: &SearchOptions,
    ) -> Result<Vec<Hit>, IndexError> {
        let q = prepare_queries(&self.rows, query)?;
        Ok(self.run(&q[0], Goal::Within(radius), nprobe, opts))
    }

    fn run(&self, q: &PreparedQuery, goal: Goal, nprobe: usize, opts: &SearchOptions) -> Vec<Hit> {
        if matches!(goal, Goal::Top(0)) || self.is_empty() {
            return Vec::new();
        }
        let lists = self.nearest_lists(&q.vec, nprobe);
        let ranges: Vec<Range<usize>> = lists
            .iter()
            .map(|&l| self.offsets[l]..self.offsets[l + 1])
            .collect();
        let job = Job {
            query: q,
            goal,
            exclude: None,
        };
        scan(&self.rows, Some(&self.ids), &ranges, &[job], opts).remove(0)
    }

    /// Lists in order of centroid distance (ties: lower list), the first
    /// `nprobe`.
    fn nearest_lists(&self, q: &[f32], nprobe: usize) -> Vec<usize> {
        let dim = self.rows.dim;
        let mut d: Vec<(f32, usize)> = self
            .centroids
            .chunks(dim)
            .enumerate()
            .map(|(i, c)| (l2_squared(q, c), i))
            .collect();
        let p = nprobe.clamp(1, d.len());
        if p < d.len() {
            d.select_nth_unstable_by(p - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            d.truncate(p);
        }
        d.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        d.into_iter().map(|x| x.1).collect()
    }

    /// Measures the recall curve on sample rows and picks `nprobe`.
    fn tune(&self, lists: &[u32], cfg: &IvfConfig) -> Tuning {
        let n = self.len();
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed ^ 0x7u64);
        let picks: Vec<u32> = sample(&mut rng, n, cfg.tune_queries.min(n))
            .into_iter()
            .map(|i| i as u32)
            .collect();
        let prepared: Vec<PreparedQuery> = picks
            .iter()
            .filter_map(|&id| {
                PreparedQuery::new(
                    &self.rows,
                    self.rows.row(self.pos_of[id as usize] as usize),
                    0,
                )
                .ok()
            })
            .collect();
        let jobs: Vec<Job> = prepared
            .iter()
            .zip(&picks)
            .map(|(q, &id)| Job {
                query: q,
                goal: Goal::Top(cfg.tune_k.max(1)),
                exclude: Some(id),
            })
            .collect();
        let truth = scan(
            &self.rows,
            Some(&self.ids),
            std::slice::from_ref(&(0..n)),
            &jobs,
            &SearchOptions::default(),
        );
        let nlist = self.nlist();
        let mut curve = vec![0f64; nlist];
        for (q, hits) in prepared.iter().zip(&truth) {
            let order = self.nearest_lists(&q.vec, nlist);
            let mut rank = vec![0usize; nlist];
            order.iter().enumerate().for_each(|(r, &l)| rank[l] = r);
            for h in hits {
                curve[rank[lists[h.id as usize] as usize]] += 1.0 / hits.len() as f64;
            }
        }
        let mut acc = 0.0;
        for c in curve.iter_mut() {
            acc += *c / prepared.len().max(1) as f64;
            *c = acc;
        }
        let want = (cfg.target_recall + cfg.tune_margin).min(1.0) - 1e-12;
        let nprobe = curve
            .iter()
            .position(|&r| r >= want)
            .map_or(nlist, |p| p + 1);
        Tuning {
            queries: prepared.len(),
            nprobe,
            recall: curve[nprobe - 1],
            curve,
        }
    }
}

fn check_config(cfg: &IvfConfig) -> Result<(), IndexError> {
    let bad = |m: &str| Err(IndexError::InvalidParameter(m.to_string()));
    if !(0.0..=1.0).contains(&cfg.target_recall) {
        return bad("target_recall must lie in [0, 1]");
    }
    if cfg.lists_per_sqrt.is_nan() || cfg.lists_per_sqrt <= 0.0 || cfg.train_per_list == 0 {
        return bad("lists_per_sqrt and train_per_list must be positive");
    }
    Ok(())
}

/// k-means centroids from a seeded sample of the rows.
fn train(rows: &Rows, nlist: usize, cfg: &IvfConfig) -> Result<Vec<f32>, IndexError> {
    let (n, dim) = (rows.len(), rows.dim);
    if n == 0 {
        return Ok(Vec::new());
    }
    let m = (nlist * cfg.train_per_list).min(n);
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let mut picks = sample(&mut rng, n, m).into_vec();
    picks.sort_unstable();
    let train: Vec<f32> = picks
        .iter()
        .flat_map(|&i| rows.row(i).iter().copied())
        .collect();
    let km_cfg = KMeansConfig {
        max_iter: cfg.kmeans_iter,
        seed: cfg.seed,
        ..KMeansConfig::new(nlist)
    };
    Ok(KMeans::fit(&train, dim, &km_cfg)?.centroids)
}

/// Row ids sorted by list (then id), and the list boundaries.
fn group_by_list(lists: &[u32], nlist: usize) -> (Vec<u32>, Vec<usize>) {
    let mut offsets = vec![0usize; nlist + 1];
    for &l in lists {
        offsets[l as usize + 1] += 1;
    }
    for i in 0..nlist {
        offsets[i + 1] += offsets[i];
    }
    let mut next = offsets.clone();
    let mut order = vec![0u32; lists.len()];
    for (id, &l) in lists.iter().enumerate() {
        order[next[l as usize]] = id as u32;
        next[l as usize] += 1;
    }
    (order, offsets)
}
