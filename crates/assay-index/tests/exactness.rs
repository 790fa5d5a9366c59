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
