//! Labels of one dataset from several annotators: imported from COCO (an
//! annotator per file, or an `annotator` field per annotation), CVAT XML
//! (the task owner, or a name given) or LabelMe JSON, matched to the
//! dataset's images by file name and to its classes by name; and how far
//! the annotators agree, on boxes (alpha with `1 - IoU`) and on image
//! classes (alpha, nominal; Cohen's kappa per pair).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use assay_core::geometry::BBox;
use assay_core::model::Dataset;
use assay_eval::agreement::{
    alpha, box_alpha, cohen_kappa, units, AnnotatedBox, ImageAnnotations, MeasurementLevel, Weights,
};
use assay_io::names::SampleNames;
use assay_store::{AnnotatorLabel, MultiAnnotations, Selection, Store};
use serde::{Deserialize, Serialize};

/// Where annotators' labels come from.
#[derive(Debug, Clone)]
pub enum AnnotatorFile {
    /// A COCO file: one annotator (named), or the `annotator` field of
    /// each annotation.
    Coco(PathBuf, Option<String>),
    /// A CVAT for images XML file: the named annotator, else the task's
    /// owner.
    Cvat(PathBuf, Option<String>),
    /// A folder of LabelMe files of one annotator.
    Labelme(PathBuf, String),
}

/// What an import stored per annotator: images seen, labels.
pub type Imported = Vec<(String, usize, usize)>;

#[derive(Deserialize)]
struct CocoFile {
    images: Vec<CocoImage>,
    #[serde(default)]
    annotations: Vec<CocoAnnotation>,
    categories: Vec<CocoCategory>,
}

#[derive(Deserialize)]
struct CocoImage {
    id: i64,
    file_name: String,
}

#[derive(Deserialize)]
struct CocoAnnotation {
    image_id: i64,
    category_id: i64,
    #[serde(default)]
    bbox: Option<[f64; 4]>,
    /// Polygons are kept; RLE masks are read as their boxes only.
    #[serde(default)]
    segmentation: Option<serde_json::Value>,
    #[serde(default)]
    annotator: Option<String>,
}

/// A COCO segmentation's polygons (none for RLE or nothing).
fn coco_polygons(segmentation: &Option<serde_json::Value>) -> Option<Vec<Vec<f64>>> {
    let parts: Vec<Vec<f64>> = serde_json::from_value(segmentation.clone()?).ok()?;
    (!parts.is_empty()).then_some(parts)
}

#[derive(Deserialize)]
struct CocoCategory {
    id: i64,
    name: String,
}

/// Imports annotators' labels of `dataset`, replacing earlier labels of
/// the same annotators. Images the dataset lacks are an error naming them.
pub fn import_annotators(
    store: &mut Store,
    dataset: &str,
    file: &AnnotatorFile,
) -> Result<Imported> {
    let target = store.load_dataset(dataset, &Selection::default())?;
    let names = SampleNames::new(&target);
    let row_of: HashMap<i64, i64> = store
        .sample_rows(dataset)?
        .into_iter()
        .map(|r| (r.source_id, r.id))
        .collect();
    let find = |name: &str, path: &Path| -> Result<i64> {
        let source = names.find(name).with_context(|| {
            format!(
                "{}: image {name:?} is not in dataset {dataset:?}",
                path.display()
            )
        })?;
        Ok(row_of[&source])
    };
    // annotator -> (images seen, labels)
    let mut by: BTreeMap<String, (BTreeSet<i64>, Vec<AnnotatorLabel>)> = BTreeMap::new();
    match file {
        AnnotatorFile::Coco(path, name) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            let coco: CocoFile = assay_io::json::parse_json(path, &bytes)?;
            let images: HashMap<i64, i64> = coco
                .images
                .iter()
                .map(|i| Ok((i.id, find(&i.file_name, path)?)))
                .collect::<Result<_>>()?;
            let classes: HashMap<i64, &str> = coco
                .categories
                .iter()
                .map(|c| (c.id, c.name.as_str()))
                .collect();
            for (k, a) in coco.annotations.iter().enumerate() {
                let who = match (name, &a.annotator) {
                    (Some(n), _) => n.clone(),
                    (None, Some(n)) => n.clone(),
                    (None, None) => bail!(
                        "{}: $.annotations[{k}] has no annotator field; name the file's annotator with --annotator",
                        path.display()
                    ),
                };
                let sample = *images.get(&a.image_id).with_context(|| {
                    format!(
                        "{}: $.annotations[{k}].image_id {} is no image of the file",
                        path.display(),
                        a.image_id
                    )
                })?;
                let class = classes.get(&a.category_id).with_context(|| {
                    format!(
                        "{}: $.annotations[{k}].category_id {} is no category of the file",
                        path.display(),
                        a.category_id
                    )
                })?;
                let entry = by.entry(who.clone()).or_default();
                entry.1.push(AnnotatorLabel {
                    annotator: who,
                    sample,
                    class: class.to_string(),
                    bbox: a.bbox,
                    polygons: coco_polygons(&a.segmentation),
                });
            }
            // Every annotator of the file saw every image of the file.
            let all: BTreeSet<i64> = images.values().copied().collect();
            if let Some(n) = name {
                by.entry(n.clone()).or_default();
            }
            for entry in by.values_mut() {
                entry.0.extend(&all);
            }
        }
        AnnotatorFile::Cvat(path, name) => {
            let read = assay_io::cvat::read_cvat(path)?;
            let who = name.clone().or(read.owner).with_context(|| {
                format!(
                    "{}: the file names no task owner; name its annotator with --annotator",
                    path.display()
                )
            })?;
            add_dataset(&mut by, &who, &read.dataset, path, &find)?;
        }
        AnnotatorFile::Labelme(dir, who) => {
            let data = assay_io::labelme::read_labelme(dir)?;
            add_dataset(&mut by, who, &data, dir, &find)?;
        }
    }
    let mut out = Vec::new();
    for (who, (images, labels)) in by {
        let images: Vec<i64> = images.into_iter().collect();
        store.replace_annotator_labels(dataset, &who, &images, &labels)?;
        out.push((who, images.len(), labels.len()));
    }
    Ok(out)
}

/// One annotator's dataset (from CVAT or LabelMe) as their labels.
fn add_dataset(
    by: &mut BTreeMap<String, (BTreeSet<i64>, Vec<AnnotatorLabel>)>,
    who: &str,
    data: &Dataset,
    path: &Path,
    find: &dyn Fn(&str, &Path) -> Result<i64>,
) -> Result<()> {
    let classes: HashMap<i64, &str> = data
        .categories
        .iter()
        .map(|c| (c.id, c.name.as_str()))
        .collect();
    let mut images = HashMap::new();
    for s in &data.samples {
        images.insert(s.id, find(&s.file_name, path)?);
    }
    let entry = by.entry(who.to_string()).or_default();
    entry.0.extend(images.values());
    for a in &data.annotations {
        entry.1.push(AnnotatorLabel {
            annotator: who.to_string(),
            sample: images[&a.sample_id],
            class: classes[&a.category_id].to_string(),
            bbox: a.bbox.map(|b| [b.x, b.y, b.w, b.h]),
            polygons: match &a.segmentation {
                Some(assay_core::model::Segmentation::Polygons(p)) => Some(p.clone()),
                _ => None,
            },
        });
    }
    Ok(())
}

/// Two annotators' agreement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnnotatorPair {
    /// One annotator.
    pub a: String,
    /// The other.
    pub b: String,
    /// Images both saw.
    pub images: usize,
    /// Alpha of their boxes.
    pub box_alpha: Option<f64>,
    /// Alpha of their masks (when every object has one).
    pub mask_alpha: Option<f64>,
    /// Cohen's kappa of their image classes.
    pub kappa: Option<f64>,
}

/// How far a dataset's annotators agree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnnotatorAgreement {
    /// The annotators.
    pub annotators: Vec<String>,
    /// Images two or more of them saw.
    pub images: usize,
    /// Alpha of their boxes (`1 - IoU`, boxes matched by IoU >= 0.5).
    pub box_alpha: Option<f64>,
    /// The same with the masks' IoU, when every object was drawn as a
    /// polygon (rasterised as pycocotools does).
    pub mask_alpha: Option<f64>,
    /// Per class.
    pub per_class: Vec<(String, Option<f64>)>,
    /// Alpha (nominal) of their image classes (labels without a box).
    pub class_alpha: Option<f64>,
    /// Per pair.
    pub pairs: Vec<AnnotatorPair>,
}

/// The annotators of `all`, by name.
fn annotator_names(all: &MultiAnnotations) -> Vec<String> {
    let names: BTreeSet<&String> = all.seen.iter().map(|s| &s.0).collect();
    names.into_iter().cloned().collect()
}

/// The agreement of `dataset`'s annotators.
pub fn annotator_agreement(store: &Store, dataset: &str) -> Result<AnnotatorAgreement> {
    let all = store.annotator_labels(dataset)?;
    let annotators = annotator_names(&all);
    if annotators.len() < 2 {
        bail!("dataset {dataset:?} has labels from {} annotator(s); agreement needs two (assay import annotators)", annotators.len());
    }
    let index = |who: &str| annotators.iter().position(|a| a == who).expect("listed");
    let mut seen_by: BTreeMap<i64, BTreeSet<usize>> = BTreeMap::new();
    for (who, image) in &all.seen {
        seen_by.entry(*image).or_default().insert(index(who));
    }
    let shared: Vec<i64> = seen_by
        .iter()
        .filter(|(_, a)| a.len() >= 2)
        .map(|(i, _)| *i)
        .collect();
    // Each shared image's labels, with their annotator's index, read once.
    let mut on: HashMap<i64, Vec<(usize, &AnnotatorLabel)>> = HashMap::new();
    for l in &all.labels {
        if seen_by.get(&l.sample).is_some_and(|a| a.len() >= 2) {
            on.entry(l.sample)
                .or_default()
                .push((index(&l.annotator), l));
        }
    }
    let labels_on = |image: &i64| on.get(image).map_or(&[][..], Vec::as_slice);
    let classes: Vec<String> = all
        .labels
        .iter()
        .map(|l| l.class.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let size: HashMap<i64, (u32, u32)> = store
        .sample_rows(dataset)?
        .into_iter()
        .filter_map(|r| Some((r.id, (r.height?, r.width?))))
        .collect();
    let boxes = |chosen: &[usize], class: Option<&str>, masks: bool| -> Option<f64> {
        // Masks only when every object of these annotators has polygons.
        let mut objects = on
            .values()
            .flatten()
            .filter(|(a, l)| l.bbox.is_some() && chosen.contains(a))
            .peekable();
        let has_objects = objects.peek().is_some();
        let masked = |l: &AnnotatorLabel| l.polygons.is_some() && size.contains_key(&l.sample);
        if masks && !(has_objects && objects.all(|(_, l)| masked(l))) {
            return None;
        }
        let images: Vec<ImageAnnotations> = shared
            .iter()
            .map(|image| ImageAnnotations {
                annotators: seen_by[image]
                    .iter()
                    .copied()
                    .filter(|a| chosen.contains(a))
                    .collect(),
                boxes: labels_on(image)
                    .iter()
                    .filter(|(a, l)| chosen.contains(a) && class.is_none_or(|c| l.class == c))
                    .filter_map(|&(a, l)| {
                        let b = l.bbox?;
                        let mask = match (masks, &l.polygons) {
                            (true, Some(p)) => {
                                let (h, w) = size[&l.sample];
                                Some(assay_core::mask::Rle::from_polygons(p, h, w))
                            }
                            _ => None,
                        };
                        Some(AnnotatedBox {
                            annotator: a,
                            class: classes.iter().position(|c| *c == l.class).unwrap_or(0) as i64,
                            bbox: BBox::new(b[0], b[1], b[2], b[3]),
                            mask,
                        })
                    })
                    .collect(),
            })
            .collect();
        if images.iter().all(|i| i.boxes.is_empty()) {
            return None;
        }
        box_alpha(&images, &units(&images, 0.5)).ok()
    };
    // Image classes: each annotator's first box-less label of an image.
    let class_of = |who: usize, image: i64| -> Option<usize> {
        labels_on(&image)
            .iter()
            .find(|(a, l)| l.bbox.is_none() && *a == who)
            .and_then(|(_, l)| classes.iter().position(|c| *c == l.class))
    };
    let everyone: Vec<usize> = (0..annotators.len()).collect();
    let data: Vec<Vec<Option<f64>>> = everyone
        .iter()
        .map(|&a| {
            shared
                .iter()
                .map(|&i| class_of(a, i).map(|c| c as f64))
                .collect()
        })
        .collect();
    let mut pairs = Vec::new();
    for a in 0..annotators.len() {
        for b in a + 1..annotators.len() {
            let both: Vec<i64> = shared
                .iter()
                .copied()
                .filter(|i| seen_by[i].contains(&a) && seen_by[i].contains(&b))
                .collect();
            let coded: Vec<(i64, i64)> = both
                .iter()
                .filter_map(|&i| Some((class_of(a, i)? as i64, class_of(b, i)? as i64)))
                .collect();
            let (x, y): (Vec<i64>, Vec<i64>) = coded.into_iter().unzip();
            pairs.push(AnnotatorPair {
                a: annotators[a].clone(),
                b: annotators[b].clone(),
                images: both.len(),
                box_alpha: boxes(&[a, b], None, false),
                mask_alpha: boxes(&[a, b], None, true),
                kappa: (!x.is_empty())
                    .then(|| cohen_kappa(&x, &y, Weights::Unweighted).ok())
                    .flatten(),
            });
        }
    }
    Ok(AnnotatorAgreement {
        images: shared.len(),
        box_alpha: boxes(&everyone, None, false),
        mask_alpha: boxes(&everyone, None, true),
        per_class: classes
            .iter()
            .map(|c| (c.clone(), boxes(&everyone, Some(c), false)))
            .collect(),
        class_alpha: alpha(&data, MeasurementLevel::Nominal).ok(),
        pairs,
        annotators,
    })
}

/// One annotator's quality, by CROWDLAB.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnnotatorQuality {
    /// The annotator.
    pub annotator: String,
    /// CROWDLAB's quality score.
    pub quality: f64,
    /// Share of their labels equal to the consensus.
    pub agreement_with_consensus: f64,
    /// The class they label worst.
    pub worst_class: String,
    /// Images they labelled.
    pub labelled: usize,
}

/// Consensus image classes and annotator quality.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Consensus {
    /// Images with an annotator's class and the model's probabilities.
    pub images: usize,
    /// Images left out: no model probabilities for them.
    pub without_probabilities: usize,
    /// Per annotator, best first.
    pub annotators: Vec<AnnotatorQuality>,
    /// Images whose consensus differs from the stored label: (file name,
    /// stored class, consensus class, consensus quality).
    pub differs_from_label: Vec<(String, String, String, f64)>,
    /// Of the images assay flagged with a label issue (and the annotators
    /// labelled), how many the consensus confirms (it differs from the
    /// stored label): (flagged, confirmed).
    pub flagged_confirmed: (usize, usize),
    /// The method, for people.
    pub method: String,
}

/// CROWDLAB over `dataset`'s annotators' image classes and `model`'s
/// stored class probabilities (cleanlab's `get_label_quality_multiannotator`,
/// best-quality consensus).
pub fn annotator_consensus(store: &Store, dataset: &str, model: &str) -> Result<Consensus> {
    use assay_eval::agreement::{
        label_quality_multiannotator, Annotations, Consensus as Method, QualityMethod,
    };
    let all = store.annotator_labels(dataset)?;
    let annotators = annotator_names(&all);
    let data = store.load_dataset(dataset, &Selection::default())?;
    let classes: Vec<String> = data.categories.iter().map(|c| c.name.clone()).collect();
    let rows = store.sample_rows(dataset)?;
    // Class predictions name images by their dataset id; labels by row id.
    let row_of: HashMap<i64, i64> = rows.iter().map(|r| (r.source_id, r.id)).collect();
    let probs: HashMap<i64, Vec<f64>> = store
        .class_predictions(dataset, model)?
        .into_iter()
        .filter(|p| p.scores.len() == classes.len())
        .filter_map(|p| Some((*row_of.get(&p.sample_id)?, p.scores)))
        .collect();
    if probs.is_empty() {
        bail!("model {model:?} stored no class probabilities on dataset {dataset:?} (assay predictions classes)");
    }
    let mut images: BTreeMap<i64, Vec<Option<usize>>> = BTreeMap::new();
    for l in all.labels.iter().filter(|l| l.bbox.is_none()) {
        let who = annotators
            .iter()
            .position(|a| *a == l.annotator)
            .expect("listed");
        let class = classes
            .iter()
            .position(|c| *c == l.class)
            .expect("a class of the dataset");
        images
            .entry(l.sample)
            .or_insert_with(|| vec![None; annotators.len()])[who] = Some(class);
    }
    let without = images.keys().filter(|i| !probs.contains_key(i)).count();
    images.retain(|i, _| probs.contains_key(i));
    let labels: Vec<Vec<Option<usize>>> = images.values().cloned().collect();
    let flat: Vec<f64> = images
        .keys()
        .flat_map(|i| probs[i].iter().copied())
        .collect();
    let input = Annotations::new(&labels, &flat, classes.len()).map_err(anyhow::Error::msg)?;
    let report = label_quality_multiannotator(&input, Method::BestQuality, QualityMethod::Crowdlab);
    let mut quality: Vec<AnnotatorQuality> = annotators
        .iter()
        .zip(&report.annotators)
        .map(|(who, s)| AnnotatorQuality {
            annotator: who.clone(),
            quality: s.annotator_quality,
            agreement_with_consensus: s.agreement_with_consensus,
            worst_class: classes[s.worst_class].clone(),
            labelled: s.num_examples_labeled,
        })
        .collect();
    quality.sort_by(|a, b| b.quality.total_cmp(&a.quality));
    let stored: HashMap<i64, &str> = {
        let source = &row_of;
        let names: HashMap<i64, &str> = data
            .categories
            .iter()
            .map(|c| (c.id, c.name.as_str()))
            .collect();
        data.annotations
            .iter()
            .filter(|a| a.bbox.is_none())
            .filter_map(|a| Some((*source.get(&a.sample_id)?, names[&a.category_id])))
            .collect()
    };
    let file: HashMap<i64, &str> = rows.iter().map(|r| (r.id, r.file_name.as_str())).collect();
    let mut differs = Vec::new();
    for (k, image) in images.keys().enumerate() {
        let consensus = &classes[report.consensus_label[k]];
        if let Some(label) = stored.get(image) {
            if label != consensus {
                differs.push((
                    file[image].to_string(),
                    label.to_string(),
                    consensus.clone(),
                    report.consensus_quality_score[k],
                ));
            }
        }
    }
    differs.sort_by(|a, b| a.3.total_cmp(&b.3).reverse());
    let flagged: BTreeSet<i64> = store
        .issue_items(dataset, super::queues::LABEL_ISSUES)?
        .into_iter()
        .map(|i| i.sample)
        .filter(|s| images.contains_key(s))
        .collect();
    let confirmed = images
        .keys()
        .enumerate()
        .filter(|(k, image)| {
            flagged.contains(image)
                && stored
                    .get(image)
                    .is_some_and(|l| *l != classes[report.consensus_label[*k]])
        })
        .count();
    Ok(Consensus {
        images: images.len(),
        without_probabilities: without,
        annotators: quality,
        differs_from_label: differs,
        flagged_confirmed: (flagged.len(), confirmed),
        method: format!("CROWDLAB (cleanlab's get_label_quality_multiannotator, best-quality consensus) over {} annotators and {model}'s class probabilities", annotators.len()),
    })
}
