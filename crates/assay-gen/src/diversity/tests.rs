use assay_index::metric::{dot, normalize};

use super::*;

fn emb(data: &[f32], dim: usize) -> Embeddings<'_> {
    Embeddings::new(data, dim).unwrap()
}

/// Unit vectors in the plane at these angles (degrees).
fn at_angles(degrees: &[f32]) -> Vec<f32> {
    degrees
        .iter()
        .flat_map(|d| {
            let r = d.to_radians();
            [r.cos(), r.sin()]
        })
        .collect()
}

fn pseudo_random(n: usize, seed: usize) -> Vec<f32> {
    (0..n)
        .map(|i| (((i + seed) as f32) * 0.7548).sin() * ((i % 5) as f32 + 0.5))
        .collect()
}

#[test]
fn near_duplicates_join_transitively() {
    // 0 and 8 degrees: cos 0.990; 8 and 16: 0.990; 0 and 16: 0.961; 90 apart.
    let data = at_angles(&[0.0, 8.0, 16.0, 90.0, 200.0]);
    let groups = vec![vec![0, 1, 2, 3], vec![4], vec![]];
    let got = prompt_diversity(&emb(&data, 2), &groups, 0.97).unwrap();
    assert_eq!(got[0].count, 4);
    assert_eq!(got[0].near_duplicate_pairs, 2);
    assert_eq!(got[0].near_duplicate_sets, vec![vec![0, 1, 2]]);
    assert_eq!(got[0].redundant(), 2);
    let one = &got[1];
    assert_eq!(
        (one.count, one.diversity, one.near_duplicate_pairs),
        (1, None, 0)
    );
    assert!(one.near_duplicate_sets.is_empty());
    assert_eq!((got[2].count, got[2].diversity), (0, None));
}

#[test]
fn diversity_is_the_mean_pairwise_cosine_distance() {
    let dim = 7;
    let mut data = pseudo_random(40 * dim, 3);
    data[5 * dim..6 * dim].fill(0.0); // a zero row: distance 1 to all
    let e = emb(&data, dim);
    let groups = vec![(0..40).collect(), vec![5, 9], vec![1, 3, 5, 7, 11]];
    let got = prompt_diversity(&e, &groups, 0.97).unwrap();
    for (group, result) in groups.iter().zip(&got) {
        let mut sum = 0.0;
        let mut pairs = 0;
        for (a, &i) in group.iter().enumerate() {
            for &j in &group[a + 1..] {
                sum += 1.0 - cosine_f64(e.row(i), e.row(j));
                pairs += 1;
            }
        }
        let d = result.diversity.unwrap();
        assert!((d - sum / pairs as f64).abs() < 1e-12, "{d}");
    }
    assert!((got[1].diversity.unwrap() - 1.0).abs() < 1e-12);
}

fn cosine_f64(a: &[f32], b: &[f32]) -> f64 {
    let d = |x: &[f32], y: &[f32]| -> f64 {
        x.iter()
            .zip(y)
            .map(|(p, q)| f64::from(*p) * f64::from(*q))
            .sum()
    };
    let norms = (d(a, a) * d(b, b)).sqrt();
    if norms == 0.0 {
        0.0
    } else {
        d(a, b) / norms
    }
}

#[test]
fn pairs_match_a_brute_force_f32_scan() {
    let dim = 4;
    // Few distinct directions repeated with small changes: many pairs.
    let mut data = Vec::new();
    for i in 0..300 {
        let base = pseudo_random(dim, i % 6);
        data.extend(
            base.iter()
                .enumerate()
                .map(|(c, v)| v + 0.03 * ((i * 7 + c) as f32).sin()),
        );
    }
    let e = emb(&data, dim);
    let group: Vec<usize> = (0..300).rev().collect();
    let threshold = 0.995;
    let got = &prompt_diversity(&e, &[group], threshold).unwrap()[0];
    let unit = |i: usize| {
        let mut v = e.row(i).to_vec();
        normalize(&mut v);
        v
    };
    let units: Vec<Vec<f32>> = (0..300).map(unit).collect();
    let brute = (0..300)
        .flat_map(|i| (i + 1..300).map(move |j| (i, j)))
        .filter(|&(i, j)| dot(&units[i], &units[j]) >= threshold)
        .count();
    assert!(brute > 300, "the data should have many pairs, has {brute}");
    assert_eq!(got.near_duplicate_pairs, brute);
    let members: usize = got.near_duplicate_sets.iter().map(Vec::len).sum();
    assert!(members <= 300);
    for set in &got.near_duplicate_sets {
        assert!(set.windows(2).all(|w| w[0] < w[1]));
    }
}

#[test]
fn identical_images_are_near_duplicates_at_the_f32_resolution() {
    // Normalised in f32, identical rows score about 1 - 1e-7, not 1.
    let data = [1.0, 2.0, 1.0, 2.0, 2.0, 1.0];
    let got = prompt_diversity(&emb(&data, 2), &[vec![2, 1, 0]], 0.99999).unwrap();
    assert_eq!(got[0].near_duplicate_sets, vec![vec![0, 1]]);
}

#[test]
fn bad_groups_and_thresholds_are_errors() {
    let data = at_angles(&[0.0, 10.0]);
    let e = emb(&data, 2);
    let err = prompt_diversity(&e, &[vec![0, 2]], 0.97).unwrap_err();
    assert!(err
        .to_string()
        .contains("group 0 lists image 2, but there are 2 images"));
    let err = prompt_diversity(&e, &[vec![], vec![1, 0, 1]], 0.97).unwrap_err();
    assert!(err.to_string().contains("group 1 lists image 1 twice"));
    assert!(prompt_diversity(&e, &[vec![0, 1]], f32::NAN).is_err());
    assert!(prompt_diversity(&e, &[], 0.97).unwrap().is_empty());
    let none = emb(&[], 2);
    assert!(prompt_diversity(&none, &[vec![]], 0.97).is_ok());
}
