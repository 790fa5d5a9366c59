//! `resize_f32` against PIL's `Image.resize` on mode "F" images (bicubic,
//! clean-fid's "clean" resize): bit-identical `f32` results, shrinking and
//! enlarging, one axis or both, to 299 x 299 and other sizes; and `resize`
//! on 8-bit L and RGB images (bicubic, Lanczos) byte for byte. Tall images
//! whose height shrinks more than twice the width's pixels take Pillow 13's
//! vertical pass first; the cases cover both orders.

mod common;

use assay_image::resample::{resize, resize_f32, vertical_first, Filter};
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
        ((300, 1280), (299, 299)),
        ((120, 900), (8, 9)),
        ((900, 120), (9, 8)),
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

#[test]
fn eight_bit_resize_is_pils_in_both_pass_orders() {
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    // Fixed shapes of each kind, then random ones.
    let mut shapes = vec![
        ((300, 1280), (64, 64)),   // a tall portrait: vertical first
        ((720, 1280), (256, 256)), // vertical first
        ((1280, 720), (256, 256)), // horizontal first
        ((200, 201), (100, 50)),   // vertical first, nearly square
        ((33, 400), (40, 20)),     // width grows, height shrinks: vertical first
        ((400, 33), (20, 40)),     // horizontal first
        ((9, 8), (8, 8)),          // one axis
        ((8, 90), (8, 7)),         // one axis, vertical
    ];
    for _ in 0..30 {
        let size = (rng.random_range(1..260), rng.random_range(1..260));
        let out = (rng.random_range(1..160), rng.random_range(1..160));
        shapes.push((size, out));
    }
    let orders: Vec<bool> = shapes.iter().map(|&(s, o)| vertical_first(s, o)).collect();
    assert!(
        orders.iter().filter(|v| **v).count() >= 5,
        "cases with the vertical pass first"
    );
    assert!(
        orders.iter().filter(|v| !**v).count() >= 5,
        "cases with the horizontal pass first"
    );
    let mut cases = Vec::new();
    let mut inputs = Vec::new();
    for (i, &((w, h), out)) in shapes.iter().enumerate() {
        let (mode, channels) = if i % 2 == 0 { ("RGB", 3) } else { ("L", 1) };
        let filter = if i % 3 == 0 { "lanczos" } else { "bicubic" };
        // Smooth ramps with noise: edges and flat parts.
        let values: Vec<u8> = (0..w * h * channels)
            .map(|k| {
                let (x, y) = ((k / channels) % w, (k / channels) / w);
                let ramp = (x * 255 / w.max(1) + y * 97 / h.max(1)) % 256;
                (ramp as i32 + rng.random_range(-40..=40)).clamp(0, 255) as u8
            })
            .collect();
        cases.push(json!({"width": w, "height": h, "values": values, "out": [out.0, out.1], "mode": mode, "filter": filter}));
        inputs.push((values, channels, filter));
    }
    let expected = common::oracle::run_oracle("pil_float_resize_oracle.py", &[], &cases);
    for ((&(size, out), (values, channels, filter)), want) in
        shapes.iter().zip(&inputs).zip(&expected)
    {
        let filter_kind = if *filter == "lanczos" {
            Filter::Lanczos
        } else {
            Filter::Bicubic
        };
        let got = resize(values, size, *channels, out, filter_kind);
        let want: Vec<u8> = want
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u8)
            .collect();
        let differing = got.iter().zip(&want).filter(|(a, b)| a != b).count();
        assert_eq!(got.len(), want.len(), "{size:?} -> {out:?}");
        assert_eq!(
            differing,
            0,
            "{size:?} -> {out:?} ({filter}, {channels} channels, vertical first: {}): {differing} bytes differ from PIL",
            vertical_first(size, out)
        );
    }
}
