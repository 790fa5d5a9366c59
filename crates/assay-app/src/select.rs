//! What to label next, over a project: the dataset's image embeddings and
//! (for uncertainty) a classifier's stored probabilities, given to
//! `assay-active`'s strategies; and the simulation of the labelling loop on
//! a labelled classification dataset.

use std::collections::HashMap;

use anyhow::{bail, Context, Result};
use assay_active::{
    select, simulate, Aggregation, Pool, Simulation, SimulationOptions, Strategy, Uncertainty,
};
use assay_store::{EmbeddingLevel, EmbeddingSet, Selection, Store};

/// A dataset's images with their embeddings, in a fixed order.
struct Embedded {
    /// Dataset image ids, in order.
    images: Vec<i64>,
    /// Their vectors, end to end.
    vectors: Vec<f32>,
    dim: usize,
}

/// The image-level embedding set to use: `set` (an id) or the dataset's
/// newest.
fn embedding_set(store: &Store, dataset: &str, set: Option<i64>) -> Result<EmbeddingSet> {
    let sets: Vec<EmbeddingSet> = store
        .embedding_sets(Some(dataset))?
        .into_iter()
        .filter(|s| s.level == EmbeddingLevel::Image)
        .collect();
    let found = match set {
        Some(id) => sets.into_iter().find(|s| s.id == id),
        None => sets.into_iter().max_by_key(|s| s.id),
    };
    found.with_context(|| {
        format!(
            "dataset {dataset:?} has no image embeddings{}: run `assay embed` first",
            set.map_or(String::new(), |s| format!(" in set {s}"))
        )
    })
}

fn embedded(store: &Store, set: &EmbeddingSet) -> Result<Embedded> {
    let mut rows: Vec<(i64, Vec<f32>)> = store
        .load_embeddings(set)?
        .into_iter()
        .map(|((image, _), v)| (image, v))
        .collect();
    rows.sort_by_key(|r| r.0);
    Ok(Embedded {
        images: rows.iter().map(|r| r.0).collect(),
        vectors: rows.iter().flat_map(|r| r.1.iter().copied()).collect(),
        dim: set.dim,
    })
}

/// What to choose.
#[derive(Debug, Clone)]
pub struct ChooseRequest {
    /// The dataset.
    pub dataset: String,
    /// The strategy.
    pub strategy: Strategy,
    /// How many images.
    pub budget: usize,
    /// The classifier whose stored probabilities uncertainty reads.
    pub model: Option<String>,
    /// The embedding set (default: the dataset's newest image set).
    pub set: Option<i64>,
    /// Rank every image, not only those without labels.
    pub all: bool,
    /// Seed of the random choices.
    pub seed: u64,
    /// For a detector: how its boxes' uncertainties make the image's.
    pub aggregation: Aggregation,
}

/// Chooses the images to label next: among the images without labels (or
/// all), by the request's strategy over the embeddings and, for
/// uncertainty and the hybrid, the model's stored class probabilities.
/// Returns dataset image ids in the order chosen.
pub fn choose(store: &Store, request: &ChooseRequest) -> Result<Vec<i64>> {
    let ChooseRequest {
        dataset,
        strategy,
        budget,
        model,
        set,
        all,
        seed,
        aggregation,
    } = request;
    let (dataset, strategy, budget, all, seed) =
        (dataset.as_str(), *strategy, *budget, *all, *seed);
    let model = model.as_deref();
    let set = embedding_set(store, dataset, *set)?;
    let e = embedded(store, &set)?;
    let data = store.load_dataset(dataset, &Selection::default())?;
    let labelled_images: std::collections::HashSet<i64> =
        data.annotations.iter().map(|a| a.sample_id).collect();
    let (labelled, candidates): (Vec<usize>, Vec<usize>) =
        (0..e.images.len()).partition(|&i| labelled_images.contains(&e.images[i]));
    let candidates = if all {
        (0..e.images.len()).collect()
    } else {
        candidates
    };
    if candidates.is_empty() {
        bail!("dataset {dataset:?} has no unlabelled images with embeddings (use --all to rank every image)");
    }
    let classes = data.categories.len();
    let measure = match strategy {
        Strategy::Uncertainty(u) => u,
        _ => Uncertainty::Margin,
    };
    let (mut probs, mut uncertainty) = (None, None);
    match model {
        Some(model) if store.has_class_predictions(dataset, model)? => {
            probs = Some(probabilities(store, dataset, model, &e.images, &data.categories)?);
        }
        Some(model) => {
            uncertainty = Some(box_uncertainty(store, dataset, model, &e.images, measure, *aggregation)?);
        }
        None if strategy.needs_probabilities() => bail!(
            "{} needs a model's predictions: name the classifier (assay predictions classes) or detector (assay predictions add) with --model",
            strategy.name()
        ),
        None => {}
    }
    let pool = Pool {
        vectors: &e.vectors,
        dim: e.dim,
        probs: probs.as_deref(),
        classes,
        uncertainty: uncertainty.as_deref(),
        labelled: &labelled,
        candidates: &candidates,
    };
    let chosen = select(&pool, strategy, budget, seed).map_err(anyhow::Error::msg)?;
    Ok(chosen.into_iter().map(|i| e.images[i]).collect())
}

/// A detector's uncertainty per image (in `images` order): each stored
/// box a binary prediction with its score, aggregated over the image.
fn box_uncertainty(
    store: &Store,
    dataset: &str,
    model: &str,
    images: &[i64],
    measure: Uncertainty,
    aggregation: Aggregation,
) -> Result<Vec<f64>> {
    let predictions = store.load_predictions(dataset, model)?.predictions;
    if predictions.is_empty() {
        bail!("model {model:?} stored no predictions on dataset {dataset:?}");
    }
    let mut scores: HashMap<i64, Vec<f64>> = HashMap::new();
    for p in predictions {
        scores
            .entry(p.sample_id)
            .or_default()
            .push(p.score.unwrap_or(1.0));
    }
    Ok(images
        .iter()
        .map(|i| aggregation.of(measure, scores.get(i).map_or(&[][..], Vec::as_slice)))
        .collect())
}

/// `model`'s class probabilities per image (in `images` order, one row of
/// the dataset's classes each; uniform where the model gave none).
fn probabilities(
    store: &Store,
    dataset: &str,
    model: &str,
    images: &[i64],
    categories: &[assay_core::model::Category],
) -> Result<Vec<f64>> {
    let classes = categories.len();
    // Class predictions and embeddings both name images by their dataset id.
    let by_image: HashMap<i64, Vec<f64>> = store
        .class_predictions(dataset, model)?
        .into_iter()
        .filter(|p| p.scores.len() == classes)
        .map(|p| (p.sample_id, p.scores))
        .collect();
    if by_image.is_empty() {
        bail!("model {model:?} stored no class probabilities on dataset {dataset:?}");
    }
    Ok(images
        .iter()
        .flat_map(|i| {
            by_image
                .get(i)
                .cloned()
                .unwrap_or_else(|| vec![1.0 / classes as f64; classes])
        })
        .collect())
}

/// Runs the labelling loop on `dataset` (a labelled classification set:
/// one class per image) over its embeddings.
pub fn simulate_dataset(
    store: &Store,
    dataset: &str,
    set: Option<i64>,
    options: &SimulationOptions,
) -> Result<Simulation> {
    let set = embedding_set(store, dataset, set)?;
    let e = embedded(store, &set)?;
    let data = store.load_dataset(dataset, &Selection::default())?;
    let class_of: HashMap<i64, i64> = data
        .annotations
        .iter()
        .map(|a| (a.sample_id, a.category_id))
        .collect();
    let index: HashMap<i64, usize> = data
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i))
        .collect();
    let mut vectors = Vec::new();
    let mut labels = Vec::new();
    for (i, image) in e.images.iter().enumerate() {
        if let Some(c) = class_of.get(image) {
            labels.push(index[c]);
            vectors.extend_from_slice(&e.vectors[i * e.dim..(i + 1) * e.dim]);
        }
    }
    if labels.is_empty() {
        bail!("dataset {dataset:?} has no labelled images with embeddings to simulate on");
    }
    simulate(&vectors, e.dim, &labels, data.categories.len(), options).map_err(anyhow::Error::msg)
}
