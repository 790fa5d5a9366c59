//! `assay gen stats`: FID reference statistics saved as pytorch-fid does.

use std::path::Path;

use anyhow::{bail, Context, Result};
use assay_app::generative::shards::{merge_partial_moments, partial_moments};
use assay_core::shard::Shard;
use assay_embed::Extractor;
use assay_gen::frechet::FeatureStats;
use assay_io::npy::NpyArray;
use assay_io::npz::FidStats;

use assay_app::generative::inputs::load_set;
use assay_app::generative::report::FidResize;

use crate::output::Bars;

use clap::Args;

use std::path::PathBuf;

/// Options of `assay gen stats`.
#[derive(Debug, Args)]
pub struct GenStatsArgs {
    /// The images (a folder or manifest) or features `.npy`.
    #[arg(long, value_name = "DIR|FILE", required_unless_present = "merge")]
    pub images: Option<PathBuf>,
    /// Extractor (as in `gen eval`).
    #[arg(long, default_value = "builtin", value_name = "PATH|builtin")]
    pub model: String,
    /// Resize for the FID Inception (as in `gen eval`).
    #[arg(long, value_enum, default_value_t = FidResize::PytorchFid)]
    pub resize: FidResize,
    /// The `.npz` to write (`mu`, `sigma`, and the sample count `n`).
    #[arg(long, required_unless_present = "partial_out")]
    pub out: Option<PathBuf>,
    /// Sum only shard K of N of the rows of a features `.npy` (N
    /// contiguous runs) and write its part with --partial-out.
    #[arg(long, value_name = "K/N", requires = "partial_out")]
    pub shard: Option<Shard>,
    /// Write the (shard's) sums instead of the statistics: `assay gen
    /// stats --merge` adds all shards' into exactly the unsharded ones.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["out", "merge"])]
    pub partial_out: Option<PathBuf>,
    /// Merge partial sums (every shard once, any order) into --out.
    #[arg(long, value_name = "FILES", num_args = 1.., conflicts_with_all = ["images", "shard"])]
    pub merge: Vec<PathBuf>,
    /// Images decoded and embedded at once.
    #[arg(long, default_value_t = 32)]
    pub batch: usize,
}

/// Embeds the images, fits mean and covariance, writes the `.npz` (or
/// one shard's sums, or merges shards' sums).
pub fn run(args: &GenStatsArgs) -> Result<()> {
    if !args.merge.is_empty() {
        let stats = merge_partial_moments(&args.merge)?;
        let out = args.out.as_deref().context("--merge needs --out")?;
        write_stats(&stats, out)?;
        let (n, d) = (stats.count.unwrap_or(0), stats.dim());
        println!(
            "Merged {} parts: the statistics of {n} samples ({d} dimensions) to {}",
            args.merge.len(),
            out.display()
        );
        return Ok(());
    }
    let images = args.images.as_deref().context("--images is required")?;
    let extractor = Extractor::open(&args.model)?.with_inception_resize(args.resize.mode());
    if args.partial_out.is_some()
        && !images
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("npy"))
    {
        bail!(
            "{}: sharded statistics take features (.npy): the same image's features can differ in their last bits with the batch it is embedded in, so shards of images would not add up to exactly the unsharded statistics",
            images.display()
        );
    }
    let set = load_set(images, &extractor, args.batch, &Bars::default())?;
    crate::output::print_warnings(&set.warnings);
    for bad in &set.unreadable {
        eprintln!("warning: {} left out: {}", bad.file, bad.reason);
    }
    if let Some(path) = &args.partial_out {
        let shard = args.shard.unwrap_or(Shard { index: 0, count: 1 });
        let part = partial_moments(&set.features, shard)?;
        std::fs::write(path, part.to_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!(
            "Wrote the sums of rows {}..{} of {} ({} dimensions) to {}",
            part.start,
            part.end,
            part.total_rows,
            part.dim(),
            path.display()
        );
        return Ok(());
    }
    let stats = FeatureStats::from_features(&set.features)?;
    let out = args.out.as_deref().context("--out is required")?;
    write_stats(&stats, out)?;
    println!(
        "Wrote the statistics of {} samples ({} dimensions, extractor {}{}) to {}",
        set.features.len(),
        set.features.dim(),
        extractor.name,
        if extractor.comparable {
            ""
        } else {
            ", not comparable with published numbers"
        },
        out.display()
    );
    Ok(())
}

/// Writes pytorch-fid's `.npz`; the sample count travels as `n`, so a
/// later `gen eval` can warn about small reference sets.
pub fn write_stats(stats: &FeatureStats, out: &Path) -> Result<()> {
    let n = NpyArray {
        shape: Vec::new(),
        values: vec![stats.count.unwrap_or(0) as f64],
    };
    let file = FidStats {
        mu: stats.mu.clone(),
        sigma: stats.sigma.clone(),
        extra: vec![("n".to_string(), n)],
    };
    Ok(assay_io::npz::write_fid_stats(out, &file)?)
}
