//! The distribution metrics of one generated set against the reference,
//! each with its interval (subsampling without replacement, see
//! [`assay_gen::interval`]) and sample-size warnings.

use anyhow::Result;
use assay_gen::frechet::{frechet_distance, FeatureStats};
use assay_gen::interval::{subsample_interval, IntervalOptions};
use assay_gen::prdc::prdc;
use assay_gen::sample_size::{kid_subset_warning, sample_size_warnings};
use assay_gen::{Features, GenError};

use super::inputs::{FeatureSet, Reference};
use super::results::GenMetric;
pub use super::results::MetricValue;

/// Settings of the distribution metrics.
#[derive(Debug, Clone)]
pub struct MetricOptions {
    /// Which metrics.
    pub metrics: Vec<GenMetric>,
    /// Interval settings (fewer than 2 draws: none).
    pub interval: IntervalOptions,
    /// KID settings.
    pub kid: assay_gen::kid::KidOptions,
}

/// Computes the asked-for distribution metrics; returns them with warnings.
pub fn distribution_metrics(
    reference: &Reference,
    fake: &FeatureSet,
    opts: &MetricOptions,
) -> Result<(Vec<MetricValue>, Vec<String>)> {
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    let dim = fake.features.dim();
    let n_real = match reference {
        Reference::Set(set) => set.features.len(),
        Reference::Stats { stats, .. } => stats.count.unwrap_or(usize::MAX),
    };
    for metric in &opts.metrics {
        let name = metric.key();
        let computed = match metric {
            GenMetric::Fid => fid(reference, &fake.features, &opts.interval).map(|m| vec![m]),
            GenMetric::Prdc => prdc_values(reference, fake, &opts.interval),
            GenMetric::Kid => kid(reference, &fake.features, opts).map(|m| vec![m]),
            GenMetric::Is => inception_score(fake, &opts.interval).map(|m| vec![m]),
            GenMetric::Clip => continue,
        };
        match computed {
            Ok(values) => {
                warnings.extend(sample_size_warnings(name, n_real, fake.features.len(), dim));
                if *metric == GenMetric::Kid {
                    let subset = kid_subset_size(opts, n_real, fake.features.len());
                    warnings.extend(kid_subset_warning(subset));
                }
                warnings.extend(
                    values
                        .iter()
                        .filter_map(|m| missing_interval(m, &opts.interval)),
                );
                out.extend(values);
            }
            // Too few samples for one metric leaves the others standing.
            Err(err) if is_too_few(&err) => warnings.push(format!("{name} not computed: {err}")),
            Err(err) => return Err(err.context(format!("computing {name}"))),
        }
    }
    Ok((out, warnings))
}

fn is_too_few(err: &anyhow::Error) -> bool {
    matches!(
        err.downcast_ref::<GenError>(),
        Some(GenError::TooFewSamples { .. })
    )
}

/// A note when a value has no interval although one was asked for: a
/// half-sample has too few rows for the metric.
fn missing_interval(m: &MetricValue, opts: &IntervalOptions) -> Option<String> {
    (opts.draws >= 2 && m.interval.is_none() && m.value.is_finite()).then(|| {
        format!(
            "{} has no interval: half of the samples are too few to compute it",
            m.name
        )
    })
}

/// The real features, or an error naming `metric` when only statistics
/// were given.
fn real_set<'a>(reference: &'a Reference, metric: &str) -> Result<&'a Features> {
    match reference {
        Reference::Set(set) => Ok(&set.features),
        Reference::Stats { source, .. } => anyhow::bail!(
            "{metric} needs the real features, but --real {source} holds only FID statistics \
             (give the images or a .npy of their features, or ask for --metrics fid)"
        ),
    }
}

fn fid(reference: &Reference, fake: &Features, opts: &IntervalOptions) -> Result<MetricValue> {
    let fake_stats = FeatureStats::from_features(fake)?;
    let value = match reference {
        Reference::Set(real) => {
            frechet_distance(&FeatureStats::from_features(&real.features)?, &fake_stats)?
        }
        Reference::Stats { stats, .. } => frechet_distance(stats, &fake_stats)?,
    };
    let interval = match reference {
        Reference::Set(real) => {
            subsample_interval(value, &[real.features.len(), fake.len()], opts, |idx| {
                frechet_distance(
                    &FeatureStats::from_features(&real.features.select(&idx[0]))?,
                    &FeatureStats::from_features(&fake.select(&idx[1]))?,
                )
            })?
        }
        // Fixed reference statistics: only the generated set varies.
        Reference::Stats { stats, .. } => subsample_interval(value, &[fake.len()], opts, |idx| {
            frechet_distance(stats, &FeatureStats::from_features(&fake.select(&idx[0]))?)
        })?,
    }
    .map(|i| i.within(0.0, f64::INFINITY));
    Ok(MetricValue {
        name: "fid".into(),
        value,
        std: None,
        interval,
    })
}

fn prdc_values(
    reference: &Reference,
    fake: &FeatureSet,
    opts: &IntervalOptions,
) -> Result<Vec<MetricValue>> {
    let real = real_set(reference, "precision/recall/density/coverage")?;
    let fake = &fake.features;
    // The papers' neighbourhood sizes: k = 3 for precision and recall,
    // k = 5 for density and coverage.
    let (pr, dc) = (prdc(real, fake, 3)?, prdc(real, fake, 5)?);
    let pick =
        |name: &str, k: usize, get: fn(&assay_gen::prdc::Prdc) -> f64| -> Result<MetricValue> {
            let value = get(if k == 3 { &pr } else { &dc });
            let interval = subsample_interval(value, &[real.len(), fake.len()], opts, |idx| {
                Ok(get(&prdc(&real.select(&idx[0]), &fake.select(&idx[1]), k)?))
            })?;
            // Density alone may exceed 1.
            let max = if name == "density" {
                f64::INFINITY
            } else {
                1.0
            };
            let interval = interval.map(|i| i.within(0.0, max));
            Ok(MetricValue {
                name: name.into(),
                value,
                std: None,
                interval,
            })
        };
    Ok(vec![
        pick("precision", 3, |m| m.precision)?,
        pick("recall", 3, |m| m.recall)?,
        pick("density", 5, |m| m.density)?,
        pick("coverage", 5, |m| m.coverage)?,
    ])
}

/// The KID subset size used: the one asked for, at most each set's size.
fn kid_subset_size(opts: &MetricOptions, n_real: usize, n_fake: usize) -> usize {
    opts.kid.subset_size.min(n_real).min(n_fake)
}

fn kid(reference: &Reference, fake: &Features, opts: &MetricOptions) -> Result<MetricValue> {
    let real = real_set(reference, "KID")?;
    let mut kid_opts = opts.kid.clone();
    kid_opts.subset_size = kid_subset_size(opts, real.len(), fake.len());
    if kid_opts.subset_size < 2 {
        return Err(GenError::TooFewSamples {
            metric: "KID",
            needed: 2,
            got: kid_opts.subset_size,
            hint: String::new(),
        }
        .into());
    }
    let result = assay_gen::kid::kid(fake, real, &kid_opts)?;
    // A half-sample is given the same subset size, or its own size when
    // the full sets were already smaller than the subsets.
    let interval = subsample_interval(
        result.mean,
        &[real.len(), fake.len()],
        &opts.interval,
        |idx| {
            let half = assay_gen::kid::KidOptions {
                subset_size: kid_opts.subset_size.min(idx[0].len()).min(idx[1].len()),
                ..kid_opts.clone()
            };
            let r = assay_gen::kid::kid(&fake.select(&idx[1]), &real.select(&idx[0]), &half)?;
            Ok(r.mean)
        },
    )?;
    Ok(MetricValue {
        name: "kid".into(),
        value: result.mean,
        std: Some(result.std),
        interval,
    })
}

fn inception_score(fake: &FeatureSet, opts: &IntervalOptions) -> Result<MetricValue> {
    let Some(logits) = &fake.logits else {
        return Err(GenError::Shape(
            "the Inception Score needs the FID Inception's class logits: give --model the \
             pt_inception safetensors file (features from .npy or other models have none)"
                .into(),
        )
        .into());
    };
    let is_opts = assay_gen::inception_score::IsOptions::default();
    let result = assay_gen::inception_score::inception_score(logits, &is_opts)?;
    let interval = subsample_interval(result.mean, &[logits.len()], opts, |idx| {
        Ok(assay_gen::inception_score::inception_score(&logits.select(&idx[0]), &is_opts)?.mean)
    })?;
    Ok(MetricValue {
        name: "is".into(),
        value: result.mean,
        std: Some(result.std),
        interval,
    })
}
