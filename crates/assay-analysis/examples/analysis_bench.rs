//! Times slice finding and drift over generated data held in memory (the
//! analysis alone, no store): `n` rows x `m` metrics, seeded. Run by
//! `bench/analysis/run.sh`, which also reports peak memory.
//!
//! Usage: `analysis_bench [ROWS] [METRICS]` (default 1,000,000 x 20).

use std::time::Instant;

use assay_analysis::binning::equal_count;
use assay_analysis::drift::column::{dataset_drift, ColumnSamples, DriftOptions};
use assay_analysis::slices::sliceline::{sliceline, MinSup, SliceLineParams};
use assay_gen::numpy_random::RandomState;
use rayon::prelude::*;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let m: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    let started = Instant::now();
    // Metrics: standard normals; errors: more likely where metric 0 is low
    // and metric 1 is high (a planted weak slice); the current sample of
    // the drift is shifted on the first quarter of the metrics.
    let columns: Vec<Vec<f64>> = (0..m)
        .into_par_iter()
        .map(|j| {
            let mut rng = RandomState::new(j as u32);
            (0..n).map(|_| rng.standard_normal()).collect()
        })
        .collect();
    let mut rng = RandomState::new(1_000_003);
    let errors: Vec<f64> = (0..n)
        .map(|i| {
            let p = if columns[0][i] < -1.0 && columns[1][i] > 0.5 {
                0.8
            } else {
                0.2
            };
            f64::from(u8::from(rng.random_sample() < p))
        })
        .collect();
    let current: Vec<Vec<f64>> = columns
        .par_iter()
        .enumerate()
        .map(|(j, c)| {
            let shift = if j < m / 4 { 0.1 } else { 0.0 };
            c.iter().rev().map(|v| v + shift).collect()
        })
        .collect();
    println!(
        "generated {n} rows x {m} metrics in {:.2} s",
        started.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let codes: Vec<Vec<u32>> = columns
        .par_iter()
        .map(|c| equal_count(c, 10).expect("finite values").codes)
        .collect();
    let binned = t.elapsed().as_secs_f64();
    let params = SliceLineParams {
        alpha: 0.95,
        k: 10,
        max_l: 3,
        min_sup: MinSup::Count((n / 100) as u64),
    };
    let found = sliceline(&codes, &errors, &params).expect("valid input");
    let slices = t.elapsed().as_secs_f64();
    let top = &found.slices[0];
    println!(
        "slices: binning {binned:.2} s, SliceLine (10 bins, 3 conditions, k 10) {:.2} s; top slice {:?}, {} rows, error rate {:.3} (overall {:.3})",
        slices - binned,
        top.predicates,
        top.size,
        top.mean_error,
        found.average_error
    );

    let t = Instant::now();
    let pairs: Vec<(String, ColumnSamples<'_>)> = columns
        .iter()
        .zip(&current)
        .enumerate()
        .map(|(j, (r, c))| {
            (
                format!("metric_{j}"),
                ColumnSamples::Numeric {
                    reference: r,
                    current: c,
                    integer: false,
                },
            )
        })
        .collect();
    let named: Vec<(&str, ColumnSamples<'_>)> =
        pairs.iter().map(|(s, c)| (s.as_str(), *c)).collect();
    let drift = dataset_drift(&named, &DriftOptions::default()).expect("valid input");
    let drift_s = t.elapsed().as_secs_f64();
    println!(
        "drift: {} columns ({}) in {drift_s:.2} s; {} drifted (the first {} were shifted)",
        drift.columns.len(),
        drift.columns[0].method.name(),
        drift.n_drifted,
        m / 4
    );
    println!("analysis (slices + drift): {:.2} s", slices + drift_s);
}
