//! Per-prompt and per-sample findings on a generated set: diversity and
//! near-duplicate generations within each prompt, memorized training
//! images, outlier generations, CLIPScore per image and prompt, and the
//! worst prompts.

use std::collections::HashMap;

use anyhow::{Context, Result};
use assay_embed::Extractor;
use assay_gen::clip_score::{clip_score, ClipScoreKind};
use assay_gen::diversity::prompt_diversity;
use assay_gen::embeddings::Embeddings;
use assay_gen::memorization::{nearest_references, reference_index};
use assay_gen::outliers::{OutlierThreshold, RealManifold};
use assay_gen::Features;
use assay_image::decode::decode;
use assay_index::{IndexConfig, SearchIndex};
use rayon::prelude::*;

use super::inputs::{load_set, FeatureSet, Reference};
pub use super::results::{ClipSummary, Diagnostics, Match, Outlier, PromptRow};
use super::workflow::GenerativeOptions;
use crate::progress::Progress;

/// Neighbour rank of the outlier score (the real set's k-NN balls).
const OUTLIER_K: usize = 5;

/// What the diagnostics compare generations with, built once per run.
pub struct Diagnostician {
    /// False with `--no-diagnostics`: CLIPScore only.
    enabled: bool,
    near_threshold: f32,
    memorization_threshold: f32,
    /// The training (or reference) images searched for copies.
    train: Option<(Vec<String>, SearchIndex)>,
    /// The real images' k-NN balls.
    manifold: Option<RealManifold>,
    /// The CLIP model scoring prompts, when there is one.
    clip: Option<ClipScorer>,
}

/// A CLIP model, whether it is the features' extractor itself, and the
/// CLIPScore variant.
struct ClipScorer {
    extractor: Extractor,
    same_as_features: bool,
    kind: ClipScoreKind,
}

impl Diagnostician {
    /// Prepares the searches against `reference` (and `--train`).
    pub fn new(
        opts: &GenerativeOptions,
        extractor: &Extractor,
        reference: &Reference,
        progress: &dyn Progress,
    ) -> Result<Self> {
        let train_set = match &opts.train {
            Some(path) => Some(load_set(path, extractor, opts.batch, progress)?),
            None => None,
        };
        let real = match reference {
            Reference::Set(set) => Some(set),
            Reference::Stats { .. } => None,
        };
        let real = real.filter(|_| !opts.no_diagnostics);
        let train = match train_set.as_ref().or(real) {
            Some(set) => {
                let rows = to_f32(&set.features);
                let index =
                    reference_index(&embeddings(&rows, &set.features)?, &IndexConfig::default())?;
                Some((set.names.clone(), index))
            }
            None => None,
        };
        let manifold = match real {
            Some(set) if set.features.len() > OUTLIER_K => {
                let rows = to_f32(&set.features);
                Some(RealManifold::build(
                    &embeddings(&rows, &set.features)?,
                    OUTLIER_K,
                    &IndexConfig::default(),
                )?)
            }
            _ => None,
        };
        let default = default_similarity(extractor);
        Ok(Diagnostician {
            enabled: !opts.no_diagnostics,
            near_threshold: opts.near_threshold.unwrap_or(default),
            memorization_threshold: opts.memorization_threshold.unwrap_or(default),
            train,
            manifold,
            clip: clip_scorer(opts, extractor)?,
        })
    }

    /// Whether CLIPScore can be computed for `set` (a CLIP model and prompts).
    pub fn can_score_prompts(&self, set: &FeatureSet) -> bool {
        self.clip.is_some() && set.generations.iter().any(Option::is_some)
    }
}

/// The default near-duplicate and memorization similarity: the built-in
/// extractor's cosines run lower than CLIP's or DINOv2's for the same pair.
fn default_similarity(extractor: &Extractor) -> f32 {
    match extractor.kind {
        "builtin" => 0.90,
        _ => 0.95,
    }
}

fn clip_scorer(opts: &GenerativeOptions, extractor: &Extractor) -> Result<Option<ClipScorer>> {
    if let Some(spec) = &opts.clip_model {
        let clip = Extractor::open(spec)?;
        if !clip.supports_text() {
            anyhow::bail!("--clip-model {spec} has no text tower: CLIPScore needs a CLIP model with its tokenizer.json");
        }
        return Ok(Some(ClipScorer {
            same_as_features: clip.weights_hash == extractor.weights_hash,
            extractor: clip,
            kind: opts.clip_score.kind(),
        }));
    }
    if extractor.supports_text() {
        return Ok(Some(ClipScorer {
            extractor: Extractor::open(&opts.model)?,
            same_as_features: true,
            kind: opts.clip_score.kind(),
        }));
    }
    Ok(None)
}

fn to_f32(features: &Features) -> Vec<f32> {
    features.as_slice().iter().map(|&v| v as f32).collect()
}

fn embeddings<'a>(rows: &'a [f32], features: &Features) -> Result<Embeddings<'a>> {
    Ok(Embeddings::new(rows, features.dim())?)
}

/// Computes every finding `doctor` can on `set`.
pub fn diagnose(doctor: &Diagnostician, set: &FeatureSet, clip: bool) -> Result<Diagnostics> {
    let rows = to_f32(&set.features);
    let emb = embeddings(&rows, &set.features)?;
    let mut out = Diagnostics {
        computed: doctor.enabled,
        ..Diagnostics::default()
    };
    let (labels, groups) = prompt_groups(set);
    let diversity = match doctor.enabled {
        true => prompt_diversity(&emb, &groups, doctor.near_threshold)?,
        false => Vec::new(),
    };
    let outliers = match &doctor.manifold {
        Some(m) => Some(m.score(&emb, OutlierThreshold::default())?),
        None => None,
    };
    let clip_scores = match (&doctor.clip, clip) {
        (Some(scorer), true) => Some(clip_scores(scorer, set)?),
        _ => None,
    };
    for (g, (label, group)) in labels.iter().zip(&groups).enumerate() {
        let div = diversity.get(g);
        out.near_duplicates.extend(div.into_iter().flat_map(|d| {
            d.near_duplicate_sets
                .iter()
                .map(|s| s.iter().map(|&i| set.names[i].clone()).collect())
        }));
        out.prompts.push(PromptRow {
            prompt: label.clone(),
            images: group.len(),
            diversity: div.and_then(|d| d.diversity),
            near_duplicates: div.map_or(0, |d| d.redundant()),
            realism: outliers.as_ref().map(|o| {
                group.iter().filter(|&&i| o[i].inside).count() as f64 / group.len() as f64
            }),
            clip_score: clip_scores
                .as_ref()
                .and_then(|c| mean_of(group.iter().filter_map(|&i| c[i]))),
        });
    }
    if let Some(o) = &outliers {
        out.outliers = flagged_outliers(set, o);
    }
    if let Some((names, index)) = &doctor.train {
        for (i, m) in nearest_references(&emb, index, doctor.memorization_threshold)?
            .into_iter()
            .enumerate()
            .filter(|(_, m)| m.memorized)
        {
            out.memorized.push(Match {
                file: set.names[i].clone(),
                nearest: names[m.reference].clone(),
                similarity: m.similarity,
            });
        }
    } else if doctor.enabled {
        out.warnings.push("memorization not checked: the reference holds only statistics (give --train with the training images)".into());
    }
    if let Some(scores) = &clip_scores {
        let scored: Vec<f64> = scores.iter().flatten().copied().collect();
        if let Some(mean) = mean_of(scored.iter().copied()) {
            out.clip_score = Some(ClipSummary {
                mean,
                images: scored.len(),
            });
        }
    }
    sort_worst_first(&mut out.prompts);
    Ok(out)
}

/// Rows grouped by prompt (first-appearance order); without prompts, one
/// group of every image.
fn prompt_groups(set: &FeatureSet) -> (Vec<String>, Vec<Vec<usize>>) {
    let mut labels: Vec<String> = Vec::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for (i, g) in set.generations.iter().enumerate() {
        let label = g
            .as_ref()
            .map_or("(no prompt)".to_string(), |g| g.prompt.clone());
        let slot = *at.entry(label.clone()).or_insert_with(|| {
            labels.push(label);
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[slot].push(i);
    }
    (labels, groups)
}

fn flagged_outliers(
    set: &FeatureSet,
    scores: &[assay_gen::outliers::OutlierScore],
) -> Vec<Outlier> {
    let mut out: Vec<Outlier> = scores
        .iter()
        .enumerate()
        .filter(|(_, s)| s.flagged)
        .map(|(i, s)| Outlier {
            file: set.names[i].clone(),
            score: s.score,
        })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    out
}

fn mean_of(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// Lowest CLIPScore first, else lowest realism, else lowest diversity.
fn sort_worst_first(prompts: &mut [PromptRow]) {
    let key = |p: &PromptRow| {
        p.clip_score
            .or(p.realism)
            .or(p.diversity)
            .unwrap_or(f64::INFINITY)
    };
    prompts.sort_by(|a, b| key(a).total_cmp(&key(b)));
}

/// Per-image CLIPScore against its prompt (`None` without a prompt).
fn clip_scores(scorer: &ClipScorer, set: &FeatureSet) -> Result<Vec<Option<f64>>> {
    let rows: Vec<usize> = (0..set.names.len())
        .filter(|&i| set.generations[i].is_some())
        .collect();
    let images = match scorer.same_as_features {
        true => set.features.select(&rows),
        false => reembed(&scorer.extractor, set, &rows)?,
    };
    let mut prompts: Vec<&str> = rows
        .iter()
        .filter_map(|&i| set.generations[i].as_ref().map(|g| g.prompt.as_str()))
        .collect();
    prompts.sort_unstable();
    prompts.dedup();
    let vectors = scorer.extractor.embed_texts(&prompts)?;
    let by_prompt: HashMap<&str, &Vec<f32>> = prompts.iter().copied().zip(&vectors).collect();
    let texts: Vec<f32> = rows
        .iter()
        .flat_map(|&i| {
            let prompt = set.generations[i]
                .as_ref()
                .map_or("", |g| g.prompt.as_str());
            by_prompt[prompt].iter().copied()
        })
        .collect();
    let texts = Features::from_f32(&texts, scorer.extractor.dim())?;
    let scores = clip_score(&images, &texts, scorer.kind)?;
    let mut out = vec![None; set.names.len()];
    for (&i, score) in rows.iter().zip(scores.per_pair) {
        out[i] = Some(score);
    }
    Ok(out)
}

/// Embeds the image files of `rows` with the CLIP model.
fn reembed(clip: &Extractor, set: &FeatureSet, rows: &[usize]) -> Result<Features> {
    let mut vectors = Vec::with_capacity(rows.len() * clip.dim());
    for chunk in rows.chunks(32) {
        let images = chunk
            .par_iter()
            .map(|&i| {
                let Some(path) = &set.paths[i] else {
                    anyhow::bail!("CLIPScore with --clip-model needs the generated images themselves, not features (row {i})");
                };
                let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
                Ok(decode(&bytes).with_context(|| format!("cannot decode {}", path.display()))?.1)
            })
            .collect::<Result<Vec<_>>>()?;
        vectors.extend(clip.embed_images(&images)?.into_iter().flatten());
    }
    Ok(Features::from_f32(&vectors, clip.dim())?)
}
