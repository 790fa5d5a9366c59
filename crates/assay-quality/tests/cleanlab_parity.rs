//! Parity of `assay_quality::label_issues` with cleanlab 2.9.0, the
//! reference.
//!
//! Runs `tests/oracles/cleanlab_oracle.py` with the Python interpreter from
//! `ASSAY_PYTHON` (default: `<workspace>/.venv/bin/python`) on the CIFAR-10
//! test set's out-of-fold probabilities (cleanlab's own) and on seeded
//! random cases (1 to 2,000 examples, 2 to 20 classes, rare and absent
//! classes, noisy labels, tied, quantized, duplicated and float32
//! probabilities, every option), and compares every result: the flags of
//! every `filter_by`, the indices each `return_indices_ranked_by` gives,
//! `order_label_issues` of whole datasets and random halves, the
//! label-quality scores, thresholds, confident joints and issue counts, and
//! which inputs both reject. A missing interpreter or cleanlab fails the test.
//!
//! Flags, indices and counts must be identical; self-confidence, normalized
//! margins and thresholds identical to the bit; confidence-weighted entropy
//! within 1e-12 (it goes through `log`, whose last bit may differ between
//! libms).
//!
//! cleanlab's ties follow NumPy's unstable `argsort`, which on x86-64 with
//! AVX2 (x86-simd-sort) orders equal values differently from NumPy's
//! portable introsort (NumPy's sort on ARM64 and without AVX2). Every case
//! therefore runs twice: with NumPy's SIMD sorts disabled ("portable",
//! compared with `TieOrder::Portable`) and with NumPy as the machine has it
//! ("native", AVX-512 turned off; compared with `TieOrder::X86Avx2` on a
//! CPU with AVX2, else with `TieOrder::Portable`, as the oracle reports).
//! Both must agree in full.

mod common;

use std::path::Path;

use assay_quality::label_issues::{
    compute_confident_joint, confident_thresholds, find_label_issues, find_label_issues_ranked,
    label_quality_scores, num_label_issues, order_label_issues, FilterBy, FilterOptions, PredProbs,
    Result, ScoreMethod, TieOrder,
};
use common::numpy_sort::tie_order;
use common::oracle::run_oracle;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

const SEED: u64 = 0xc1ea_4ab5_5eed;
const ORACLE: &str = "cleanlab_oracle.py";
const TOLERANCE: f64 = 1e-12;
const CIFAR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/cifar10_test_cleanlab/cleanlab"
);
const CIFAR_LABELS: &str = "original_test_labels_cifar10_test_set_original_labels.npy";
const CIFAR_PROBS: &str = "cross_validated_predicted_probabilities_cifar10_test_set_pyx.npy";

/// One function call, made on both sides.
#[derive(Debug, Clone)]
enum Call {
    Find {
        options: FilterOptions,
        rank_by: Option<ScoreMethod>,
    },
    Order {
        mask: Vec<bool>,
        rank_by: ScoreMethod,
    },
    Scores(ScoreMethod),
    Thresholds,
    Joint {
        calibrate: bool,
    },
    NumIssues,
}

impl Call {
    fn to_json(&self) -> Value {
        match self {
            Call::Find { options, rank_by } => json!({
                "fn": "find",
                "filter_by": options.filter_by.name(),
                "frac_noise": options.frac_noise,
                "num_to_remove_per_class": options.num_to_remove_per_class,
                "min_examples_per_class": options.min_examples_per_class,
                "rank_by": rank_by.map(ScoreMethod::name),
            }),
            Call::Order { mask, rank_by } => {
                json!({ "fn": "order", "mask": mask, "rank_by": rank_by.name() })
            }
            Call::Scores(method) => json!({ "fn": "scores", "method": method.name() }),
            Call::Thresholds => json!({ "fn": "thresholds" }),
            Call::Joint { calibrate } => json!({ "fn": "joint", "calibrate": calibrate }),
            Call::NumIssues => json!({ "fn": "num_issues" }),
        }
    }

    fn label(&self) -> String {
        match self {
            Call::Find { options, rank_by } => {
                let o = options;
                let mut s = format!("find_label_issues(filter_by={}", o.filter_by);
                if o.frac_noise != 1.0 || o.min_examples_per_class != 1 {
                    s += &format!(
                        ", frac_noise={}, min={}",
                        o.frac_noise, o.min_examples_per_class
                    );
                }
                if let Some(n) = &o.num_to_remove_per_class {
                    s += &format!(", num_to_remove_per_class={n:?}");
                }
                match rank_by {
                    Some(r) => s + &format!(", ranked_by={r})"),
                    None => s + ")",
                }
            }
            Call::Order { mask, rank_by } => {
                let flagged = mask.iter().filter(|&&f| f).count();
                format!("order_label_issues({flagged} flagged, rank_by={rank_by})")
            }
            Call::Scores(method) => format!("get_label_quality_scores({method})"),
            Call::Thresholds => "get_confident_thresholds".into(),
            Call::Joint { calibrate } => format!("compute_confident_joint(calibrate={calibrate})"),
            Call::NumIssues => "num_label_issues".into(),
        }
    }

    /// Whether floats must agree to the bit (else within `TOLERANCE`).
    fn exact_floats(&self) -> bool {
        !matches!(self, Call::Scores(ScoreMethod::ConfidenceWeightedEntropy))
    }
}

/// What a call gave, in a form both sides share.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Indices(Vec<usize>),
    Floats(Vec<f64>),
    Joint { counts: Vec<i64>, off: Vec<usize> },
    Count(usize),
    Error(String),
}

fn flagged(flags: Vec<bool>) -> Vec<usize> {
    (0..flags.len()).filter(|&i| flags[i]).collect()
}

fn outcome<T>(result: Result<T>, wrap: impl FnOnce(T) -> Outcome) -> Outcome {
    result.map_or_else(|e| Outcome::Error(e.to_string()), wrap)
}

/// Our outcome of `call`, ties broken in `ties`' order.
fn run_ours(input: &Result<PredProbs>, call: &Call, ties: TieOrder) -> Outcome {
    let input = match input {
        Ok(input) => input,
        Err(e) => return Outcome::Error(e.to_string()),
    };
    let with_ties = |options: &FilterOptions| FilterOptions {
        tie_order: ties,
        ..options.clone()
    };
    match call {
        Call::Find {
            options,
            rank_by: None,
        } => outcome(find_label_issues(input, &with_ties(options)), |f| {
            Outcome::Indices(flagged(f))
        }),
        Call::Find {
            options,
            rank_by: Some(r),
        } => outcome(
            find_label_issues_ranked(input, &with_ties(options), *r),
            Outcome::Indices,
        ),
        Call::Order { mask, rank_by } => outcome(
            order_label_issues(input, mask, *rank_by, ties),
            Outcome::Indices,
        ),
        Call::Scores(method) => outcome(label_quality_scores(input, *method), Outcome::Floats),
        Call::Thresholds => Outcome::Floats(confident_thresholds(input)),
        Call::Joint { calibrate } => {
            let joint = compute_confident_joint(input, *calibrate, ties);
            Outcome::Joint {
                counts: joint.counts,
                off: joint.off_diagonal,
            }
        }
        Call::NumIssues => outcome(num_label_issues(input), Outcome::Count),
    }
}

fn usizes(v: &Value) -> Vec<usize> {
    let list = v.as_array().expect("a list");
    list.iter()
        .map(|x| x.as_u64().expect("an index") as usize)
        .collect()
}

fn parse_theirs(call: &Call, result: &Value) -> Outcome {
    if let Some(error) = result.get("error") {
        return Outcome::Error(error.as_str().unwrap_or_default().to_string());
    }
    let ok = &result["ok"];
    match call {
        Call::Find { .. } | Call::Order { .. } => Outcome::Indices(usizes(ok)),
        Call::Scores(_) | Call::Thresholds => Outcome::Floats(
            ok.as_array()
                .expect("a list of bit patterns")
                .iter()
                .map(|b| f64::from_bits(b.as_u64().expect("bits")))
                .collect(),
        ),
        Call::Joint { .. } => Outcome::Joint {
            counts: ok["counts"]
                .as_array()
                .expect("counts")
                .iter()
                .map(|c| c.as_i64().expect("a count"))
                .collect(),
            off: usizes(&ok["off_diagonal"]),
        },
        Call::NumIssues => Outcome::Count(ok.as_u64().expect("a count") as usize),
    }
}

/// Floats that agree to the bit, or (where allowed) within the tolerance.
fn floats_agree(exact: bool, ours: &[f64], theirs: &[f64]) -> Option<String> {
    if ours.len() != theirs.len() {
        return Some(format!(
            "{} values vs cleanlab's {}",
            ours.len(),
            theirs.len()
        ));
    }
    let bad = ours
        .iter()
        .zip(theirs)
        .position(|(a, b)| a.to_bits() != b.to_bits() && (exact || (a - b).abs() > TOLERANCE))?;
    Some(format!(
        "[{bad}]: {:e} vs cleanlab's {:e}",
        ours[bad], theirs[bad]
    ))
}

/// Describes how two index lists differ.
fn index_diff(ours: &[usize], theirs: &[usize]) -> String {
    let only = |a: &[usize], b: &[usize]| -> Vec<usize> {
        a.iter()
            .copied()
            .filter(|x| !b.contains(x))
            .take(8)
            .collect()
    };
    let first = ours.iter().zip(theirs).position(|(a, b)| a != b);
    format!(
        "{} vs cleanlab's {} indices; only ours {:?}, only cleanlab's {:?}, first difference at {:?}",
        ours.len(),
        theirs.len(),
        only(ours, theirs),
        only(theirs, ours),
        first
    )
}

/// `None` when the outcomes agree, else what differs.
fn compare(call: &Call, ours: &Outcome, theirs: &Outcome) -> Option<String> {
    match (ours, theirs) {
        (Outcome::Error(_), Outcome::Error(_)) => None,
        (Outcome::Floats(a), Outcome::Floats(b)) => floats_agree(call.exact_floats(), a, b),
        (Outcome::Indices(a), Outcome::Indices(b)) => (a != b).then(|| index_diff(a, b)),
        _ => (ours != theirs).then(|| format!("{ours:.80?} vs cleanlab's {theirs:.80?}")),
    }
}

/// A dataset with the calls to make on it.
struct Case {
    name: String,
    num_classes: usize,
    labels: Vec<usize>,
    probs: Vec<f64>,
    /// Paths of the `.npy` files the oracle reads instead of the values.
    npy: Option<(String, String)>,
    calls: Vec<Call>,
}

impl Case {
    fn to_json(&self) -> Value {
        let calls: Vec<Value> = self.calls.iter().map(Call::to_json).collect();
        match &self.npy {
            Some((labels, probs)) => json!({
                "npy": { "labels": labels, "pred_probs": probs },
                // Real data: every ranked call through find_label_issues itself.
                "literal": true,
                "num_classes": self.num_classes,
                "calls": calls,
            }),
            None => json!({
                "num_classes": self.num_classes,
                "labels": self.labels,
                "pred_probs": self.probs,
                "calls": calls,
            }),
        }
    }
}

/// Every `filter_by` with `options` (`num_to_remove_per_class` only where
/// cleanlab supports it), unranked and ranked by each score, then the
/// scores and the counting functions.
fn standard_calls(options: &FilterOptions) -> Vec<Call> {
    let mut calls = Vec::new();
    for filter_by in FilterBy::ALL {
        let mut options = FilterOptions {
            filter_by,
            ..options.clone()
        };
        if !filter_by.prunes() {
            options.num_to_remove_per_class = None;
        }
        for rank_by in [None].into_iter().chain(ScoreMethod::ALL.map(Some)) {
            let options = options.clone();
            calls.push(Call::Find { options, rank_by });
        }
    }
    calls.extend(ScoreMethod::ALL.map(Call::Scores));
    calls.extend([
        Call::Thresholds,
        Call::Joint { calibrate: false },
        Call::Joint { calibrate: true },
        Call::NumIssues,
    ]);
    calls
}

/// Results of every call of every case: ours, cleanlab's, and the labels
/// of the calls that differ.
struct Comparison {
    /// The oracle's sorting mode.
    mode: &'static str,
    /// The tie order ours used, NumPy's in that mode.
    ties: TieOrder,
    calls: usize,
    errors: usize,
    mismatches: Vec<String>,
    /// Per case, per call: our outcome.
    ours: Vec<Vec<Outcome>>,
    /// Per case, per call: cleanlab's outcome.
    theirs: Vec<Vec<Outcome>>,
}

fn compare_with_oracle(cases: &[Case], mode: &'static str) -> Comparison {
    let ties = tie_order(mode);
    let json: Vec<Value> = cases.iter().map(Case::to_json).collect();
    let results = run_oracle(ORACLE, &[mode], &json);
    let mut cmp = Comparison {
        mode,
        ties,
        calls: 0,
        errors: 0,
        mismatches: Vec::new(),
        ours: Vec::new(),
        theirs: Vec::new(),
    };
    for (case, result) in cases.iter().zip(&results) {
        let result = result.as_array().expect("one list per case");
        assert_eq!(
            result.len(),
            case.calls.len(),
            "{}: one result per call",
            case.name
        );
        let input = PredProbs::new(&case.labels, &case.probs, case.num_classes);
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for (call, value) in case.calls.iter().zip(result) {
            let (a, b) = (run_ours(&input, call, ties), parse_theirs(call, value));
            cmp.calls += 1;
            cmp.errors += usize::from(matches!(b, Outcome::Error(_)));
            if let Some(diff) = compare(call, &a, &b) {
                cmp.mismatches
                    .push(format!("{} / {}: {diff}", case.name, call.label()));
            }
            ours.push(a);
            theirs.push(b);
        }
        cmp.ours.push(ours);
        cmp.theirs.push(theirs);
    }
    cmp
}

fn assert_no_mismatches(cmp: &Comparison, what: &str) {
    if cmp.mismatches.is_empty() {
        return;
    }
    for m in cmp.mismatches.iter().take(25) {
        eprintln!("MISMATCH ({}) {m}", cmp.mode);
    }
    panic!(
        "{what}, NumPy {} ({} ties): {} of {} results differ from cleanlab's (first ones above)",
        cmp.mode,
        cmp.ties,
        cmp.mismatches.len(),
        cmp.calls
    );
}

/// Confidence-weighted entropies equal to cleanlab's to the bit, of all.
fn entropy_bits(cmp: &Comparison, cases: &[Case]) -> (usize, usize) {
    let (mut same, mut all) = (0, 0);
    for (c, case) in cases.iter().enumerate() {
        for (k, call) in case.calls.iter().enumerate() {
            if let (Call::Scores(ScoreMethod::ConfidenceWeightedEntropy), Outcome::Floats(a)) =
                (call, &cmp.ours[c][k])
            {
                if let Outcome::Floats(b) = &cmp.theirs[c][k] {
                    same += a
                        .iter()
                        .zip(b)
                        .filter(|(x, y)| x.to_bits() == y.to_bits())
                        .count();
                    all += a.len();
                }
            }
        }
    }
    (same, all)
}

// ---------------------------------------------------------------- CIFAR-10

fn cifar_case() -> Case {
    let dir = Path::new(CIFAR);
    let labels = common::npy::read(&dir.join(CIFAR_LABELS));
    let probs = common::npy::read(&dir.join(CIFAR_PROBS));
    assert_eq!(probs.shape, vec![10_000, 10], "CIFAR-10 probabilities");
    let mut calls = standard_calls(&FilterOptions::default());
    // A few non-default options on real data.
    let variants = [
        (0.5, None, 1),
        (1.0, None, 900),
        (1.0, Some(vec![25; 10]), 1),
        (0.8, Some((0..10).map(|c| 10 * c).collect()), 5),
    ];
    for (frac_noise, remove, min) in variants {
        for filter_by in [
            FilterBy::PruneByNoiseRate,
            FilterBy::PruneByClass,
            FilterBy::Both,
        ] {
            let options = FilterOptions {
                filter_by,
                frac_noise,
                num_to_remove_per_class: remove.clone(),
                min_examples_per_class: min,
                ..FilterOptions::default()
            };
            calls.push(Call::Find {
                options,
                rank_by: None,
            });
        }
    }
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    Case {
        name: "cifar10".into(),
        num_classes: 10,
        labels: labels.values.iter().map(|&l| l as usize).collect(),
        probs: probs.values,
        npy: Some((path(CIFAR_LABELS), path(CIFAR_PROBS))),
        calls,
    }
}

/// Compares every CIFAR-10 result with cleanlab's, NumPy in `mode`.
fn check_cifar10(mode: &'static str) {
    let cases = [cifar_case()];
    let cmp = compare_with_oracle(&cases, mode);
    // Report what each filter finds (ours; equal to cleanlab's when passing).
    for (k, call) in cases[0].calls.iter().enumerate() {
        if let (
            Call::Find {
                options,
                rank_by: None,
            },
            Outcome::Indices(found),
        ) = (call, &cmp.ours[0][k])
        {
            if *options == FilterOptions::new(options.filter_by) {
                let filter_by = options.filter_by.name();
                eprintln!("CIFAR-10 {filter_by:<22} {:>4} label issues", found.len());
            }
        }
    }
    let (same, all) = entropy_bits(&cmp, &cases);
    eprintln!(
        "CIFAR-10, NumPy {mode} ({} ties): {} results compared, {} differ; entropy scores equal to the bit: {same}/{all}",
        cmp.ties,
        cmp.calls,
        cmp.mismatches.len()
    );
    assert_no_mismatches(&cmp, "CIFAR-10");
}

#[test]
fn cifar10_label_issues_match_cleanlab_portable() {
    check_cifar10("portable");
}

#[test]
fn cifar10_label_issues_match_cleanlab_native() {
    check_cifar10("native");
}

// ----------------------------------------------------------- random cases

/// Random case generator.
struct Gen {
    rng: ChaCha8Rng,
}

impl Gen {
    fn int(&mut self, lo: usize, hi: usize) -> usize {
        self.rng.random_range(lo..=hi)
    }

    fn uniform(&mut self) -> f64 {
        self.rng.random::<f64>()
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    fn pick<T: Copy>(&mut self, choices: &[T]) -> T {
        choices[self.int(0, choices.len() - 1)]
    }

    /// Number of examples: fewer than the classes, a few per class, or many.
    fn size(&mut self, k: usize) -> usize {
        match self.int(0, 9) {
            0 => self.int(1, k),
            1..=3 => self.int(k, 5 * k),
            4..=7 => self.int(20, 300),
            _ => self.int(300, 2000),
        }
    }

    /// Class frequencies with some classes rare or absent.
    fn priors(&mut self, k: usize) -> Vec<f64> {
        (0..k)
            .map(|_| match self.int(0, 9) {
                0 => 0.0,
                1 | 2 => 0.02,
                _ => 0.2 + self.uniform(),
            })
            .collect()
    }

    fn sample(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        if total == 0.0 {
            return self.int(0, weights.len() - 1);
        }
        let mut x = self.uniform() * total;
        for (i, &w) in weights.iter().enumerate() {
            if x < w {
                return i;
            }
            x -= w;
        }
        weights.iter().rposition(|&w| w > 0.0).unwrap()
    }

    /// Dirichlet-like probabilities peaked at the true class (and, at
    /// times, a class confused with it).
    fn row(&mut self, k: usize, truth: usize, sharpness: f64) -> Vec<f64> {
        let mut row: Vec<f64> = (0..k)
            .map(|_| (-(1.0 - self.uniform()).ln()).powf(sharpness))
            .collect();
        row[truth] *= 1.0 + 30.0 * self.uniform();
        if self.chance(0.2) {
            let other = self.int(0, k - 1);
            row[other] *= 1.0 + 20.0 * self.uniform();
        }
        let total: f64 = row.iter().sum();
        row.iter().map(|v| v / total).collect()
    }

    /// Makes ties and awkward values: quantized, float32, duplicated,
    /// one-hot and uniform rows, and values just outside [0, 1].
    fn roughen(&mut self, probs: &mut [f64], k: usize) {
        let n = probs.len() / k;
        match self.int(0, 5) {
            0 => {
                let q = self.pick(&[4.0, 10.0, 20.0, 100.0]);
                probs.iter_mut().for_each(|p| *p = (*p * q).round() / q);
            }
            1 => probs.iter_mut().for_each(|p| *p = f64::from(*p as f32)),
            _ => {}
        }
        for _ in 0..self.int(0, n / 4) {
            let (from, to) = (self.int(0, n - 1), self.int(0, n - 1));
            match self.int(0, 4) {
                0 => probs.copy_within(from * k..(from + 1) * k, to * k),
                1 => {
                    let hot = self.int(0, k - 1);
                    for j in 0..k {
                        probs[to * k + j] = f64::from(u8::from(j == hot));
                    }
                }
                2 => probs[to * k..(to + 1) * k].fill(1.0 / k as f64),
                _ => {}
            }
        }
        if self.chance(0.05) {
            let at = self.int(0, probs.len() - 1);
            probs[at] = self.pick(&[-1e-7, 1.0 + 5e-7, 0.0]);
        }
    }

    /// Options: mostly cleanlab's defaults.
    fn options(&mut self, class_counts: &[usize]) -> FilterOptions {
        let mut options = FilterOptions::default();
        if self.chance(0.3) {
            options.frac_noise = self.pick(&[0.0, 0.25, 0.5, 0.8, 0.9]);
        }
        if self.chance(0.3) {
            options.min_examples_per_class = self.pick(&[0, 2, 3, 5, 20]);
        }
        if self.chance(0.2) {
            let counts = class_counts.iter().map(|&c| self.int(0, c + 1)).collect();
            options.num_to_remove_per_class = Some(counts);
        }
        options
    }

    fn case(&mut self, id: usize) -> Case {
        let k = self.int(2, 20);
        let n = self.size(k);
        let priors = self.priors(k);
        let noise = self.pick(&[0.0, 0.05, 0.15, 0.3, 0.6]);
        let sharpness = self.pick(&[0.5, 1.0, 2.0, 4.0]);
        let mut labels = Vec::with_capacity(n);
        let mut probs = Vec::with_capacity(n * k);
        for _ in 0..n {
            let truth = self.sample(&priors);
            probs.extend(self.row(k, truth, sharpness));
            let given = if self.chance(noise) {
                self.sample(&priors)
            } else {
                truth
            };
            labels.push(given);
        }
        self.roughen(&mut probs, k);
        let mut class_counts = vec![0; k];
        labels.iter().for_each(|&l| class_counts[l] += 1);
        let options = self.options(&class_counts);
        let mut calls = standard_calls(&options);
        // Ranking all examples, and a random half: NumPy's sort on ties.
        let half = (0..n).map(|_| self.chance(0.5)).collect();
        calls.extend([
            Call::Order {
                mask: vec![true; n],
                rank_by: ScoreMethod::SelfConfidence,
            },
            Call::Order {
                mask: half,
                rank_by: ScoreMethod::NormalizedMargin,
            },
        ]);
        Case {
            name: format!("random #{id} (n={n}, k={k}, noise={noise})"),
            num_classes: k,
            labels,
            probs,
            npy: None,
            calls,
        }
    }
}

/// A hand-made case with every call at cleanlab's default options.
fn edge(name: &str, num_classes: usize, labels: Vec<usize>, probs: Vec<f64>) -> Case {
    Case {
        name: name.into(),
        num_classes,
        labels,
        probs,
        npy: None,
        calls: standard_calls(&FilterOptions::default()),
    }
}

/// Hand-made edge cases: single examples and classes, all ties, perfect
/// predictions, and inputs or options cleanlab rejects.
fn edge_cases() -> Vec<Case> {
    let sure = vec![0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.8];
    let three = vec![0.2, 0.5, 0.3, 0.9, 0.05, 0.05, 0.1, 0.1, 0.8, 0.4, 0.3, 0.3];
    let one_hot = vec![1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0];
    let mut cases = vec![
        edge("one example, label 0", 2, vec![0], vec![0.3, 0.7]),
        edge("one example, label 1", 2, vec![1], vec![0.3, 0.7]),
        edge("all labels 0", 3, vec![0; 4], three.clone()),
        edge("all labels 2", 3, vec![2; 4], three),
        edge(
            "uniform rows",
            3,
            vec![0, 1, 2, 0, 1, 2, 0, 1, 2, 0],
            vec![1.0 / 3.0; 30],
        ),
        edge(
            "one-hot rows, half wrong",
            2,
            vec![0, 0, 1, 1, 0, 1],
            one_hot,
        ),
        // Class 0's threshold is 0.5, so example 2 sits exactly on 0.5 - 1e-6.
        edge(
            "probability exactly at a threshold",
            2,
            vec![0, 0, 1, 1, 1],
            vec![
                0.4,
                0.6,
                0.6,
                0.4,
                0.5 - 1e-6,
                0.5 + 1e-6,
                0.1,
                0.9,
                0.3,
                0.7,
            ],
        ),
    ];
    // Inputs assay rejects: only cleanlab's validating functions apply (its
    // counting helpers do not check their inputs).
    for (name, labels, probs) in [
        ("label without a column", vec![0, 2], vec![0.5; 4]),
        ("probability 1.5", vec![0, 1], vec![0.5, 1.5, 0.5, 0.5]),
    ] {
        let mut case = edge(name, 2, labels, probs);
        case.calls
            .retain(|call| !matches!(call, Call::Thresholds | Call::Joint { .. }));
        cases.push(case);
    }
    // Options cleanlab refuses.
    let mut misfit = edge(
        "removal counts of the wrong length",
        3,
        vec![0, 1, 2],
        sure.clone(),
    );
    misfit.calls = standard_calls(&FilterOptions {
        num_to_remove_per_class: Some(vec![1, 1]),
        ..FilterOptions::default()
    });
    let mut unsupported = edge(
        "removal counts with low_self_confidence",
        3,
        vec![0, 1, 2],
        sure,
    );
    unsupported.calls.push(Call::Find {
        options: FilterOptions {
            filter_by: FilterBy::LowSelfConfidence,
            num_to_remove_per_class: Some(vec![1, 0, 0]),
            ..FilterOptions::default()
        },
        rank_by: None,
    });
    cases.extend([misfit, unsupported]);
    cases
}

/// Compares the edge cases and 200 random ones with cleanlab, NumPy in
/// `mode`.
fn check_random_cases(mode: &'static str) {
    let mut gen = Gen {
        rng: ChaCha8Rng::seed_from_u64(SEED),
    };
    let mut cases = edge_cases();
    cases.extend((0..200).map(|id| gen.case(id)));
    let cmp = compare_with_oracle(&cases, mode);
    let (same, all) = entropy_bits(&cmp, &cases);
    eprintln!(
        "NumPy {mode} ({} ties): {} cases, {} results compared ({} rejected by both), {} differ; entropy scores equal to the bit: {same}/{all}",
        cmp.ties,
        cases.len(),
        cmp.calls,
        cmp.errors,
        cmp.mismatches.len()
    );
    assert_no_mismatches(&cmp, "random cases");
}

#[test]
fn random_cases_match_cleanlab_portable() {
    check_random_cases("portable");
}

#[test]
fn random_cases_match_cleanlab_native() {
    check_random_cases("native");
}
