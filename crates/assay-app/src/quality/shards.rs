//! `assay quality` in shards: each shard measures the image files of a
//! contiguous run of the dataset's samples (the expensive part: reading
//! and decoding) into a part file; the merge puts every part back in the
//! samples' order and finds the issues over all of them (duplicates, split
//! leaks, sizes and outliers are judged over the whole dataset), so the
//! stored results equal one unsharded `assay quality`'s.

use std::path::Path;

use anyhow::{bail, Context, Result};
use assay_core::model::Dataset;
use assay_core::shard::Shard;
use assay_quality::scan::{check_parts, Decoding, PartialScan, ScanRow, PARTIAL_FORMAT};
use assay_quality::{ImageMetrics, Unreadable};
use assay_store::{Selection, Store};
use serde::{Deserialize, Serialize};

use super::images::{judge, measure_samples};
use super::{compute_from, QualityOptions, QualityOutcome};
use crate::progress::Progress;
use crate::project::choose_dataset;

/// What a quality part file says it is.
pub const QUALITY_PART_FORMAT: &str = "assay-quality-partial/1";

/// One shard's measurements of a project's images: a partial scan whose
/// rows are named by the samples' file names and whose `files` counts the
/// dataset's samples. Samples whose file the shard did not find have no
/// row (they are missing, as in an unsharded run).
#[derive(Debug, Serialize, Deserialize)]
pub struct QualityPart {
    /// [`QUALITY_PART_FORMAT`].
    pub format: String,
    /// The dataset measured.
    pub dataset: String,
    /// The shard's rows.
    pub scan: PartialScan,
}

/// Measures the image files of shard `shard` of the dataset's samples (a
/// contiguous run in the dataset's order).
pub fn measure_shard(
    store: &Store,
    dataset: Option<&str>,
    shard: Shard,
    progress: &dyn Progress,
) -> Result<QualityPart> {
    let name = choose_dataset(store, dataset)?;
    let data = store.load_dataset(&name, &Selection::default())?;
    let paths = store.sample_paths(&name)?;
    let mine = &data.samples[shard.range(data.samples.len())];
    let (samples, results) = measure_samples(mine, &paths, progress);
    let rows = samples
        .iter()
        .zip(results)
        .map(|(s, result)| ScanRow {
            path: s.file_name.clone(),
            result,
        })
        .collect();
    Ok(QualityPart {
        format: QUALITY_PART_FORMAT.to_string(),
        dataset: name,
        scan: PartialScan {
            format: PARTIAL_FORMAT.to_string(),
            shard: shard.index,
            shards: shard.count,
            files: data.samples.len(),
            root: Default::default(),
            decoding: Decoding::Exact,
            rows,
        },
    })
}

/// Writes a part as JSON (floats round-trip exactly).
pub fn write_part(part: &QualityPart, path: &Path) -> Result<()> {
    let text = serde_json::to_string(part)?;
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// Reads a part written by [`write_part`].
pub fn read_part(path: &Path) -> Result<QualityPart> {
    let text = assay_io::error::read_file(path)?;
    let part: QualityPart = serde_json::from_slice(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}: not a quality part of `assay quality --partial-out`: {e}",
            path.display()
        )
    })?;
    if part.format != QUALITY_PART_FORMAT {
        bail!(
            "{}: format {:?}, expected {QUALITY_PART_FORMAT:?}",
            path.display(),
            part.format
        );
    }
    Ok(part)
}

/// Merges the parts of every shard into the dataset's quality results and
/// stores them, as [`super::compute`] does with the images measured here.
pub fn merge(
    store: &mut Store,
    options: &QualityOptions,
    parts: Vec<QualityPart>,
) -> Result<QualityOutcome> {
    compute_from(store, options, |_, name, data, config| {
        let (measured, results) = place_rows(name, data, parts)?;
        let samples = measured.iter().map(|&i| &data.samples[i]).collect();
        Ok(judge(&data.samples, samples, &results, config))
    })
}

type Placed = (Vec<usize>, Vec<Result<ImageMetrics, Unreadable>>);

/// The parts' rows matched to the dataset's samples in order: the
/// positions of the measured samples and their results. Parts of another
/// dataset, or of the dataset as it was with other samples, are refused.
fn place_rows(name: &str, data: &Dataset, parts: Vec<QualityPart>) -> Result<Placed> {
    let mut scans = Vec::with_capacity(parts.len());
    for part in parts {
        if part.dataset != name {
            bail!(
                "a part measured dataset {:?}, not {name:?}: merge into the dataset the shards measured",
                part.dataset
            );
        }
        scans.push(part.scan);
    }
    check_parts(&mut scans).map_err(|e| anyhow::anyhow!("cannot merge the parts: {e}"))?;
    if scans[0].decoding != Decoding::Exact {
        bail!(
            "the parts were decoded {:?}: a project's quality is measured on the exact decode",
            scans[0].decoding
        );
    }
    let samples = &data.samples;
    if scans[0].files != samples.len() {
        bail!(
            "the parts were measured on {} samples of {name:?}, which now has {}: measure the shards again",
            scans[0].files,
            samples.len()
        );
    }
    let (mut positions, mut results) = (Vec::new(), Vec::new());
    for scan in scans {
        let shard = Shard {
            index: scan.shard,
            count: scan.shards,
        };
        let range = shard.range(samples.len());
        let mut rows = scan.rows.into_iter().peekable();
        for i in range {
            if let Some(row) = rows.next_if(|r| r.path == samples[i].file_name) {
                positions.push(i);
                results.push(row.result);
            }
        }
        if let Some(row) = rows.next() {
            bail!(
                "shard {}/{} holds {:?}, which is not a sample of its part of {name:?} (in order): measure the shards again",
                shard.index + 1,
                shard.count,
                row.path
            );
        }
    }
    Ok((positions, results))
}
