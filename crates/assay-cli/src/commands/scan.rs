//! `assay scan`: image issues of a folder, without a project. Measures every
//! image on all cores (`assay_quality::scan`), prints issue counts with the
//! worst files, and can write the per-image metrics as a table.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use assay_app::quality::scan_table;
use assay_core::shard::Shard;
use assay_image::listing::list_images;
use assay_io::table::write_table;
use assay_quality::issues::{GrayscaleRule, IssueType, ModeView};
use assay_quality::scan::{decode_files, merge_scans, scan_shard, Decoding, PartialScan};
use assay_quality::{scan_folder, IssueConfig, IssueResult, ScanReport};
use serde_json::{json, Value};

use crate::output::{progress, table};

use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// What `assay scan` scans.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Folder of images, searched recursively (jpg, jpeg, png, bmp, gif,
    /// tif, tiff, webp; hidden files skipped).
    #[arg(required_unless_present = "merge")]
    pub dir: Option<PathBuf>,
    /// Measure only shard K of N (a contiguous run of the listed files)
    /// and write its rows with --partial-out, for `--merge`.
    #[arg(long, value_name = "K/N", requires = "partial_out")]
    pub shard: Option<Shard>,
    /// Write the (shard's) measurements to FILE instead of a report.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["json", "out", "merge"])]
    pub partial_out: Option<PathBuf>,
    /// Find the issues of a scan run in shards: every shard's
    /// --partial-out file, once each; the report is the unsharded scan's.
    #[arg(long, num_args = 1.., value_name = "FILE", conflicts_with_all = ["dir", "shard", "decode_only"])]
    pub merge: Vec<PathBuf>,
    /// Decode JPEGs at 1/2, 1/4 or 1/8 of their size (libjpeg's
    /// reduced-size IDCT, the shorter side kept at 96 px or more) and
    /// measure there: several times faster on large photos; the values
    /// are estimates (CleanVision's are exact only without it), sizes and
    /// file hashes stay exact.
    #[arg(long, conflicts_with_all = ["merge", "decode_only"])]
    pub fast: bool,
    /// Print one JSON object: counts per issue type and the flagged files
    /// with their scores.
    #[arg(long)]
    pub json: bool,
    /// Write the per-image metrics and issue scores (.csv or .parquet).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Largest pHash Hamming distance inside a near-duplicate group
    /// (0: equal hashes, as CleanVision).
    #[arg(long, default_value_t = 0, value_name = "N",
          value_parser = clap::value_parser!(u32).range(0..=32))]
    pub near_radius: u32,
    /// Only this issue type (repeatable; default: all, or the preset's).
    #[arg(long = "issue", value_enum, value_name = "TYPE")]
    pub issues: Vec<IssueType>,
    /// Which issue types to find when no --issue is given: all of them, or
    /// only CleanVision's (dark, light, blurry, low_information, grayscale,
    /// odd_aspect_ratio, odd_size, exact_duplicates, near_duplicates).
    /// `cleanvision` also measures CleanVision's types as CleanVision does,
    /// on each image in the mode Pillow opens it in (palette indices, mode
    /// 1 as 0/1, 16-bit values, CMYK as stored).
    #[arg(long, value_enum, default_value = "all")]
    pub preset: PresetArg,
    /// Leave out this issue type (repeatable).
    #[arg(long = "skip", value_enum, value_name = "TYPE")]
    pub skip: Vec<IssueType>,
    /// Largest pHash Hamming distance inside a `similar` group.
    #[arg(long, default_value_t = 8, value_name = "N",
          value_parser = clap::value_parser!(u32).range(0..=32))]
    pub similar_radius: u32,
    /// Largest dHash Hamming distance confirming a `similar` pair (64: no
    /// confirmation).
    #[arg(long, default_value_t = 16, value_name = "N",
          value_parser = clap::value_parser!(u32).range(0..=64))]
    pub similar_dhash_radius: u32,
    /// `underexposed` flags scores below this (0-1; at 0.5 the brightest
    /// 0.1% of pixels are under mid-grey and the mean is dim).
    #[arg(long, default_value_t = 0.5, value_name = "X")]
    pub underexposed_threshold: f64,
    /// `overexposed` flags scores below this (0-1; at 0.5 the darkest 1% of
    /// pixels is lighter than 80% grey).
    #[arg(long, default_value_t = 0.5, value_name = "X")]
    pub overexposed_threshold: f64,
    /// `low_contrast` flags scores below this (0-1; at 0.5 the RMS contrast
    /// is 5% of the room between the mean and black or white).
    #[arg(long, default_value_t = 0.5, value_name = "X")]
    pub low_contrast_threshold: f64,
    /// `unusual_size` flags a longer side under this fraction of the
    /// dataset's median longer side, or over its inverse (0-1).
    #[arg(long, default_value_t = 0.25, value_name = "X")]
    pub unusual_size_threshold: f64,
    /// `soft` flags scores below this (0-1; 0 is no detail at full
    /// resolution, 1 is step edges or sharper).
    #[arg(long, default_value_t = 1.0 / 3.0, value_name = "X")]
    pub soft_threshold: f64,
    /// What `grayscale` flags: single-channel images (CleanVision's rule)
    /// or any image whose channels are all equal.
    #[arg(long, value_enum, default_value = "mode")]
    pub grayscale: GrayscaleRule,
    /// How many of the worst images to list per issue type.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub examples: usize,
    /// Benchmark: only read and decode every image (same decoder, same
    /// cores), measure nothing, and print the time taken.
    #[arg(long, hide = true)]
    pub decode_only: bool,
}

/// `--preset` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PresetArg {
    /// Every issue type: CleanVision's, assay's own, unreadable, outlier.
    All,
    /// CleanVision 0.3.7's issue types only, measured on Pillow's image.
    Cleanvision,
}

/// Runs `assay scan`.
pub fn run(args: &ScanArgs) -> Result<()> {
    let config = config(args);
    let started = Instant::now();
    let report = match &args.dir {
        None => merge(&args.merge, &config)?,
        Some(dir) if args.decode_only => return decode_only(dir, args.json),
        Some(dir) if args.partial_out.is_some() => return partial(dir, args),
        Some(dir) => {
            let bar = progress(0, "images");
            let report = scan_folder(
                dir,
                &config,
                decoding(args),
                &|n| bar.set_length(n as u64),
                &|| bar.inc(1),
            )
            .with_context(|| format!("cannot scan {}", dir.display()))?;
            bar.finish_and_clear();
            report
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    if let Some(out) = &args.out {
        write_metrics(&report, out)?;
    }
    if args.json {
        outln!("{}", serde_json::to_string(&json_report(&report))?)?;
    } else {
        print_report(&report, args.examples, seconds)?;
        if let Some(out) = &args.out {
            outln!("Per-image metrics written to {}", out.display())?;
        }
    }
    Ok(())
}

/// `assay scan DIR --shard K/N --partial-out FILE`: one shard measured.
fn partial(dir: &Path, args: &ScanArgs) -> Result<()> {
    let shard = args.shard.unwrap_or(Shard { index: 0, count: 1 });
    let bar = progress(0, "images");
    let part = scan_shard(
        dir,
        shard,
        decoding(args),
        &|n| bar.set_length(n as u64),
        &|| bar.inc(1),
    )
    .with_context(|| format!("cannot scan {}", dir.display()))?;
    bar.finish_and_clear();
    let path = args
        .partial_out
        .as_deref()
        .unwrap_or(Path::new("scan-part.json"));
    let text = serde_json::to_string(&part)?;
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    outln!(
        "Measured {} of the {} images (shard {}/{}) into {}",
        part.rows.len(),
        part.files,
        shard.index + 1,
        shard.count,
        path.display()
    )?;
    Ok(())
}

/// `assay merge` of scan parts: `assay scan --merge` with the default
/// issue options.
pub fn merge_with_defaults(paths: &[PathBuf], json: bool) -> Result<()> {
    let started = Instant::now();
    let report = merge(paths, &IssueConfig::default())?;
    if json {
        outln!("{}", serde_json::to_string(&json_report(&report))?)?;
        return Ok(());
    }
    Ok(print_report(&report, 3, started.elapsed().as_secs_f64())?)
}

/// `assay scan --merge FILE...`: the shards' rows together, searched for
/// issues.
fn merge(paths: &[PathBuf], config: &IssueConfig) -> Result<ScanReport> {
    let mut parts = Vec::with_capacity(paths.len());
    for path in paths {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let part: PartialScan = serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}: not a partial scan of `assay scan --partial-out`: {e}",
                path.display()
            )
        })?;
        parts.push(part);
    }
    merge_scans(parts, config).map_err(|e| anyhow::anyhow!("cannot merge the scans: {e}"))
}

/// `assay scan --decode-only`: the decoder's throughput on the folder, the
/// reference the scan's speed is compared with (`bench/quality/run.py`).
fn decode_only(dir: &Path, json: bool) -> Result<()> {
    let started = Instant::now();
    let files = list_images(dir).with_context(|| format!("cannot scan {}", dir.display()))?;
    let bar = progress(files.len(), "images");
    let failed = decode_files(dir, &files, &|| bar.inc(1));
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let n = files.len();
    if json {
        let doc = json!({"tool": "assay-decode", "images": n, "failed": failed, "wall_s": seconds});
        outln!("{doc}")?;
    } else {
        let rate = n as f64 / seconds.max(1e-9);
        outln!("Decoded {n} images ({failed} failed) in {seconds:.2} s ({rate:.0} images/s)")?;
    }
    Ok(())
}

fn decoding(args: &ScanArgs) -> Decoding {
    if args.fast {
        Decoding::Fast
    } else {
        Decoding::Exact
    }
}

fn config(args: &ScanArgs) -> IssueConfig {
    let mut config = IssueConfig {
        near_radius: args.near_radius,
        grayscale_rule: args.grayscale,
        similar_radius: args.similar_radius,
        similar_dhash_radius: args.similar_dhash_radius,
        underexposed_threshold: args.underexposed_threshold,
        overexposed_threshold: args.overexposed_threshold,
        soft_threshold: args.soft_threshold,
        low_contrast_threshold: args.low_contrast_threshold,
        unusual_size_threshold: args.unusual_size_threshold,
        ..IssueConfig::default()
    };
    if args.preset == PresetArg::Cleanvision {
        config.issue_types = IssueType::CLEANVISION.to_vec();
        config.mode_view = ModeView::Pillow;
    }
    if !args.issues.is_empty() {
        config.issue_types = args.issues.clone();
    }
    let skipped: Vec<IssueType> = args.skip.clone();
    config.issue_types.retain(|t| !skipped.contains(t));
    config
}

fn is_grouped(t: IssueType) -> bool {
    matches!(
        t,
        IssueType::ExactDuplicates | IssueType::NearDuplicates | IssueType::Similar
    )
}

fn print_report(report: &ScanReport, examples: usize, seconds: f64) -> std::io::Result<()> {
    let n = report.rows.len();
    let rate = if seconds > 0.0 {
        n as f64 / seconds
    } else {
        0.0
    };
    outln!(
        "Scanned {n} images in {} ({seconds:.1} s, {rate:.0} images/s)",
        report.root.display()
    )?;
    let mut t = table(&["issue", "images", "worst (score)"]);
    for result in &report.issues.results {
        let worst = if is_grouped(result.issue_type) {
            group_examples(report, result, examples)
        } else {
            flag_examples(report, result, examples)
        };
        t.add_row(vec![
            result.issue_type.name().to_string(),
            result.flagged.len().to_string(),
            worst,
        ]);
    }
    outln!("{t}")?;
    for result in report
        .issues
        .results
        .iter()
        .filter(|r| !r.flagged.is_empty())
    {
        let t = result.issue_type;
        outln!("  {:<17} {}", t.name(), t.explanation())?;
    }
    Ok(())
}

fn flag_examples(report: &ScanReport, result: &IssueResult, examples: usize) -> String {
    let mut lines: Vec<String> = result
        .flagged
        .iter()
        .take(examples)
        .map(|f| {
            let path = &report.rows[f.image].path;
            match &f.detail {
                Some(detail) => format!("{path} ({:.3}; {detail})", f.score),
                None => format!("{path} ({:.3})", f.score),
            }
        })
        .collect();
    if result.flagged.len() > examples {
        lines.push(format!("... {} more", result.flagged.len() - examples));
    }
    lines.join("\n")
}

fn group_examples(report: &ScanReport, result: &IssueResult, examples: usize) -> String {
    let mut groups: Vec<&Vec<usize>> = result.groups.iter().collect();
    groups.sort_by_key(|g| std::cmp::Reverse(g.len()));
    let mut lines: Vec<String> = groups
        .iter()
        .take(examples)
        .map(|g| {
            let names: Vec<&str> = g
                .iter()
                .take(3)
                .map(|&i| report.rows[i].path.as_str())
                .collect();
            let more = g.len().saturating_sub(3);
            let tail = if more > 0 {
                format!(" +{more}")
            } else {
                String::new()
            };
            format!("{}{tail}", names.join(" = "))
        })
        .collect();
    if groups.len() > examples {
        lines.push(format!("... {} more groups", groups.len() - examples));
    }
    lines.join("\n")
}

fn json_report(report: &ScanReport) -> Value {
    let path = |i: usize| report.rows[i].path.clone();
    let counts: serde_json::Map<String, Value> = report
        .issues
        .results
        .iter()
        .map(|r| (r.issue_type.name().to_string(), json!(r.flagged.len())))
        .collect();
    let issues: Vec<Value> = report
        .issues
        .results
        .iter()
        .map(|r| {
            let flagged: Vec<Value> = r
                .flagged
                .iter()
                .map(|f| json!({"path": path(f.image), "score": f.score, "detail": f.detail}))
                .collect();
            let groups: Vec<Vec<String>> = r
                .groups
                .iter()
                .map(|g| g.iter().map(|&i| path(i)).collect())
                .collect();
            json!({
                "issue_type": r.issue_type.name(),
                "explanation": r.issue_type.explanation(),
                "threshold": r.threshold,
                "count": r.flagged.len(),
                "flagged": flagged,
                "groups": groups,
            })
        })
        .collect();
    json!({
        "root": report.root.display().to_string(),
        "images": report.rows.len(),
        "counts": counts,
        "issues": issues,
    })
}

/// Writes the scan's table (`assay_app::quality::scan_table`).
fn write_metrics(report: &ScanReport, out: &Path) -> Result<()> {
    let t = scan_table(report);
    write_table(&t, out).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(())
}
