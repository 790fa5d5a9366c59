//! Parity of `assay_eval::agreement::label_quality_multiannotator` with
//! cleanlab 2.9's `get_label_quality_multiannotator` (CROWDLAB): on data
//! made the way cleanlab's own multi-annotator tests make theirs (the
//! oracle builds it and returns it with the result) and on seeded random
//! cases (2 to 6 classes, 2 to 8 annotators, most labels missing, ties of
//! every kind), for both consensus methods and both quality methods.
//! Consensus labels, worst classes and counts are identical; scores and
//! weights agree within 1e-12. Cases cleanlab settles by a random draw are
//! counted and left out (assay takes the lowest tied class and says so).

mod common;

use assay_eval::agreement::{
    label_quality_multiannotator, Annotations, Consensus, MultiannotatorReport, QualityMethod,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use common::oracle::run_oracle;

const TOLERANCE: f64 = 1e-12;
const METHODS: [(Consensus, &str, QualityMethod, &str); 4] = [
    (
        Consensus::BestQuality,
        "best_quality",
        QualityMethod::Crowdlab,
        "crowdlab",
    ),
    (
        Consensus::MajorityVote,
        "majority_vote",
        QualityMethod::Crowdlab,
        "crowdlab",
    ),
    (
        Consensus::BestQuality,
        "best_quality",
        QualityMethod::Agreement,
        "agreement",
    ),
    (
        Consensus::MajorityVote,
        "majority_vote",
        QualityMethod::Agreement,
        "agreement",
    ),
];

type Labels = Vec<Vec<Option<usize>>>;

fn random_case(rng: &mut ChaCha8Rng) -> (Labels, Vec<Vec<f64>>) {
    let k = rng.random_range(2..=6);
    let m = rng.random_range(2..=8);
    let n = rng.random_range(2..=80);
    let skill: Vec<f64> = (0..m).map(|_| rng.random_range(0.2..1.0)).collect();
    let missing = rng.random_range(0.0..0.8);
    let quantum: f64 = [0.0, 0.25, 0.1][rng.random_range(0..3)];
    loop {
        let mut labels: Labels = Vec::new();
        let mut probs = Vec::new();
        for _ in 0..n {
            let truth = rng.random_range(0..k);
            let mut row: Vec<Option<usize>> = (0..m)
                .map(|j| {
                    (!rng.random_bool(missing)).then(|| match rng.random_bool(skill[j]) {
                        true => truth,
                        false => rng.random_range(0..k),
                    })
                })
                .collect();
            if row.iter().all(Option::is_none) {
                row[rng.random_range(0..m)] = Some(truth);
            }
            labels.push(row);
            // Quantized probabilities make ties the tie-breaks must settle.
            let raw: Vec<f64> = (0..k)
                .map(|c| {
                    let v = rng.random_range(0.0..1.0) + if c == truth { 1.0 } else { 0.0 };
                    if quantum > 0.0 {
                        (v / quantum).round() * quantum + 1e-3
                    } else {
                        v
                    }
                })
                .collect();
            let sum: f64 = raw.iter().sum();
            probs.push(raw.iter().map(|v| v / sum).collect());
        }
        let labelled = |j: usize| labels.iter().any(|r: &Vec<Option<usize>>| r[j].is_some());
        let shared = labels.iter().any(|r| r.iter().flatten().count() > 1);
        if (0..m).all(labelled) && shared {
            return (labels, probs);
        }
    }
}

fn labels_json(labels: &Labels) -> Value {
    json!(labels)
}

fn parse_labels(v: &Value) -> Labels {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().map(|c| c as usize))
                .collect()
        })
        .collect()
}

fn parse_probs(v: &Value) -> Vec<Vec<f64>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect()
}

fn close(a: f64, b: Option<f64>) -> bool {
    match b {
        None => a.is_nan(),
        Some(b) => (a - b).abs() <= TOLERANCE,
    }
}

/// What differs between assay's report and the oracle's answer.
fn differences(ours: &MultiannotatorReport, answer: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let floats = |key: &str| -> Vec<Option<f64>> {
        answer[key]
            .as_array()
            .unwrap()
            .iter()
            .map(Value::as_f64)
            .collect()
    };
    let ints = |key: &str| -> Vec<usize> {
        answer[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect()
    };
    if ours.consensus_label != ints("consensus_label") {
        out.push("consensus_label".to_string());
    }
    if ours.num_annotations != ints("num_annotations") {
        out.push("num_annotations".to_string());
    }
    let mut check = |name: &str, mine: Vec<f64>, theirs: Vec<Option<f64>>| {
        if mine.len() != theirs.len() || mine.iter().zip(&theirs).any(|(a, b)| !close(*a, *b)) {
            out.push(format!(
                "{name}: {:?} vs {:?}",
                &mine[..mine.len().min(4)],
                &theirs[..theirs.len().min(4)]
            ));
        }
    };
    check(
        "consensus_quality_score",
        ours.consensus_quality_score.clone(),
        floats("consensus_quality_score"),
    );
    check(
        "annotator_agreement",
        ours.annotator_agreement.clone(),
        floats("annotator_agreement"),
    );
    let stats = &ours.annotators;
    check(
        "annotator_quality",
        stats.iter().map(|s| s.annotator_quality).collect(),
        floats("annotator_quality"),
    );
    check(
        "agreement_with_consensus",
        stats.iter().map(|s| s.agreement_with_consensus).collect(),
        floats("agreement_with_consensus"),
    );
    let detailed: Vec<f64> = ours
        .detailed_label_quality
        .iter()
        .flatten()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect();
    let theirs: Vec<Option<f64>> = answer["detailed_label_quality"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter().map(Value::as_f64))
        .collect();
    check("detailed_label_quality", detailed, theirs);
    if let Some(w) = ours.model_weight {
        check(
            "model_weight",
            vec![w],
            vec![answer["model_weight"].as_f64()],
        );
        check(
            "annotator_weight",
            ours.annotator_weight.clone().unwrap_or_default(),
            floats("annotator_weight"),
        );
    }
    if stats.iter().map(|s| s.worst_class).collect::<Vec<_>>() != ints("worst_class") {
        out.push("worst_class".to_string());
    }
    if stats
        .iter()
        .map(|s| s.num_examples_labeled)
        .collect::<Vec<_>>()
        != ints("num_examples_labeled")
    {
        out.push("num_examples_labeled".to_string());
    }
    out
}

fn run(
    labels: &Labels,
    probs: &[Vec<f64>],
    consensus: Consensus,
    quality: QualityMethod,
) -> MultiannotatorReport {
    let k = probs[0].len();
    let flat: Vec<f64> = probs.iter().flatten().copied().collect();
    let input = Annotations::new(labels, &flat, k).expect("valid input");
    label_quality_multiannotator(&input, consensus, quality)
}

#[test]
fn consensus_matches_cleanlab_on_its_own_kind_of_data_and_on_random_cases() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x0c70_4d1a);
    let random: Vec<(Labels, Vec<Vec<f64>>)> = (0..150).map(|_| random_case(&mut rng)).collect();
    let mut oracle = Vec::new();
    for (_, consensus, _, quality) in METHODS {
        for (seed, annotators, sizes) in [
            (1, 50, [80, 40, 40]),
            (2, 5, [30, 30, 30]),
            (3, 12, [50, 10, 20]),
        ] {
            oracle.push(json!({"generate": {"seed": seed, "annotators": annotators, "sizes": sizes}, "consensus": consensus, "quality": quality}));
        }
        for (labels, probs) in &random {
            oracle.push(json!({"labels": labels_json(labels), "pred_probs": probs, "consensus": consensus, "quality": quality}));
        }
    }
    let answers = run_oracle("multiannotator_oracle.py", &oracle);
    let per_method = answers.len() / METHODS.len();
    let (mut compared, mut random_ties, mut failures) = (0, 0, Vec::new());
    for (i, answer) in answers.iter().enumerate() {
        let (consensus, _, quality, _) = METHODS[i / per_method];
        assert!(
            answer.get("error").is_none(),
            "cleanlab failed on case {i}: {answer}"
        );
        let (labels, probs) = match answer.get("labels") {
            Some(l) => (parse_labels(l), parse_probs(&answer["pred_probs"])),
            None => random[i % per_method - 3].clone(),
        };
        let ours = run(&labels, &probs, consensus, quality);
        if answer["random_tie"] == true {
            random_ties += 1;
            assert!(
                !ours.random_ties.is_empty(),
                "case {i}: cleanlab drew at random, assay saw no tie"
            );
            continue;
        }
        compared += 1;
        let diff = differences(&ours, answer);
        if !diff.is_empty() {
            failures.push(format!(
                "case {i} ({consensus:?}, {quality:?}): {}",
                diff.join("; ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {compared} cases differ:\n{}",
        failures.len(),
        failures
            .iter()
            .take(6)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        compared >= per_method * 3,
        "only {compared} cases compared ({random_ties} random ties)"
    );
    eprintln!("{compared} cases identical; {random_ties} left out (cleanlab drew at random)");
}
