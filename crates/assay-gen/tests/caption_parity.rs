//! Caption metrics against pycocoevalcap 1.2 and sacrebleu 2.6.0
//! (`tests/oracles/caption_oracle.py`) on real COCO captions and on
//! derived and random cases. Both sides get the same pre-tokenised text.
//! Every number must be bit-identical (and is checked to 1e-12 first, to
//! report the size of any difference).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assay_gen::captions::numpy;
use assay_gen::captions::sacrebleu::{corpus_bleu, tokenize_13a};
use assay_gen::captions::tokenize::ptb_tokenize;
use assay_gen::captions::{score_captions, ImageCaptions};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

fn data() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/captions_coco");
    assert!(dir.is_dir(), "missing test data {}", dir.display());
    dir
}

fn read_json(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).expect("valid JSON")
}

/// Raw references per image id, in the file's `images` order.
fn coco_refs(path: &Path) -> Vec<(u64, Vec<String>)> {
    let v = read_json(path);
    let mut by_id: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for a in v["annotations"].as_array().unwrap() {
        let id = a["image_id"].as_u64().unwrap();
        let caption = a["caption"].as_str().unwrap().to_string();
        by_id.entry(id).or_default().push(caption);
    }
    v["images"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|img| {
            let id = img["id"].as_u64().unwrap();
            by_id.remove(&id).map(|refs| (id, refs))
        })
        .collect()
}

fn coco_results(path: &Path) -> BTreeMap<u64, String> {
    let v = read_json(path);
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let caption = r["caption"].as_str().unwrap().to_string();
            (r["image_id"].as_u64().unwrap(), caption)
        })
        .collect()
}

/// Tokenised images for the reference images that have a result.
fn join(refs: &[(u64, Vec<String>)], results: &BTreeMap<u64, String>) -> Vec<ImageCaptions<u64>> {
    refs.iter()
        .filter_map(|(id, rs)| {
            results.get(id).map(|c| ImageCaptions {
                image_id: *id,
                candidate: ptb_tokenize(c),
                references: rs.iter().map(|r| ptb_tokenize(r)).collect(),
            })
        })
        .collect()
}

/// Derived candidates from the references: one held out, or transformed.
fn derived(
    refs: &[(u64, Vec<String>)],
    make: impl Fn(usize, &str) -> String,
) -> Vec<ImageCaptions<u64>> {
    refs.iter()
        .enumerate()
        .filter(|(_, (_, rs))| rs.len() >= 2)
        .map(|(i, (id, rs))| ImageCaptions {
            image_id: *id,
            candidate: make(i, &ptb_tokenize(&rs[0])),
            references: rs[1..].iter().map(|r| ptb_tokenize(r)).collect(),
        })
        .collect()
}

fn random_sentence(rng: &mut ChaCha8Rng, vocab: &[&str], max_len: usize) -> String {
    let len = rng.random_range(0..=max_len);
    let words: Vec<&str> = (0..len)
        .map(|_| vocab[rng.random_range(0..vocab.len())])
        .collect();
    words.join(" ")
}

fn random_set(seed: u64, n: usize, vocab_size: usize, max_len: usize) -> Vec<ImageCaptions<u64>> {
    const WORDS: [&str; 40] = [
        "a", "the", "man", "woman", "dog", "cat", "on", "in", "with", "of", "red", "blue", "sits",
        "runs", "table", "street", "two", "people", "bus", "train", "near", "large", "small",
        "white", "black", "is", "are", "and", "holding", "phone", "pizza", "plate", "field",
        "grass", "sky", "kite", "water", "boat", "snow", "ski",
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let vocab = &WORDS[..vocab_size];
    (0..n)
        .map(|i| {
            let n_refs = rng.random_range(1..=6);
            ImageCaptions {
                image_id: i as u64 * 7 + 3,
                candidate: random_sentence(&mut rng, vocab, max_len),
                references: (0..n_refs)
                    .map(|_| random_sentence(&mut rng, vocab, max_len))
                    .collect(),
            }
        })
        .collect()
}

fn coco_case(images: &[ImageCaptions<u64>]) -> Value {
    let items: Vec<Value> = images
        .iter()
        .map(|i| json!([i.image_id, i.candidate, i.references]))
        .collect();
    json!({"kind": "coco", "images": items})
}

fn num(v: &Value) -> f64 {
    v.as_str()
        .expect("oracle floats are strings")
        .parse()
        .expect("a float")
}

/// Asserts `ours == theirs` bit for bit (NaN equal to NaN).
fn same(what: &str, ours: f64, theirs: f64) {
    let close = (ours - theirs).abs() <= 1e-12 || (ours.is_nan() && theirs.is_nan());
    assert!(close, "{what}: ours {ours:e}, oracle {theirs:e}");
    let exact = ours.to_bits() == theirs.to_bits() || (ours.is_nan() && theirs.is_nan());
    assert!(
        exact,
        "{what}: not bit-identical: ours {ours:e}, oracle {theirs:e}"
    );
}

fn check_coco(name: &str, images: &[ImageCaptions<u64>], oracle: &Value) {
    let ours = score_captions(images).expect("scores");
    for k in 0..4 {
        same(
            &format!("{name} Bleu_{}", k + 1),
            ours.corpus.bleu[k],
            num(&oracle["bleu"][k]),
        );
    }
    same(
        &format!("{name} CIDEr"),
        ours.corpus.cider,
        num(&oracle["cider"]),
    );
    same(
        &format!("{name} ROUGE_L"),
        ours.corpus.rouge_l,
        num(&oracle["rouge"]),
    );
    for (i, img) in ours.per_image.iter().enumerate() {
        let id = img.image_id;
        for k in 0..4 {
            let theirs = num(&oracle["bleu_per"][i][k]);
            same(
                &format!("{name} image {id} Bleu_{}", k + 1),
                img.bleu[k],
                theirs,
            );
        }
        same(
            &format!("{name} image {id} CIDEr"),
            img.cider,
            num(&oracle["cider_per"][i]),
        );
        same(
            &format!("{name} image {id} ROUGE_L"),
            img.rouge_l,
            num(&oracle["rouge_per"][i]),
        );
    }
}

fn coco_sets() -> Vec<(String, Vec<ImageCaptions<u64>>)> {
    let dir = data();
    let refs128 = coco_refs(&dir.join("captions_val2017_first128_for_coco128_lightly_images.json"));
    let refs5k = coco_refs(&dir.join("upstream/captions_val2017.json"));
    let fakecap = coco_results(&dir.join("fakecap_cocoapi_overlap_val2017_126.json"));
    let degenerate = coco_results(
        &dir.join("upstream/captions_val2017_fakecap_results_ruizewang_degenerate.json"),
    );
    let first500 = &refs5k[..500];
    let mut sets = vec![
        (
            "coco128, a reference held out".to_string(),
            derived(&refs128, |_, c| c.to_string()),
        ),
        (
            "val2017 5000 + degenerate".to_string(),
            join(&refs5k, &degenerate),
        ),
        (
            "val2017 5000 + fakecap".to_string(),
            join(&refs5k, &fakecap),
        ),
        (
            "held-out reference".to_string(),
            derived(first500, |_, c| c.to_string()),
        ),
        (
            "every third word dropped".to_string(),
            derived(first500, drop_third),
        ),
        (
            "shuffled words".to_string(),
            derived(first500, shuffle_words),
        ),
        (
            "empty and single-word".to_string(),
            derived(&refs128, tiny_caption),
        ),
        (
            "one image".to_string(),
            derived(&refs128[..1], |_, c| c.to_string()),
        ),
    ];
    for (seed, n, vocab, len) in [
        (1, 60, 12, 8),
        (2, 200, 40, 16),
        (3, 9, 3, 4),
        (4, 130, 6, 25),
    ] {
        sets.push((
            format!("random seed {seed}"),
            random_set(seed, n, vocab, len),
        ));
    }
    sets
}

fn drop_third(_: usize, c: &str) -> String {
    let words: Vec<&str> = c
        .split(' ')
        .enumerate()
        .filter(|(j, _)| j % 3 != 2)
        .map(|(_, w)| w)
        .collect();
    words.join(" ")
}

fn shuffle_words(i: usize, c: &str) -> String {
    let mut words: Vec<&str> = c.split(' ').collect();
    words.shuffle(&mut ChaCha8Rng::seed_from_u64(i as u64));
    words.join(" ")
}

fn tiny_caption(i: usize, c: &str) -> String {
    match i % 5 {
        0 => String::new(),
        1 => "a".to_string(),
        2 => c.split(' ').next().unwrap_or("").to_string(),
        3 => "a a a a a a a a a a a a".to_string(),
        _ => format!("{c} {c}"),
    }
}

#[test]
fn coco_metrics_match_pycocoevalcap() {
    let sets = coco_sets();
    let cases: Vec<Value> = sets.iter().map(|(_, images)| coco_case(images)).collect();
    let results = common::oracle::run_oracle("caption_oracle.py", &cases);
    for ((name, images), oracle) in sets.iter().zip(&results) {
        assert!(!images.is_empty(), "{name}: no images");
        check_coco(name, images, oracle);
    }
}

#[test]
fn fakecap_scores_as_human_captions_do() {
    // The fakecap results are human captions, each one of its image's
    // references, so ROUGE-L and BLEU-1 are 1 for every image.
    let dir = data();
    let refs = coco_refs(&dir.join("upstream/captions_val2017.json"));
    let fakecap = coco_results(&dir.join("fakecap_cocoapi_overlap_val2017_126.json"));
    let images = join(&refs, &fakecap);
    assert_eq!(images.len(), 126);
    assert!(images.iter().all(|i| i.references.contains(&i.candidate)));
    let scores = score_captions(&images).unwrap();
    for s in &scores.per_image {
        assert!(
            (s.rouge_l - 1.0).abs() < 1e-12,
            "image {}: ROUGE-L {}",
            s.image_id,
            s.rouge_l
        );
        assert!(
            (s.bleu[0] - 1.0).abs() < 1e-6,
            "image {}: BLEU-1 {}",
            s.image_id,
            s.bleu[0]
        );
    }
    assert!(scores.corpus.cider > 2.0, "CIDEr {}", scores.corpus.cider);
}

fn sacre_sets() -> Vec<(Vec<String>, Vec<Vec<String>>)> {
    let dir = data();
    let refs128 = coco_refs(&dir.join("captions_val2017_first128_for_coco128_lightly_images.json"));
    let refs5k = coco_refs(&dir.join("upstream/captions_val2017.json"));
    let fakecap = coco_results(&dir.join("fakecap_cocoapi_overlap_val2017_126.json"));
    let degenerate = coco_results(
        &dir.join("upstream/captions_val2017_fakecap_results_ruizewang_degenerate.json"),
    );
    let raw = |refs: &[(u64, Vec<String>)], res: &BTreeMap<u64, String>| {
        let kept: Vec<&(u64, Vec<String>)> =
            refs.iter().filter(|(id, _)| res.contains_key(id)).collect();
        let hyps = kept.iter().map(|(id, _)| res[id].clone()).collect();
        let refs = kept.iter().map(|(_, rs)| rs.clone()).collect();
        (hyps, refs)
    };
    let held: (Vec<String>, Vec<Vec<String>>) = refs5k[..800]
        .iter()
        .map(|(_, rs)| (rs[0].clone(), rs[1..].to_vec()))
        .unzip();
    let mut sets = vec![raw(&refs128, &fakecap), raw(&refs5k, &degenerate), held];
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    let pieces = [
        "A",
        "dog",
        "&amp;",
        "3.5",
        "1,000",
        "x-ray",
        "\"hi\"",
        "it's",
        "(ok)",
        "e.g.",
        "end.",
        "café",
        "9-5",
        "$4",
        "a/b",
        "...",
        "<skipped>",
        "&lt;b&gt;",
        "U.S.",
        "-",
    ];
    let random = (0..150)
        .map(|_| {
            let mut s = || random_sentence(&mut rng, &pieces, 12);
            let hyp = s();
            let n = 1 + (hyp.len() % 4);
            (hyp, (0..n).map(|_| s()).collect())
        })
        .unzip();
    sets.push(random);
    sets.push((
        vec!["".to_string(), "a".to_string()],
        vec![vec!["a b".to_string()], vec!["".to_string()]],
    ));
    sets
}

#[test]
fn sacrebleu_matches_corpus_bleu() {
    let sets = sacre_sets();
    let cases: Vec<Value> = sets
        .iter()
        .map(|(h, r)| json!({"kind": "sacrebleu", "hyps": h, "refs": r}))
        .collect();
    let results = common::oracle::run_oracle("caption_oracle.py", &cases);
    for (i, ((hyps, refs), oracle)) in sets.iter().zip(&results).enumerate() {
        let hyps: Vec<&str> = hyps.iter().map(String::as_str).collect();
        let refs: Vec<Vec<&str>> = refs
            .iter()
            .map(|r| r.iter().map(String::as_str).collect())
            .collect();
        let ours = corpus_bleu(&hyps, &refs);
        same(&format!("set {i} score"), ours.score, num(&oracle["score"]));
        same(&format!("set {i} bp"), ours.bp, num(&oracle["bp"]));
        for k in 0..4 {
            same(
                &format!("set {i} precision {k}"),
                ours.precisions[k],
                num(&oracle["precisions"][k]),
            );
            assert_eq!(
                ours.counts[k] as u64,
                oracle["counts"][k].as_u64().unwrap(),
                "set {i} counts"
            );
            assert_eq!(
                ours.totals[k] as u64,
                oracle["totals"][k].as_u64().unwrap(),
                "set {i} totals"
            );
        }
        assert_eq!(
            ours.sys_len as u64,
            oracle["sys_len"].as_u64().unwrap(),
            "set {i} sys_len"
        );
        assert_eq!(
            ours.ref_len as u64,
            oracle["ref_len"].as_u64().unwrap(),
            "set {i} ref_len"
        );
    }
}

#[test]
fn tokenizer_13a_matches_sacrebleu() {
    let (hyps, refs) = sacre_sets().swap_remove(3);
    let mut lines: Vec<String> = hyps;
    lines.extend(refs.into_iter().flatten());
    lines.extend(
        [
            "a..b,,c",
            "5-",
            "1.,2",
            "x\u{1c}y",
            "tab\there  ",
            "-\nnext",
            "ℌ.ⅸ,",
        ]
        .map(String::from),
    );
    let results = common::oracle::run_oracle(
        "caption_oracle.py",
        &[json!({"kind": "tok13a", "lines": lines})],
    );
    for (line, theirs) in lines.iter().zip(results[0].as_array().unwrap()) {
        let ours =
            tokenize_13a(line.trim_end_matches(assay_gen::captions::tokenize::is_python_space));
        assert_eq!(ours, theirs.as_str().unwrap(), "13a of {line:?}");
    }
}

#[test]
fn numpy_mean_matches() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let arrays: Vec<Vec<f64>> = [
        1usize, 3, 7, 8, 9, 16, 17, 127, 128, 129, 255, 300, 1000, 5000,
    ]
    .iter()
    .map(|&n| {
        (0..n)
            .map(|_| rng.random::<f64>() * 10f64.powi(rng.random_range(-3..4)))
            .collect()
    })
    .collect();
    let cases: Vec<Value> = arrays
        .iter()
        .map(|a| json!({"kind": "mean", "values": a}))
        .collect();
    let results = common::oracle::run_oracle("caption_oracle.py", &cases);
    for (a, theirs) in arrays.iter().zip(&results) {
        same(&format!("mean of {}", a.len()), numpy::mean(a), num(theirs));
    }
}
