//! Finding a model's files on disk: a folder in Hugging Face layout
//! (`config.json`, `model.safetensors` or shards, `tokenizer.json`), a
//! Hugging Face cache entry (`models--org--name` with `snapshots/<rev>/`),
//! or a single `.safetensors` file with its `config.json` beside it or none.
//! Nothing is downloaded.

use std::path::{Path, PathBuf};

use crate::error::{EmbedError, Result};

/// The files of one model, found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelFiles {
    /// The folder or file the user named.
    pub root: PathBuf,
    /// The model's `config.json`, when there is one.
    pub config: Option<PathBuf>,
    /// The weight files (one, or the shards of a sharded checkpoint).
    pub weights: Vec<PathBuf>,
    /// `tokenizer.json`, when there is one.
    pub tokenizer: Option<PathBuf>,
    /// `preprocessor_config.json` (image size, crop, mean and standard
    /// deviation), when there is one.
    pub preprocessor: Option<PathBuf>,
}

/// How to get weights, printed when none are found.
pub const WEIGHTS_HINT: &str =
    "Point --model at a folder in Hugging Face layout (config.json, model.safetensors, \
tokenizer.json for text models), for example a snapshot folder of your Hugging Face cache \
(~/.cache/huggingface/hub/models--openai--clip-vit-base-patch32/snapshots/<rev>/), or at a \
single .safetensors file. assay never downloads weights. Use --model builtin for the \
weight-free extractor (its numbers are not comparable with published ones).";

impl ModelFiles {
    /// Finds the files of the model at `path`, or says every place it
    /// looked.
    pub fn locate(path: &Path) -> Result<ModelFiles> {
        if path.is_file() {
            return Self::single_file(path);
        }
        let folder = resolve_cache_entry(path);
        let safetensors = folder.join("model.safetensors");
        let index = folder.join("model.safetensors.index.json");
        let weights = if safetensors.is_file() {
            vec![safetensors]
        } else if index.is_file() {
            shards_of(&index)?
        } else {
            let others = safetensors_in(&folder);
            if others.len() == 1 {
                others
            } else {
                return Err(EmbedError::MissingFiles {
                    what: "model weights".into(),
                    looked_for: vec![safetensors, index, folder.join("*.safetensors")],
                    hint: WEIGHTS_HINT.into(),
                });
            }
        };
        Ok(ModelFiles {
            root: path.to_path_buf(),
            config: existing(folder.join("config.json")),
            weights,
            tokenizer: existing(folder.join("tokenizer.json")),
            preprocessor: existing(folder.join("preprocessor_config.json")),
        })
    }

    fn single_file(path: &Path) -> Result<ModelFiles> {
        let is_safetensors = path
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("safetensors"));
        if !is_safetensors {
            return Err(EmbedError::BadFile {
                file: path.to_path_buf(),
                message: "expected a .safetensors file or a model folder; convert PyTorch \
                          checkpoints with scripts/convert_to_safetensors.py"
                    .into(),
            });
        }
        let folder = path.parent().unwrap_or(Path::new("."));
        Ok(ModelFiles {
            root: path.to_path_buf(),
            config: existing(folder.join("config.json")),
            weights: vec![path.to_path_buf()],
            tokenizer: existing(folder.join("tokenizer.json")),
            preprocessor: existing(folder.join("preprocessor_config.json")),
        })
    }

    /// The config file, or an error naming where it was expected.
    pub fn require_config(&self) -> Result<&Path> {
        self.config
            .as_deref()
            .ok_or_else(|| EmbedError::MissingFiles {
                what: "config.json".into(),
                looked_for: vec![self.folder().join("config.json")],
                hint: "The model's config.json (from the same Hugging Face repository as the \
                   weights) must sit beside the weights."
                    .into(),
            })
    }

    /// An error saying what is wrong with the config file.
    pub fn bad_config(&self, message: String) -> EmbedError {
        EmbedError::BadFile {
            file: self
                .config
                .clone()
                .unwrap_or_else(|| self.folder().join("config.json")),
            message,
        }
    }

    /// The tokenizer file, or an error naming where it was expected.
    pub fn require_tokenizer(&self) -> Result<&Path> {
        self.tokenizer
            .as_deref()
            .ok_or_else(|| EmbedError::MissingFiles {
                what: "tokenizer.json".into(),
                looked_for: vec![self.folder().join("tokenizer.json")],
                hint: "Text embeddings need the model's tokenizer.json (from the same Hugging \
                       Face repository as the weights) beside the weights."
                    .into(),
            })
    }

    /// The folder holding the weights.
    pub fn folder(&self) -> PathBuf {
        self.weights[0]
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    /// The parsed config, as JSON.
    pub fn read_config(&self) -> Result<serde_json::Value> {
        let path = self.require_config()?;
        let text = std::fs::read_to_string(path).map_err(|err| EmbedError::BadFile {
            file: path.to_path_buf(),
            message: err.to_string(),
        })?;
        serde_json::from_str(&text).map_err(|err| EmbedError::BadFile {
            file: path.to_path_buf(),
            message: format!("not valid JSON: {err}"),
        })
    }

    /// BLAKE3 of the weight files' bytes (in order), hex: identifies the
    /// weights an embedding was computed with.
    pub fn weights_hash(&self) -> Result<String> {
        let mut hasher = blake3::Hasher::new();
        for file in &self.weights {
            hasher
                .update_mmap_rayon(file)
                .map_err(|err| EmbedError::BadFile {
                    file: file.clone(),
                    message: err.to_string(),
                })?;
        }
        Ok(hasher.finalize().to_hex().to_string())
    }
}

fn existing(path: PathBuf) -> Option<PathBuf> {
    path.is_file().then_some(path)
}

/// A Hugging Face cache entry (`models--org--name`) resolves to its newest
/// snapshot; any other folder is itself.
fn resolve_cache_entry(path: &Path) -> PathBuf {
    let snapshots = path.join("snapshots");
    if !snapshots.is_dir() {
        return path.to_path_buf();
    }
    let reference = std::fs::read_to_string(path.join("refs").join("main")).ok();
    if let Some(rev) = reference.map(|r| r.trim().to_string()) {
        let folder = snapshots.join(rev);
        if folder.is_dir() {
            return folder;
        }
    }
    let newest = std::fs::read_dir(&snapshots).ok().and_then(|entries| {
        entries
            .flatten()
            .filter(|e| e.path().is_dir())
            .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok())
    });
    newest.map(|e| e.path()).unwrap_or(snapshots)
}

fn safetensors_in(folder: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "safetensors"))
        .collect();
    files.sort();
    files
}

fn shards_of(index: &Path) -> Result<Vec<PathBuf>> {
    let bad = |message: String| EmbedError::BadFile {
        file: index.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(index).map_err(|e| bad(e.to_string()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| bad(format!("not valid JSON: {e}")))?;
    let map = json
        .get("weight_map")
        .and_then(|m| m.as_object())
        .ok_or_else(|| bad("expected an object at $.weight_map".into()))?;
    let folder = index.parent().unwrap_or(Path::new("."));
    let mut shards: Vec<PathBuf> = Vec::new();
    for (name, file) in map {
        let file = file
            .as_str()
            .ok_or_else(|| bad(format!("expected a file name at $.weight_map.{name}")))?;
        let path = folder.join(file);
        if !shards.contains(&path) {
            shards.push(path);
        }
    }
    if let Some(missing) = shards.iter().find(|p| !p.is_file()) {
        return Err(bad(format!(
            "names shard {} which does not exist",
            missing.display()
        )));
    }
    shards.sort();
    Ok(shards)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_folder_names_every_place_it_looked() {
        let dir = tempfile::tempdir().unwrap();
        let err = ModelFiles::locate(dir.path()).unwrap_err().to_string();
        assert!(err.contains("model.safetensors"), "{err}");
        assert!(err.contains("model.safetensors.index.json"), "{err}");
        assert!(err.contains("never downloads"), "{err}");
    }

    #[test]
    fn cache_entry_resolves_to_the_snapshot_main_points_at() {
        let dir = tempfile::tempdir().unwrap();
        let snapshot = dir.path().join("snapshots").join("abc123");
        std::fs::create_dir_all(&snapshot).unwrap();
        std::fs::create_dir_all(dir.path().join("refs")).unwrap();
        std::fs::write(dir.path().join("refs").join("main"), "abc123\n").unwrap();
        std::fs::write(snapshot.join("model.safetensors"), b"x").unwrap();
        std::fs::write(snapshot.join("config.json"), b"{}").unwrap();
        let files = ModelFiles::locate(dir.path()).unwrap();
        assert_eq!(files.weights, vec![snapshot.join("model.safetensors")]);
        assert_eq!(files.config, Some(snapshot.join("config.json")));
        assert_eq!(files.tokenizer, None);
        assert!(files
            .require_tokenizer()
            .unwrap_err()
            .to_string()
            .contains("tokenizer.json"));
    }

    #[test]
    fn a_file_that_is_not_safetensors_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let pth = dir.path().join("weights.pth");
        std::fs::write(&pth, b"x").unwrap();
        let err = ModelFiles::locate(&pth).unwrap_err().to_string();
        assert!(err.contains("convert_to_safetensors.py"), "{err}");
    }
}
