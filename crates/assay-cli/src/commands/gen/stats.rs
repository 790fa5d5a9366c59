//! `assay gen stats`: FID reference statistics saved as pytorch-fid does.

use anyhow::Result;
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
    #[arg(long, value_name = "DIR|FILE")]
    pub images: PathBuf,
    /// Extractor (as in `gen eval`).
    #[arg(long, default_value = "builtin", value_name = "PATH|builtin")]
    pub model: String,
    /// Resize for the FID Inception (as in `gen eval`).
    #[arg(long, value_enum, default_value_t = FidResize::PytorchFid)]
    pub resize: FidResize,
    /// The `.npz` to write (`mu`, `sigma`, and the sample count `n`).
    #[arg(long)]
    pub out: PathBuf,
    /// Images decoded and embedded at once.
    #[arg(long, default_value_t = 32)]
    pub batch: usize,
}

/// Embeds the images, fits mean and covariance, writes the `.npz`.
pub fn run(args: &GenStatsArgs) -> Result<()> {
    let extractor = Extractor::open(&args.model)?.with_inception_resize(args.resize.mode());
    let set = load_set(&args.images, &extractor, args.batch, &Bars::default())?;
    crate::output::print_warnings(&set.warnings);
    for bad in &set.unreadable {
        eprintln!("warning: {} left out: {}", bad.file, bad.reason);
    }
    let stats = FeatureStats::from_features(&set.features)?;
    // The sample count travels as `n`, so a later `gen eval` can warn
    // about small reference sets.
    let n = NpyArray {
        shape: Vec::new(),
        values: vec![set.features.len() as f64],
    };
    let file = FidStats {
        mu: stats.mu,
        sigma: stats.sigma,
        extra: vec![("n".to_string(), n)],
    };
    assay_io::npz::write_fid_stats(&args.out, &file)?;
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
        args.out.display()
    );
    Ok(())
}
