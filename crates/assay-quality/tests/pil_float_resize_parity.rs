//! `resize_f32` against PIL's `Image.resize` on mode "F" images (bicubic,
//! clean-fid's "clean" resize): bit-identical `f32` results, shrinking and
//! enlarging, one axis or both, to 299 x 299 and other sizes.

mod common;

use assay_quality::image_metrics::resample::{resize_f32, Filter};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

#[test]
fn float_resize_is_pils() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let shapes = [
        ((40, 30), (299, 299)),
        ((512, 384), (299, 299)),
        ((299, 200), (299, 299)),
        ((350, 299), (299, 299)),
        ((17, 9), (5, 23)),
        ((1, 1), (3, 2)),
        ((640, 480), (64, 48)),
    ];
    let planes: Vec<Vec<f32>> = shapes
        .iter()
        .map(|&((w, h), _)| {
            (0..w * h)
                .map(|_| rng.random_range(0.0..255.0f32).round())
                .collect()
        })
        .collect();
    let cases: Vec<_> = shapes
        .iter()
        .zip(&planes)
        .map(|(&((w, h), out), values)| json!({"width": w, "height": h, "values": values, "out": [out.0, out.1]}))
        .collect();
    let expected = common::oracle::run_oracle("pil_float_resize_oracle.py", &[], &cases);
    for ((&(size, out), plane), want) in shapes.iter().zip(&planes).zip(&expected) {
        let got = resize_f32(plane, size, out, Filter::Bicubic);
        let want: Vec<f32> = want
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect();
        assert_eq!(got.len(), want.len(), "{size:?} -> {out:?}");
        let differing = got
            .iter()
            .zip(&want)
            .filter(|(a, b)| a.to_bits() != b.to_bits())
            .count();
        assert_eq!(
            differing, 0,
            "{size:?} -> {out:?}: {differing} values differ from PIL"
        );
    }
}
