//! Choosing what a command works on inside a project.

use anyhow::{bail, Result};
use assay_store::Store;

/// The dataset a command works on: the one named, or the only one.
pub fn choose_dataset(store: &Store, name: Option<&str>) -> Result<String> {
    if let Some(name) = name {
        return Ok(name.to_string());
    }
    let names = store.dataset_names()?;
    match names.as_slice() {
        [only] => Ok(only.clone()),
        [] => bail!("the project has no datasets yet; import one first"),
        _ => bail!(
            "the project has several datasets ({}); choose one with --dataset",
            names.join(", ")
        ),
    }
}
