//! Exact search against a naive f32 brute force written here from the
//! documented kernel order: identical ids and scores, for both metrics,
//! with duplicates, ties, filters, radius queries and self-exclusion.

use assay_index::{ExactIndex, Hit, IdSet, IndexError, Metric, SearchOptions};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The documented order: lane `i % 8`, then a fixed pairwise reduction.
fn naive_sum(terms: impl Iterator<Item = f32>) -> f32 {
    let mut l = [0f32; 8];
    for (i, t) in terms.enumerate() {
        l[i % 8] += t;
    }
    ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]))
}

fn prepare(metric: Metric, v: &[f32]) -> Vec<f32> {
    let mut v = v.to_vec();
    if metric == Metric::Cosine {
        let n = naive_sum(v.iter().map(|x| x * x)).sqrt();
        if n > 0.0 {
            v.iter_mut().for_each(|x| *x /= n);
        }
    }
    v
}

/// Naive reference: (key, id) of every admitted row, best first.
fn reference(
    metric: Metric,
    dim: usize,
    data: &[f32],
    q: &[f32],
    keep: &dyn Fn(u32) -> bool,
) -> Vec<Hit> {
    let q = prepare(metric, q);
    let mut all: Vec<(f32, u32)> = data
        .chunks(dim)
        .enumerate()
        .filter(|(i, _)| keep(*i as u32))
        .map(|(i, row)| {
            let row = prepare(metric, row);
            let key = match metric {
                Metric::Cosine => naive_sum(q.iter().zip(&row).map(|(a, b)| a * b)),
                Metric::Euclidean => -naive_sum(q.iter().zip(&row).map(|(a, b)| (a - b) * (a - b))),
            };
            (key, i as u32)
        })
        .collect();
    all.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    all.into_iter()
        .map(|(key, id)| Hit {
            id,
            score: match metric {
                Metric::Cosine => key,
                Metric::Euclidean => (-key).max(0.0).sqrt(),
            },
        })
        .collect()
}

/// Random rows with duplicated rows and coarse values (many ties).
fn data(rng: &mut ChaCha8Rng, n: usize, dim: usize) -> Vec<f32> {
    let coarse = rng.random_bool(0.5);
    let mut v: Vec<f32> = (0..n * dim)
        .map(|_| {
            let x: f32 = rng.random_range(-1.0..1.0);
            if coarse {
                (x * 4.0).round() / 4.0
            } else {
                x
            }
        })
        .collect();
    for _ in 0..n / 5 {
        let (a, b) = (rng.random_range(0..n), rng.random_range(0..n));
        let row: Vec<f32> = v[a * dim..(a + 1) * dim].to_vec();
        v[b * dim..(b + 1) * dim].copy_from_slice(&row);
    }
    v
}

fn same(got: &[Hit], want: &[Hit]) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert_eq!(
            (g.id, g.score.to_bits()),
            (w.id, w.score.to_bits()),
            "{got:?} vs {want:?}"
        );
    }
}

#[test]
fn top_k_equals_brute_force() {
    for seed in 0..4u64 {
        for &dim in &[3usize, 17, 64, 512] {
            for metric in [Metric::Cosine, Metric::Euclidean] {
                let mut rng = ChaCha8Rng::seed_from_u64(seed * 1000 + dim as u64);
                let n = if dim == 512 { 300 } else { 700 };
                let v = data(&mut rng, n, dim);
                let index = ExactIndex::new(metric, dim, v.clone()).unwrap();
                let nq = 4;
                let mut queries: Vec<f32> =
                    (0..nq * dim).map(|_| rng.random_range(-1.0..1.0)).collect();
                // One query equal to a stored row.
                queries[..dim].copy_from_slice(&v[dim..2 * dim]);
                for &k in &[1usize, 10, n + 5] {
                    let batch = index
                        .search_batch(&queries, k, &SearchOptions::default())
                        .unwrap();
                    for (qi, q) in queries.chunks(dim).enumerate() {
                        let want: Vec<Hit> = reference(metric, dim, &v, q, &|_| true)
                            .into_iter()
                            .take(k)
                            .collect();
                        same(
                            &index.search(q, k, &SearchOptions::default()).unwrap(),
                            &want,
                        );
                        same(&batch[qi], &want);
                    }
                }
            }
        }
    }
}

#[test]
fn filters_exclusion_and_radius_equal_brute_force() {
    for seed in 0..3u64 {
        for &dim in &[5usize, 64] {
            for metric in [Metric::Cosine, Metric::Euclidean] {
                let mut rng = ChaCha8Rng::seed_from_u64(seed + 77);
                let n = 900;
                let v = data(&mut rng, n, dim);
                let index = ExactIndex::new(metric, dim, v.clone()).unwrap();
                let set: IdSet = (0..n as u32).filter(|i| i % 3 != 1).collect();
                let allow = |id: u32| set.contains(id);
                let q = &v[7 * dim..8 * dim];
                let opts = SearchOptions {
                    allow: Some(&allow),
                    exclude: Some(7),
                };
                let want: Vec<Hit> =
                    reference(metric, dim, &v, q, &|id| id != 7 && set.contains(id));
                same(&index.search(q, 15, &opts).unwrap(), &want[..15]);
                let radius = want[40].score;
                let inside: Vec<Hit> = want
                    .iter()
                    .copied()
                    .filter(|h| match metric {
                        Metric::Cosine => h.score >= radius,
                        Metric::Euclidean => h.score <= radius,
                    })
                    .collect();
                assert!(inside.len() > 40);
                same(&index.within(q, radius, &opts).unwrap(), &inside);
            }
        }
    }
}

#[test]
fn zero_vectors_and_all_equal_rows() {
    let dim = 8;
    let mut v = vec![0.5f32; 50 * dim];
    v[..dim].fill(0.0);
    for metric in [Metric::Cosine, Metric::Euclidean] {
        let index = ExactIndex::new(metric, dim, v.clone()).unwrap();
        let q = vec![0.25f32; dim];
        same(
            &index.search(&q, 5, &SearchOptions::default()).unwrap(),
            &reference(metric, dim, &v, &q, &|_| true)[..5],
        );
        let zero = vec![0f32; dim];
        same(
            &index.search(&zero, 3, &SearchOptions::default()).unwrap(),
            &reference(metric, dim, &v, &zero, &|_| true)[..3],
        );
    }
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let empty = ExactIndex::new(Metric::Cosine, 4, Vec::new()).unwrap();
    assert!(empty.is_empty());
    assert_eq!(
        empty
            .search(&[1.0; 4], 3, &SearchOptions::default())
            .unwrap(),
        vec![]
    );
    let index = ExactIndex::new(Metric::Euclidean, 4, vec![1.0; 8]).unwrap();
    assert_eq!(
        index
            .search(&[1.0; 4], 0, &SearchOptions::default())
            .unwrap(),
        vec![]
    );
    let err = index
        .search(&[1.0; 3], 1, &SearchOptions::default())
        .unwrap_err();
    assert_eq!(
        err,
        IndexError::DimensionMismatch {
            expected: 4,
            got: 3
        }
    );
    assert!(err.to_string().contains("expected 4 values, got 3"));
    assert!(index.search(&[], 1, &SearchOptions::default()).is_err());
    assert!(index
        .search(&[f32::NAN, 0.0, 0.0, 0.0], 1, &SearchOptions::default())
        .is_err());
    assert_eq!(
        ExactIndex::new(Metric::Cosine, 0, vec![]).unwrap_err(),
        IndexError::ZeroDimension
    );
    assert!(matches!(
        ExactIndex::new(Metric::Cosine, 3, vec![1.0; 4]),
        Err(IndexError::RaggedData { .. })
    ));
    assert_eq!(
        ExactIndex::new(Metric::Cosine, 2, vec![1.0, f32::INFINITY]).unwrap_err(),
        IndexError::BadValue { row: 0 }
    );
    assert!(index.vector(9).is_err());
}

/// Normalised Gaussian-mixture rows (clustered, like real embeddings).
fn clustered(rng: &mut ChaCha8Rng, n: usize, dim: usize, centres: usize) -> Vec<f32> {
    let c: Vec<f32> = (0..centres * dim)
        .map(|_| rng.random_range(-1.0..1.0))
        .collect();
    let mut v = Vec::with_capacity(n * dim);
    for _ in 0..n {
        let k = rng.random_range(0..centres);
        for j in 0..dim {
            v.push(c[k * dim + j] + 0.35 * rng.random_range(-1.0f32..1.0));
        }
    }
    v
}

fn recall(got: &[Vec<Hit>], truth: &[Vec<Hit>]) -> f64 {
    let mut found = 0usize;
    let mut total = 0usize;
    for (g, t) in got.iter().zip(truth) {
        total += t.len();
        found += t.iter().filter(|h| g.iter().any(|x| x.id == h.id)).count();
    }
    found as f64 / total as f64
}

#[test]
fn ivf_reaches_recall_on_clustered_data() {
    use assay_index::{IvfConfig, IvfIndex};
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let (n, dim, nq) = (6000, 32, 100);
    let mut all = clustered(&mut rng, n + nq, dim, 40);
    let queries = all.split_off(n * dim);
    for metric in [Metric::Cosine, Metric::Euclidean] {
        let exact = ExactIndex::new(metric, dim, all.clone()).unwrap();
        let ivf = IvfIndex::build(metric, dim, all.clone(), &IvfConfig::default()).unwrap();
        let t = ivf.tuning().unwrap();
        assert!(
            t.recall >= 0.96 && ivf.nprobe() < ivf.nlist(),
            "{:?}",
            (t.nprobe, t.recall, ivf.nlist())
        );
        let opts = SearchOptions::default();
        let truth = exact.search_batch(&queries, 10, &opts).unwrap();
        let got = ivf.search_batch(&queries, 10, ivf.nprobe(), &opts).unwrap();
        let r = recall(&got, &truth);
        assert!(r >= 0.95, "recall {r} at nprobe {}", ivf.nprobe());
        // Probing every list is exact.
        let full = ivf.search_batch(&queries, 10, ivf.nlist(), &opts).unwrap();
        assert_eq!(full, truth);
        // Filters apply inside lists too.
        let even = |id: u32| id.is_multiple_of(2);
        let f = SearchOptions {
            allow: Some(&even),
            exclude: None,
        };
        let hits = ivf.search(&queries[..dim], 10, &f).unwrap();
        assert!(hits.iter().all(|h| h.id.is_multiple_of(2)) && hits.len() == 10);
        assert_eq!(ivf.vector(3).unwrap(), exact.vector(3).unwrap());
    }
}

#[test]
fn search_index_picks_backend_and_excludes_self() {
    use assay_index::{IndexConfig, SearchIndex};
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let (n, dim) = (3000, 16);
    let v = clustered(&mut rng, n, dim, 20);
    let small =
        SearchIndex::build(Metric::Cosine, dim, v.clone(), &IndexConfig::default()).unwrap();
    assert!(small.is_exact() && small.len() == n && small.dim() == dim);
    let cfg = IndexConfig {
        exact_below: 1000,
        ..IndexConfig::default()
    };
    let big = SearchIndex::build(Metric::Cosine, dim, v.clone(), &cfg).unwrap();
    assert!(!big.is_exact());
    for index in [&small, &big] {
        let hits = index
            .neighbours_of(5, 8, &SearchOptions::default())
            .unwrap();
        assert_eq!(hits.len(), 8);
        assert!(hits.iter().all(|h| h.id != 5));
        assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
        let within = index
            .within(&v[5 * dim..6 * dim], 0.9, &SearchOptions::default())
            .unwrap();
        assert!(within.iter().all(|h| h.score >= 0.9) && within.iter().any(|h| h.id == 5));
        assert!(index
            .neighbours_of(n as u32, 3, &SearchOptions::default())
            .is_err());
        assert!(index
            .search(&[0.0; 3], 3, &SearchOptions::default())
            .is_err());
        assert_eq!(
            index
                .search(&v[..dim], 0, &SearchOptions::default())
                .unwrap(),
            vec![]
        );
    }
    let truth = small
        .neighbours_of(5, 8, &SearchOptions::default())
        .unwrap();
    let exact_ref = reference(Metric::Cosine, dim, &v, &v[5 * dim..6 * dim], &|id| id != 5);
    same(&truth, &exact_ref[..8]);
    let empty =
        SearchIndex::build(Metric::Euclidean, 4, Vec::new(), &IndexConfig::default()).unwrap();
    assert!(empty.is_empty());
    assert_eq!(
        empty
            .search(&[0.0; 4], 5, &SearchOptions::default())
            .unwrap(),
        vec![]
    );
    assert!(SearchIndex::build(Metric::Euclidean, 0, vec![1.0], &IndexConfig::default()).is_err());
}
