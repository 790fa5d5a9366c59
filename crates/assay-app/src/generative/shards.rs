//! FID statistics of a set cut into shards: each shard's sums
//! (`assay_gen::moments`), written as a file, and their merge into exactly
//! the unsharded statistics.

use std::path::PathBuf;

use anyhow::{Context, Result};
use assay_core::shard::Shard;
use assay_gen::frechet::FeatureStats;
use assay_gen::moments::{merge, PartialMoments};
use assay_gen::Features;

/// The sums of shard `shard` of the rows of `features` (the whole set).
pub fn partial_moments(features: &Features, shard: Shard) -> Result<PartialMoments> {
    let total = features.len();
    anyhow::ensure!(total > 0, "the set has no rows");
    let rows: Vec<usize> = shard.range(total).collect();
    let start = rows.first().copied().unwrap_or(total);
    Ok(PartialMoments::new(
        &features.select(&rows),
        start,
        total,
        features.row(0),
    )?)
}

/// Reads the parts (written by [`PartialMoments::to_bytes`]) and merges
/// them; every shard once, in any order.
pub fn merge_partial_moments(paths: &[PathBuf]) -> Result<FeatureStats> {
    let parts = paths
        .iter()
        .map(|path| {
            let bytes =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            PartialMoments::from_bytes(&bytes).with_context(|| format!("{}", path.display()))
        })
        .collect::<Result<Vec<_>>>()?;
    merge(&parts).context("cannot merge the partial statistics")
}
