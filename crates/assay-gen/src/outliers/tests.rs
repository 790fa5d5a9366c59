use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;

fn emb(data: &[f32], dim: usize) -> Embeddings<'_> {
    Embeddings::new(data, dim).unwrap()
}

/// `n` points around `center`, each coordinate moved by up to `spread`.
fn cloud(rng: &mut ChaCha8Rng, center: &[f32], n: usize, spread: f32) -> Vec<f32> {
    (0..n)
        .flat_map(|_| center.to_vec())
        .map(|c| c + spread * (rng.random::<f32>() * 2.0 - 1.0))
        .collect()
}

fn chordal_f64(a: &[f32], b: &[f32]) -> f64 {
    let d = |x: &[f32], y: &[f32]| -> f64 {
        x.iter()
            .zip(y)
            .map(|(p, q)| f64::from(*p) * f64::from(*q))
            .sum()
    };
    let cos = d(a, b) / (d(a, a) * d(b, b)).sqrt();
    (2.0 - 2.0 * cos).max(0.0).sqrt()
}

/// The k-th smallest of `values` (1-based).
fn kth(mut values: Vec<f64>, k: usize) -> f64 {
    values.sort_by(f64::total_cmp);
    values[k - 1]
}

#[test]
fn matches_a_brute_force_computation() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let (dim, k) = (6, 5);
    let center = [1.0, 0.5, -0.3, 0.8, 0.0, 0.2];
    let real = cloud(&mut rng, &center, 200, 0.6);
    let mut generated = cloud(&mut rng, &center, 60, 0.7);
    let far: Vec<f32> = center.iter().map(|c| -c).collect();
    generated.extend(cloud(&mut rng, &far, 5, 0.1));
    let (r, g) = (emb(&real, dim), emb(&generated, dim));
    let manifold = RealManifold::build(&r, k, &IndexConfig::default()).unwrap();

    let radii: Vec<f64> = (0..r.len())
        .map(|i| {
            let others = (0..r.len()).filter(|&j| j != i);
            kth(others.map(|j| chordal_f64(r.row(i), r.row(j))).collect(), k)
        })
        .collect();
    for (a, b) in manifold.radii().iter().zip(&radii) {
        assert!((a - b).abs() < 1e-3, "{a} {b}");
    }
    let median = quantile(&radii, 0.5);
    assert!((manifold.median_radius() - median).abs() < 1e-3);

    let scores = manifold.score(&g, OutlierThreshold::Score(1.5)).unwrap();
    assert_eq!(scores.len(), 65);
    for (i, s) in scores.iter().enumerate() {
        let dists: Vec<f64> = (0..r.len())
            .map(|j| chordal_f64(g.row(i), r.row(j)))
            .collect();
        let kth_distance = kth(dists.clone(), k);
        assert!((s.kth_distance - kth_distance).abs() < 1e-3, "{i}");
        assert!((s.score - kth_distance / median).abs() < 1e-2, "{i}");
        let realism = dists
            .iter()
            .zip(&radii)
            .map(|(d, rad)| rad / d.max(2e-3))
            .fold(0.0, f64::max);
        assert!(
            (s.realism - realism).abs() < 1e-2 * realism.max(1.0),
            "{i}: {} {realism}",
            s.realism
        );
        if (realism - 1.0).abs() > 1e-2 {
            assert_eq!(s.inside, realism > 1.0, "{i}");
        }
        assert_eq!(s.flagged, s.score > 1.5);
    }
    // The far cloud: flagged, outside; most of the near cloud inside.
    assert!(scores[60..]
        .iter()
        .all(|s| s.flagged && !s.inside && s.score > 3.0));
    let inside = scores[..60].iter().filter(|s| s.inside).count();
    assert!(inside > 40, "{inside}");
}

#[test]
fn the_default_threshold_flags_about_one_percent_of_real_like_images() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let center = [0.3, -0.2, 0.9, 0.1];
    let real = cloud(&mut rng, &center, 1000, 0.5);
    let generated = cloud(&mut rng, &center, 1000, 0.5);
    let manifold = RealManifold::build(&emb(&real, 4), DEFAULT_K, &IndexConfig::default()).unwrap();
    let t = manifold
        .threshold_score(OutlierThreshold::default())
        .unwrap();
    let max = manifold
        .threshold_score(OutlierThreshold::RealQuantile(1.0))
        .unwrap();
    let max_radius = manifold.radii().iter().copied().fold(0.0, f64::max);
    assert!((max - max_radius / manifold.median_radius()).abs() < 1e-12);
    assert!(t > 1.0 && t <= max);
    let scores = manifold
        .score(&emb(&generated, 4), OutlierThreshold::default())
        .unwrap();
    let flagged = scores.iter().filter(|s| s.flagged).count();
    assert!((1..=40).contains(&flagged), "{flagged}");
}

#[test]
fn a_copy_of_a_real_image_is_inside_with_finite_realism() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let real = cloud(&mut rng, &[1.0, 1.0, 1.0], 50, 0.8);
    let manifold = RealManifold::build(&emb(&real, 3), 3, &IndexConfig::default()).unwrap();
    let copy = &real[3 * 7..3 * 8];
    let s = manifold
        .score(&emb(copy, 3), OutlierThreshold::default())
        .unwrap()[0];
    assert_eq!(s.nearest_real, 7);
    assert!(
        s.inside && s.realism.is_finite() && s.realism > 10.0,
        "{s:?}"
    );
}

#[test]
fn too_few_images_and_bad_arguments_are_errors() {
    let real = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0];
    let r = emb(&real, 2);
    let cfg = IndexConfig::default();
    assert!(RealManifold::build(&r, 3, &cfg).is_err());
    assert!(RealManifold::build(&r, 0, &cfg).is_err());
    assert!(RealManifold::build(&emb(&[], 2), 1, &cfg).is_err());
    let same = [1.0, 1.0].repeat(6);
    let e = RealManifold::build(&emb(&same, 2), 2, &cfg).unwrap_err();
    assert!(e.to_string().contains("median k-NN radius"), "{e}");
    let m = RealManifold::build(&r, 1, &cfg).unwrap();
    assert_eq!(m.k(), 1);
    assert!(m
        .score(&emb(&[], 2), OutlierThreshold::default())
        .unwrap()
        .is_empty());
    assert!(m
        .score(&emb(&[1.0, 2.0, 3.0], 3), OutlierThreshold::default())
        .is_err());
    assert!(m
        .threshold_score(OutlierThreshold::RealQuantile(1.5))
        .is_err());
    assert!(m
        .threshold_score(OutlierThreshold::Score(f64::NAN))
        .is_err());
}
