//! The distribution metrics of one generated set against the reference,
//! each with its bootstrap interval and sample-size warnings.

use anyhow::Result;
use assay_gen::bootstrap::{bootstrap, kid_subset_warning, sample_size_warnings, BootstrapOptions};
use assay_gen::frechet::{frechet_distance, FeatureStats};
use assay_gen::prdc::prdc;
use assay_gen::{Features, GenError};

use super::inputs::{FeatureSet, Reference};
use super::results::GenMetric;
pub use super::results::MetricValue;

/// Settings of the distribution metrics.
#[derive(Debug, Clone)]
pub struct MetricOptions {
    /// Which metrics.
    pub metrics: Vec<GenMetric>,
    /// Bootstrap settings (0 replicates: none).
    pub bootstrap: BootstrapOptions,
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
            GenMetric::Fid => fid(reference, &fake.features, &opts.bootstrap).map(|m| vec![m]),
            GenMetric::Prdc => prdc_values(reference, fake, &opts.bootstrap),
            GenMetric::Kid => kid(reference, &fake.features, opts).map(|m| vec![m]),
            GenMetric::Is => inception_score(fake, &opts.bootstrap).map(|m| vec![m]),
            GenMetric::Clip => continue,
        };
        match computed {
            Ok(values) => {
                warnings.extend(sample_size_warnings(name, n_real, fake.features.len(), dim));
                if *metric == GenMetric::Kid {
                    let subset = kid_subset_size(opts, n_real, fake.features.len());
                    warnings.extend(kid_subset_warning(subset));
                }
                warnings.extend(values.iter().filter_map(interval_note));
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

/// A note when a value lies outside its own bootstrap interval: resampling
/// with replacement duplicates samples, which biases FID and KID upwards
/// (and precision-like metrics either way), so the interval then shows the
/// spread, not a range around the value.
fn interval_note(m: &MetricValue) -> Option<String> {
    let i = m.interval.as_ref()?;
    (m.value < i.low || m.value > i.high).then(|| {
        format!(
            "{} = {:.6} lies outside its bootstrap interval [{:.6}, {:.6}]: resamples repeat \
             samples, which biases this metric at this sample size; read the interval as its spread",
            m.name, m.value, i.low, i.high
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

fn fid(reference: &Reference, fake: &Features, boot: &BootstrapOptions) -> Result<MetricValue> {
    let fake_stats = FeatureStats::from_features(fake)?;
    let value = match reference {
        Reference::Set(real) => {
            frechet_distance(&FeatureStats::from_features(&real.features)?, &fake_stats)?
        }
        Reference::Stats { stats, .. } => frechet_distance(stats, &fake_stats)?,
    };
    let interval = match reference {
        Reference::Set(real) => bootstrap(&[real.features.len(), fake.len()], boot, |idx| {
            frechet_distance(
                &FeatureStats::from_features(&real.features.select(&idx[0]))?,
                &FeatureStats::from_features(&fake.select(&idx[1]))?,
            )
        })?,
        // Fixed reference statistics: only the generated set varies.
        Reference::Stats { stats, .. } => bootstrap(&[fake.len()], boot, |idx| {
            frechet_distance(stats, &FeatureStats::from_features(&fake.select(&idx[0]))?)
        })?,
    };
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
    boot: &BootstrapOptions,
) -> Result<Vec<MetricValue>> {
    let real = real_set(reference, "precision/recall/density/coverage")?;
    let fake = &fake.features;
    // The papers' neighbourhood sizes: k = 3 for precision and recall,
    // k = 5 for density and coverage.
    let (pr, dc) = (prdc(real, fake, 3)?, prdc(real, fake, 5)?);
    let pick =
        |name: &str, k: usize, get: fn(&assay_gen::prdc::Prdc) -> f64| -> Result<MetricValue> {
            let value = get(if k == 3 { &pr } else { &dc });
            let interval = bootstrap(&[real.len(), fake.len()], boot, |idx| {
                Ok(get(&prdc(&real.select(&idx[0]), &fake.select(&idx[1]), k)?))
            })?;
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
    let interval = bootstrap(&[real.len(), fake.len()], &opts.bootstrap, |idx| {
        let r = assay_gen::kid::kid(&fake.select(&idx[1]), &real.select(&idx[0]), &kid_opts)?;
        Ok(r.mean)
    })?;
    Ok(MetricValue {
        name: "kid".into(),
        value: result.mean,
        std: Some(result.std),
        interval,
    })
}

fn inception_score(fake: &FeatureSet, boot: &BootstrapOptions) -> Result<MetricValue> {
    let Some(logits) = &fake.logits else {
        return Err(GenError::Shape(
            "the Inception Score needs the FID Inception's class logits: give --model the \
             pt_inception safetensors file (features from .npy or other models have none)"
                .into(),
        )
        .into());
    };
    let opts = assay_gen::inception_score::IsOptions::default();
    let result = assay_gen::inception_score::inception_score(logits, &opts)?;
    let interval = bootstrap(&[logits.len()], boot, |idx| {
        Ok(assay_gen::inception_score::inception_score(&logits.select(&idx[0]), &opts)?.mean)
    })?;
    Ok(MetricValue {
        name: "is".into(),
        value: result.mean,
        std: Some(result.std),
        interval,
    })
}
