//! Is run B really better than run A? For two detection runs on the same
//! ground truth: a paired bootstrap over images of the difference of every
//! COCO metric (mAP, AP50, ..., AP per class), with intervals and p-values
//! (`assay_eval::coco::paired_bootstrap`, exact against pycocotools on
//! each resample). For two classification runs: McNemar's test
//! (`assay_eval::classification::mcnemar`, as statsmodels).

use std::collections::{HashMap, HashSet};

use anyhow::{bail, Context, Result};

use assay_eval::classification::{mcnemar, McNemar, McNemarTest};
use assay_eval::coco::{paired_bootstrap, Params};
pub use assay_eval::coco::{BootstrapOptions, MetricDifference, PairedBootstrap};
use assay_store::{Selection, Store};
use serde::Serialize;

use crate::evaluate::detection::stored_params;

/// A run as the comparison names it.
#[derive(Debug, Clone, Serialize)]
pub struct RunRef {
    /// Run id.
    pub id: i64,
    /// Its model.
    pub model: String,
}

/// Two runs compared.
#[derive(Debug, Clone, Serialize)]
pub struct RunComparison {
    /// The dataset.
    pub dataset: String,
    /// The split both evaluated (`None`: all).
    pub split: Option<String>,
    /// Run A (the baseline).
    pub a: RunRef,
    /// Run B; differences are B - A.
    pub b: RunRef,
    /// The method, for people.
    pub method: String,
    /// The bootstrap's differences.
    pub bootstrap: PairedBootstrap,
    /// Class names by category id, for the per-class rows.
    pub classes: Vec<(i64, String)>,
}

/// Compares run `b` with run `a` (both detection or segmentation runs of
/// one dataset, split and IoU type).
pub fn compare(store: &Store, a: i64, b: i64, options: &BootstrapOptions) -> Result<RunComparison> {
    let (sa, sb) = (store.run_subject(a)?, store.run_subject(b)?);
    for (id, s) in [(a, &sa), (b, &sb)] {
        if !matches!(s.task.as_str(), "detection" | "segmentation") {
            bail!("run {id} is a {} run; the paired bootstrap compares detection or segmentation runs", s.task);
        }
    }
    if sa.dataset != sb.dataset {
        bail!("run {a} is on dataset {:?} and run {b} on {:?}; a paired comparison needs the same ground truth", sa.dataset, sb.dataset);
    }
    let (pa, pb) = (stored_params(store, a)?, stored_params(store, b)?);
    if pa.iou_type != pb.iou_type || pa.split != pb.split {
        bail!("runs {a} and {b} were evaluated differently (IoU type or split); evaluate both the same way first");
    }
    let selection = Selection {
        split: pa.split.clone(),
        ..Selection::default()
    };
    let gt = store.load_dataset(&sa.dataset, &selection)?;
    let images: HashSet<i64> = gt.samples.iter().map(|s| s.id).collect();
    let load = |model: &str| -> Result<Vec<_>> {
        let mut p = store.load_predictions(&sa.dataset, model)?.predictions;
        p.retain(|d| images.contains(&d.sample_id));
        Ok(p)
    };
    let mut params = Params::new(pa.iou_type);
    params.fix_zero_id = pa.fix_zero_id;
    let bootstrap = paired_bootstrap(&gt, &load(&sa.model)?, &load(&sb.model)?, &params, options)
        .context("cannot compare the runs")?;
    Ok(RunComparison {
        dataset: sa.dataset.clone(),
        split: pa.split,
        a: RunRef { id: a, model: sa.model },
        b: RunRef { id: b, model: sb.model },
        method: format!(
            "paired bootstrap over images: {} resamples (seed {}), the same images for both runs; {:.0}% percentile intervals of B - A; two-sided p-value 2 min(#(d <= 0) + 1, #(d >= 0) + 1) / (resamples + 1)",
            options.resamples,
            options.seed,
            100.0 * options.confidence
        ),
        bootstrap,
        classes: gt.categories.iter().map(|c| (c.id, c.name.clone())).collect(),
    })
}

/// Two classification runs compared on the images both classified: their
/// accuracies and McNemar's test of the images one gets right and the
/// other wrong (statsmodels' `mcnemar`, exact and chi-squared).
#[derive(Debug, Clone, Serialize)]
pub struct ClassificationComparison {
    /// The dataset.
    pub dataset: String,
    /// Run A (the baseline).
    pub a: RunRef,
    /// Run B.
    pub b: RunRef,
    /// Labelled images both runs classified.
    pub samples: usize,
    /// Accuracy of A on them.
    pub accuracy_a: f64,
    /// Accuracy of B on them.
    pub accuracy_b: f64,
    /// `[[both right, only A right], [only B right, both wrong]]`.
    pub table: [[u64; 2]; 2],
    /// The exact (binomial) test.
    pub exact: McNemar,
    /// The chi-squared test with continuity correction (none without
    /// discordant images).
    pub chi_squared: Option<McNemar>,
}

/// Compares classification run `b` with run `a` on one dataset.
pub fn compare_classification(store: &Store, a: i64, b: i64) -> Result<ClassificationComparison> {
    let (sa, sb) = (store.run_subject(a)?, store.run_subject(b)?);
    for (id, s) in [(a, &sa), (b, &sb)] {
        if s.task != "classification" {
            bail!(
                "run {id} is a {} run; McNemar's test compares classification runs",
                s.task
            );
        }
    }
    if sa.dataset != sb.dataset {
        bail!("run {a} is on dataset {:?} and run {b} on {:?}; a paired comparison needs the same labels", sa.dataset, sb.dataset);
    }
    let gt = store.load_dataset(&sa.dataset, &Selection::default())?;
    let mut labels: HashMap<i64, Vec<i64>> = HashMap::new();
    for an in &gt.annotations {
        labels.entry(an.sample_id).or_default().push(an.category_id);
    }
    let predicted = |model: &str| -> Result<HashMap<i64, i64>> {
        Ok(store
            .class_predictions(&sa.dataset, model)?
            .into_iter()
            .map(|p| (p.sample_id, p.category_id))
            .collect())
    };
    let (pa, pb) = (predicted(&sa.model)?, predicted(&sb.model)?);
    let mut table = [[0u64; 2]; 2];
    for (sample, label) in &labels {
        let ([label], Some(x), Some(y)) = (label.as_slice(), pa.get(sample), pb.get(sample)) else {
            continue;
        };
        table[usize::from(x != label)][usize::from(y != label)] += 1;
    }
    // Rows: A right or wrong; columns: B. statsmodels' layout puts "only A
    // right" at [0][1] and "only B right" at [1][0], as here.
    let samples = table.iter().flatten().sum::<u64>();
    if samples == 0 {
        bail!("runs {a} and {b} classified no labelled image in common");
    }
    let n = samples as f64;
    Ok(ClassificationComparison {
        dataset: sa.dataset.clone(),
        a: RunRef {
            id: a,
            model: sa.model,
        },
        b: RunRef {
            id: b,
            model: sb.model,
        },
        samples: samples as usize,
        accuracy_a: (table[0][0] + table[0][1]) as f64 / n,
        accuracy_b: (table[0][0] + table[1][0]) as f64 / n,
        exact: mcnemar(table, McNemarTest::Exact)?,
        chi_squared: mcnemar(table, McNemarTest::ChiSquared { correction: true }).ok(),
        table,
    })
}
