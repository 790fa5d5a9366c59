//! Drift between two groups of samples (splits of a dataset, or two
//! datasets): every image metric, the images' format and size, and over
//! objects every object metric and the class mix, each tested as Evidently
//! chooses by default (or by a method the user names), with a verdict per
//! table; and, where the project stores embeddings of both groups, drift
//! of the embeddings and which clusters of the map grew or shrank.

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::{bail, Context, Result};
use assay_analysis::drift::classifier::{domain_classifier, ClassifierOptions, DomainClassifier};
use assay_analysis::drift::column::{dataset_drift, ColumnSamples};
pub use assay_analysis::drift::column::{DatasetDrift, DriftMethod, DriftOptions};
use assay_analysis::drift::embedding::{centroid_distance, CentroidDistance};
use assay_analysis::drift::mmd::{mmd_drift, MmdDrift, MmdOptions};
use assay_analysis::drift::stattests::PsiDefinition;
use assay_gen::numpy_random::RandomState;
use assay_store::{EmbeddingLevel, MapPoint, SampleFacts, Store};
use rayon::prelude::*;
use serde::Serialize;

/// A drift method by its command-line name: ks, chisquare, z,
/// wasserstein, jensenshannon, psi (Evidently's), psi-quantiles (10
/// reference-quantile bins, epsilon 1e-4), psi-width (10 equal-width bins,
/// epsilon 1e-4).
pub fn parse_method(name: &str) -> Result<DriftMethod> {
    Ok(match name {
        "ks" => DriftMethod::Ks,
        "chisquare" => DriftMethod::ChiSquare,
        "z" => DriftMethod::ZTest,
        "wasserstein" => DriftMethod::Wasserstein,
        "jensenshannon" => DriftMethod::JensenShannon,
        "psi" => DriftMethod::Psi(PsiDefinition::Evidently),
        "psi-quantiles" => DriftMethod::Psi(PsiDefinition::ReferenceQuantiles {
            bins: 10,
            epsilon: 1e-4,
        }),
        "psi-width" => DriftMethod::Psi(PsiDefinition::ReferenceEqualWidth {
            bins: 10,
            epsilon: 1e-4,
        }),
        other => bail!(
            "unknown drift method {other:?}; expected ks, chisquare, z, wasserstein, jensenshannon, psi, psi-quantiles or psi-width"
        ),
    })
}

/// A group of samples: a dataset, optionally one split.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    /// The dataset.
    pub dataset: String,
    /// The split (`None`: every sample).
    pub split: Option<String>,
}

impl Group {
    /// Parses `[DATASET:]SPLIT`, where `*` is every split; without a
    /// dataset, `default_dataset`.
    pub fn parse(spec: &str, default_dataset: &str) -> Group {
        let (dataset, split) = match spec.split_once(':') {
            Some((d, s)) => (d.to_string(), s),
            None => (default_dataset.to_string(), spec),
        };
        Group {
            dataset,
            split: (split != "*").then(|| split.to_string()),
        }
    }

    /// `dataset:split`, or `dataset:*`.
    pub fn label(&self) -> String {
        format!("{}:{}", self.dataset, self.split.as_deref().unwrap_or("*"))
    }
}

/// How many samples and objects a group holds.
#[derive(Debug, Clone, Serialize)]
pub struct GroupSize {
    /// `dataset:split`.
    pub group: String,
    /// Images.
    pub samples: usize,
    /// Ground-truth objects.
    pub objects: usize,
}

/// Drift between two groups.
#[derive(Debug, Clone, Serialize)]
pub struct DriftReport {
    /// The reference group.
    pub reference: GroupSize,
    /// The current group.
    pub current: GroupSize,
    /// Image metrics, format and size.
    pub images: DatasetDrift,
    /// Object metrics and classes (none when neither group has objects),
    /// tested as [`OBJECT_TEST`] says.
    pub objects: Option<DatasetDrift>,
    /// How object columns are tested.
    pub object_test: &'static str,
    /// Image embeddings (none when the project stores none of both groups).
    pub embeddings: Option<EmbeddingDrift>,
    /// Whether the images, the objects or the embeddings drifted.
    pub drifted: bool,
}

/// Drift of the image embeddings of one stored set.
#[derive(Debug, Clone, Serialize)]
pub struct EmbeddingDrift {
    /// The extractor whose vectors are compared.
    pub extractor: String,
    /// Distance between the mean embeddings.
    pub centroid: CentroidDistance,
    /// MMD with an RBF kernel and its permutation test (alibi-detect's).
    pub mmd: MmdDrift,
    /// A logistic regression telling the groups apart, cross-validated.
    pub classifier: DomainClassifier,
    /// Clusters of the stored map, by how much their share changed.
    pub clusters: Vec<ClusterShift>,
    /// Whether MMD or the classifier flags drift.
    pub drifted: bool,
}

/// How one cluster of the map changed between the groups.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterShift {
    /// The cluster.
    pub cluster: i64,
    /// Reference images in it.
    pub reference: usize,
    /// Current images in it.
    pub current: usize,
    /// Its share of the reference images.
    pub reference_share: f64,
    /// Its share of the current images.
    pub current_share: f64,
    /// `current_share - reference_share`: grew when positive.
    pub change: f64,
}

/// A group's images and objects, as columns.
struct Columns {
    /// Image metrics by name, one value per image.
    numeric: BTreeMap<String, Vec<f64>>,
    /// Format and size, one label per image.
    categorical: BTreeMap<String, Vec<String>>,
    /// The group's images (row ids).
    images: Vec<i64>,
    /// Object metrics by name: (image, value) per object.
    object_numeric: BTreeMap<String, Vec<(i64, f64)>>,
    /// (image, class) per object.
    classes: Vec<(i64, String)>,
}

/// Permutations of whole images behind the objects' p-values.
pub const OBJECT_PERMUTATIONS: usize = 199;

/// How object columns are tested, for people.
pub const OBJECT_TEST: &str = "the statistic of the column's default method; p-value from permuting whole images between the groups (objects of one image are not independent), drift below 0.05";

/// Compares `current` with `reference`.
pub fn drift(
    store: &Store,
    reference: &Group,
    current: &Group,
    options: &DriftOptions,
) -> Result<DriftReport> {
    let a = columns(store, reference)?;
    let b = columns(store, current)?;
    let images = table_drift(
        &a.numeric,
        &b.numeric,
        &a.categorical,
        &b.categorical,
        options,
    )
    .context("cannot compare the image metrics")?;
    let objects = if a.classes.is_empty() && b.classes.is_empty() {
        None
    } else {
        Some(object_drift(&a, &b, options).context("cannot compare the objects")?)
    };
    let embeddings = embedding_drift(store, reference, current)?;
    let drifted = images.drifted
        || objects.as_ref().is_some_and(|o| o.drifted)
        || embeddings.as_ref().is_some_and(|e| e.drifted);
    Ok(DriftReport {
        reference: GroupSize {
            group: reference.label(),
            samples: a.images.len(),
            objects: a.classes.len(),
        },
        current: GroupSize {
            group: current.label(),
            samples: b.images.len(),
            objects: b.classes.len(),
        },
        images,
        objects,
        object_test: OBJECT_TEST,
        embeddings,
        drifted,
    })
}

/// Object columns split into reference and current by image.
type ObjectTables = [(BTreeMap<String, Vec<f64>>, BTreeMap<String, Vec<String>>); 2];

fn object_tables(a: &Columns, b: &Columns, in_reference: &HashSet<i64>) -> ObjectTables {
    let mut out: ObjectTables = Default::default();
    for group in [a, b] {
        for (name, rows) in &group.object_numeric {
            for &(image, v) in rows {
                let side = usize::from(!in_reference.contains(&image));
                out[side].0.entry(name.clone()).or_default().push(v);
            }
        }
        for (image, class) in &group.classes {
            let side = usize::from(!in_reference.contains(image));
            out[side]
                .1
                .entry("class".into())
                .or_default()
                .push(class.clone());
        }
    }
    out
}

/// Each object column's drift, its p-value from permutations of images.
fn object_drift(a: &Columns, b: &Columns, options: &DriftOptions) -> Result<DatasetDrift> {
    let observed_sides: HashSet<i64> = a.images.iter().copied().collect();
    let [(na, ca), (nb, cb)] = object_tables(a, b, &observed_sides);
    let mut observed = table_drift(&na, &nb, &ca, &cb, options)?;
    let pool: Vec<i64> = a.images.iter().chain(&b.images).copied().collect();
    let statistics: Vec<Vec<f64>> = (0..OBJECT_PERMUTATIONS)
        .into_par_iter()
        .map(|p| {
            let order = RandomState::new(p as u32).permutation(pool.len());
            let reference: HashSet<i64> =
                order[..a.images.len()].iter().map(|&i| pool[i]).collect();
            let [(na, ca), (nb, cb)] = object_tables(a, b, &reference);
            let d = table_drift(&na, &nb, &ca, &cb, options)?;
            Ok(d.columns.iter().map(|c| c.statistic.abs()).collect())
        })
        .collect::<Result<_>>()?;
    for (k, column) in observed.columns.iter_mut().enumerate() {
        let at_least = statistics
            .iter()
            .filter(|s| s.get(k).is_some_and(|&v| v >= column.statistic.abs()))
            .count();
        let p = (1 + at_least) as f64 / (1 + OBJECT_PERMUTATIONS) as f64;
        column.p_value = Some(p);
        column.score = p;
        column.threshold = 0.05;
        column.drifted = p < 0.05;
    }
    observed.n_drifted = observed.columns.iter().filter(|c| c.drifted).count();
    observed.share_drifted = observed.n_drifted as f64 / observed.columns.len().max(1) as f64;
    observed.drifted = observed.share_drifted >= observed.drift_share;
    Ok(observed)
}

/// The 2-D map method whose clusters the attribution reads.
const MAP_METHOD: &str = "pca";

/// Drift of the most recent image-level embedding set both groups share
/// (one dataset), with the clusters of its map.
fn embedding_drift(
    store: &Store,
    reference: &Group,
    current: &Group,
) -> Result<Option<EmbeddingDrift>> {
    if reference.dataset != current.dataset {
        return Ok(None);
    }
    let Some(set) = store
        .embedding_sets(Some(&reference.dataset))?
        .into_iter()
        .filter(|s| s.level == EmbeddingLevel::Image && s.count > 0)
        .max_by_key(|s| s.id)
    else {
        return Ok(None);
    };
    let split_of: HashMap<i64, Option<String>> = store
        .sample_facts(&reference.dataset)?
        .into_iter()
        .map(|s| (s.source_id, s.split))
        .collect();
    let in_group = |g: &Group, sample: i64| {
        g.split.is_none() || split_of.get(&sample).is_some_and(|s| *s == g.split)
    };
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let mut side: HashMap<i64, (bool, bool)> = HashMap::new();
    for ((sample, _), v) in store.load_embeddings(&set)? {
        let (r, c) = (in_group(reference, sample), in_group(current, sample));
        if r {
            a.extend_from_slice(&v);
        }
        if c {
            b.extend_from_slice(&v);
        }
        side.insert(sample, (r, c));
    }
    if a.len() < 2 * set.dim || b.len() < 2 * set.dim {
        return Ok(None);
    }
    let centroid = centroid_distance(&a, &b, set.dim)?;
    let mmd = mmd_drift(&a, &b, set.dim, &MmdOptions::default())?;
    let classifier = domain_classifier(&a, &b, set.dim, &ClassifierOptions::default())?;
    let clusters = cluster_shifts(&store.embedding_map(&set, MAP_METHOD)?, &side);
    Ok(Some(EmbeddingDrift {
        extractor: set.extractor.clone(),
        drifted: mmd.drifted || classifier.drifted,
        centroid,
        mmd,
        classifier,
        clusters,
    }))
}

/// Each cluster's share of the reference and of the current images,
/// largest change first.
fn cluster_shifts(points: &[MapPoint], side: &HashMap<i64, (bool, bool)>) -> Vec<ClusterShift> {
    let mut counts: BTreeMap<i64, (usize, usize)> = BTreeMap::new();
    for p in points {
        let (Some(cluster), Some(&(r, c))) = (p.cluster, side.get(&p.key.0)) else {
            continue;
        };
        let entry = counts.entry(cluster).or_default();
        entry.0 += usize::from(r);
        entry.1 += usize::from(c);
    }
    let total_r: usize = counts.values().map(|c| c.0).sum();
    let total_c: usize = counts.values().map(|c| c.1).sum();
    let share = |n: usize, total: usize| {
        if total == 0 {
            0.0
        } else {
            n as f64 / total as f64
        }
    };
    let mut out: Vec<ClusterShift> = counts
        .into_iter()
        .map(|(cluster, (r, c))| {
            let (rs, cs) = (share(r, total_r), share(c, total_c));
            ClusterShift {
                cluster,
                reference: r,
                current: c,
                reference_share: rs,
                current_share: cs,
                change: cs - rs,
            }
        })
        .collect();
    out.sort_by(|x, y| y.change.abs().total_cmp(&x.change.abs()));
    out
}

/// The samples of a group.
fn members(store: &Store, group: &Group) -> Result<Vec<SampleFacts>> {
    let all = store.sample_facts(&group.dataset)?;
    let chosen: Vec<SampleFacts> = all
        .into_iter()
        .filter(|s| group.split.is_none() || s.split == group.split)
        .collect();
    if chosen.is_empty() {
        bail!("{} holds no samples", group.label());
    }
    Ok(chosen)
}

fn columns(store: &Store, group: &Group) -> Result<Columns> {
    let samples = members(store, group)?;
    let rows: HashSet<i64> = samples.iter().map(|s| s.row).collect();
    let mut by_name: BTreeMap<String, HashMap<i64, f64>> = BTreeMap::new();
    for (sample, name, value) in store.sample_metric_values(&group.dataset)? {
        if rows.contains(&sample) {
            by_name.entry(name).or_default().insert(sample, value);
        }
    }
    let numeric = by_name
        .into_iter()
        .filter(|(name, _)| !crate::quality::MODEL_METRICS.contains(&name.as_str()))
        .map(|(name, values)| {
            let column = samples
                .iter()
                .map(|s| values.get(&s.row).copied().unwrap_or(f64::NAN))
                .collect();
            (name, column)
        })
        .collect();
    let mut categorical = BTreeMap::new();
    categorical.insert(
        "file_format".to_string(),
        samples.iter().map(|s| format_of(&s.file_name)).collect(),
    );
    categorical.insert(
        "image_size".to_string(),
        samples
            .iter()
            .map(|s| s.size.map_or("unknown".into(), |(w, h)| format!("{w}x{h}")))
            .collect(),
    );
    let mut object_numeric: BTreeMap<String, Vec<(i64, f64)>> = BTreeMap::new();
    for (sample, _, name, value) in store.annotation_metric_values(&group.dataset)? {
        if rows.contains(&sample) && !crate::quality::MODEL_METRICS.contains(&name.as_str()) {
            object_numeric
                .entry(name)
                .or_default()
                .push((sample, value));
        }
    }
    let classes = store
        .object_classes(&group.dataset)?
        .into_iter()
        .filter(|(s, _)| rows.contains(s))
        .collect();
    Ok(Columns {
        numeric,
        categorical,
        images: samples.iter().map(|s| s.row).collect(),
        object_numeric,
        classes,
    })
}

/// The file's extension, lower-cased (`none` without one).
fn format_of(file_name: &str) -> String {
    std::path::Path::new(file_name)
        .extension()
        .map_or("none".into(), |e| e.to_string_lossy().to_lowercase())
}

/// The drift of the columns both groups have.
fn table_drift(
    numeric_a: &BTreeMap<String, Vec<f64>>,
    numeric_b: &BTreeMap<String, Vec<f64>>,
    categorical_a: &BTreeMap<String, Vec<String>>,
    categorical_b: &BTreeMap<String, Vec<String>>,
    options: &DriftOptions,
) -> Result<DatasetDrift> {
    let mut coded: Vec<(String, Vec<u32>, Vec<u32>)> = Vec::new();
    for (name, a) in categorical_a {
        let Some(b) = categorical_b.get(name) else {
            continue;
        };
        let mut codes: HashMap<String, u32> = HashMap::new();
        let mut code = |v: &String| {
            let next = codes.len() as u32;
            *codes.entry(v.clone()).or_insert(next)
        };
        let a: Vec<u32> = a.iter().map(&mut code).collect();
        let b: Vec<u32> = b.iter().map(&mut code).collect();
        coded.push((name.clone(), a, b));
    }
    let mut columns: Vec<(&str, ColumnSamples<'_>)> = Vec::new();
    for (name, a) in numeric_a {
        let Some(b) = numeric_b.get(name) else {
            continue;
        };
        let measured = |v: &[f64]| v.iter().any(|x| x.is_finite());
        if !measured(a) || !measured(b) {
            continue;
        }
        let integer = a
            .iter()
            .chain(b)
            .all(|v| !v.is_finite() || v.fract() == 0.0);
        columns.push((
            name.as_str(),
            ColumnSamples::Numeric {
                reference: a,
                current: b,
                integer,
            },
        ));
    }
    for (name, a, b) in &coded {
        columns.push((
            name.as_str(),
            ColumnSamples::Categorical {
                reference: a,
                current: b,
            },
        ));
    }
    Ok(dataset_drift(&columns, options)?)
}
