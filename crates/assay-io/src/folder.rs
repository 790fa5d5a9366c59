//! Image folders: a plain folder of images, or a class-folder tree
//! (`root/<class>/*.jpg`) whose first-level folder names are image labels.

use std::path::Path;

use assay_core::model::{Annotation, Category, Dataset, Sample};

use crate::error::{IoError, Result, Warnings};
use crate::images::{is_image_path, list_files, to_file_name};

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
