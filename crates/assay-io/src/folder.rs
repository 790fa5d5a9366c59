//! Image folders: a plain folder of images, or a class-folder tree
//! (`root/<class>/*.jpg`) whose first-level folder names are image labels.

use std::path::Path;

use assay_core::model::{Annotation, Category, Dataset, Sample};

use crate::error::{IoError, Result, Warnings};
use crate::images::{is_image_path, list_files, to_file_name};
use crate::names::{SampleNames, FILE_COLUMNS};

/// A folder read into a dataset (sizes are filled in later from the files).
#[derive(Debug)]
pub struct FolderRead {
    /// Images numbered from 1 in path order.
    pub dataset: Dataset,
    /// Files skipped because they are not images.
    pub warnings: Warnings,
}

/// Reads every image under `root`. With `class_folders`, each image's
/// first-level folder is its class label and images directly under `root`
/// are errors.
pub fn read_folder(root: &Path, class_folders: bool) -> Result<FolderRead> {
    let mut warnings = Warnings::default();
    let mut dataset = Dataset::default();
    for rel in list_files(root)? {
        if !is_image_path(&rel) {
            let msg = "not an image file (by its extension); skipped";
            warnings.push(
                "unsupported_file",
                root.join(&rel).display().to_string(),
                msg,
            );
            continue;
        }
        let id = dataset.samples.len() as i64 + 1;
        if class_folders {
            let category_id = class_of(root, &rel, &mut dataset.categories)?;
            dataset
                .annotations
                .push(Annotation::new(id, id, category_id));
        }
        dataset.samples.push(Sample {
            id,
            file_name: to_file_name(&rel),
            width: None,
            height: None,
            split: None,
            generation: None,
        });
    }
    if dataset.samples.is_empty() {
        return Err(IoError::file(
            root,
            "expected image files (jpg, png, ...), found none",
        ));
    }
    Ok(FolderRead { dataset, warnings })
}

/// The category of the image at `rel`, created on first sight.
fn class_of(root: &Path, rel: &Path, categories: &mut Vec<Category>) -> Result<i64> {
    let mut parts = rel.components();
    let class = match (parts.next(), parts.next()) {
        (Some(c), Some(_)) => c.as_os_str().to_string_lossy().into_owned(),
        _ => {
            let msg = "image directly under the root; expected root/<class>/<image>";
            return Err(IoError::file(&root.join(rel), msg));
        }
    };
    if let Some(c) = categories.iter().find(|c| c.name == class) {
        return Ok(c.id);
    }
    let id = categories.len() as i64;
    categories.push(Category::named(id, class));
    Ok(id)
}

/// Columns of a labels CSV that hold the class.
const LABEL_COLUMNS: [&str; 3] = ["label", "class", "category"];

/// Gives the images of a folder read their labels from a CSV file with a
/// header naming the image (`file`, `file_name`, `image` or `path`) and its
/// class (`label`, `class` or `category`). A row names an image by its
/// path under the folder, or by a longer path ending in it; rows naming no
/// image are warnings, and an image with two rows gets both labels. Classes
/// are numbered from 0 in order of first appearance.
pub fn add_labels_csv(read: &mut FolderRead, path: &Path) -> Result<()> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| IoError::file(path, format!("cannot read: {e}")))?;
    let header = reader
        .headers()
        .map_err(|e| IoError::at(path, "line 1", format!("cannot read the header: {e}")))?
        .clone();
    let column = |names: &[&str], what: &str| {
        header
            .iter()
            .position(|h| names.contains(&h.to_ascii_lowercase().as_str()))
            .ok_or_else(|| {
                IoError::at(
                    path,
                    "line 1",
                    format!(
                        "the header has no {what} column (one of {})",
                        names.join(", ")
                    ),
                )
            })
    };
    let (file, label) = (
        column(&FILE_COLUMNS, "image")?,
        column(&LABEL_COLUMNS, "label")?,
    );
    let names = SampleNames::new(&read.dataset);
    let data = &mut read.dataset;
    for record in reader.records() {
        let record = record.map_err(|e| IoError::file(path, format!("cannot read a row: {e}")))?;
        let line = record.position().map_or(0, |p| p.line());
        let (name, class) = (
            record.get(file).unwrap_or(""),
            record.get(label).unwrap_or(""),
        );
        if class.is_empty() {
            let msg = "empty label; expected a class name";
            return Err(IoError::at(path, format!("line {line}"), msg));
        }
        let Some(sample) = names.find(name) else {
            let msg = format!("{name:?} is not an image of the folder; row skipped");
            read.warnings.push(
                "unknown_file",
                format!("{} line {line}", path.display()),
                msg,
            );
            continue;
        };
        let category = match data.categories.iter().find(|c| c.name == class) {
            Some(c) => c.id,
            None => {
                let id = data.categories.len() as i64;
                data.categories.push(Category::named(id, class));
                id
            }
        };
        let id = data.annotations.len() as i64 + 1;
        data.annotations.push(Annotation::new(id, sample, category));
    }
    Ok(())
}
