//! `assay captions eval` on the real COCO captions: the numbers are the
//! library's (which the assay-gen parity tests hold to pycocoevalcap), and
//! bad inputs fail with the file and JSON path.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use assay_gen::captions::tokenize::ptb_tokenize;
use assay_gen::captions::{score_captions, ImageCaptions};
use serde_json::Value;

fn captions_dir() -> PathBuf {
    common::data().join("captions_coco")
}

fn assay(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(args)
        .output()
        .expect("the assay binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn eval(refs: &Path, results: &Path, extra: &[&str]) -> (bool, String, String) {
    let mut args = vec!["captions", "eval", "--refs", refs.to_str().unwrap()];
    args.extend(["--results", results.to_str().unwrap()]);
    args.extend(extra);
    assay(&args)
}

/// The library's scores of the same files, images in the refs file's order.
fn library_scores(refs: &Path, results: &Path) -> assay_gen::captions::CaptionScores<i64> {
    let refs: Value = serde_json::from_slice(&std::fs::read(refs).unwrap()).unwrap();
    let results: Value = serde_json::from_slice(&std::fs::read(results).unwrap()).unwrap();
    let cand = |id: i64| {
        results
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["image_id"] == id)
            .map(|r| r["caption"].as_str().unwrap())
    };
    let images: Vec<ImageCaptions<i64>> = refs["images"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|img| {
            let id = img["id"].as_i64().unwrap();
            let candidate = ptb_tokenize(cand(id)?);
            let references = refs["annotations"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|a| a["image_id"] == id)
                .map(|a| ptb_tokenize(a["caption"].as_str().unwrap()))
                .collect();
            Some(ImageCaptions {
                image_id: id,
                candidate,
                references,
            })
        })
        .collect();
    score_captions(&images).unwrap()
}

#[test]
fn json_numbers_are_the_librarys() {
    let dir = captions_dir();
    let refs = dir.join("captions_val2017_first128_for_coco128_lightly_images.json");
    // A results file: for every coco128 image, its first reference.
    let tmp = tempfile::tempdir().unwrap();
    let results = tmp.path().join("results.json");
    let r: Value = serde_json::from_slice(&std::fs::read(&refs).unwrap()).unwrap();
    let mut seen = std::collections::HashSet::new();
    let list: Vec<Value> = r["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| seen.insert(a["image_id"].as_i64().unwrap()))
        .map(|a| serde_json::json!({"image_id": a["image_id"], "caption": a["caption"]}))
        .collect();
    std::fs::write(&results, serde_json::to_vec(&list).unwrap()).unwrap();
    let (ok, stdout, stderr) = eval(&refs, &results, &["--json", "--worst", "3"]);
    assert!(ok, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let lib = library_scores(&refs, &results);
    let m = &report["metrics"];
    for k in 0..4 {
        assert_eq!(
            m[format!("Bleu_{}", k + 1)].as_f64().unwrap(),
            lib.corpus.bleu[k]
        );
    }
    assert_eq!(m["CIDEr"].as_f64().unwrap(), lib.corpus.cider);
    assert_eq!(m["ROUGE_L"].as_f64().unwrap(), lib.corpus.rouge_l);
    assert_eq!(
        report["images"].as_u64().unwrap() as usize,
        lib.per_image.len()
    );
    assert_eq!(report["worst"].as_array().unwrap().len(), 3);
    let worst = lib.worst_by_cider()[0];
    assert_eq!(
        report["worst"][0]["image_id"].as_i64().unwrap(),
        worst.image_id
    );
    assert_eq!(report["worst"][0]["CIDEr"].as_f64().unwrap(), worst.cider);
}

#[test]
fn table_and_sacrebleu_on_the_degenerate_results() {
    let dir = captions_dir().join("upstream");
    let refs = dir.join("captions_val2017.json");
    let results = dir.join("captions_val2017_fakecap_results_ruizewang_degenerate.json");
    let (ok, stdout, stderr) = eval(&refs, &results, &["--bleu", "sacrebleu", "--worst", "2"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("BLEU (sacrebleu)"), "{stdout}");
    assert!(
        stdout.contains("CIDEr") && stdout.contains("Lowest CIDEr"),
        "{stdout}"
    );
    assert!(
        stdout.contains("a a a"),
        "the worst captions are listed:\n{stdout}"
    );
}

#[test]
fn bad_inputs_name_the_file_and_place() {
    let dir = captions_dir();
    let refs = dir.join("captions_val2017_first128_for_coco128_lightly_images.json");
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"[{"image_id": 9, "caption": "a dog"}, {"image_id": 9, "caption": 3}]"#,
    )
    .unwrap();
    let (ok, _, stderr) = eval(&refs, &bad, &[]);
    assert!(!ok);
    assert!(
        stderr.contains("bad.json") && stderr.contains("$[1].caption"),
        "{stderr}"
    );

    let id = {
        let r: Value = serde_json::from_slice(&std::fs::read(&refs).unwrap()).unwrap();
        r["images"][0]["id"].as_i64().unwrap()
    };
    let dup = tmp.path().join("dup.json");
    let text =
        format!(r#"[{{"image_id": {id}, "caption": "a"}}, {{"image_id": {id}, "caption": "b"}}]"#);
    std::fs::write(&dup, text).unwrap();
    let (ok, _, stderr) = eval(&refs, &dup, &[]);
    assert!(!ok);
    assert!(
        stderr.contains("$[1].image_id") && stderr.contains("second result"),
        "{stderr}"
    );

    let unknown = tmp.path().join("unknown.json");
    std::fs::write(&unknown, r#"[{"image_id": -5, "caption": "a"}]"#).unwrap();
    let (ok, _, stderr) = eval(&refs, &unknown, &[]);
    assert!(!ok);
    assert!(
        stderr.contains("$[0].image_id") && stderr.contains("-5"),
        "{stderr}"
    );

    let (ok, _, stderr) = eval(&bad, &refs, &[]);
    assert!(!ok, "a results list is not a captions file");
    assert!(stderr.contains("bad.json"), "{stderr}");
}
