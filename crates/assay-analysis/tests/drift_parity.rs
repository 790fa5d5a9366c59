//! Drift statistics against the reference tools, run live: SciPy 1.17's
//! `ks_2samp` and `kstwo`, Evidently 0.7.23's stattests (called on pandas
//! Series) and default test choice, its `DatasetDriftMetric`, a NumPy
//! transcription of alibi-detect's `MMDDrift` (with the same
//! permutations), and scikit-learn 1.9's `roc_auc_score`. Randomized
//! columns (small and large samples, ties, constant and integer columns,
//! few categories, missing values) and real COCO box statistics
//! (val2014 against train2017, LVIS).

use assay_analysis::drift::auc::roc_auc;
use assay_analysis::drift::binning::n_unique;
use assay_analysis::drift::classifier::{domain_classifier, ClassifierOptions};
use assay_analysis::drift::embedding::centroid_distance;
use assay_analysis::drift::kolmogorov::kstwo_sf;
use assay_analysis::drift::ks::ks_2samp_sorted;
use assay_analysis::drift::mmd::{mmd_permutation_test, permutations};
use assay_analysis::drift::stattests::{
    chisquare, cramers_v, jensenshannon_evidently, psi, wasserstein_normed, z_test,
};
use assay_analysis::drift::{
    column_drift, dataset_drift, ColumnSamples, DriftMethod, DriftOptions, PsiDefinition,
};
use assay_gen::numpy_random::RandomState;
use serde_json::{json, Value};

mod common;
use common::oracle::{run_oracle, shared_data};

/// One column's samples as the test builds them.
#[derive(Clone)]
enum Col {
    Float(Vec<f64>, Vec<f64>),
    Int(Vec<f64>, Vec<f64>),
    Cat(Vec<u32>, Vec<u32>),
}

impl Col {
    fn samples(&self) -> ColumnSamples<'_> {
        match self {
            Col::Float(r, c) => ColumnSamples::Numeric {
                reference: r,
                current: c,
                integer: false,
            },
            Col::Int(r, c) => ColumnSamples::Numeric {
                reference: r,
                current: c,
                integer: true,
            },
            Col::Cat(r, c) => ColumnSamples::Categorical {
                reference: r,
                current: c,
            },
        }
    }

    fn json(&self) -> Value {
        let floats = |v: &[f64]| -> Vec<Value> {
            v.iter()
                .map(|x| if x.is_finite() { json!(x) } else { Value::Null })
                .collect()
        };
        match self {
            Col::Float(r, c) => json!({"ref": floats(r), "cur": floats(c), "dtype": "float"}),
            Col::Int(r, c) => json!({"ref": r, "cur": c, "dtype": "int"}),
            Col::Cat(r, c) => json!({"ref": r, "cur": c, "dtype": "category"}),
        }
    }

    /// Sorted finite values, as the statistics take them.
    fn sorted(&self) -> (Vec<f64>, Vec<f64>, bool, bool) {
        let sort = |v: Vec<f64>| {
            let mut v: Vec<f64> = v.into_iter().filter(|x| x.is_finite()).collect();
            v.sort_unstable_by(f64::total_cmp);
            v
        };
        match self {
            Col::Float(r, c) => (sort(r.clone()), sort(c.clone()), true, false),
            Col::Int(r, c) => (sort(r.clone()), sort(c.clone()), true, true),
            Col::Cat(r, c) => {
                let f = |v: &[u32]| sort(v.iter().map(|&x| f64::from(x)).collect());
                (f(r), f(c), false, false)
            }
        }
    }
}

fn normals(rng: &mut RandomState, n: usize, loc: f64, scale: f64) -> Vec<f64> {
    (0..n)
        .map(|_| loc + scale * rng.standard_normal())
        .collect()
}

fn ints(rng: &mut RandomState, n: usize, max: u64, offset: f64) -> Vec<f64> {
    (0..n)
        .map(|_| rng.random_interval(max) as f64 + offset)
        .collect()
}

fn codes(rng: &mut RandomState, n: usize, k: u64, skew: bool) -> Vec<u32> {
    (0..n)
        .map(|_| {
            let v = rng.random_interval(k - 1) as u32;
            if skew && rng.random_sample() < 0.3 {
                0
            } else {
                v
            }
        })
        .collect()
}

fn random_columns() -> Vec<Col> {
    let mut rng = RandomState::new(19);
    let mut out = Vec::new();
    let sizes = [
        (5usize, 7usize),
        (30, 30),
        (40, 64),
        (200, 150),
        (999, 1000),
        (1000, 1000),
        (1001, 700),
        (2500, 3000),
        (12_000, 11_000),
    ];
    for &(n, m) in &sizes {
        let small = n <= 1000;
        // Continuous, same and shifted.
        out.push(Col::Float(
            normals(&mut rng, n, 0.0, 1.0),
            normals(&mut rng, m, 0.0, 1.0),
        ));
        out.push(Col::Float(
            normals(&mut rng, n, 10.0, 2.0),
            normals(&mut rng, m, 10.5, 2.5),
        ));
        // Ties: one decimal, with missing values.
        let mut r: Vec<f64> = normals(&mut rng, n, 0.0, 1.0)
            .iter()
            .map(|v| (v * 10.0).round() / 10.0)
            .collect();
        let c: Vec<f64> = normals(&mut rng, m, 0.2, 1.0)
            .iter()
            .map(|v| (v * 10.0).round() / 10.0)
            .collect();
        if n > 3 {
            r[1] = f64::NAN;
            r[3] = f64::NAN;
        }
        out.push(Col::Float(r, c));
        // Integers: wide (Sturges with unit width) and narrow.
        out.push(Col::Int(
            ints(&mut rng, n, 40, 0.0),
            ints(&mut rng, m, 45, 0.0),
        ));
        out.push(Col::Int(
            ints(&mut rng, n, 3, 1.0),
            ints(&mut rng, m, 4, 1.0),
        ));
        // Binary numeric.
        out.push(Col::Int(
            ints(&mut rng, n, 1, 0.0),
            ints(&mut rng, m, 1, 0.0),
        ));
        // Categories: two, three, eight (one only in current).
        out.push(Col::Cat(
            codes(&mut rng, n, 2, false),
            codes(&mut rng, m, 2, true),
        ));
        out.push(Col::Cat(
            codes(&mut rng, n, 3, false),
            codes(&mut rng, m, 3, false),
        ));
        let mut cur = codes(&mut rng, m, 8, true);
        cur[0] = 9;
        out.push(Col::Cat(codes(&mut rng, n, 8, false), cur));
        if small {
            // Constant columns.
            out.push(Col::Float(vec![2.5; n], normals(&mut rng, m, 2.5, 0.1)));
            out.push(Col::Int(vec![3.0; n], vec![3.0; m]));
            out.push(Col::Cat(vec![4; n], vec![4; m]));
        }
    }
    out
}

fn assert_close(got: f64, want: &Value, tol: f64, what: &str, worst: &mut f64) {
    match want.as_f64() {
        Some(w) => {
            let d = (got - w).abs();
            assert!(d <= tol, "{what}: {got} against {w} (difference {d:e})");
            *worst = worst.max(d);
        }
        None => assert!(!got.is_finite(), "{what}: {got} against a non-finite value"),
    }
}

fn method_name(m: DriftMethod) -> &'static str {
    match m {
        DriftMethod::Ks => "ks",
        DriftMethod::ChiSquare => "chisquare",
        DriftMethod::ZTest => "z",
        DriftMethod::Wasserstein => "wasserstein",
        DriftMethod::JensenShannon => "jensenshannon",
        DriftMethod::Psi(_) => "psi",
    }
}

/// Checks every statistic of the columns against the oracle; returns the
/// largest difference per statistic.
fn check_columns(label: &str, cols: &[Col]) -> Vec<(&'static str, f64)> {
    let input: Vec<Value> = cols
        .iter()
        .map(|c| {
            let mut v = c.json();
            v["kind"] = json!("column");
            v
        })
        .collect();
    let expected = run_oracle("drift_oracle.py", &input);
    let mut worst = [0.0f64; 9];
    const NAMES: [&str; 9] = [
        "ks statistic",
        "ks p-value",
        "wasserstein",
        "jensenshannon",
        "psi",
        "chisquare p",
        "chisquare statistic",
        "z p",
        "cramers v",
    ];
    for (i, (col, want)) in cols.iter().zip(&expected).enumerate() {
        let (r, c, numeric, integer) = col.sorted();
        let at = |k: usize| {
            format!(
                "{label} case {i} (n {}, m {}): {}",
                r.len(),
                c.len(),
                NAMES[k]
            )
        };
        if numeric {
            let ks = ks_2samp_sorted(&r, &c).unwrap();
            assert_close(
                ks.statistic,
                &want["ks_statistic"],
                1e-12,
                &at(0),
                &mut worst[0],
            );
            assert_close(ks.p_value, &want["ks_pvalue"], 1e-9, &at(1), &mut worst[1]);
            let w = wasserstein_normed(&r, &c);
            assert_close(
                w,
                &want["wasserstein"]["score"],
                1e-9,
                &at(2),
                &mut worst[2],
            );
        }
        let js = jensenshannon_evidently(&r, &c, numeric, integer);
        assert_close(
            js,
            &want["jensenshannon"]["score"],
            1e-9,
            &at(3),
            &mut worst[3],
        );
        let p = psi(&r, &c, numeric, integer, PsiDefinition::Evidently);
        assert_close(p, &want["psi"]["score"], 1e-9, &at(4), &mut worst[4]);
        let chi = chisquare(&r, &c);
        assert_close(
            chi.p_value,
            &want["chisquare"]["score"],
            1e-9,
            &at(5),
            &mut worst[5],
        );
        let rel = want["chisquare_statistic"]
            .as_f64()
            .map_or(0.0, |s| s.abs());
        assert_close(
            chi.statistic,
            &want["chisquare_statistic"],
            1e-9 * rel.max(1.0),
            &at(6),
            &mut worst[6],
        );
        let z = z_test(&r, &c);
        assert_close(z.p_value, &want["z"]["score"], 1e-9, &at(7), &mut worst[7]);
        if !numeric {
            match cramers_v(&r, &c) {
                Some(v) => assert_close(v, &want["cramers_v"], 1e-12, &at(8), &mut worst[8]),
                None => assert!(want["cramers_v"].is_null(), "{}", at(8)),
            }
        }
        // The default choice and its verdict.
        let d = column_drift("x", col.samples(), &DriftOptions::default()).unwrap();
        let name = method_name(d.method);
        assert_eq!(
            name,
            want["default"].as_str().unwrap(),
            "{label} case {i}: default test (reference {} values, {} distinct)",
            r.len(),
            n_unique(&r)
        );
        let verdict = &want[name];
        let score = verdict["score"].as_f64();
        let near = score.is_some_and(|s| (s - d.threshold).abs() < 1e-9);
        if !near {
            assert_eq!(
                d.drifted,
                verdict["drifted"].as_bool().unwrap(),
                "{label} case {i}: {name} verdict, score {} against {score:?}",
                d.score
            );
        }
        assert_eq!(d.threshold, verdict["threshold"].as_f64().unwrap());
    }
    let report: Vec<(&'static str, f64)> = NAMES.iter().copied().zip(worst).collect();
    eprintln!(
        "{label}: {} columns, largest differences {report:?}",
        cols.len()
    );
    report
}

#[test]
fn randomized_columns_match_scipy_and_evidently() {
    check_columns("random", &random_columns());
}

fn coco(path: &str) -> Value {
    let file = shared_data().join(path);
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    serde_json::from_str(&text).expect("COCO JSON")
}

/// Box widths, heights, areas, category ids and annotations per image.
struct Boxes {
    w: Vec<f64>,
    h: Vec<f64>,
    area: Vec<f64>,
    category: Vec<u32>,
    per_image: Vec<f64>,
}

fn boxes(path: &str) -> Boxes {
    let v = coco(path);
    let anns = v["annotations"].as_array().expect("annotations");
    let mut b = Boxes {
        w: Vec::new(),
        h: Vec::new(),
        area: Vec::new(),
        category: Vec::new(),
        per_image: Vec::new(),
    };
    let mut counts = std::collections::BTreeMap::new();
    for img in v["images"].as_array().expect("images") {
        counts.insert(img["id"].as_u64().unwrap(), 0.0);
    }
    for a in anns {
        let bbox = a["bbox"].as_array().unwrap();
        b.w.push(bbox[2].as_f64().unwrap());
        b.h.push(bbox[3].as_f64().unwrap());
        b.area.push(a["area"].as_f64().unwrap());
        b.category.push(a["category_id"].as_u64().unwrap() as u32);
        *counts.entry(a["image_id"].as_u64().unwrap()).or_insert(0.0) += 1.0;
    }
    b.per_image = counts.into_values().collect();
    b
}

const VAL2014: &str = "faster_coco_eval_tests/tests/dataset/cocoapi/instances_val2014_100.json";
const TRAIN2017: &str =
    "coco128_lightly/coco_json_train2017_developer0hye/instances_train2017_first128.json";
const LVIS: &str = "faster_coco_eval_tests/tests/lvis_dataset/lvis_val_100.json";

#[test]
fn real_coco_columns_match_scipy_and_evidently() {
    let a = boxes(VAL2014);
    let b = boxes(TRAIN2017);
    let l = boxes(LVIS);
    let joined = |x: &[f64], y: &[f64]| [x, y].concat();
    let cols = vec![
        Col::Float(a.w.clone(), b.w.clone()),
        Col::Float(a.h.clone(), b.h.clone()),
        Col::Float(a.area.clone(), b.area.clone()),
        Col::Cat(a.category.clone(), b.category.clone()),
        Col::Int(a.per_image.clone(), b.per_image.clone()),
        // A reference over 1000 boxes: the distances Evidently picks then.
        Col::Float(joined(&a.area, &b.area), l.area.clone()),
        Col::Float(joined(&a.w, &b.w), l.w.clone()),
        Col::Cat(
            [a.category.clone(), b.category.clone()].concat(),
            a.category.clone(),
        ),
    ];
    check_columns("coco", &cols);
}

#[test]
fn kolmogorov_distribution_matches_scipy() {
    let ns: [u64; 12] = [
        1, 2, 3, 10, 50, 140, 141, 500, 5000, 60_000, 150_000, 2_000_000,
    ];
    let mut cases = Vec::new();
    for &n in &ns {
        let nf = n as f64;
        let mut xs = vec![0.3 / nf, 0.7 / nf, 1.0 / nf, 1.5 / nf, 0.5, 0.6, 0.95, 1.0];
        for nx2 in [0.1, 0.5, 0.75, 1.0, 2.0, 3.0, 4.5, 10.0, 20.0, 50.0, 400.0] {
            xs.push((nx2 / nf).sqrt());
        }
        xs.push((1.4 / nf).powf(2.0 / 3.0) * 0.99);
        xs.push((1.4 / nf).powf(2.0 / 3.0) * 1.01);
        for x in xs {
            if x > 0.0 && x <= 1.0 {
                cases.push((n, x));
            }
        }
    }
    let input: Vec<Value> = cases
        .iter()
        .map(|&(n, x)| json!({"kind": "kstwo", "n": n, "x": x}))
        .collect();
    let expected = run_oracle("drift_oracle.py", &input);
    let mut worst = 0.0f64;
    for (&(n, x), want) in cases.iter().zip(&expected) {
        let got = kstwo_sf(n, x);
        let want = want["sf"].as_f64().unwrap();
        let d = (got - want).abs();
        worst = worst.max(d);
        assert!(
            d <= 1e-9,
            "kstwo.sf({x}, {n}): {got} against SciPy's {want}"
        );
    }
    eprintln!(
        "kstwo: {} points, largest difference {worst:e}",
        cases.len()
    );
}

#[test]
fn dataset_verdict_matches_evidently() {
    let mut rng = RandomState::new(7);
    let mut tables = Vec::new();
    for &(n, shifted) in &[(300usize, 2usize), (300, 1), (1500, 3), (1500, 0)] {
        let mut cols = Vec::new();
        for k in 0..4 {
            let shift = if k < shifted { 1.0 } else { 0.0 };
            let col = match k {
                0 | 1 => Col::Float(
                    normals(&mut rng, n, 0.0, 1.0),
                    normals(&mut rng, n, shift, 1.0),
                ),
                2 => Col::Int(
                    ints(&mut rng, n, 30, 0.0),
                    ints(&mut rng, n, 30, 10.0 * shift),
                ),
                _ => Col::Cat(
                    codes(&mut rng, n, 4, false),
                    codes(&mut rng, n, 4, shift > 0.0),
                ),
            };
            cols.push(col);
        }
        tables.push(cols);
    }
    let input: Vec<Value> = tables
        .iter()
        .map(|cols| {
            let columns: Vec<Value> = cols
                .iter()
                .enumerate()
                .map(|(k, c)| {
                    let mut v = c.json();
                    v["name"] = json!(format!("c{k}"));
                    v
                })
                .collect();
            json!({"kind": "table", "columns": columns})
        })
        .collect();
    let expected = run_oracle("drift_oracle.py", &input);
    for (t, (cols, want)) in tables.iter().zip(&expected).enumerate() {
        let names: Vec<String> = (0..cols.len()).map(|k| format!("c{k}")).collect();
        let samples: Vec<(&str, ColumnSamples<'_>)> = names
            .iter()
            .zip(cols)
            .map(|(n, c)| (n.as_str(), c.samples()))
            .collect();
        let d = dataset_drift(&samples, &DriftOptions::default()).unwrap();
        assert_eq!(
            d.n_drifted as u64,
            want["n_drifted"].as_u64().unwrap(),
            "table {t}"
        );
        assert_eq!(
            d.share_drifted,
            want["share"].as_f64().unwrap(),
            "table {t}"
        );
        assert_eq!(d.drifted, want["drifted"].as_bool().unwrap(), "table {t}");
    }
}

fn gaussian_rows(rng: &mut RandomState, n: usize, dim: usize, shift: f64) -> Vec<f32> {
    (0..n * dim)
        .map(|_| (rng.standard_normal() + shift) as f32)
        .collect()
}

/// Box shape features (log width, log height, log area, aspect) as a
/// small embedding.
fn box_features(b: &Boxes) -> Vec<f32> {
    let mut out = Vec::new();
    for i in 0..b.w.len() {
        let (w, h) = (b.w[i].max(1.0), b.h[i].max(1.0));
        out.extend([w.ln(), h.ln(), b.area[i].max(1.0).ln(), w / h].map(|v| v as f32));
    }
    out
}

#[test]
fn embeddings_match_alibi_detect_formulas() {
    let mut rng = RandomState::new(5);
    let mut cases: Vec<(Vec<f32>, Vec<f32>, usize)> = vec![
        (
            gaussian_rows(&mut rng, 30, 5, 0.0),
            gaussian_rows(&mut rng, 40, 5, 0.0),
            5,
        ),
        (
            gaussian_rows(&mut rng, 50, 3, 0.0),
            gaussian_rows(&mut rng, 45, 3, 0.4),
            3,
        ),
        (
            gaussian_rows(&mut rng, 200, 16, 0.0),
            gaussian_rows(&mut rng, 150, 16, 0.05),
            16,
        ),
    ];
    let a = box_features(&boxes(VAL2014));
    let b = box_features(&boxes(TRAIN2017));
    cases.push((a, b, 4));
    let mut input = Vec::new();
    let mut perms_of = Vec::new();
    for (k, (r, c, dim)) in cases.iter().enumerate() {
        let total = (r.len() + c.len()) / dim;
        let perms = permutations(total, 100, 1000 + k as u32);
        input.push(json!({"kind": "mmd", "ref": r, "cur": c, "dim": dim, "perms": perms}));
        input.push(json!({"kind": "centroid", "ref": r, "cur": c, "dim": dim}));
        perms_of.push(perms);
    }
    let expected = run_oracle("drift_oracle.py", &input);
    let mut worst = [0.0f64; 4];
    for (k, ((r, c, dim), perms)) in cases.iter().zip(&perms_of).enumerate() {
        let mmd_want = &expected[2 * k];
        let cen_want = &expected[2 * k + 1];
        let t = mmd_permutation_test(r, c, *dim, None, perms).unwrap();
        let scale = mmd_want["mmd2"].as_f64().unwrap().abs().max(1.0);
        assert_close(
            t.sigma,
            &mmd_want["sigma"],
            1e-9,
            &format!("case {k}: sigma"),
            &mut worst[0],
        );
        assert_close(
            t.mmd2,
            &mmd_want["mmd2"],
            1e-9 * scale,
            &format!("case {k}: mmd2"),
            &mut worst[1],
        );
        assert_eq!(
            t.p_value,
            mmd_want["p_value"].as_f64().unwrap(),
            "case {k}: p-value"
        );
        let mut sorted = t.permuted.clone();
        sorted.sort_unstable_by(|a, b| b.total_cmp(a));
        assert_close(
            sorted[5],
            &mmd_want["distance_threshold"],
            1e-9,
            &format!("case {k}: threshold"),
            &mut worst[1],
        );
        let cen = centroid_distance(r, c, *dim).unwrap();
        assert_close(
            cen.euclidean,
            &cen_want["euclidean"],
            1e-9,
            &format!("case {k}: euclidean"),
            &mut worst[2],
        );
        assert_close(
            cen.cosine.unwrap(),
            &cen_want["cosine"],
            1e-9,
            &format!("case {k}: cosine"),
            &mut worst[3],
        );
        eprintln!("mmd case {k}: mmd2 {:.6e}, p {}", t.mmd2, t.p_value);
    }
    eprintln!(
        "embeddings: largest differences sigma {:e}, mmd2 {:e}, euclidean {:e}, cosine {:e}",
        worst[0], worst[1], worst[2], worst[3]
    );
}

#[test]
fn roc_auc_matches_scikit_learn() {
    let mut rng = RandomState::new(3);
    let mut cases = Vec::new();
    for &(n, levels) in &[(10usize, 0u64), (57, 3), (500, 10), (2000, 0), (5000, 50)] {
        let y: Vec<bool> = (0..n)
            .map(|i| i % 3 == 0 || rng.random_sample() < 0.3)
            .collect();
        let s: Vec<f64> = y
            .iter()
            .map(|&l| {
                let v = rng.standard_normal() + if l { 0.7 } else { 0.0 };
                if levels > 0 {
                    (v * levels as f64 / 4.0).round()
                } else {
                    v
                }
            })
            .collect();
        cases.push((y, s));
    }
    let input: Vec<Value> = cases
        .iter()
        .map(|(y, s)| {
            let yi: Vec<u8> = y.iter().map(|&l| u8::from(l)).collect();
            json!({"kind": "auc", "y": yi, "score": s})
        })
        .collect();
    let expected = run_oracle("drift_oracle.py", &input);
    let mut worst = 0.0f64;
    for (k, ((y, s), want)) in cases.iter().zip(&expected).enumerate() {
        let got = roc_auc(y, s).unwrap();
        let want = want["auc"].as_f64().unwrap();
        let d = (got - want).abs();
        worst = worst.max(d);
        assert!(d <= 1e-12, "case {k}: {got} against scikit-learn's {want}");
    }
    eprintln!("roc_auc: largest difference {worst:e}");
    // The domain classifier: chance for one distribution, ~1 when apart.
    let o = ClassifierOptions::default();
    let a = gaussian_rows(&mut rng, 600, 8, 0.0);
    let b = gaussian_rows(&mut rng, 600, 8, 0.0);
    let c = gaussian_rows(&mut rng, 600, 8, 3.0);
    let same = domain_classifier(&a, &b, 8, &o).unwrap();
    let far = domain_classifier(&a, &c, 8, &o).unwrap();
    assert!((same.auc - 0.5).abs() < 0.06, "{same:?}");
    assert!(far.auc > 0.999, "{far:?}");
}
