//! `assay demo`: builds a synthetic but realistic project, with data
//! problems and label errors injected on purpose and a simulated detector's
//! predictions, imports it through the same paths as user data, and keeps the
//! truth about what it injected in the store so later steps can be scored.

mod classifier;
mod detector;
mod generative;
mod label_checks;
mod problems;
mod production;
mod quality;
mod scene;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use assay_core::geometry::BBox;
use assay_core::mask::Rle;
use assay_core::model::{Annotation, Category, Dataset, Sample, Segmentation};
use assay_io::coco;
use assay_store::{Injection, Store};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::commands::{embed, evaluate, import, info, search};
use crate::output::{progress, table, Bars};
use assay_app::classification::import::{import_classifications, ClassFiles};
use assay_app::embed::search::SearchQuery;
use assay_app::embed::EmbedOptions;
use assay_app::evaluate::{EvaluateOptions, Evaluated};
use assay_app::import::ImportTarget;
use assay_index::Metric;
use problems::{Exposure, LabelError};
use scene::{random_scene, Scene, CLASSES};

use clap::Args;

/// Options of `assay demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder to build the demo project in (default: ./assay-demo).
    pub dir: Option<PathBuf>,
    /// Number of clean images before duplicates and corrupt files are added.
    #[arg(long, default_value_t = 300)]
    pub images: usize,
    /// Random seed; the same seed builds the same project.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

/// Name of the dataset the demo builds.
const DATASET: &str = "shapes";
/// Name of the simulated detector.
const MODEL: &str = "sim-detector";
/// The dataset of the classification task: the same images, each labelled
/// with its largest shape's class.
const CLASS_DATASET: &str = "shapes-main";
/// Name of the simulated classifier.
const CLASSIFIER: &str = "sim-classifier";
/// The same detector retrained (another seed): a second run to compare.
const RETRAINED: &str = "sim-detector-v2";
/// Images given each exposure problem, duplicated, and near-duplicated.
const PER_PROBLEM: usize = 12;
const DUPLICATES: usize = 8;
/// The split of new images with a planted shift (darker, a little blurred;
/// the same classes and scenes), for drift analysis.
const SHIFTED: &str = "shifted";

pub fn run(args: &DemoArgs) -> Result<()> {
    let started = Instant::now();
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("assay-demo"));
    prepare(&dir)?;
    let images_dir = dir.join("data").join("images");
    std::fs::create_dir_all(&images_dir)
        .with_context(|| format!("cannot create {}", images_dir.display()))?;
    println!("Building the demo project in {}", dir.display());
    let built = build(args, &images_dir)?;
    let mut store = import_all(&dir, &built)?;
    println!();
    info::print_summary(&store.summary()?);
    print_truth(&built.injections);
    println!("\nEvaluating {MODEL} against the ground truth (stored as a run):\n");
    evaluate::show(&mut store, &EvaluateOptions::new(MODEL), false)?;
    println!("\nEvaluating {RETRAINED}, the detector retrained, to compare with it:\n");
    evaluate::show(&mut store, &EvaluateOptions::new(RETRAINED), false)?;
    classify(&mut store, &dir, &built.flipped)?;
    println!("\nChecking data and label quality (assay quality --model {MODEL}):\n");
    quality::run(&mut store, DATASET, MODEL)?;
    println!("\nEmbedding the images with the built-in, weight-free extractor (assay embed --model builtin):\n");
    embed::show(&mut store, &embed_options(), false)?;
    show_search(&store, &built.injections)?;
    println!("\nValidating two simulated text-to-image generators:\n");
    let copied = clean_training_image(&built);
    generative::run(&mut store, &dir, args.seed, &images_dir.join(copied))?;
    let report = write_report(&store, &dir)?;
    let gate = write_check_config(&dir)?;
    monitor_production(&mut store, &dir, args.seed, &gate)?;
    println!();
    println!(
        "Built in {:.1} s. Explore it with:",
        started.elapsed().as_secs_f64()
    );
    println!("  assay info --project {}", dir.display());
    println!("  assay runs --project {}", dir.display());
    let project = format!("--project {} --dataset {DATASET}", dir.display());
    println!("  assay issues {project} --type split_leak");
    println!("  assay evaluate {project} --model {MODEL} --iou 0.75");
    println!(
        "  assay export table {project} --table predictions --model {MODEL} --out predictions.csv"
    );
    println!(
        "  assay search {project} --image {}/near_00.jpg -k 5",
        images_dir.display()
    );
    println!(
        "  assay gen compare --real {} --fake {}/data/generated/manifest.csv --by-model",
        images_dir.display(),
        dir.display()
    );
    println!(
        "  assay check --project {}               # the default suites, as a CI gate",
        dir.display()
    );
    println!(
        "  assay check --project {} --config {}   # {RETRAINED} against {MODEL}",
        dir.display(),
        gate.display()
    );
    println!(
        "\nThe report (one self-contained HTML file; `assay report --format md` writes Markdown for CI):"
    );
    println!("  {report}");
    println!("Open the web UI:");
    println!("  cd {} && assay serve", dir.display());
    println!("  then open http://127.0.0.1:8000/");
    Ok(())
}

/// The production stream: writes and ingests it, adds its monitoring
/// rules to the demo's `assay.toml`, and shows the windows and alerts.
fn monitor_production(store: &mut Store, dir: &Path, seed: u64, config: &Path) -> Result<()> {
    use assay_app::monitor::{alerts, ingest};
    println!(
        "\nMonitoring a simulated production stream ({} records over {} hours; assay ingest, assay monitor):\n",
        production::HOURS * production::PER_HOUR,
        production::HOURS
    );
    let files = production::write(dir, seed)?;
    let summary = ingest::ingest_file(store, &files.records, &[], &Bars::default())?;
    let labelled = ingest::ingest_labels(store, &files.reference_labels)?;
    println!(
        "Ingested {} records into the stream {:?}, and the true boxes of the {labelled} records of the first {} hours (assay ingest --labels).",
        summary.counts.stored,
        production::STREAM,
        production::LABELLED_HOURS
    );
    let mut text = std::fs::read_to_string(config)?;
    text.push_str(&format!(
        "\n# assay monitor --config assay.toml: the production stream's alert rules.\n\
         [monitor]\n\
         stream = \"{}\"\n\
         window = \"hour\"\n\
         reference_hours = 24\n\
         embed_model = \"builtin\"\n\
         sinks = [\"file:alerts.jsonl\"]\n\n\
         [[alert]]\n\
         name = \"images darker or brighter\"\n\
         metric = \"brightness_mean\"\n\
         band = true\n\n\
         [[alert]]\n\
         name = \"predicted classes changed\"\n\
         metric = \"class_drift_p\"\n\
         min = 0.001\n\n\
         [[alert]]\n\
         name = \"slow answers\"\n\
         metric = \"latency_p99\"\n\
         max = 250\n",
        production::STREAM
    ));
    std::fs::write(config, text).with_context(|| format!("cannot write {}", config.display()))?;
    let monitor = alerts::MonitorConfig::read(Some(config))?;
    let watched = alerts::watch(store, &monitor, 0, &assay_app::progress::Quiet)?;
    for w in &watched {
        println!(
            "{} hourly windows (the first 24 hours are the reference); {} alerts:",
            w.windows.windows.len(),
            w.new_alerts.len()
        );
        for rule in &monitor.rules {
            let name = rule.spec.name();
            let fired: Vec<_> = w.new_alerts.iter().filter(|a| a.rule == name).collect();
            let Some(first) = fired.first() else {
                println!("  {name}: none");
                continue;
            };
            let hour = (first.window_start_ms - production::START_MS) / 3_600_000;
            println!(
                "  {name}: {} windows, the first at hour {hour}: {}",
                fired.len(),
                first.message
            );
        }
    }
    println!(
        "(planted: darker images from hour {}, a new class ({}) from hour {})",
        production::DARKER_FROM_HOUR,
        production::NEW_CLASS,
        production::NEW_CLASS_FROM_HOUR
    );
    compare_estimated_precision(store, &monitor, &files.later_labels)
}

/// Labels arrive for the rest of the stream: the detector's precision as
/// estimated from its scores alone, against the precision measured.
fn compare_estimated_precision(
    store: &mut Store,
    monitor: &assay_app::monitor::alerts::MonitorConfig,
    later_labels: &Path,
) -> Result<()> {
    use assay_app::monitor::{ingest, windows};
    ingest::ingest_labels(store, later_labels)?;
    let options = windows::WindowOptions {
        now_ms: 0,
        ..monitor.options
    };
    let w = windows::stream_windows(store, production::STREAM, &options, &monitor.features)?;
    println!("\nThe later labels arrive: precision at score >= 0.5, estimated from the scores (fitted on the first 24 hours) and measured:");
    let mut t = table(&["hours", "estimated", "measured"]);
    for chunk in w.windows.chunks(12) {
        let mean = |name: &str| {
            let v: Vec<f64> = chunk
                .iter()
                .filter_map(|x| x.values.get(name).copied())
                .collect();
            (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
        };
        let (est, real) = (mean("estimated_precision"), mean("precision"));
        let show = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.3}"));
        t.add_row(vec![
            format!("{}-{}", chunk[0].index, chunk[chunk.len() - 1].index),
            show(est),
            show(real),
        ]);
    }
    println!("{t}");
    println!(
        "Where the images darken, the detector's scores fall while its confident boxes stay right: the estimate\n\
         assumes the reference's relation between score and hit, so it shows that something changed, not the new precision."
    );
    Ok(())
}

/// Writes `<dir>/assay.toml`: a gate for the retrained detector against
/// the first, whose triangle AP it loses; returns its path.
fn write_check_config(dir: &Path) -> Result<PathBuf> {
    let path = dir.join("assay.toml");
    let text = format!(
        "# assay check --config assay.toml: the retrained detector against the first.\n\
         [check]\n\
         dataset = \"{DATASET}\"\n\
         run = \"{RETRAINED}\"\n\
         baseline = \"{MODEL}\"\n\n\
         [[condition]]\n\
         kind = \"metric\"\n\
         metric = \"ap50\"\n\
         min = 0.4\n\n\
         [[condition]]\n\
         name = \"mAP does not drop\"\n\
         kind = \"regression\"\n\
         metric = \"ap\"\n\
         max_drop = 0.02\n\n\
         [[condition]]\n\
         name = \"triangle AP does not drop\"\n\
         kind = \"regression\"\n\
         metric = \"ap\"\n\
         class = \"triangle\"\n\
         max_drop = 0.02\n\
         significant = 0.05\n\n\
         [[condition]]\n\
         kind = \"issues\"\n\
         issue = \"split_leak\"\n\
         max_count = 8\n\
         level = \"warn\"\n"
    );
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// The classification task: imports the labels and the classifier's
/// probabilities as a user would, records a run and says how many of the
/// flipped labels the run's label issues found.
fn classify(store: &mut Store, dir: &Path, flipped: &[Injection]) -> Result<()> {
    let data = dir.join("data");
    println!(
        "\nClassifying the images by their largest shape ({CLASS_DATASET}; assay predictions classes --model {CLASSIFIER}):\n"
    );
    let target = ImportTarget {
        dataset: Some(CLASS_DATASET.into()),
        split: None,
        allow_absolute_paths: false,
    };
    let job = assay_app::import::read_folder(
        &data.join("images"),
        false,
        Some(&data.join("labels.csv")),
        target,
        &Bars::default(),
    )?;
    import::import_dataset(store, job)?;
    store.record_injections(CLASS_DATASET, flipped)?;
    let files = ClassFiles {
        probs: Some(data.join("classifier_probs.npy")),
        rows: Some(data.join("classifier_rows.txt")),
        class_names: Some(data.join("classifier_classes.txt")),
        ..ClassFiles::default()
    };
    import_classifications(store, CLASS_DATASET, CLASSIFIER, &files)?;
    let mut options = EvaluateOptions::new(CLASSIFIER);
    options.dataset = Some(CLASS_DATASET.into());
    let Evaluated::Classification(run) =
        assay_app::evaluate::evaluate(store, &options, &Bars::default())?
    else {
        bail!("the demo's classifier was not evaluated as a classification");
    };
    println!(
        "accuracy {:.3}, macro F1 {:.3}, ECE {:.3} (run {}); {} label issues",
        run.report.accuracy,
        run.report.macro_avg.f1,
        run.report.ece,
        run.run_id,
        run.summary.label_issues
    );
    let doubted: std::collections::HashSet<String> = store
        .issues(
            CLASS_DATASET,
            Some(assay_store::CLASS_LABEL_ISSUE),
            None,
            1_000_000,
        )?
        .into_iter()
        .map(|i| i.file_name)
        .collect();
    let found = flipped
        .iter()
        .filter(|f| doubted.contains(&f.file_name))
        .count();
    println!(
        "{found} of the {} labels flipped on purpose are among them.",
        flipped.len()
    );
    Ok(())
}

/// Writes `<dir>/report.html` and says so; returns its path and size.
fn write_report(store: &Store, dir: &Path) -> Result<String> {
    println!(
        "\nWriting the report (assay report --out {}/report.html):",
        dir.display()
    );
    let data = assay_report::collect(store, &assay_report::ReportOptions::default())?;
    let html = assay_report::html::render(&data)?;
    let path = dir.join("report.html");
    std::fs::write(&path, &html).with_context(|| format!("cannot write {}", path.display()))?;
    let size = html.len() as u64;
    let line = format!("{} ({})", path.display(), assay_report::format::bytes(size));
    println!("Wrote {line}");
    Ok(line)
}

/// A training image no problem was injected into (the one the simulated
/// generator "memorizes").
fn clean_training_image(built: &Built) -> &str {
    let touched: std::collections::HashSet<&str> = built
        .injections
        .iter()
        .map(|i| i.file_name.as_str())
        .collect();
    built
        .train
        .samples
        .iter()
        .map(|s| s.file_name.as_str())
        .find(|f| !touched.contains(f))
        .unwrap_or(&built.train.samples[0].file_name)
}

/// Refuses to overwrite a folder that is not an earlier demo.
fn prepare(dir: &Path) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    let is_demo =
        dir.join(".assay").is_dir() && dir.join("data").join("annotations_train.json").is_file();
    let empty = std::fs::read_dir(dir)
        .map(|mut d| d.next().is_none())
        .unwrap_or(false);
    if is_demo {
        for sub in [".assay", "data"] {
            std::fs::remove_dir_all(dir.join(sub))
                .with_context(|| format!("cannot clear {}", dir.join(sub).display()))?;
        }
    } else if !empty {
        bail!(
            "{} exists and is not an earlier demo; choose another folder",
            dir.display()
        );
    }
    Ok(())
}

/// What the demo generated.
struct Built {
    train: Dataset,
    val: Dataset,
    /// The [`SHIFTED`] split.
    shifted: Dataset,
    predictions: Vec<Annotation>,
    retrained: Vec<Annotation>,
    injections: Vec<Injection>,
    /// Label flips of the classification task.
    flipped: Vec<Injection>,
}

/// One generated image and what was done to it.
struct Image {
    file_name: String,
    scene: Scene,
    exposure: Option<Exposure>,
    /// For copies: the file name of the original.
    copy_of: Option<String>,
    val: bool,
    /// In the [`SHIFTED`] split.
    shifted: bool,
}

fn image_rng(seed: u64, index: usize) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed.wrapping_mul(1_000_003).wrapping_add(index as u64))
}

fn build(args: &DemoArgs, images_dir: &Path) -> Result<Built> {
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let n = args.images.max(4 * PER_PROBLEM + 2 * DUPLICATES);
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rng);
    let exposures = [Exposure::Dark, Exposure::Light, Exposure::Blurry];
    let exposure_of = |i: usize| {
        order
            .iter()
            .position(|&o| o == i)
            .and_then(|p| exposures.get(p / PER_PROBLEM))
            .copied()
    };
    let bar = progress(n, "rendering");
    let mut images: Vec<Image> = (0..n)
        .into_par_iter()
        .map(|i| {
            let image = render_original(args.seed, i, exposure_of(i), images_dir, false);
            bar.inc(1);
            image
        })
        .collect::<Result<_>>()?;
    bar.finish_and_clear();
    let clean: Vec<usize> = order[3 * PER_PROBLEM..].to_vec();
    images.extend(copies(args.seed, &images, &clean, images_dir)?);
    let first = images.len();
    let shifted: Vec<Image> = (first..first + n / 5)
        .into_par_iter()
        .map(|i| render_original(args.seed, i, None, images_dir, true))
        .collect::<Result<_>>()?;
    images.extend(shifted);
    let mut injections = exposure_truth(&images);
    injections.extend(copy_truth(&images));
    let [mut train, mut val, mut shifted] = ground_truth(&images, &mut rng, &mut injections);
    add_corrupt_files(&images, images_dir, &mut rng, &mut train, &mut injections)?;
    let predictions = simulate_detector(&images, args.seed);
    let retrained = simulate_detector(&images, args.seed.wrapping_add(1));
    let shown: Vec<_> = images
        .iter()
        .filter(|im| !im.shifted)
        .map(|im| (im.file_name.as_str(), &im.scene, im.exposure))
        .collect();
    let data_dir = images_dir.parent().unwrap_or(images_dir);
    let mut class_rng = ChaCha8Rng::seed_from_u64(args.seed ^ 0xc1a55);
    let flipped = classifier::write(data_dir, &shown, &mut class_rng)?.injections;
    for d in [&mut train, &mut val, &mut shifted] {
        d.categories = CLASSES
            .iter()
            .enumerate()
            .map(|(i, c)| Category::named(i as i64 + 1, *c))
            .collect();
    }
    Ok(Built {
        train,
        val,
        shifted,
        predictions,
        retrained,
        injections,
        flipped,
    })
}

/// Renders image `i`, with an exposure problem or, with `shifted`, the
/// planted shift.
fn render_original(
    seed: u64,
    i: usize,
    exposure: Option<Exposure>,
    dir: &Path,
    shifted: bool,
) -> Result<Image> {
    let mut rng = image_rng(seed, i);
    let crowded = rng.random::<f64>() < 0.12;
    let scene = random_scene(&mut rng, crowded);
    let mut px = scene.render(&mut rng);
    if let Some(e) = exposure {
        e.apply(&mut px, scene.width as usize);
    }
    if shifted {
        problems::shift(&mut px, scene.width as usize);
    }
    let prefix = if shifted { "shifted" } else { "img" };
    let file_name = format!("{prefix}_{i:05}.jpg");
    write_jpeg(&dir.join(&file_name), &px, &scene, 90)?;
    Ok(Image {
        file_name,
        scene,
        exposure,
        copy_of: None,
        val: !shifted && i % 5 == 4,
        shifted,
    })
}

fn write_jpeg(path: &Path, px: &[u8], scene: &Scene, quality: u8) -> Result<()> {
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode(
            px,
            scene.width,
            scene.height,
            image::ExtendedColorType::Rgb8,
        )
        .context("JPEG encoding failed")?;
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// Exact copies of clean training images placed in validation (a split
/// leak), and near-duplicates: the same scene slightly brighter, recompressed.
fn copies(seed: u64, images: &[Image], clean: &[usize], dir: &Path) -> Result<Vec<Image>> {
    let mut out = Vec::new();
    let train: Vec<usize> = clean.iter().copied().filter(|&i| !images[i].val).collect();
    for (k, &i) in train.iter().take(DUPLICATES).enumerate() {
        let file_name = format!("dup_{k:02}.jpg");
        std::fs::copy(dir.join(&images[i].file_name), dir.join(&file_name))
            .context("cannot copy a demo image")?;
        out.push(Image {
            file_name,
            scene: images[i].scene.clone(),
            exposure: None,
            copy_of: Some(images[i].file_name.clone()),
            val: true,
            shifted: false,
        });
    }
    for (k, &i) in train.iter().skip(DUPLICATES).take(DUPLICATES).enumerate() {
        let mut rng = image_rng(seed, i);
        let crowded = rng.random::<f64>() < 0.12;
        let scene = random_scene(&mut rng, crowded);
        let mut px = scene.render(&mut rng);
        problems::nudge(&mut px);
        let file_name = format!("near_{k:02}.jpg");
        write_jpeg(&dir.join(&file_name), &px, &scene, 75)?;
        out.push(Image {
            file_name,
            scene,
            exposure: None,
            copy_of: Some(images[i].file_name.clone()),
            val: false,
            shifted: false,
        });
    }
    Ok(out)
}

fn exposure_truth(images: &[Image]) -> Vec<Injection> {
    images
        .iter()
        .filter_map(|im| {
            im.exposure.map(|e| Injection {
                file_name: im.file_name.clone(),
                annotation_id: None,
                kind: e.name().to_string(),
                detail: format!("whole image made {}", e.name()),
            })
        })
        .collect()
}

fn copy_truth(images: &[Image]) -> Vec<Injection> {
    let mut out = Vec::new();
    for im in images {
        let Some(original) = &im.copy_of else {
            continue;
        };
        let exact = im.file_name.starts_with("dup_");
        let kind = if exact {
            "exact_duplicate"
        } else {
            "near_duplicate"
        };
        let detail = if exact {
            "byte-identical copy of"
        } else {
            "brighter, recompressed copy of"
        };
        out.push(Injection {
            file_name: im.file_name.clone(),
            annotation_id: None,
            kind: kind.into(),
            detail: format!("{detail} {original}"),
        });
        // The original is a member of the duplicate pair as much as the copy.
        out.push(Injection {
            file_name: original.clone(),
            annotation_id: None,
            kind: kind.into(),
            detail: format!("original of {}", im.file_name),
        });
        if exact {
            out.push(Injection {
                file_name: im.file_name.clone(),
                annotation_id: None,
                kind: "split_leak".into(),
                detail: format!("in val, copy of training image {original}"),
            });
        }
    }
    out
}

/// Ground truth of every image, split into train, val and shifted, with
/// label errors injected into the objects of clean originals (none in the
/// shifted split: it differs only in how the images look).
fn ground_truth(
    images: &[Image],
    rng: &mut ChaCha8Rng,
    injections: &mut Vec<Injection>,
) -> [Dataset; 3] {
    let mut splits: [Dataset; 3] = Default::default();
    let mut next_id = 1;
    for (i, im) in images.iter().enumerate() {
        let sample_id = i as i64 + 1;
        let target = &mut splits[usize::from(im.val) + 2 * usize::from(im.shifted)];
        target.samples.push(Sample {
            id: sample_id,
            file_name: im.file_name.clone(),
            width: Some(im.scene.width),
            height: Some(im.scene.height),
            split: None,
            generation: None,
        });
        let may_err = im.exposure.is_none() && im.copy_of.is_none() && !im.shifted;
        for o in &im.scene.objects {
            let error = if may_err { LabelError::draw(rng) } else { None };
            let mut a = object_annotation(next_id, sample_id, o, &im.scene, rng);
            match error {
                Some(LabelError::WrongClass) => {
                    let other = (o.class + rng.random_range(1..CLASSES.len())) % CLASSES.len();
                    a.category_id = other as i64 + 1;
                }
                Some(LabelError::LooseBox) => {
                    let loose = problems::loosen(
                        a.bbox.map_or([0.0; 4], BBox::to_array),
                        im.scene.width,
                        im.scene.height,
                        rng,
                    );
                    a.bbox = Some(BBox::new(loose[0], loose[1], loose[2], loose[3]));
                }
                _ => {}
            }
            if let Some(e) = error {
                let b = a.bbox.map_or([0.0; 4], BBox::to_array);
                injections.push(label_truth(e, im, next_id, o.class, a.category_id, b));
            }
            if error != Some(LabelError::MissingBox) {
                target.annotations.push(a);
            }
            next_id += 1;
        }
    }
    splits
}

fn label_truth(
    error: LabelError,
    im: &Image,
    id: i64,
    true_class: usize,
    labelled: i64,
    bbox: [f64; 4],
) -> Injection {
    let detail = match error {
        LabelError::WrongClass => format!(
            "a {} labelled {}",
            CLASSES[true_class],
            CLASSES[labelled as usize - 1]
        ),
        LabelError::MissingBox => format!(
            "a {} left without a label at {}",
            CLASSES[true_class],
            label_checks::box_text(bbox)
        ),
        LabelError::LooseBox => format!("the box of a {} enlarged", CLASSES[true_class]),
    };
    Injection {
        file_name: im.file_name.clone(),
        annotation_id: Some(id),
        kind: error.name().to_string(),
        detail,
    }
}

/// The true annotation of an object: polygon (or, for one in five, an RLE
/// mask), its box, and its area as COCO counts it (mask pixels).
fn object_annotation(
    id: i64,
    sample_id: i64,
    o: &scene::Object,
    scene: &Scene,
    rng: &mut ChaCha8Rng,
) -> Annotation {
    let parts = vec![o
        .polygon
        .iter()
        .map(|v| (v * 100.0).round() / 100.0)
        .collect::<Vec<f64>>()];
    let rle = Rle::from_polygons(&parts, scene.height, scene.width);
    let mut a = Annotation::new(id, sample_id, o.class as i64 + 1);
    a.area = Some(rle.area() as f64);
    a.bbox = assay_core::geometry::polygon_bbox(&parts);
    a.segmentation = Some(if rng.random::<f64>() < 0.2 {
        Segmentation::Rle {
            rle,
            compressed: true,
        }
    } else {
        Segmentation::Polygons(parts)
    });
    a
}

/// Writes corrupt files and lists them in the training ground truth.
fn add_corrupt_files(
    images: &[Image],
    dir: &Path,
    rng: &mut ChaCha8Rng,
    train: &mut Dataset,
    injections: &mut Vec<Injection>,
) -> Result<()> {
    let jpeg = std::fs::read(dir.join(&images[0].file_name)).context("cannot read a demo image")?;
    for (k, (name, bytes, detail)) in problems::corrupt_files(&jpeg, rng).into_iter().enumerate() {
        std::fs::write(dir.join(name), bytes).with_context(|| format!("cannot write {name}"))?;
        train.samples.push(Sample {
            id: (images.len() + k) as i64 + 1,
            file_name: name.to_string(),
            width: Some(images[0].scene.width),
            height: Some(images[0].scene.height),
            split: None,
            generation: None,
        });
        injections.push(Injection {
            file_name: name.to_string(),
            annotation_id: None,
            kind: "corrupt".into(),
            detail: detail.to_string(),
        });
    }
    Ok(())
}

fn simulate_detector(images: &[Image], seed: u64) -> Vec<Annotation> {
    let mut out = Vec::new();
    for (i, im) in images.iter().enumerate() {
        let mut rng = image_rng(seed ^ 0x5eed, i);
        let visibility = detector::visibility(im.exposure, im.shifted);
        for d in detector::detect(&im.scene, visibility, &mut rng) {
            let mut a = Annotation::new(out.len() as i64 + 1, i as i64 + 1, d.class as i64 + 1);
            a.bbox = Some(BBox::new(d.bbox[0], d.bbox[1], d.bbox[2], d.bbox[3]));
            a.score = Some((d.score * 1000.0).round() / 1000.0);
            out.push(a);
        }
    }
    out
}

/// Writes the COCO files and imports them exactly as a user would.
fn import_all(dir: &Path, built: &Built) -> Result<Store> {
    let data_dir = dir.join("data");
    let images_dir = data_dir.join("images");
    let mut store = Store::init(dir)?;
    let splits = [
        ("train", &built.train),
        ("val", &built.val),
        (SHIFTED, &built.shifted),
    ];
    for (split, dataset) in splits {
        let path = data_dir.join(format!("annotations_{split}.json"));
        coco::write_coco(dataset, &path)?;
        let target = ImportTarget {
            dataset: Some(DATASET.into()),
            split: Some(split.into()),
            allow_absolute_paths: false,
        };
        let job = assay_app::import::read_coco(&path, Some(&images_dir), target, &Bars::default())?;
        import::import_dataset(&mut store, job)?;
    }
    let index = store.dataset_index(DATASET, None)?;
    for (model, file, detections) in [
        (MODEL, "predictions.json", &built.predictions),
        (RETRAINED, "predictions_v2.json", &built.retrained),
    ] {
        let path = data_dir.join(file);
        coco::write_coco_results(detections, &path)?;
        let (preds, _) = assay_app::import::read_coco_results(&path, &index)?;
        store.add_predictions(DATASET, model, &preds)?;
    }
    store.record_injections(DATASET, &built.injections)?;
    Ok(store)
}

fn print_truth(injections: &[Injection]) {
    let mut kinds: Vec<&str> = injections.iter().map(|i| i.kind.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    println!();
    println!(
        "Injected on purpose (kept in the store as the truth later checks are scored against):"
    );
    let mut t = table(&["problem", "count", "example"]);
    for kind in kinds {
        let of_kind: Vec<&Injection> = injections.iter().filter(|i| i.kind == kind).collect();
        let example = format!("{}: {}", of_kind[0].file_name, of_kind[0].detail);
        t.add_row(vec![kind.to_string(), of_kind.len().to_string(), example]);
    }
    println!("{t}");
}

fn embed_options() -> EmbedOptions {
    EmbedOptions {
        dataset: Some(DATASET.into()),
        model: assay_embed::extractor::BUILTIN.into(),
        objects: false,
        batch: 32,
        clusters: None,
        near_threshold: 0.97,
    }
}

/// Searches with the first injected near-duplicate's original: its copy
/// should come right after the image itself.
fn show_search(store: &Store, injections: &[Injection]) -> Result<()> {
    let Some(original) = injections
        .iter()
        .find(|i| i.kind == "near_duplicate" && i.detail.starts_with("original of"))
    else {
        return Ok(());
    };
    println!(
        "\nThe images most like {} ({}; assay search --sample {} -k 5):\n",
        original.file_name, original.detail, original.file_name
    );
    search::show(
        store,
        &SearchQuery {
            text: None,
            image: None,
            sample: Some(original.file_name.clone()),
            k: 5,
            dataset: Some(DATASET.into()),
            embeddings: None,
            split: None,
            class: None,
            metric: Metric::Cosine,
        },
        false,
    )
}
