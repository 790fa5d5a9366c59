//! Parity of `assay_core::mask` with pycocotools 2.0.11, the reference.
//!
//! Generates seeded random cases (polygons, multi-part polygons with holes,
//! binary masks, boxes, uncompressed counts, merges and IoU matrices), runs
//! `tests/oracles/mask_oracle.py` on them with the Python interpreter from
//! `ASSAY_PYTHON` (default: `<workspace>/.venv/bin/python`) and compares
//! every result. A missing interpreter or pycocotools fails the test.
//!
//! Everything must be identical, IoUs included: both sides compute each one
//! as a single division of the same two integers, so they agree to the bit
//! (stricter than the 1e-12 the comparison would otherwise allow).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use assay_core::mask::{rle_iou, Rle};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

const SEED: u64 = 0x5eed_c0c0_a5a7;
const SETUP_HINT: &str = "run ./scripts/test.sh, which installs the Python oracles";

/// How one mask is made, on both sides.
#[derive(Debug, Clone)]
enum Source {
    Poly(Vec<f64>),
    Polys(Vec<Vec<f64>>),
    Mask(Vec<u8>),
    BBox([f64; 4]),
    Counts(Vec<u32>),
}

#[derive(Debug, Clone)]
struct Item {
    h: u32,
    w: u32,
    source: Source,
}

#[derive(Debug)]
enum Case {
    Single(Item),
    Merge {
        items: Vec<Item>,
        intersect: bool,
    },
    Iou {
        dt: Vec<Item>,
        gt: Vec<Item>,
        crowd: Vec<bool>,
    },
}

impl Item {
    fn kind(&self) -> &'static str {
        match self.source {
            Source::Poly(_) => "poly",
            Source::Polys(_) => "polys",
            Source::Mask(_) => "mask",
            Source::BBox(_) => "bbox",
            Source::Counts(_) => "counts",
        }
    }

    fn to_json(&self) -> Value {
        let mut v = json!({ "kind": self.kind(), "h": self.h, "w": self.w });
        v[self.kind()] = match &self.source {
            Source::Poly(p) => json!(p),
            Source::Polys(p) => json!(p),
            Source::Mask(m) => json!(m.iter().map(|&b| char::from(b'0' + b)).collect::<String>()),
            Source::BBox(b) => json!(b),
            Source::Counts(c) => json!(c),
        };
        v
    }

    fn build(&self) -> Rle {
        let (h, w) = (self.h, self.w);
        match &self.source {
            Source::Poly(p) => Rle::from_polygon(p, h, w),
            Source::Polys(p) => Rle::from_polygons(p, h, w),
            Source::Mask(m) => Rle::encode(m, h, w).expect("generated mask has h*w pixels"),
            Source::BBox(b) => Rle::from_bbox(*b, h, w),
            Source::Counts(c) => {
                Rle::from_uncompressed(c.clone(), h, w).expect("generated counts sum to h*w")
            }
        }
    }
}

impl Case {
    fn to_json(&self) -> Value {
        let items = |items: &[Item]| items.iter().map(Item::to_json).collect::<Vec<_>>();
        match self {
            Case::Single(item) => json!({ "op": "single", "item": item.to_json() }),
            Case::Merge {
                items: list,
                intersect,
            } => json!({ "op": "merge", "items": items(list), "intersect": intersect }),
            Case::Iou { dt, gt, crowd } => {
                json!({ "op": "iou", "dt": items(dt), "gt": items(gt), "crowd": crowd })
            }
        }
    }

    fn label(&self) -> String {
        match self {
            Case::Single(item) => item.kind().to_string(),
            Case::Merge {
                intersect: true, ..
            } => "merge(intersect)".into(),
            Case::Merge { .. } => "merge(union)".into(),
            Case::Iou { .. } => "iou".into(),
        }
    }
}

/// Random case generator.
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
        choices[self.int(0, choices.len() as i64 - 1) as usize]
    }

    /// Image sizes: mostly small, some 1xN / Nx1, a few large.
    fn size(&mut self) -> (u32, u32) {
        let mut n = |lo, hi| self.int(lo, hi) as u32;
        match n(0, 19) {
            0 => (1, n(1, 200)),
            1 => (n(1, 200), 1),
            2 => (n(200, 480), n(200, 640)),
            _ => (n(1, 120), n(1, 120)),
        }
    }

    /// A multiple of `step` from a little below 0 to a little above `extent`.
    fn grid(&mut self, extent: f64, step: f64) -> f64 {
        self.int(-20, (extent / step) as i64 + 20) as f64 * step
    }

    /// A coordinate along an axis of `extent` pixels, biased toward the
    /// values where maskApi's rounding and clipping decide.
    fn coord(&mut self, extent: u32) -> f64 {
        let e = f64::from(extent);
        match self.int(0, 7) {
            0 => self.uniform(-0.3 * e, 1.3 * e),
            1 => self.grid(e, 1.0),
            2 => self.grid(e, 0.1),
            3 => self.grid(e, 0.5),
            4 => self.grid(e, 0.2) + self.pick(&[-1e-9, 0.0, 1e-9]),
            5 => self.pick(&[
                0.0,
                e,
                e - 1.0,
                -0.5,
                e - 0.5,
                e + 0.5,
                0.5,
                -0.1,
                e + 0.1,
                0.3,
            ]),
            _ => self.uniform(0.0, e),
        }
    }

    fn points(&mut self, n: usize, h: u32, w: u32) -> Vec<f64> {
        (0..2 * n)
            .map(|i| self.coord(if i % 2 == 0 { w } else { h }))
            .collect()
    }

    /// A simple (star-shaped) polygon around a center.
    fn star(&mut self, n: usize, center: (f64, f64), radius: f64) -> Vec<f64> {
        let mut angles: Vec<f64> = (0..n)
            .map(|_| self.uniform(0.0, std::f64::consts::TAU))
            .collect();
        angles.sort_by(f64::total_cmp);
        let snap = self.pick(&[0.0, 1.0, 0.5, 0.1]);
        let round = |v: f64| {
            if snap == 0.0 {
                v
            } else {
                (v / snap).round() * snap
            }
        };
        let mut xy = Vec::with_capacity(2 * n);
        for a in angles {
            let r = radius * self.uniform(0.4, 1.0);
            xy.extend([round(center.0 + r * a.cos()), round(center.1 + r * a.sin())]);
        }
        xy
    }

    fn center(&mut self, h: u32, w: u32) -> (f64, f64) {
        let x = self.uniform(-0.2, 1.2) * f64::from(w);
        (x, self.uniform(-0.2, 1.2) * f64::from(h))
    }

    fn polygon(&mut self, h: u32, w: u32) -> Vec<f64> {
        let n = self.int(3, 30) as usize;
        match self.int(0, 19) {
            0..=5 => self.points(n, h, w),
            6..=11 => {
                let center = self.center(h, w);
                let radius = self.uniform(0.5, f64::from(h.max(w)));
                self.star(n, center, radius)
            }
            12..=13 => self.outside(n, h, w),
            14..=16 => self.box_like(h, w),
            17 => (0..2 * n).map(|_| self.uniform(-2e4, 2e4)).collect(),
            _ => self.degenerate(h, w),
        }
    }

    /// A polygon entirely beyond one border.
    fn outside(&mut self, n: usize, h: u32, w: u32) -> Vec<f64> {
        let mut xy = self.points(n, h, w);
        let (axis, extent) = if self.chance(0.5) { (0, w) } else { (1, h) };
        let shift = f64::from(extent) * 1.5 + 3.0;
        let sign = self.pick(&[1.0, -1.0]);
        for v in xy.iter_mut().skip(axis).step_by(2) {
            *v = sign * shift + v.clamp(-1.0, f64::from(extent) + 1.0) * 0.5;
        }
        xy
    }

    /// An axis-aligned rectangle with edges on, near or across the borders.
    fn box_like(&mut self, h: u32, w: u32) -> Vec<f64> {
        let (x0, x1) = (self.coord(w), self.coord(w));
        let (y0, y1) = (self.coord(h), self.coord(h));
        vec![x0, y0, x1, y0, x1, y1, x0, y1]
    }

    /// Fewer than three points, an odd value count or repeated points.
    fn degenerate(&mut self, h: u32, w: u32) -> Vec<f64> {
        match self.int(0, 3) {
            0 => {
                let n = self.int(0, 2) as usize;
                self.points(n, h, w)
            }
            1 => {
                let n = self.int(3, 8) as usize;
                let mut xy = self.points(n, h, w);
                xy.push(self.coord(w));
                xy
            }
            _ => {
                let n = self.int(3, 8) as usize;
                let base = self.points(n, h, w);
                base.chunks(2)
                    .flat_map(|p| p.repeat(self.int(1, 3) as usize))
                    .collect()
            }
        }
    }

    /// Parts of one object: separate parts and concentric "holes".
    fn polygons(&mut self, h: u32, w: u32) -> Vec<Vec<f64>> {
        let parts = self.int(2, 4) as usize;
        let mut polys = Vec::new();
        while polys.len() < parts {
            if self.chance(0.4) {
                let center = self.center(h, w);
                let radius = self.uniform(2.0, f64::from(h.max(w)));
                let (n, m) = (self.int(3, 30) as usize, self.int(3, 30) as usize);
                polys.push(self.star(n, center, radius));
                let mut hole = self.star(m, center, radius * 0.35);
                if self.chance(0.5) {
                    hole = hole.chunks(2).rev().flatten().copied().collect();
                }
                polys.push(hole);
            } else {
                polys.push(self.polygon(h, w));
            }
        }
        polys
    }

    fn mask(&mut self, h: u32, w: u32) -> Vec<u8> {
        let len = (h * w) as usize;
        match self.int(0, 5) {
            0 => vec![0; len],
            1 => vec![1; len],
            2 => {
                let mut mask = Vec::with_capacity(len);
                while mask.len() < len {
                    let run = self.int(1, 3 * i64::from(h)) as usize;
                    let value = u8::from(self.chance(0.5));
                    mask.extend(std::iter::repeat_n(value, run.min(len - mask.len())));
                }
                mask
            }
            k => {
                let p = [0.05, 0.5, 0.95][k as usize - 3];
                (0..len).map(|_| u8::from(self.chance(p))).collect()
            }
        }
    }

    fn bbox(&mut self, h: u32, w: u32) -> [f64; 4] {
        let (x, y) = (self.coord(w), self.coord(h));
        let mut side = |extent: u32| match self.int(0, 9) {
            0 => 0.0,
            1 => -self.uniform(0.0, 5.0),
            2 => self.int(1, i64::from(extent)) as f64,
            _ => self.uniform(0.0, 1.2 * f64::from(extent)),
        };
        [x, y, side(w), side(h)]
    }

    /// Counts summing to `h * w`, with zero-length runs here and there.
    fn counts(&mut self, h: u32, w: u32) -> Vec<u32> {
        let total = i64::from(h * w);
        let cuts = self.int(0, 24);
        let mut cuts: Vec<i64> = (0..cuts).map(|_| self.int(0, total)).collect();
        cuts.sort_unstable();
        cuts.push(total);
        let mut previous = 0;
        cuts.into_iter()
            .map(|cut| {
                let run = cut - previous;
                previous = cut;
                run as u32
            })
            .collect()
    }

    fn item(&mut self, h: u32, w: u32) -> Item {
        let source = match self.int(0, 4) {
            0 => Source::Poly(self.polygon(h, w)),
            1 => Source::Polys(self.polygons(h, w)),
            2 => Source::Mask(self.mask(h, w)),
            3 => Source::BBox(self.bbox(h, w)),
            _ => Source::Counts(self.counts(h, w)),
        };
        Item { h, w, source }
    }

    /// Items of one image size, a few of another (pycocotools gives -1).
    fn items(&mut self, n: i64, (h, w): (u32, u32)) -> Vec<Item> {
        (0..n)
            .map(|_| {
                let (h, w) = if self.chance(0.1) {
                    self.size()
                } else {
                    (h, w)
                };
                self.item(h, w)
            })
            .collect()
    }

    fn iou_case(&mut self) -> Case {
        let size = self.size();
        let m = if self.chance(0.05) { 0 } else { self.int(1, 4) };
        let n = self.int(0, 4);
        let dt = self.items(m, size);
        let gt = self.items(n, size);
        let crowd = (0..n).map(|_| self.chance(0.3)).collect();
        Case::Iou { dt, gt, crowd }
    }

    fn singles(&mut self, count: usize, make: fn(&mut Gen, u32, u32) -> Source) -> Vec<Case> {
        (0..count)
            .map(|_| {
                let (h, w) = self.size();
                let source = make(self, h, w);
                Case::Single(Item { h, w, source })
            })
            .collect()
    }

    fn cases(&mut self) -> Vec<Case> {
        let mut cases = edge_cases();
        cases.extend(self.singles(320, |g, h, w| Source::Poly(g.polygon(h, w))));
        cases.extend(self.singles(200, |g, h, w| Source::Polys(g.polygons(h, w))));
        cases.extend(self.singles(200, |g, h, w| Source::Mask(g.mask(h, w))));
        cases.extend(self.singles(150, |g, h, w| Source::BBox(g.bbox(h, w))));
        cases.extend(self.singles(150, |g, h, w| Source::Counts(g.counts(h, w))));
        for _ in 0..100 {
            let (h, w) = self.size();
            let n = self.int(2, 4);
            let items = (0..n).map(|_| self.item(h, w)).collect();
            let intersect = self.chance(0.5);
            cases.push(Case::Merge { items, intersect });
        }
        cases.extend((0..120).map(|_| self.iou_case()));
        cases
    }
}

/// Hand-picked corners: empty images, single pixels, full masks.
fn edge_cases() -> Vec<Case> {
    let single = |h, w, source| Case::Single(Item { h, w, source });
    let square = vec![1.0, 1.0, 4.0, 1.0, 4.0, 4.0, 1.0, 4.0];
    vec![
        single(0, 5, Source::Mask(vec![])),
        single(5, 0, Source::Mask(vec![])),
        single(0, 0, Source::Mask(vec![])),
        single(0, 5, Source::Poly(square.clone())),
        single(0, 7, Source::Counts(vec![])),
        single(0, 7, Source::Counts(vec![0, 0])),
        single(1, 1, Source::Mask(vec![1])),
        single(1, 1, Source::Mask(vec![0])),
        single(1, 1, Source::Poly(vec![0.0, 0.0, 1.0, 0.0, 1.0, 1.0])),
        single(1, 1, Source::BBox([0.0, 0.0, 1.0, 1.0])),
        single(5, 5, Source::Poly(vec![])),
        single(5, 5, Source::Poly(square.clone())),
        single(5, 5, Source::Polys(vec![vec![2.0, 2.0], square])),
        single(5, 5, Source::Counts(vec![0, 25])),
        single(5, 5, Source::Counts(vec![25, 0])),
        single(5, 5, Source::Counts(vec![3, 0, 2, 0, 20])),
        single(5, 5, Source::BBox([0.0, 0.0, 5.0, 5.0])),
        single(5, 5, Source::BBox([-10.0, -10.0, 30.0, 30.0])),
    ]
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Run the oracle on `cases` and return its per-case results.
fn run_oracle(cases: &[Case]) -> Vec<Value> {
    let root = workspace_root();
    let python = std::env::var_os("ASSAY_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".venv/bin/python"));
    assert!(
        python.exists(),
        "Python interpreter {} not found (set ASSAY_PYTHON, or {SETUP_HINT})",
        python.display()
    );
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let input = dir.path().join("mask_cases.json");
    let json = Value::Array(cases.iter().map(Case::to_json).collect());
    std::fs::write(&input, json.to_string()).expect("write the cases");
    let output = Command::new(&python)
        .arg(root.join("tests/oracles/mask_oracle.py"))
        .arg(&input)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e} ({SETUP_HINT})", python.display()));
    assert!(
        output.status.success(),
        "the pycocotools oracle failed ({SETUP_HINT}):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results: Vec<Value> = serde_json::from_slice(&output.stdout).expect("oracle prints JSON");
    assert_eq!(results.len(), cases.len(), "one oracle result per case");
    results
}

/// Column-major mask packed 8 pixels a byte, most significant bit first,
/// as hex: numpy's `packbits(...).tobytes().hex()`.
fn packed_hex(mask: &[u8]) -> String {
    mask.chunks(8)
        .map(|chunk| {
            let byte = chunk
                .iter()
                .enumerate()
                .fold(0u8, |acc, (i, &b)| acc | (b << (7 - i)));
            format!("{byte:02x}")
        })
        .collect()
}

/// Doubles the oracle sent as IEEE-754 bit patterns (JSON decimals would
/// not always parse back to the same double).
fn floats(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .map(f64::from_bits)
        .collect()
}

/// Compare one RLE with pycocotools' summary; returns the mismatches.
fn compare_rle(rle: &Rle, py: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    let py_counts = py["counts"].as_str().unwrap_or_default();
    let ours = rle.to_compressed();
    if ours != py_counts {
        errors.push(format!(
            "counts {ours:?} != pycocotools {py_counts:?} (ours: {:?})",
            rle.counts
        ));
    }
    for (what, s) in [("pycocotools' string", py_counts), ("to_compressed", &ours)] {
        match Rle::from_compressed(s, rle.height, rle.width) {
            Ok(parsed) if parsed == *rle => {}
            other => errors.push(format!("from_compressed of {what} {s:?} gave {other:?}")),
        }
    }
    if Some(rle.area()) != py["area"].as_u64() {
        errors.push(format!("area {} != pycocotools {}", rle.area(), py["area"]));
    }
    let py_bbox = floats(&py["bbox"]);
    if rle.to_bbox().as_slice() != py_bbox.as_slice() {
        errors.push(format!(
            "bbox {:?} != pycocotools {py_bbox:?}",
            rle.to_bbox()
        ));
    }
    if let Some(py_decoded) = py["decoded"].as_str() {
        if packed_hex(&rle.decode()) != py_decoded {
            errors.push("decoded mask differs".into());
        }
    }
    errors
}

fn compare_iou(dt: &[Item], gt: &[Item], crowd: &[bool], py: &Value) -> Vec<String> {
    let dt: Vec<Rle> = dt.iter().map(Item::build).collect();
    let gt: Vec<Rle> = gt.iter().map(Item::build).collect();
    let ours = rle_iou(&dt, &gt, crowd).expect("valid iou inputs");
    let theirs: Vec<f64> = py
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(floats)
        .collect();
    if ours.len() != theirs.len() {
        return vec![format!(
            "iou has {} values, pycocotools {}",
            ours.len(),
            theirs.len()
        )];
    }
    ours.iter()
        .zip(&theirs)
        .enumerate()
        .filter(|(_, (a, b))| a.to_bits() != b.to_bits())
        .map(|(i, (a, b))| format!("iou[{i}] {a} != pycocotools {b}"))
        .collect()
}

fn compare(case: &Case, py: &Value) -> Vec<String> {
    match case {
        Case::Single(item) => compare_rle(&item.build(), py),
        Case::Merge { items, intersect } => {
            let rles: Vec<Rle> = items.iter().map(Item::build).collect();
            let merged = Rle::merge(&rles, *intersect).expect("same-size merge");
            compare_rle(&merged, py)
        }
        Case::Iou { dt, gt, crowd } => compare_iou(dt, gt, crowd, py),
    }
}

#[test]
fn mask_api_matches_pycocotools() {
    let cases = Gen {
        rng: ChaCha8Rng::seed_from_u64(SEED),
    }
    .cases();
    let results = run_oracle(&cases);
    let mut failures = Vec::new();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for (index, (case, py)) in cases.iter().zip(&results).enumerate() {
        *kinds.entry(case.label()).or_default() += 1;
        for error in compare(case, py) {
            let input = case.to_json();
            failures.push(format!(
                "case {index} ({}): {error}\n  input: {input}",
                case.label()
            ));
        }
    }
    let shown: Vec<&str> = failures.iter().take(15).map(String::as_str).collect();
    assert!(
        failures.is_empty(),
        "{} mismatches with pycocotools in {} cases; first ones:\n{}",
        failures.len(),
        cases.len(),
        shown.join("\n")
    );
    println!(
        "pycocotools parity: {} cases compared, all identical: {kinds:?}",
        cases.len()
    );
}
