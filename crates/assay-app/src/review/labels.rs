//! An image's labels as a reviewer sees and changes them, and the edits a
//! verdict carries.

use anyhow::{bail, Result};
use assay_store::Store;
use serde::{Deserialize, Serialize};

/// One labelled box of an image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Label {
    /// The annotation's id in its source (`None` for a box a reviewer
    /// drew).
    pub id: Option<i64>,
    /// Its class.
    pub class: String,
    /// `[x, y, w, h]` in pixels.
    pub bbox: [f64; 4],
}

/// A change to an image's labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Edit {
    /// Gives a box another class.
    Relabel {
        /// The annotation.
        id: i64,
        /// The new class.
        class: String,
    },
    /// Moves or resizes a box.
    Move {
        /// The annotation.
        id: i64,
        /// Its new box.
        bbox: [f64; 4],
    },
    /// Adds a box that was missing.
    Add {
        /// Its class.
        class: String,
        /// Its box.
        bbox: [f64; 4],
    },
    /// Deletes a spurious box.
    Delete {
        /// The annotation.
        id: i64,
    },
}

/// The boxes of an image (row id), as stored.
pub fn image_labels(store: &Store, sample: i64) -> Result<Vec<Label>> {
    let (objects, _) = store.sample_objects(sample)?;
    Ok(objects
        .into_iter()
        .filter_map(|o| {
            let b = o.annotation.bbox?;
            Some(Label {
                id: Some(o.annotation.id),
                class: o.category,
                bbox: [b.x, b.y, b.w, b.h],
            })
        })
        .collect())
}

/// `labels` after `edits`; an edit naming no box of the image, a class
/// the dataset lacks or a box that is not a box is refused.
pub fn apply_edits(labels: &[Label], edits: &[Edit], classes: &[String]) -> Result<Vec<Label>> {
    let mut out = labels.to_vec();
    let class_ok = |c: &str| -> Result<()> {
        if classes.iter().any(|k| k == c) {
            return Ok(());
        }
        bail!(
            "no class {c:?} in the dataset; it has {}",
            classes.join(", ")
        )
    };
    let box_ok = |b: &[f64; 4]| -> Result<()> {
        if b.iter().all(|v| v.is_finite()) && b[2] > 0.0 && b[3] > 0.0 {
            return Ok(());
        }
        bail!("{b:?} is not a box [x, y, w, h] with a positive width and height")
    };
    for edit in edits {
        let find = |out: &[Label], id: i64| -> Result<usize> {
            match out.iter().position(|l| l.id == Some(id)) {
                Some(i) => Ok(i),
                None => bail!("the image has no box {id}"),
            }
        };
        match edit {
            Edit::Relabel { id, class } => {
                class_ok(class)?;
                let i = find(&out, *id)?;
                out[i].class = class.clone();
            }
            Edit::Move { id, bbox } => {
                box_ok(bbox)?;
                let i = find(&out, *id)?;
                out[i].bbox = *bbox;
            }
            Edit::Add { class, bbox } => {
                class_ok(class)?;
                box_ok(bbox)?;
                out.push(Label {
                    id: None,
                    class: class.clone(),
                    bbox: *bbox,
                });
            }
            Edit::Delete { id } => {
                let i = find(&out, *id)?;
                out.remove(i);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_change_a_copy_and_bad_ones_are_refused() {
        let labels = vec![
            Label {
                id: Some(1),
                class: "cat".into(),
                bbox: [0., 0., 5., 5.],
            },
            Label {
                id: Some(2),
                class: "dog".into(),
                bbox: [9., 9., 5., 5.],
            },
        ];
        let classes = vec!["cat".to_string(), "dog".to_string()];
        let edits = vec![
            Edit::Relabel {
                id: 1,
                class: "dog".into(),
            },
            Edit::Move {
                id: 2,
                bbox: [10., 10., 4., 4.],
            },
            Edit::Add {
                class: "cat".into(),
                bbox: [1., 1., 2., 2.],
            },
            Edit::Delete { id: 1 },
        ];
        let after = apply_edits(&labels, &edits, &classes).unwrap();
        assert_eq!(after.len(), 2);
        assert_eq!(after[0].bbox, [10., 10., 4., 4.]);
        assert_eq!(after[1].id, None);
        assert!(apply_edits(&labels, &[Edit::Delete { id: 7 }], &classes).is_err());
        let bad = Edit::Relabel {
            id: 1,
            class: "cow".into(),
        };
        assert!(apply_edits(&labels, &[bad], &classes).is_err());
        let flat = Edit::Add {
            class: "cat".into(),
            bbox: [0., 0., 0., 3.],
        };
        assert!(apply_edits(&labels, &[flat], &classes).is_err());
    }
}
