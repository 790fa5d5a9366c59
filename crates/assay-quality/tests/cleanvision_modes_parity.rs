//! Parity with CleanVision 0.3.7 on images in every mode Pillow opens
//! files in, under `--preset cleanvision` (`IssueConfig::cleanvision()`).
//!
//! CleanVision measures each image as Pillow opens it: palette images by
//! their indices, mode 1 as NumPy's 0/1, 16-bit greyscale by its 16-bit
//! values, CMYK as stored, 16-bit colour by the high bytes. The oracle
//! (`tests/oracles/cleanvision_modes_oracle.py`) writes files with Pillow
//! (and 16-bit colour and 2/4-bit greyscale PNGs by hand) in PNG, TIFF
//! (also LZW, Deflate and PackBits compressed), GIF, BMP, JPEG and WebP:
//! modes 1, L (with a tRNS colour key), P (64, 16 and 2 colours, an
//! inverted grey palette, an identity grey palette, a transparent index,
//! per-entry alpha), PA, LA, RGB (with a colour key), RGBA, CMYK, I;16
//! (full, low and middle ranges), I;16B, I, F, 16-bit RGB, RGBA and LA;
//! ordinary (160x120), tall (90x1280) and wide (1280x90), with photo-like,
//! dark, light, flat and noisy content. It then runs CleanVision's property
//! classes on each file and `Imagelab` twice: with every default issue type
//! on the files CleanVision can measure fully (its brightness fails on LA
//! and PA images, which would stop the whole run), and without dark and
//! light on all files.
//!
//! assay must agree on Pillow's mode, every property (to 1e-9, relative;
//! NaN with NaN), pHash and dHash, the MD5 groups (equal NumPy bytes), and
//! every issue score, flag and duplicate set of both runs. The counts of
//! flags that would differ with assay's decoded view are printed beside
//! them (the gap this preset closes).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use assay_quality::issues::{find_issues, IssueConfig, IssueReport, IssueType, Measured, ModeView};
use assay_quality::{measure_file, ImageMetrics};
use serde_json::{json, Value};

mod common;
use common::oracle::run_oracle;

/// (format, Pillow mode recipe, TIFF compression).
const RECIPES: &[(&str, &str, Option<&str>)] = &[
    ("png", "1", None),
    ("png", "L", None),
    ("png", "L_trns", None),
    ("png", "P", None),
    ("png", "P16", None),
    ("png", "P2", None),
    ("png", "P_inv", None),
    ("png", "P_grey", None),
    ("png", "P_trns", None),
    ("png", "P_alpha", None),
    ("png", "LA", None),
    ("png", "RGB", None),
    ("png", "RGB_trns", None),
    ("png", "RGBA", None),
    ("png", "I;16", None),
    ("png", "I;16_low", None),
    ("png", "I;16_mid", None),
    ("png", "RGB16", None),
    ("png", "RGBA16", None),
    ("png", "LA16", None),
    ("png", "GREY2", None),
    ("png", "GREY4", None),
    ("tif", "1", None),
    ("tif", "L", None),
    ("tif", "P", None),
    ("tif", "P16", None),
    ("tif", "P_inv", None),
    ("tif", "PA", None),
    ("tif", "LA", None),
    ("tif", "RGB", None),
    ("tif", "RGBA", None),
    ("tif", "CMYK", None),
    ("tif", "CMYK_k", None),
    ("tif", "I;16", None),
    ("tif", "I;16B", None),
    ("tif", "I", None),
    ("tif", "F", None),
    ("tif", "F_255", None),
    ("tif", "P", Some("tiff_lzw")),
    ("tif", "LA", Some("tiff_adobe_deflate")),
    ("tif", "I;16", Some("packbits")),
    ("gif", "P", None),
    ("gif", "P_inv", None),
    ("gif", "P_trns", None),
    ("gif", "1", None),
    ("gif", "L", None),
    ("bmp", "1", None),
    ("bmp", "L", None),
    ("bmp", "P", None),
    ("bmp", "P_inv", None),
    ("bmp", "RGB", None),
    ("bmp", "RGBA", None),
    ("jpg", "L", None),
    ("jpg", "RGB", None),
    ("jpg", "CMYK", None),
    ("jpg", "CMYK_k", None),
    ("webp", "RGB", None),
    ("webp", "RGBA", None),
];

/// (width, height, contents).
const SIZES: &[(u32, u32, &[&str])] = &[
    (160, 120, &["photo", "dark", "light", "flat", "noisy"]),
    (90, 1280, &["photo", "dark", "flat"]),
    (1280, 90, &["photo", "light", "flat"]),
];

const PROPERTIES: [&str; 11] = [
    "brightness",
    "brightness_perc_1",
    "brightness_perc_5",
    "brightness_perc_10",
    "brightness_perc_15",
    "brightness_perc_90",
    "brightness_perc_95",
    "brightness_perc_99",
    "entropy",
    "blurriness",
    "blurriness_grayscale_std",
];

fn cases() -> Vec<Value> {
    let mut out = Vec::new();
    for (r, &(format, mode, compression)) in RECIPES.iter().enumerate() {
        for (s, &(width, height, contents)) in SIZES.iter().enumerate() {
            for (c, &content) in ["photo", "dark", "light", "flat", "noisy"]
                .iter()
                .enumerate()
                .filter(|(_, k)| contents.contains(k))
            {
                let tag = compression.map_or(String::new(), |c| format!("_{c}"));
                let name = format!(
                    "{format}{tag}_{}_{content}_{width}x{height}",
                    mode.replace(';', "_")
                );
                // `seed % 1000` is the recipe: a flat colour is the same
                // at every size of a recipe.
                let seed = s * 100_000 + c * 1000 + r;
                let mut case = json!({
                    "name": name, "format": format, "mode": mode,
                    "width": width, "height": height, "content": content, "seed": seed,
                });
                if let Some(compression) = compression {
                    case["compression"] = json!(compression);
                }
                out.push(case);
            }
        }
    }
    out
}

/// Agreement counts per compared quantity.
#[derive(Default)]
struct Tally {
    agree: BTreeMap<String, (usize, usize)>,
    failures: Vec<String>,
}

impl Tally {
    fn check(&mut self, what: &str, ok: bool, detail: impl FnOnce() -> String) {
        let entry = self.agree.entry(what.to_string()).or_default();
        entry.1 += 1;
        if ok {
            entry.0 += 1;
        } else {
            self.failures.push(format!("{what}: {}", detail()));
        }
    }

    fn number(&mut self, what: &str, file: &str, ours: f64, theirs: Option<f64>) {
        let theirs = theirs.unwrap_or(f64::NAN);
        let ok = (ours.is_nan() && theirs.is_nan())
            || (ours - theirs).abs() <= 1e-9 * theirs.abs().max(1.0);
        self.check(what, ok, || {
            format!("{file}: ours {ours}, CleanVision {theirs}")
        });
    }
}

fn property(m: &ImageMetrics, name: &str) -> f64 {
    let p = m.pillow_properties();
    match name {
        "brightness" => p.brightness,
        "entropy" => p.entropy,
        "blurriness" => p.blurriness,
        "blurriness_grayscale_std" => p.blurriness_grayscale_std,
        other => {
            let percent: u8 = other
                .trim_start_matches("brightness_perc_")
                .parse()
                .unwrap();
            let at = assay_quality::image_metrics::brightness::PERCENTILES
                .iter()
                .position(|&q| q == percent)
                .unwrap();
            p.brightness_percentiles[at]
        }
    }
}

fn short(file: &str) -> &str {
    file.rsplit('/').next().unwrap_or(file)
}

/// Compares one `Imagelab` run (`key` "a" or "b") with `find_issues` on
/// the same files; returns how many flags the decoded view gets wrong.
fn compare_run(
    t: &mut Tally,
    key: &str,
    oracle: &[Value],
    metrics: &[ImageMetrics],
    types: &[IssueType],
) -> BTreeMap<String, usize> {
    let members: Vec<usize> = (0..oracle.len())
        .filter(|&i| !oracle[i][key].is_null())
        .collect();
    let measured: Vec<Measured<'_>> = members.iter().map(|&i| Ok(&metrics[i])).collect();
    let files: Vec<&str> = members
        .iter()
        .map(|&i| oracle[i]["file"].as_str().unwrap())
        .collect();
    let pillow = IssueConfig {
        issue_types: types.to_vec(),
        ..IssueConfig::cleanvision()
    };
    let decoded = IssueConfig {
        mode_view: ModeView::Decoded,
        ..pillow.clone()
    };
    let report = find_issues(&measured, &pillow);
    let before = find_issues(&measured, &decoded);
    let mut wrong_before = BTreeMap::new();
    for result in &report.results {
        let name = result.issue_type.name();
        let earlier = before.get(result.issue_type).unwrap();
        for (k, &i) in members.iter().enumerate() {
            let theirs = &oracle[i][key];
            t.number(
                &format!("{key}: {name}_score"),
                files[k],
                result.scores[k].unwrap_or(f64::NAN),
                theirs[format!("{name}_score")].as_f64(),
            );
            let flag = theirs[format!("is_{name}_issue")].as_bool().unwrap();
            t.check(
                &format!("{key}: is_{name}_issue"),
                result.is_flagged(k) == flag,
                || {
                    format!(
                        "{}: ours {}, CleanVision {flag}",
                        short(files[k]),
                        result.is_flagged(k)
                    )
                },
            );
            if earlier.is_flagged(k) != flag {
                *wrong_before.entry(name.to_string()).or_default() += 1;
            }
        }
    }
    for t_type in [IssueType::ExactDuplicates, IssueType::NearDuplicates] {
        compare_sets(t, key, t_type, &report, oracle, &members, &files);
    }
    wrong_before
}

fn compare_sets(
    t: &mut Tally,
    key: &str,
    t_type: IssueType,
    report: &IssueReport,
    oracle: &[Value],
    members: &[usize],
    files: &[&str],
) {
    let name = t_type.name();
    let mut ours: HashMap<usize, Vec<&str>> = HashMap::new();
    for group in &report.get(t_type).unwrap().groups {
        let mut names: Vec<&str> = group.iter().map(|&k| files[k]).collect();
        names.sort_unstable();
        for &k in group {
            ours.insert(k, names.clone());
        }
    }
    for (k, &i) in members.iter().enumerate() {
        let theirs: Vec<&str> = oracle[i][format!("{key}_sets")][name]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        let mine = ours.remove(&k).unwrap_or_default();
        t.check(&format!("{key}: {name} set"), mine == theirs, || {
            format!("{}: ours {mine:?}, CleanVision {theirs:?}", short(files[k]))
        });
    }
}

#[test]
fn agrees_with_cleanvision_on_every_pillow_mode() {
    let dir = tempfile::tempdir().unwrap();
    let cases = cases();
    let oracle = run_oracle(
        "cleanvision_modes_oracle.py",
        &[dir.path().to_str().unwrap()],
        &cases,
    );
    let mut t = Tally::default();
    let mut metrics = Vec::new();
    let mut modes: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut fails_in_cleanvision = 0;
    for r in &oracle {
        let file = r["file"].as_str().unwrap();
        let m = measure_file(Path::new(file))
            .unwrap_or_else(|e| panic!("assay cannot read {file}, which Pillow wrote: {e}"));
        let mode = r["mode"].as_str().unwrap();
        *modes
            .entry((mode.to_string(), m.mode.name().to_string()))
            .or_default() += 1;
        t.check("mode", m.pil_mode.name() == mode, || {
            format!("{}: ours {}, Pillow {mode}", short(file), m.pil_mode.name())
        });
        let errors = r["errors"].as_object().unwrap();
        if errors.contains_key("brightness") {
            fails_in_cleanvision += 1;
        }
        for name in PROPERTIES {
            let measured_by_cv = r["properties"].as_object().unwrap().contains_key(name);
            if measured_by_cv {
                t.number(
                    name,
                    short(file),
                    property(&m, name),
                    r["properties"][name].as_f64(),
                );
            }
        }
        let p = m.pillow_properties();
        for (name, ours) in [("phash", p.phash), ("dhash", p.dhash)] {
            let theirs = r["hashes"][name].as_str().unwrap();
            t.check(name, ours.to_string() == theirs, || {
                format!("{}: ours {ours}, CleanVision {theirs}", short(file))
            });
        }
        metrics.push(m);
    }
    // MD5 of NumPy's bytes against XXH3-128 of the same bytes: the same
    // partition of the files.
    let partition = |key: &dyn Fn(usize) -> String| -> BTreeSet<BTreeSet<usize>> {
        let mut groups: HashMap<String, BTreeSet<usize>> = HashMap::new();
        for i in 0..oracle.len() {
            groups.entry(key(i)).or_default().insert(i);
        }
        groups.into_values().collect()
    };
    let md5 = partition(&|i| oracle[i]["hashes"]["md5"].as_str().unwrap().to_string());
    let ours = partition(&|i| metrics[i].pil_pixel_hash.clone());
    t.check("md5 partition", md5 == ours, || {
        format!("{} MD5 groups, {} of ours", md5.len(), ours.len())
    });

    let all = IssueType::CLEANVISION.to_vec();
    let no_brightness: Vec<IssueType> = all
        .iter()
        .copied()
        .filter(|t| !matches!(t, IssueType::Dark | IssueType::Light))
        .collect();
    let before_a = compare_run(&mut t, "a", &oracle, &metrics, &all);
    let before_b = compare_run(&mut t, "b", &oracle, &metrics, &no_brightness);

    eprintln!(
        "{} files; CleanVision's brightness fails on {fails_in_cleanvision} (LA, PA)",
        oracle.len()
    );
    eprintln!("  Pillow mode <- decoded mode: files");
    for ((pil, decoded), n) in &modes {
        eprintln!("    {pil:<6} <- {decoded:<5} {n}");
    }
    for (what, (agree, total)) in &t.agree {
        eprintln!("  {what:<34} {agree:>4}/{total:<4}");
    }
    eprintln!("  flags the decoded view gets wrong (run a / run b):");
    for name in all.iter().map(|t| t.name()) {
        let a = before_a.get(name).copied().unwrap_or(0);
        let b = before_b.get(name).copied().unwrap_or(0);
        eprintln!("    {name:<18} {a:>4} / {b:<4}");
    }
    let shown: Vec<&String> = t.failures.iter().take(60).collect();
    assert!(
        t.failures.is_empty(),
        "{} disagreements:\n{shown:#?}",
        t.failures.len()
    );
}
