//! CLIPScore, RefCLIPScore and torchmetrics' CLIPScore against a numpy
//! transcription of jmhessel/clipscore's and torchmetrics' formulas
//! (`tests/oracles/clipscore_oracle.py`) on seeded random embeddings.

mod common;

use assay_gen::clip_score::{clip_score, ref_clip_score, ClipScoreKind, CAPTION_PREFIX};
use assay_gen::Features;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

const TOL: f64 = 1e-12;

struct Case {
    images: Vec<Vec<f32>>,
    texts: Vec<Vec<f32>>,
    refs: Vec<Vec<f32>>,
    owners: Vec<usize>,
}

/// Random rows; `bias` pushes texts towards their images so that both
/// signs of the cosine occur.
fn random_case(seed: u64, n: usize, dim: usize, bias: f32) -> Case {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let row = |rng: &mut ChaCha8Rng| {
        (0..dim)
            .map(|_| rng.random_range(-1.0f32..1.0))
            .collect::<Vec<f32>>()
    };
    let images: Vec<Vec<f32>> = (0..n).map(|_| row(&mut rng)).collect();
    let texts: Vec<Vec<f32>> = images
        .iter()
        .map(|img| {
            row(&mut rng)
                .iter()
                .zip(img)
                .map(|(t, i)| t + bias * i)
                .collect()
        })
        .collect();
    let mut refs = Vec::new();
    let mut owners = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        for _ in 0..rng.random_range(1..=5) {
            refs.push(
                row(&mut rng)
                    .iter()
                    .zip(t)
                    .map(|(r, t)| r + bias * t)
                    .collect(),
            );
            owners.push(i);
        }
    }
    Case {
        images,
        texts,
        refs,
        owners,
    }
}

fn features(rows: &[Vec<f32>]) -> Features {
    let dim = rows[0].len();
    let flat: Vec<f32> = rows.iter().flatten().copied().collect();
    Features::from_f32(&flat, dim).unwrap()
}

fn close(what: &str, ours: f64, theirs: &Value) {
    let theirs = theirs
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: oracle gave {theirs}"));
    assert!(
        (ours - theirs).abs() <= TOL,
        "{what}: ours {ours}, oracle {theirs}"
    );
}

fn all_close(what: &str, ours: &[f64], theirs: &Value) {
    let theirs = theirs.as_array().unwrap();
    assert_eq!(ours.len(), theirs.len(), "{what}: lengths");
    for (i, (o, t)) in ours.iter().zip(theirs).enumerate() {
        close(&format!("{what}[{i}]"), *o, t);
    }
}

#[test]
fn matches_the_clipscore_formulas() {
    let cases = [
        random_case(1, 40, 512, 0.8),
        random_case(2, 25, 768, 0.2),
        random_case(3, 7, 16, 1.5),
        random_case(4, 1, 3, 0.0),
    ];
    let input: Vec<Value> = cases
        .iter()
        .map(|c| json!({"images": c.images, "texts": c.texts, "refs": c.refs, "owners": c.owners}))
        .collect();
    let results = common::oracle::run_oracle("clipscore_oracle.py", &input);
    for (c, oracle) in cases.iter().zip(&results) {
        let (img, txt, refs) = (features(&c.images), features(&c.texts), features(&c.refs));
        let r = ref_clip_score(&img, &txt, &refs, &c.owners).unwrap();
        all_close("CLIP-S", &r.clip_s.per_pair, &oracle["clip_s"]);
        close("CLIP-S mean", r.clip_s.mean, &oracle["clip_s_mean"]);
        all_close("ref-S", &r.ref_s.per_pair, &oracle["ref_s"]);
        all_close("RefCLIP-S", &r.ref_clip_s.per_pair, &oracle["refclip_s"]);
        close(
            "RefCLIP-S mean",
            r.ref_clip_s.mean,
            &oracle["refclip_s_mean"],
        );
        let tm = clip_score(&img, &txt, ClipScoreKind::Torchmetrics).unwrap();
        all_close("torchmetrics", &tm.per_pair, &oracle["torchmetrics"]);
        close("torchmetrics mean", tm.mean, &oracle["torchmetrics_mean"]);
    }
}

#[test]
fn clipping_and_bad_input() {
    let img = Features::new(vec![1.0, 0.0, 0.0, 1.0], 2).unwrap();
    let txt = Features::new(vec![-1.0, 0.0, 0.0, 2.0], 2).unwrap();
    let s = clip_score(&img, &txt, ClipScoreKind::Hessel).unwrap();
    assert_eq!(s.per_pair, vec![0.0, 2.5]);
    let tm = clip_score(&img, &txt, ClipScoreKind::Torchmetrics).unwrap();
    assert_eq!(tm.per_pair, vec![-100.0, 100.0]);
    assert_eq!(tm.mean, 0.0);
    let zero = Features::new(vec![0.0, 0.0, 1.0, 1.0], 2).unwrap();
    assert!(clip_score(&zero, &txt, ClipScoreKind::Hessel).is_err());
    let short = Features::new(vec![1.0, 0.0], 2).unwrap();
    assert!(clip_score(&img, &short, ClipScoreKind::Hessel).is_err());
    assert!(
        ref_clip_score(&img, &txt, &short, &[0]).is_err(),
        "caption 1 has no reference"
    );
    assert!(ref_clip_score(&img, &txt, &short, &[5]).is_err());
    assert_eq!(CAPTION_PREFIX, "A photo depicts ");
}
