//! `assay merge`: combines the partial results of sharded runs, whatever
//! made them (told by the format each part names): COCO evaluations
//! (`assay eval coco --shard`), scans (`assay scan --shard`) and FID
//! statistics (`assay gen stats --shard`). Parts of a project's sharded
//! `assay quality` or `assay embed` are told apart too, and sent to those
//! commands' `--merge`, which stores into the project.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use assay_app::embed::shards::EMBED_PART_FORMAT;
use assay_app::generative::shards::merge_partial_moments;
use assay_app::quality::shards::QUALITY_PART_FORMAT;
use assay_eval::coco::PARTIAL_FORMAT as COCO_FORMAT;
use assay_gen::moments::FORMAT as MOMENTS_FORMAT;
use assay_quality::scan::PARTIAL_FORMAT as SCAN_FORMAT;
use clap::Args;

use crate::commands::eval::coco::{self, MergeArgs};
use crate::commands::gen::stats::write_stats;
use crate::commands::scan;

/// What `assay merge` combines.
#[derive(Debug, Args)]
pub struct MergeCommandArgs {
    /// The parts, every shard once, in any order.
    #[arg(required = true, value_name = "FILE")]
    pub parts: Vec<PathBuf>,
    /// Print one JSON object (evaluations and scans).
    #[arg(long)]
    pub json: bool,
    /// Where merged FID statistics go (a pytorch-fid `.npz`).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Write an evaluation's full precision array, as `assay eval coco
    /// --precision-out`.
    #[arg(long, value_name = "FILE")]
    pub precision_out: Option<PathBuf>,
}

/// The kinds of parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Coco,
    Scan,
    Moments,
}

/// The kind a part names in its first bytes.
fn kind_of(path: &Path) -> Result<Kind> {
    let mut head = vec![0; 256];
    let mut file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let n = file
        .read(&mut head)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let head = String::from_utf8_lossy(&head[..n]);
    if head.starts_with(MOMENTS_FORMAT) {
        return Ok(Kind::Moments);
    }
    for (format, command) in [
        (QUALITY_PART_FORMAT, "quality"),
        (EMBED_PART_FORMAT, "embed"),
    ] {
        if head.starts_with(&format!("{{\"format\":\"{format}\"")) {
            bail!(
                "{} is a part of a sharded `assay {command}` run: merge it into the project with `assay {command} --merge`",
                path.display()
            );
        }
    }
    for (format, kind) in [(COCO_FORMAT, Kind::Coco), (SCAN_FORMAT, Kind::Scan)] {
        if head.contains(&format!("\"format\":\"{format}\"")) {
            return Ok(kind);
        }
    }
    bail!(
        "{}: not a partial result (expected one written by `assay eval coco`, `assay scan` or `assay gen stats` with --partial-out)",
        path.display()
    )
}

/// Runs `assay merge`.
pub fn run(args: &MergeCommandArgs) -> Result<()> {
    let kinds = args
        .parts
        .iter()
        .map(|p| kind_of(p))
        .collect::<Result<Vec<_>>>()?;
    let kind = kinds[0];
    if let Some(i) = kinds.iter().position(|k| *k != kind) {
        bail!(
            "{} is a different kind of part than {}: merge the parts of one sharded run",
            args.parts[i].display(),
            args.parts[0].display()
        );
    }
    match kind {
        Kind::Coco => coco::merge(&MergeArgs {
            parts: args.parts.clone(),
            json: args.json,
            precision_out: args.precision_out.clone(),
        }),
        Kind::Scan => scan::merge_with_defaults(&args.parts, args.json),
        Kind::Moments => {
            let out = args
                .out
                .as_deref()
                .context("merged FID statistics need --out FILE.npz")?;
            let stats = merge_partial_moments(&args.parts)?;
            write_stats(&stats, out)?;
            println!(
                "Merged {} parts: the statistics of {} samples ({} dimensions) to {}",
                args.parts.len(),
                stats.count.unwrap_or(0),
                stats.dim(),
                out.display()
            );
            Ok(())
        }
    }
}
