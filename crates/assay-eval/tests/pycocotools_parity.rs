//! Parity of `assay_eval::coco` with pycocotools 2.0.11 `COCOeval`, the
//! reference.
//!
//! Evaluates real COCO files (`shared/data/faster_coco_eval_tests`) and
//! seeded random cases with assay (through the same readers as `assay eval
//! coco`) and with pycocotools (`COCO`, `loadRes`, `COCOeval`), and requires
//! `stats` and the full `precision`, `recall` and `scores` arrays to agree
//! within 1e-12. pycocotools runs in one process for all cases
//! (`tests/oracles/cocoeval_oracle.py`, with the Python interpreter from
//! `ASSAY_PYTHON`, default `<workspace>/.venv/bin/python`), alongside assay;
//! it sends the arrays back as raw doubles (millions of values in all).
//! A missing interpreter, pycocotools or data file fails the test. Set
//! `ASSAY_PARITY_KEEP` to keep the generated case files (they are kept
//! anyway when the test fails).
//!
//! The random cases aim at the rules where an implementation can differ:
//! crowds, empty images and categories, category ids with gaps, tied
//! scores, IoUs exactly on a threshold, areas exactly on a range bound,
//! more detections than `maxDets`, degenerate boxes, duplicates, a ground
//! truth with id 0, masks with and without result boxes (which changes the
//! result `area` pycocotools uses), unlabelled and crowd keypoint objects.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use assay_core::mask::Rle;
use assay_eval::coco::{evaluate, CocoEvaluation, IouType, Params};
use assay_io::coco::{read_coco, read_coco_results};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

mod common;
use common::oracle::{python, workspace_root, SETUP_HINT};

const SEED: u64 = 0xc0c0_e7a1_5eed;
const TOLERANCE: f64 = 1e-12;
const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/faster_coco_eval_tests/tests"
);

/// CrowdPose's 14 keypoint sigmas (before pycocotools' division by 10).
const CROWDPOSE_SIGMAS: [f64; 14] = [
    0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07, 0.87, 0.87, 0.89, 0.89, 0.79, 0.79,
];

const BBOX_CASES: usize = 300;
const SEGM_CASES: usize = 120;
const KEYPOINT_CASES: usize = 100;

/// One evaluation, run by both sides.
struct Case {
    label: String,
    gt: PathBuf,
    dt: PathBuf,
    iou_type: IouType,
    sigmas: Option<Vec<f64>>,
    /// pycocotools' AP (stats[0]) to four decimals, for the real files: a
    /// check that the oracle ran on the expected data.
    expected_ap: Option<f64>,
}

impl Case {
    fn new(label: String, gt: PathBuf, dt: PathBuf, iou_type: IouType) -> Case {
        Case {
            label,
            gt,
            dt,
            iou_type,
            sigmas: None,
            expected_ap: None,
        }
    }

    /// `real`, or the IoU type of a random case.
    fn kind(&self) -> &'static str {
        if self.label.starts_with("real") {
            "real"
        } else {
            self.iou_type.as_str()
        }
    }

    fn describe(&self) -> String {
        let name = |p: &Path| {
            p.file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
        };
        format!(
            "{} [{} vs {}, {}]",
            self.label,
            name(&self.gt),
            name(&self.dt),
            self.iou_type.as_str()
        )
    }
}

#[test]
fn coco_evaluation_matches_pycocotools() {
    let started = Instant::now();
    let python = python();
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let mut cases = real_cases(dir.path());
    cases.extend(random_cases(dir.path()));
    let failures = compare_all(&python, &cases, dir.path());
    let summary = failures.summary(&cases, started);
    println!("{summary}");
    if failures.failed.is_empty() && std::env::var_os("ASSAY_PARITY_KEEP").is_none() {
        return;
    }
    let kept = dir.keep();
    println!("case files kept in {}", kept.display());
    assert!(
        failures.failed.is_empty(),
        "assay differs from pycocotools in {} of {} cases (the case files are kept in {}):\n{}\n{summary}",
        failures.failed.len(),
        cases.len(),
        kept.display(),
        failures.report(&cases),
    );
}

// ---------------------------------------------------------------------------
// Real files
// ---------------------------------------------------------------------------

fn real_cases(dir: &Path) -> Vec<Case> {
    let data = Path::new(DATA);
    assert!(
        data.is_dir(),
        "test data {} not found (the shared faster-coco-eval test files)",
        data.display()
    );
    let file = |p: &str| {
        let path = data.join(p);
        assert!(path.is_file(), "test data {} not found", path.display());
        path
    };
    let real = |gt: &str, dt: &str, iou_type, ap: Option<f64>| {
        let mut case = Case::new("real".into(), file(gt), file(dt), iou_type);
        case.expected_ap = ap;
        case
    };
    let coco = "dataset/cocoapi/instances_val2014_100.json";
    let mut cases = vec![
        real(
            coco,
            "dataset/cocoapi/instances_val2014_fakebbox100_results.json",
            IouType::Bbox,
            Some(0.5046),
        ),
        real(
            coco,
            "dataset/cocoapi/instances_val2014_fakesegm100_results.json",
            IouType::Segm,
            Some(0.3195),
        ),
        real(
            "keypoints_dataset/gt_dataset.json",
            "keypoints_dataset/dt_dataset.json",
            IouType::Keypoints,
            Some(0.5049),
        ),
        real(
            "dataset/gt_dataset.json",
            "dataset/dt_dataset.json",
            IouType::Bbox,
            None,
        ),
        real(
            "dataset/gt_dataset.json",
            "dataset/dt_dataset.json",
            IouType::Segm,
            None,
        ),
    ];
    // The image id is the string "2299" here (in `images` and in one
    // annotation) but the number 2299 in the results: pycocotools' loadRes
    // rejects the pair and assay's reader rejects the string, so both get
    // a copy with numeric image ids.
    let ignore_gt = patched(&file("dataset/gt_ignore_test.json"), dir, numeric_image_ids);
    cases.push(Case::new(
        "real (numeric image ids)".into(),
        ignore_gt,
        file("dataset/dt_ignore_test.json"),
        IouType::Bbox,
    ));
    // CrowdPose ground truth has no `area`, which pycocotools' computeOks
    // needs (KeyError): both get a copy with the box area filled in.
    let crowdpose_gt = patched(&file("dataset/example_crowdpose_val.json"), dir, box_areas);
    let mut crowdpose = Case::new(
        "real (box areas added)".into(),
        crowdpose_gt,
        file("dataset/example_crowdpose_preds.json"),
        IouType::Keypoints,
    );
    crowdpose.sigmas = Some(CROWDPOSE_SIGMAS.iter().map(|s| s / 10.0).collect());
    cases.push(crowdpose);
    cases
}

/// Writes `fix(contents of path)` into `dir` under the same file name.
fn patched(path: &Path, dir: &Path, fix: fn(&mut Value)) -> PathBuf {
    let text = std::fs::read_to_string(path).expect("read test data");
    let mut value: Value = serde_json::from_str(&text).expect("test data is JSON");
    fix(&mut value);
    let out = dir.join(path.file_name().expect("a file name"));
    std::fs::write(&out, value.to_string()).expect("write the patched copy");
    out
}

fn numeric_image_ids(gt: &mut Value) {
    let numeric = |v: &mut Value| {
        if let Some(id) = v.as_str().and_then(|s| s.parse::<i64>().ok()) {
            *v = json!(id);
        }
    };
    for image in gt["images"].as_array_mut().into_iter().flatten() {
        numeric(&mut image["id"]);
    }
    for ann in gt["annotations"].as_array_mut().into_iter().flatten() {
        numeric(&mut ann["image_id"]);
    }
}

fn box_areas(gt: &mut Value) {
    for ann in gt["annotations"].as_array_mut().into_iter().flatten() {
        if ann.get("area").is_none() {
            let b: Vec<f64> = serde_json::from_value(ann["bbox"].clone()).expect("a bbox");
            ann["area"] = json!(b[2] * b[3]);
        }
    }
}

// ---------------------------------------------------------------------------
// Running both sides and comparing
// ---------------------------------------------------------------------------

/// What one side produced for a case.
struct Output {
    stats: Vec<f64>,
    precision: Vec<f64>,
    recall: Vec<f64>,
    scores: Vec<f64>,
    precision_shape: Vec<usize>,
    recall_shape: Vec<usize>,
}

impl Output {
    fn of_assay(e: CocoEvaluation) -> Output {
        let p = &e.params;
        let (t, r, k) = (
            p.iou_thresholds.len(),
            p.recall_thresholds.len(),
            e.category_ids.len(),
        );
        let (a, m) = (p.area_ranges.len(), p.max_dets.len());
        Output {
            stats: e.stats(),
            precision: e.precision,
            recall: e.recall,
            scores: e.scores,
            precision_shape: vec![t, r, k, a, m],
            recall_shape: vec![t, k, a, m],
        }
    }

    /// Parses one oracle line and reads the arrays it wrote.
    fn of_oracle(line: &str, out: &Path) -> Result<Output, String> {
        let v: Value = serde_json::from_str(line).map_err(|e| format!("bad oracle line: {e}"))?;
        if let Some(error) = v.get("error") {
            return Err(format!(
                "pycocotools failed: {}",
                error.as_str().unwrap_or("?")
            ));
        }
        let shape = |name: &str| -> Vec<usize> {
            serde_json::from_value(v["shapes"][name].clone()).expect("oracle gives shapes")
        };
        let (precision_shape, recall_shape) = (shape("precision"), shape("recall"));
        let bytes =
            std::fs::read(out).map_err(|e| format!("cannot read {}: {e}", out.display()))?;
        let _ = std::fs::remove_file(out);
        let mut values: Vec<f64> = bytes
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect();
        let (np, nr) = (
            precision_shape.iter().product::<usize>(),
            recall_shape.iter().product::<usize>(),
        );
        if values.len() != 2 * np + nr {
            return Err(format!(
                "oracle wrote {} values, expected {}",
                values.len(),
                2 * np + nr
            ));
        }
        let scores = values.split_off(np + nr);
        let recall = values.split_off(np);
        Ok(Output {
            stats: serde_json::from_value(v["stats"].clone()).expect("oracle gives stats"),
            precision: values,
            recall,
            scores,
            precision_shape,
            recall_shape,
        })
    }
}

fn assay_output(case: &Case) -> Result<Output, String> {
    let gt = read_coco(&case.gt).map_err(|e| format!("assay cannot read the ground truth: {e}"))?;
    let sizes: HashMap<i64, Option<(u32, u32)>> = gt
        .dataset
        .samples
        .iter()
        .map(|s| (s.id, s.width.zip(s.height)))
        .collect();
    let categories: HashSet<i64> = gt.dataset.categories.iter().map(|c| c.id).collect();
    let (dt, _) = read_coco_results(&case.dt, &sizes, &categories)
        .map_err(|e| format!("assay cannot read the results: {e}"))?;
    let mut params = Params::new(case.iou_type);
    if let Some(sigmas) = &case.sigmas {
        params.oks_sigmas = sigmas.clone();
    }
    let e = evaluate(&gt.dataset, &dt, &params).map_err(|e| format!("assay failed: {e}"))?;
    Ok(Output::of_assay(e))
}

/// The outcome of comparing every case.
#[derive(Default)]
struct Failures {
    /// `(case index, worst difference, first difference beyond the tolerance)`.
    failed: Vec<(usize, f64, String)>,
    /// The largest difference over all cases, and its case.
    worst: (f64, usize),
}

impl Failures {
    fn record(&mut self, case: usize, worst: f64, first: Option<String>) {
        if worst > self.worst.0 {
            self.worst = (worst, case);
        }
        if let Some(first) = first {
            self.failed.push((case, worst, first));
        }
    }

    fn summary(&self, cases: &[Case], started: Instant) -> String {
        let kinds = count_kinds(cases.iter());
        let (worst, at) = self.worst;
        format!(
            "pycocotools parity: {} cases ({kinds}), worst difference {worst:e} ({}), {:.1} s",
            cases.len(),
            cases[at].describe(),
            started.elapsed().as_secs_f64()
        )
    }

    fn report(&self, cases: &[Case]) -> String {
        let mut failed: Vec<_> = self.failed.iter().collect();
        // Worst first; errors (infinite differences) lead.
        failed.sort_by(|a, b| b.1.total_cmp(&a.1));
        let mut lines: Vec<String> = failed
            .iter()
            .take(12)
            .map(|(i, worst, first)| {
                format!(
                    "  {}: max difference {worst:e}; first differences: {first}",
                    cases[*i].describe()
                )
            })
            .collect();
        if failed.len() > 12 {
            lines.push(format!("  ... and {} more", failed.len() - 12));
        }
        let kinds = count_kinds(self.failed.iter().map(|(i, ..)| &cases[*i]));
        lines.push(format!("  failing cases by kind: {kinds}"));
        lines.join("\n")
    }
}

/// "7 real, 300 bbox, ..." in order of first appearance.
fn count_kinds<'a>(cases: impl Iterator<Item = &'a Case>) -> String {
    let mut kinds: Vec<(&str, usize)> = Vec::new();
    for c in cases {
        let kind = c.kind();
        match kinds.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => kinds.push((kind, 1)),
        }
    }
    let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
    kinds.join(", ")
}

/// Runs the oracle on all cases while assay evaluates them on another
/// thread, comparing case by case as pycocotools' results come in.
fn compare_all(python: &Path, cases: &[Case], dir: &Path) -> Failures {
    let outs: Vec<PathBuf> = (0..cases.len())
        .map(|i| dir.join(format!("oracle_{i:04}.f64")))
        .collect();
    let list: Vec<Value> = cases
        .iter()
        .zip(&outs)
        .map(|(c, out)| {
            json!({
                "gt": c.gt, "dt": c.dt, "iou_type": c.iou_type.as_str(),
                "sigmas": c.sigmas, "out": out,
            })
        })
        .collect();
    let input = dir.join("oracle_cases.json");
    std::fs::write(&input, Value::Array(list).to_string()).expect("write the oracle cases");
    let stderr_path = dir.join("oracle_stderr.txt");
    let stderr = std::fs::File::create(&stderr_path).expect("create the oracle's stderr file");
    let mut child = Command::new(python)
        .arg(workspace_root().join("tests/oracles/cocoeval_oracle.py"))
        .arg(&input)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e} ({SETUP_HINT})", python.display()));
    let stdout = child.stdout.take().expect("piped stdout");
    let oracle_stderr = || std::fs::read_to_string(&stderr_path).unwrap_or_default();

    let mut failures = Failures::default();
    std::thread::scope(|scope| {
        let (send, receive) = sync_channel(4);
        scope.spawn(move || {
            for case in cases {
                if send.send(assay_output(case)).is_err() {
                    break;
                }
            }
        });
        let mut lines = BufReader::new(stdout).lines();
        for (i, case) in cases.iter().enumerate() {
            let ours = receive.recv().expect("assay results for every case");
            let line = match lines.next() {
                Some(Ok(line)) => line,
                _ => {
                    let status = child.wait().expect("wait for the oracle");
                    panic!(
                        "the pycocotools oracle stopped at case {i} ({status}; {SETUP_HINT}):\n{}",
                        oracle_stderr()
                    );
                }
            };
            let theirs = Output::of_oracle(&line, &outs[i]);
            let (worst, first) = compare_case(case, ours, theirs);
            failures.record(i, worst, first);
        }
    });
    let status = child.wait().expect("wait for the oracle");
    assert!(
        status.success(),
        "the pycocotools oracle failed ({status}):\n{}",
        oracle_stderr()
    );
    failures
}

/// The largest difference between the two outputs of a case, and a
/// description of the first entry beyond the tolerance in each array (or
/// of an error).
fn compare_case(
    case: &Case,
    ours: Result<Output, String>,
    theirs: Result<Output, String>,
) -> (f64, Option<String>) {
    let (ours, theirs) = match (ours, theirs) {
        (Ok(o), Ok(t)) => (o, t),
        (Err(e), _) | (_, Err(e)) => return (f64::INFINITY, Some(e)),
    };
    if let (Some(ap), Some(&stat)) = (case.expected_ap, theirs.stats.first()) {
        if (stat - ap).abs() > 5e-5 {
            let msg = format!("pycocotools gives AP {stat}, expected {ap}: wrong data?");
            return (f64::INFINITY, Some(msg));
        }
    }
    if ours.precision_shape != theirs.precision_shape || ours.recall_shape != theirs.recall_shape {
        let msg = format!(
            "shapes differ: assay precision {:?} recall {:?}, pycocotools {:?} {:?}",
            ours.precision_shape, ours.recall_shape, theirs.precision_shape, theirs.recall_shape
        );
        return (f64::INFINITY, Some(msg));
    }
    let stats_shape = [ours.stats.len()];
    let compared = [
        compare_array("stats", &ours.stats, &theirs.stats, &stats_shape),
        compare_array(
            "precision",
            &ours.precision,
            &theirs.precision,
            &ours.precision_shape,
        ),
        compare_array("recall", &ours.recall, &theirs.recall, &ours.recall_shape),
        compare_array(
            "scores",
            &ours.scores,
            &theirs.scores,
            &ours.precision_shape,
        ),
    ];
    let worst = compared.iter().map(|c| c.0).fold(0.0, f64::max);
    let firsts: Vec<String> = compared.into_iter().filter_map(|c| c.1).collect();
    (worst, (!firsts.is_empty()).then(|| firsts.join("; ")))
}

/// The largest difference between two arrays of `shape`, and the first
/// entry beyond the tolerance.
fn compare_array(
    name: &str,
    ours: &[f64],
    theirs: &[f64],
    shape: &[usize],
) -> (f64, Option<String>) {
    if ours.len() != theirs.len() {
        let msg = format!("{name}: {} entries vs {}", ours.len(), theirs.len());
        return (f64::INFINITY, Some(msg));
    }
    let mut worst = 0.0f64;
    let mut first = None;
    for (i, (&x, &y)) in ours.iter().zip(theirs).enumerate() {
        let d = difference(x, y);
        worst = worst.max(d);
        if d > TOLERANCE && first.is_none() {
            first = Some(format!(
                "{name}{:?} (flat index {i}): assay {x}, pycocotools {y}",
                unravel(i, shape)
            ));
        }
    }
    (worst, first)
}

fn difference(x: f64, y: f64) -> f64 {
    if x == y {
        0.0
    } else if x.is_nan() || y.is_nan() {
        f64::INFINITY
    } else {
        (x - y).abs()
    }
}

/// A C-order flat index as one index per dimension.
fn unravel(mut i: usize, shape: &[usize]) -> Vec<usize> {
    let mut out = vec![0; shape.len()];
    for (o, &n) in out.iter_mut().zip(shape).rev() {
        *o = i % n.max(1);
        i /= n.max(1);
    }
    out
}

// ---------------------------------------------------------------------------
// Random cases
// ---------------------------------------------------------------------------

fn random_cases(dir: &Path) -> Vec<Case> {
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(SEED),
    };
    let mut cases = Vec::new();
    let mut write = |kind: &str, i: usize, (gt, dt): (Value, Value), iou_type| {
        let gt_path = dir.join(format!("{kind}_{i:03}_gt.json"));
        let dt_path = dir.join(format!("{kind}_{i:03}_dt.json"));
        std::fs::write(&gt_path, gt.to_string()).expect("write a case");
        std::fs::write(&dt_path, dt.to_string()).expect("write a case");
        cases.push(Case::new(
            format!("random {kind} #{i}"),
            gt_path,
            dt_path,
            iou_type,
        ));
    };
    for i in 0..BBOX_CASES {
        write("bbox", i, random_bbox_case(&mut g), IouType::Bbox);
    }
    for i in 0..SEGM_CASES {
        let with_boxes = i % 2 == 0;
        let kind = if with_boxes { "segm_boxed" } else { "segm" };
        write(kind, i, random_segm_case(&mut g, with_boxes), IouType::Segm);
    }
    for i in 0..KEYPOINT_CASES {
        write(
            "keypoints",
            i,
            random_keypoints_case(&mut g),
            IouType::Keypoints,
        );
    }
    cases
}

/// Seeded random draws.
struct Gen {
    rng: ChaCha8Rng,
}

impl Gen {
    fn int(&mut self, lo: i64, hi: i64) -> i64 {
        self.rng.random_range(lo..=hi)
    }

    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.rng.random::<f64>()
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    fn pick<T: Copy>(&mut self, choices: &[T]) -> T {
        choices[self.rng.random_range(0..choices.len())]
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        items.shuffle(&mut self.rng);
    }

    /// A confidence, often from a small set so that scores tie.
    fn score(&mut self) -> f64 {
        if self.chance(0.6) {
            self.pick(&[0.1, 0.3, 0.5, 0.5, 0.7, 0.9, 1.0])
        } else {
            (self.uniform(0.0, 1.0) * 1000.0).round() / 1000.0
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Image {
    id: i64,
    width: u32,
    height: u32,
}

/// What one (image, category) pair gets.
struct Slot {
    image: Image,
    category: i64,
    ground_truths: usize,
    detections: bool,
}

/// The images and categories of a random case and the annotations written
/// so far.
struct Scene {
    images: Vec<Image>,
    categories: Vec<i64>,
    keypoint_names: usize,
    gt: Vec<Value>,
    dt: Vec<Value>,
    next_id: i64,
}

impl Scene {
    /// 1 to 6 images of `sides` pixels, up to `max_categories` categories
    /// with gaps in their ids, ground-truth ids from 0 in a fifth of cases.
    fn new(g: &mut Gen, sides: (u32, u32), max_categories: i64) -> Scene {
        let mut id = g.pick(&[0, 1, 7, 1000]);
        let images = (0..g.int(1, 6))
            .map(|_| {
                let image = Image {
                    id,
                    width: g.int(sides.0.into(), sides.1.into()) as u32,
                    height: g.int(sides.0.into(), sides.1.into()) as u32,
                };
                id += g.int(1, 5);
                image
            })
            .collect();
        let mut id = g.pick(&[1, 2, 5]);
        let categories = (0..g.int(1, max_categories))
            .map(|_| {
                let c = id;
                id += g.pick(&[1, 1, 2, 3, 10]);
                c
            })
            .collect();
        Scene {
            images,
            categories,
            keypoint_names: 0,
            gt: Vec::new(),
            dt: Vec::new(),
            next_id: if g.chance(0.2) {
                0
            } else {
                g.pick(&[1, 100, 5000])
            },
        }
    }

    /// What each (image, category) pair gets: some images empty, some with
    /// only ground truth or only detections; with two or more categories,
    /// sometimes one without ground truth and one without detections.
    fn plan(&self, g: &mut Gen, max_gts: i64) -> Vec<Slot> {
        let n = self.categories.len();
        let no_gt = (n >= 2 && g.chance(0.4)).then(|| g.int(0, n as i64 - 1) as usize);
        let no_dt = (n >= 2 && g.chance(0.4)).then(|| g.int(0, n as i64 - 1) as usize);
        let mut slots = Vec::new();
        for &image in &self.images {
            let (has_gt, has_dt) = match g.int(0, 19) {
                0..=1 => (false, false),
                2..=4 => (true, false),
                5..=7 => (false, true),
                _ => (true, true),
            };
            for (k, &category) in self.categories.iter().enumerate() {
                let gts = if has_gt && no_gt != Some(k) {
                    g.int(0, max_gts) as usize
                } else {
                    0
                };
                slots.push(Slot {
                    image,
                    category,
                    ground_truths: gts,
                    detections: has_dt && no_dt != Some(k) && g.chance(0.85),
                });
            }
        }
        slots
    }

    fn add_gt(&mut self, g: &mut Gen, slot: &Slot, mut fields: Value) {
        fields["id"] = json!(self.next_id);
        fields["image_id"] = json!(slot.image.id);
        fields["category_id"] = json!(slot.category);
        self.next_id += g.int(1, 3);
        self.gt.push(fields);
    }

    /// Adds a detection, with a random score unless `fields` has one.
    fn add_dt(&mut self, g: &mut Gen, image: Image, category: i64, mut fields: Value) {
        fields["image_id"] = json!(image.id);
        fields["category_id"] = json!(category);
        if fields.get("score").is_none() {
            fields["score"] = json!(g.score());
        }
        self.dt.push(fields);
    }

    /// pycocotools fails on an empty results list.
    fn ensure_detection(&mut self, g: &mut Gen, make: impl FnOnce(&mut Gen, Image) -> Value) {
        if self.dt.is_empty() {
            let (image, category) = (self.images[0], self.categories[0]);
            let fields = make(g, image);
            self.add_dt(g, image, category, fields);
        }
    }

    /// The ground-truth file and the results list, each shuffled half the
    /// time (file order decides ties).
    fn finish(mut self, g: &mut Gen) -> (Value, Value) {
        if g.chance(0.5) {
            g.shuffle(&mut self.gt);
        }
        if g.chance(0.5) {
            g.shuffle(&mut self.dt);
        }
        let mut images: Vec<Value> = self
            .images
            .iter()
            .map(|i| {
                let file_name = format!("{}.jpg", i.id);
                json!({"id": i.id, "file_name": file_name, "width": i.width, "height": i.height})
            })
            .collect();
        g.shuffle(&mut images);
        let names: Vec<String> = (0..self.keypoint_names).map(|k| format!("kp{k}")).collect();
        let mut categories: Vec<Value> = self
            .categories
            .iter()
            .map(|&c| {
                let mut v = json!({"id": c, "name": format!("class{c}")});
                if !names.is_empty() {
                    v["keypoints"] = json!(names);
                }
                v
            })
            .collect();
        g.shuffle(&mut categories);
        let gt = json!({"images": images, "annotations": self.gt, "categories": categories});
        (gt, Value::Array(self.dt))
    }
}

// --- boxes -----------------------------------------------------------------

/// A random bbox case: ground-truth boxes on integer and half-pixel grids
/// (some of exactly 32x32 and 96x96 pixels, some degenerate, some crowds),
/// detections near them (copies, cuts giving IoUs exactly on a threshold,
/// shifts), random ones, duplicates, and on some images more than 100.
fn random_bbox_case(g: &mut Gen) -> (Value, Value) {
    let mut scene = Scene::new(g, (40, 400), 4);
    for slot in scene.plan(g, 5) {
        let boxes: Vec<[f64; 4]> = (0..slot.ground_truths)
            .map(|_| gt_box(g, slot.image))
            .collect();
        for b in &boxes {
            let crowd = g.chance(0.12);
            let area = gt_area(g, b[2] * b[3]);
            scene.add_gt(
                g,
                &slot,
                json!({"bbox": b, "area": area, "iscrowd": u8::from(crowd)}),
            );
        }
        if slot.detections {
            for b in detection_boxes(g, slot.image, &boxes) {
                scene.add_dt(g, slot.image, slot.category, json!({ "bbox": b }));
            }
            if slot.ground_truths > 0 && g.chance(0.2) {
                let tie = tie(g, slot.image, 20.0);
                for b in tie.gts {
                    scene.add_gt(
                        g,
                        &slot,
                        json!({"bbox": b, "area": b[2] * b[3], "iscrowd": 0}),
                    );
                }
                for (b, score) in tie.dts.into_iter().zip(tie.scores) {
                    scene.add_dt(
                        g,
                        slot.image,
                        slot.category,
                        json!({"bbox": b, "score": score}),
                    );
                }
            }
        }
    }
    scene.ensure_detection(g, |g, image| json!({ "bbox": gt_box(g, image) }));
    scene.finish(g)
}

/// Two ground-truth boxes that one detection overlaps equally, and a
/// second, mostly lower-scored detection on one of them. pycocotools gives
/// the first detection the later of the two ground truths; taking the
/// earlier one would change what the second detection matches.
struct Tie {
    gts: [[f64; 4]; 2],
    dts: [[f64; 4]; 2],
    scores: [f64; 2],
}

/// A [`Tie`] of boxes with sides a multiple of `unit`, so that all edges
/// stay on the half-pixel grid (on the pixel grid when `unit` is a multiple
/// of 8, as masks need for equal IoUs).
fn tie(g: &mut Gen, image: Image, unit: f64) -> Tie {
    let (w, h) = (unit * g.int(1, 4) as f64, unit * g.int(1, 4) as f64);
    let shift = w * g.pick(&[0.25, 0.5]);
    let x = g.int(0, (f64::from(image.width) - w - shift).max(0.0) as i64) as f64;
    let y = g.int(0, (f64::from(image.height) - h).max(0.0) as i64) as f64;
    let (a, b) = ([x, y, w, h], [x + shift, y, w, h]);
    let between = [x + shift / 2.0, y, w, h];
    let second = if g.chance(0.5) { a } else { b };
    let score = g.score();
    let lower = if g.chance(0.2) {
        score
    } else {
        (score * 500.0).round() / 1000.0
    };
    Tie {
        gts: [a, b],
        dts: [between, second],
        scores: [score, lower],
    }
}

/// A ground-truth box: on the integer or half-pixel grid, of a size on an
/// area-range bound, small, unaligned or degenerate.
fn gt_box(g: &mut Gen, image: Image) -> [f64; 4] {
    let (iw, ih) = (f64::from(image.width), f64::from(image.height));
    let at = |g: &mut Gen, step: f64| {
        let x = (g.uniform(-0.05, 0.9) * iw / step).round() * step;
        let y = (g.uniform(-0.05, 0.9) * ih / step).round() * step;
        (x, y)
    };
    match g.int(0, 9) {
        0 => {
            let (w, h) = g.pick(&[
                (32.0, 32.0),
                (96.0, 96.0),
                (16.0, 64.0),
                (48.0, 192.0),
                (32.0, 33.0),
            ]);
            let (x, y) = at(g, 1.0);
            [x, y, w, h]
        }
        1..=3 => {
            let (x, y) = at(g, 1.0);
            [x, y, 20.0 * g.int(1, 8) as f64, 20.0 * g.int(1, 8) as f64]
        }
        4..=5 => {
            let (x, y) = at(g, 0.5);
            [x, y, 0.5 * g.int(1, 300) as f64, 0.5 * g.int(1, 300) as f64]
        }
        6 => {
            let (x, y) = at(g, 1.0);
            [x, y, g.int(1, 40) as f64, g.int(1, 40) as f64]
        }
        7..=8 => [
            g.uniform(0.0, iw * 0.8),
            g.uniform(0.0, ih * 0.8),
            g.uniform(1.0, iw * 0.6),
            g.uniform(1.0, ih * 0.6),
        ],
        _ => {
            let (x, y) = at(g, 1.0);
            let side = g.int(1, 50) as f64;
            if g.chance(0.5) {
                [x, y, 0.0, side]
            } else {
                [x, y, side, 0.0]
            }
        }
    }
}

/// The `area` written for a ground truth: usually its geometry's, sometimes
/// exactly on a range bound or unrelated to the geometry (as for a polygon
/// inside its box).
fn gt_area(g: &mut Gen, geometry: f64) -> f64 {
    match g.int(0, 9) {
        0 => 1024.0,
        1 => 9216.0,
        2 => g.pick(&[1023.5, 1024.5, 9215.5, 9216.5]),
        3 => (geometry * g.uniform(0.3, 1.0) * 100.0).round() / 100.0,
        _ => geometry,
    }
}

/// Detections for one image and category.
fn detection_boxes(g: &mut Gen, image: Image, gts: &[[f64; 4]]) -> Vec<[f64; 4]> {
    let mut out = Vec::new();
    for gt in gts {
        if g.chance(0.8) {
            for _ in 0..g.int(1, 3) {
                out.push(near_box(g, gt));
            }
        }
    }
    for _ in 0..g.int(0, 2) {
        out.push(gt_box(g, image));
    }
    if g.chance(0.05) {
        let (x, y) = (g.int(0, 50) as f64, g.int(0, 50) as f64);
        out.push(if g.chance(0.5) {
            [x, y, 0.0, 10.0]
        } else {
            [x, y, 10.0, 0.0]
        });
    }
    if g.chance(0.12) {
        let b = match out.first() {
            Some(&b) => b,
            None => gt_box(g, image),
        };
        out.extend(std::iter::repeat_n(b, g.int(5, 40) as usize));
    }
    if g.chance(0.03) {
        let target = 100 + g.int(1, 40) as usize;
        while out.len() < target {
            let b = match gts.first() {
                Some(gt) if g.chance(0.5) => near_box(g, gt),
                _ => gt_box(g, image),
            };
            out.push(b);
        }
    }
    out
}

/// A detection near a ground-truth box: a copy, a cut to k/20 of its width
/// or height (IoU k/20, exactly a threshold on the 20-pixel grid), a shift
/// on the half-pixel grid, or a jitter.
fn near_box(g: &mut Gen, gt: &[f64; 4]) -> [f64; 4] {
    let [x, y, w, h] = *gt;
    match g.int(0, 5) {
        0 => *gt,
        1 | 2 => {
            let f = g.int(10, 19) as f64 / 20.0;
            if g.chance(0.5) {
                [x, y, w, h * f]
            } else {
                [x + w * (1.0 - f), y, w * f, h]
            }
        }
        3 => {
            let (dx, dy) = (g.int(-4, 4) as f64 * 0.5, g.int(-4, 4) as f64 * 0.5);
            [x + dx, y + dy, w, h]
        }
        4 => {
            let s = g.pick(&[0.5, 0.75, 0.9, 1.1, 1.25, 2.0]);
            [x, y, w * s, h * s]
        }
        _ => {
            let j = |g: &mut Gen, v: f64, size: f64| v + g.uniform(-0.15, 0.15) * size.max(1.0);
            [
                j(g, x, w),
                j(g, y, h),
                j(g, w, w).max(0.0),
                j(g, h, h).max(0.0),
            ]
        }
    }
}

// --- masks -----------------------------------------------------------------

/// A random segm case on small images: polygon ground truths (some crowds
/// as uncompressed RLE), compressed-RLE detections made from perturbed
/// ground truths and random polygons; with `with_boxes`, every result also
/// has a `bbox` (loadRes then takes the box area as the result's area).
fn random_segm_case(g: &mut Gen, with_boxes: bool) -> (Value, Value) {
    let mut scene = Scene::new(g, (16, 80), 3);
    let result = |rle: &Rle| {
        let counts = rle.to_compressed();
        let mut v = json!({"segmentation": {"size": [rle.height, rle.width], "counts": counts}});
        if with_boxes {
            v["bbox"] = json!(rle.to_bbox());
        }
        v
    };
    for slot in scene.plan(g, 4) {
        let (h, w) = (slot.image.height, slot.image.width);
        let mut shapes = Vec::new();
        for _ in 0..slot.ground_truths {
            let polys = polygons(g, slot.image);
            let rle = Rle::from_polygons(&polys, h, w);
            let fields = if g.chance(0.15) {
                json!({
                    "segmentation": {"size": [h, w], "counts": rle.counts},
                    "area": rle.area(), "bbox": rle.to_bbox(), "iscrowd": 1,
                })
            } else {
                let area = gt_area(g, rle.area() as f64);
                json!({"segmentation": polys, "area": area, "bbox": rle.to_bbox(), "iscrowd": 0})
            };
            scene.add_gt(g, &slot, fields);
            shapes.push(polys);
        }
        if slot.detections {
            for rle in detection_masks(g, slot.image, &shapes) {
                scene.add_dt(g, slot.image, slot.category, result(&rle));
            }
            if slot.ground_truths > 0 && g.chance(0.2) {
                let tie = tie(g, slot.image, 8.0);
                for b in tie.gts {
                    let poly = box_polygon(b);
                    let area = Rle::from_polygon(&poly, h, w).area();
                    let fields =
                        json!({"segmentation": [poly], "area": area, "bbox": b, "iscrowd": 0});
                    scene.add_gt(g, &slot, fields);
                }
                for (b, score) in tie.dts.into_iter().zip(tie.scores) {
                    let mut fields = result(&Rle::from_polygon(&box_polygon(b), h, w));
                    fields["score"] = json!(score);
                    scene.add_dt(g, slot.image, slot.category, fields);
                }
            }
        }
    }
    scene.ensure_detection(g, |g, image| {
        let polys = polygons(g, image);
        result(&Rle::from_polygons(&polys, image.height, image.width))
    });
    scene.finish(g)
}

/// The polygon through a box's corners.
fn box_polygon([x, y, w, h]: [f64; 4]) -> Vec<f64> {
    vec![x, y, x + w, y, x + w, y + h, x, y + h]
}

/// An object's polygons: a box on the integer grid (some 32x32), or one or
/// two star-shaped polygons.
fn polygons(g: &mut Gen, image: Image) -> Vec<Vec<f64>> {
    let (iw, ih) = (f64::from(image.width), f64::from(image.height));
    if g.chance(0.3) {
        let side = |g: &mut Gen, extent: f64| {
            if extent >= 32.0 && g.chance(0.3) {
                32.0
            } else {
                g.int(1, extent as i64) as f64
            }
        };
        let (bw, bh) = (side(g, iw), side(g, ih));
        let x = g.int(0, (iw - bw) as i64) as f64;
        let y = g.int(0, (ih - bh) as i64) as f64;
        return vec![vec![x, y, x + bw, y, x + bw, y + bh, x, y + bh]];
    }
    let parts = if g.chance(0.2) { 2 } else { 1 };
    (0..parts)
        .map(|_| {
            let center = (g.uniform(0.0, iw), g.uniform(0.0, ih));
            let radius = g.uniform(1.5, iw.max(ih) * 0.5);
            star(g, center, radius)
        })
        .collect()
}

/// A star-shaped polygon of 3 to 12 points, snapped to the half-pixel grid
/// half the time.
fn star(g: &mut Gen, center: (f64, f64), radius: f64) -> Vec<f64> {
    let n = g.int(3, 12);
    let mut angles: Vec<f64> = (0..n)
        .map(|_| g.uniform(0.0, std::f64::consts::TAU))
        .collect();
    angles.sort_by(f64::total_cmp);
    let snap = g.chance(0.5);
    let mut xy = Vec::with_capacity(2 * angles.len());
    for a in angles {
        let r = radius * g.uniform(0.4, 1.0);
        for v in [center.0 + r * a.cos(), center.1 + r * a.sin()] {
            xy.push(if snap { (v * 2.0).round() / 2.0 } else { v });
        }
    }
    xy
}

/// Detection masks for one image and category: perturbed copies of the
/// ground truths, random shapes, an empty mask, duplicates, and on some
/// images more than 100.
fn detection_masks(g: &mut Gen, image: Image, gts: &[Vec<Vec<f64>>]) -> Vec<Rle> {
    let (h, w) = (image.height, image.width);
    let mut out = Vec::new();
    for polys in gts {
        if g.chance(0.8) {
            for _ in 0..g.int(1, 2) {
                out.push(Rle::from_polygons(&perturbed(g, polys), h, w));
            }
        }
    }
    for _ in 0..g.int(0, 2) {
        out.push(Rle::from_polygons(&polygons(g, image), h, w));
    }
    if g.chance(0.05) {
        out.push(Rle::from_polygons(&[], h, w));
    }
    if g.chance(0.1) {
        let rle = match out.first() {
            Some(r) => r.clone(),
            None => Rle::from_polygons(&polygons(g, image), h, w),
        };
        out.extend(std::iter::repeat_n(rle, g.int(5, 30) as usize));
    }
    if g.chance(0.04) {
        let target = 100 + g.int(1, 20) as usize;
        while out.len() < target {
            let polys = match gts.first() {
                Some(p) if g.chance(0.5) => perturbed(g, p),
                _ => polygons(g, image),
            };
            out.push(Rle::from_polygons(&polys, h, w));
        }
    }
    out
}

/// Polygons moved a little: unchanged, shifted by whole or half pixels, or
/// each vertex jittered.
fn perturbed(g: &mut Gen, polys: &[Vec<f64>]) -> Vec<Vec<f64>> {
    match g.int(0, 3) {
        0 => polys.to_vec(),
        1 => {
            let (dx, dy) = (g.int(-4, 4) as f64 * 0.5, g.int(-4, 4) as f64 * 0.5);
            polys
                .iter()
                .map(|p| {
                    p.chunks(2)
                        .flat_map(|xy| [xy[0] + dx, xy[1] + dy])
                        .collect()
                })
                .collect()
        }
        _ => {
            let r = g.pick(&[0.5, 1.5, 4.0]);
            polys
                .iter()
                .map(|p| p.iter().map(|v| v + g.uniform(-r, r)).collect())
                .collect()
        }
    }
}

// --- keypoints -------------------------------------------------------------

const KEYPOINTS: usize = 17;

/// A person: box, `area` and 17 keypoints.
struct Person {
    bbox: [f64; 4],
    area: f64,
    keypoints: Vec<f64>,
}

impl Person {
    fn labelled(&self) -> usize {
        self.keypoints.chunks(3).filter(|k| k[2] > 0.0).count()
    }
}

/// A random keypoints case: people with visibility 0/1/2, some without
/// labelled keypoints, some crowds; detections as noisy copies of them and
/// random ones, on some images more than 20. A quarter of the cases give
/// every result a `bbox` (loadRes then takes the box area, not the
/// keypoints' extent).
fn random_keypoints_case(g: &mut Gen) -> (Value, Value) {
    let mut scene = Scene::new(g, (100, 640), 2);
    scene.keypoint_names = KEYPOINTS;
    let with_boxes = g.chance(0.25);
    let result = |g: &mut Gen, keypoints: Vec<f64>| {
        let mut v = json!({ "keypoints": keypoints });
        if with_boxes {
            let [x, y, w, h] = extent(&keypoints);
            let pad = g.uniform(0.0, 10.0);
            v["bbox"] = json!([x - pad, y - pad, w + 2.0 * pad, h + 2.0 * pad]);
        }
        v
    };
    for slot in scene.plan(g, 4) {
        let mut people = Vec::new();
        for _ in 0..slot.ground_truths {
            let (person, crowd) = match g.int(0, 9) {
                0 => (unlabelled(person(g, slot.image)), false),
                1 => {
                    let p = person(g, slot.image);
                    (if g.chance(0.7) { unlabelled(p) } else { p }, true)
                }
                _ => (person(g, slot.image), false),
            };
            scene.add_gt(
                g,
                &slot,
                json!({
                    "bbox": person.bbox, "area": person.area, "keypoints": person.keypoints,
                    "num_keypoints": person.labelled(), "iscrowd": u8::from(crowd),
                }),
            );
            people.push(person);
        }
        if slot.detections {
            for keypoints in detection_keypoints(g, slot.image, &people) {
                let fields = result(g, keypoints);
                scene.add_dt(g, slot.image, slot.category, fields);
            }
            if slot.ground_truths > 0 && g.chance(0.2) {
                let (gts, dts) = keypoint_tie(g, slot.image);
                for p in gts {
                    let fields = json!({
                        "bbox": p.bbox, "area": p.area, "keypoints": p.keypoints,
                        "num_keypoints": p.labelled(), "iscrowd": 0,
                    });
                    scene.add_gt(g, &slot, fields);
                }
                let score = g.score();
                for (keypoints, score) in dts.into_iter().zip([score, score * 0.5]) {
                    let mut fields = result(g, keypoints);
                    fields["score"] = json!(score);
                    scene.add_dt(g, slot.image, slot.category, fields);
                }
            }
        }
    }
    scene.ensure_detection(g, |g, image| {
        let keypoints = person(g, image).keypoints;
        result(g, keypoints)
    });
    scene.finish(g)
}

/// A person with labelled (v = 1 or 2) and unlabelled (v = 0, mostly at
/// 0,0) keypoints inside its box.
fn person(g: &mut Gen, image: Image) -> Person {
    let (iw, ih) = (f64::from(image.width), f64::from(image.height));
    let (bw, bh) = if g.chance(0.15) {
        g.pick(&[(32.0, 32.0), (96.0, 96.0), (64.0, 144.0)])
    } else {
        (g.uniform(6.0, iw * 0.6), g.uniform(6.0, ih * 0.8))
    };
    let (x, y) = (
        g.uniform(0.0, iw - bw).round(),
        g.uniform(0.0, ih - bh).round(),
    );
    let area = match g.int(0, 9) {
        0 => 1024.0,
        1 => 9216.0,
        2 => bw * bh,
        _ => (bw * bh * g.uniform(0.3, 0.9) * 100.0).round() / 100.0,
    };
    let round = g.chance(0.5);
    let mut keypoints = Vec::with_capacity(3 * KEYPOINTS);
    for _ in 0..KEYPOINTS {
        let v = g.pick(&[0.0, 1.0, 2.0, 2.0]);
        let (mut px, mut py) = (x + g.uniform(0.0, bw), y + g.uniform(0.0, bh));
        if round {
            (px, py) = (px.round(), py.round());
        }
        if v == 0.0 && g.chance(0.7) {
            (px, py) = (0.0, 0.0);
        }
        keypoints.extend([px, py, v]);
    }
    Person {
        bbox: [x, y, bw, bh],
        area,
        keypoints,
    }
}

/// The keypoint version of a box [`Tie`]: a person on integer coordinates
/// and the same person moved right by `2 * step` pixels, a detection moved
/// by `step` (the same OKS with both) and an exact copy of one of them.
fn keypoint_tie(g: &mut Gen, image: Image) -> ([Person; 2], [Vec<f64>; 2]) {
    let mut a = person(g, image);
    a.keypoints.iter_mut().for_each(|v| *v = v.round());
    let step = (a.area.max(1.0).sqrt() * g.pick(&[0.05, 0.1, 0.2]))
        .round()
        .max(1.0);
    let moved = |p: &Person, dx: f64| Person {
        bbox: [p.bbox[0] + dx, p.bbox[1], p.bbox[2], p.bbox[3]],
        area: p.area,
        keypoints: p
            .keypoints
            .chunks(3)
            .flat_map(|k| [k[0] + dx, k[1], k[2]])
            .collect(),
    };
    let b = moved(&a, 2.0 * step);
    let between = moved(&a, step).keypoints;
    let second = if g.chance(0.5) {
        a.keypoints.clone()
    } else {
        b.keypoints.clone()
    };
    ([a, b], [between, second])
}

/// The person with no labelled keypoint (OKS then measures the distance to
/// a box around its box).
fn unlabelled(mut p: Person) -> Person {
    p.keypoints.iter_mut().for_each(|v| *v = 0.0);
    p
}

/// Detections for one image and category.
fn detection_keypoints(g: &mut Gen, image: Image, people: &[Person]) -> Vec<Vec<f64>> {
    let mut out = Vec::new();
    for p in people {
        if g.chance(0.8) {
            for _ in 0..g.int(1, 2) {
                out.push(noisy_copy(g, p));
            }
        }
    }
    for _ in 0..g.int(0, 2) {
        out.push(person(g, image).keypoints);
    }
    if g.chance(0.1) {
        let target = 20 + g.int(1, 10) as usize;
        while out.len() < target {
            out.push(match people.first() {
                Some(p) if g.chance(0.6) => noisy_copy(g, p),
                _ => person(g, image).keypoints,
            });
        }
    }
    out
}

/// A detection of a person: its labelled keypoints moved by up to a
/// fraction of its size, the others anywhere in (or near) its box; the
/// visibility slot holds a confidence, which OKS ignores.
fn noisy_copy(g: &mut Gen, p: &Person) -> Vec<f64> {
    let [x, y, w, h] = p.bbox;
    let noise = p.area.max(1.0).sqrt() * g.pick(&[0.0, 0.005, 0.01, 0.02, 0.05, 0.1]);
    let mut out = Vec::with_capacity(3 * KEYPOINTS);
    for k in p.keypoints.chunks(3) {
        let (px, py) = if k[2] > 0.0 {
            (
                k[0] + g.uniform(-noise, noise),
                k[1] + g.uniform(-noise, noise),
            )
        } else {
            (x + g.uniform(-0.5, 1.5) * w, y + g.uniform(-0.5, 1.5) * h)
        };
        let confidence = (g.uniform(0.0, 1.0) * 100.0).round() / 100.0;
        out.extend([px, py, confidence]);
    }
    out
}

/// `[min x, min y, width, height]` over all keypoints.
fn extent(keypoints: &[f64]) -> [f64; 4] {
    let span = |values: Vec<f64>| {
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lo, hi - lo)
    };
    let (x, w) = span(keypoints.iter().step_by(3).copied().collect());
    let (y, h) = span(keypoints.iter().skip(1).step_by(3).copied().collect());
    [x, y, w, h]
}
