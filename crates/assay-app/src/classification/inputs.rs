//! The files of `assay eval classification`: predicted scores (or
//! classes) and true labels, read and checked against each other (one
//! label per sample, classes in range, class names matching the columns).

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use super::files::{
    check_class_count, read_class_names, read_classes, read_scores, softmax_rows, Classes, Scores,
    LABEL_COLUMNS, PRED_COLUMNS,
};

/// The files and how to read them.
#[derive(Debug, Clone, Default)]
pub struct LabelledFiles {
    /// Scores or probabilities per sample and class (`.npy` or CSV).
    pub probs: Option<PathBuf>,
    /// Or one predicted class per sample.
    pub preds: Option<PathBuf>,
    /// One true class per sample.
    pub labels: PathBuf,
    /// Class names, one a line.
    pub class_names: Option<PathBuf>,
    /// Turn score rows into probabilities with a softmax.
    pub softmax: bool,
}

/// What the model predicted for each sample.
pub enum Predicted {
    /// A score (or probability) per class.
    Scores(Scores),
    /// One class.
    Classes(Vec<usize>),
}

/// Everything read from the files, checked against each other.
pub struct Inputs {
    /// One true class per sample.
    pub labels: Vec<usize>,
    /// What the model predicted.
    pub predicted: Predicted,
    /// Number of classes.
    pub num_classes: usize,
    /// Class names, when known.
    pub names: Option<Vec<String>>,
}

/// Reads predictions and labels, checked against each other.
pub fn read_inputs(files: &LabelledFiles) -> Result<Inputs> {
    let names = files
        .class_names
        .as_deref()
        .map(read_class_names)
        .transpose()?;
    match (&files.probs, &files.preds) {
        (Some(probs), _) => read_score_inputs(files, probs, names),
        (None, Some(preds)) => read_class_inputs(files, preds, names),
        (None, None) => bail!("give --probs FILE or --preds FILE"),
    }
}

fn read_score_inputs(
    files: &LabelledFiles,
    path: &Path,
    names: Option<Vec<String>>,
) -> Result<Inputs> {
    let mut scores = read_scores(path)?;
    let num_classes = scores.num_classes;
    let names = match (names, files.class_names.as_deref()) {
        (Some(names), Some(names_path)) => {
            let source = format!("{} has {num_classes} columns", path.display());
            check_class_count(&names, names_path, num_classes, &source)?;
            Some(names)
        }
        _ => scores.header.take().filter(|h| !is_numbering(h)),
    };
    if files.softmax {
        softmax_rows(&mut scores.values, num_classes);
    }
    let labels = read_classes(&files.labels, LABEL_COLUMNS, names.as_deref())?;
    check_length(&labels, &files.labels, scores.rows, path, "rows")?;
    let source = format!("{} has {num_classes} columns", path.display());
    check_range(&labels, &files.labels, num_classes, &source)?;
    Ok(Inputs {
        labels: labels.values,
        predicted: Predicted::Scores(scores),
        num_classes,
        names,
    })
}

/// Whether CSV column names are just the class indices `0, 1, 2, ...`.
fn is_numbering(header: &[String]) -> bool {
    header.iter().enumerate().all(|(i, h)| *h == i.to_string())
}

fn read_class_inputs(
    files: &LabelledFiles,
    path: &Path,
    names: Option<Vec<String>>,
) -> Result<Inputs> {
    let labels = read_classes(&files.labels, LABEL_COLUMNS, names.as_deref())?;
    let preds = read_classes(path, PRED_COLUMNS, names.as_deref())?;
    check_length(
        &labels,
        &files.labels,
        preds.values.len(),
        path,
        "predictions",
    )?;
    let num_classes = match (&names, files.class_names.as_deref()) {
        (Some(names), Some(names_path)) => {
            let source = format!("{} lists {}", names_path.display(), names.len());
            check_range(&labels, &files.labels, names.len(), &source)?;
            check_range(&preds, path, names.len(), &source)?;
            names.len()
        }
        _ => {
            1 + labels
                .values
                .iter()
                .chain(&preds.values)
                .max()
                .copied()
                .unwrap_or(0)
        }
    };
    Ok(Inputs {
        labels: labels.values,
        predicted: Predicted::Classes(preds.values),
        num_classes,
        names,
    })
}

/// Fails unless there is one label per prediction.
fn check_length(
    labels: &Classes,
    labels_path: &Path,
    expected: usize,
    other: &Path,
    what: &str,
) -> Result<()> {
    let found = labels.values.len();
    if found != expected {
        bail!(
            "{}: {found} labels, but {} has {expected} {what}; expected one label per sample, \
             in the same order",
            labels_path.display(),
            other.display()
        );
    }
    Ok(())
}

/// Fails on the first class that is not below `num_classes`.
fn check_range(classes: &Classes, path: &Path, num_classes: usize, source: &str) -> Result<()> {
    if let Some(i) = classes.values.iter().position(|&c| c >= num_classes) {
        bail!(
            "{}: {}: class {} is out of range: {source} (classes 0..={})",
            path.display(),
            classes.location(i),
            classes.values[i],
            num_classes - 1
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbering_headers_are_not_names() {
        let numbered: Vec<String> = ["0", "1", "2"].map(String::from).to_vec();
        assert!(is_numbering(&numbered));
        assert!(!is_numbering(&["cat".to_string(), "dog".to_string()]));
    }
}
