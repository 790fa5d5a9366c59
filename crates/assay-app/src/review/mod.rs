//! Human review: named users with roles and tokens, review queues made
//! from what assay finds (issue types, label issues, chosen images), the
//! verdicts reviewers give (accept, reject, fixes to the labels, skip,
//! with a note), how far reviewers agree, and the corrected dataset with a
//! changelog (the stored labels are never changed in place).

mod agreement;
mod annotators;
mod labels;
mod queues;
mod resolve;
mod users;

pub use agreement::{queue_agreement, QueueAgreement};
pub use annotators::{
    annotator_agreement, annotator_consensus, import_annotators, AnnotatorAgreement, AnnotatorFile,
    AnnotatorPair, AnnotatorQuality, Consensus, Imported,
};
pub use labels::{apply_edits, image_labels, Edit, Label};
pub use queues::{create_queue, QueueRequest, Source};
pub use resolve::{corrected_dataset, issue_precision, Change, Changelog, IssuePrecision};
pub use users::{add_user, authenticate, token_hash};

use anyhow::{bail, Context, Result};
use assay_store::{NewVerdict, Store, User};
use serde::{Deserialize, Serialize};

/// What a reviewer decided about an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The labels shown are right.
    Accept,
    /// They are wrong, and the reviewer did not fix them.
    Reject,
    /// The reviewer fixed them (the edits).
    Fix,
    /// Seen, no verdict: the item stays open for others.
    Skip,
}

impl Decision {
    /// Its name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Accept => "accept",
            Decision::Reject => "reject",
            Decision::Fix => "fix",
            Decision::Skip => "skip",
        }
    }

    /// The decision named `s`.
    pub fn parse(s: &str) -> Option<Decision> {
        match s {
            "accept" => Some(Decision::Accept),
            "reject" => Some(Decision::Reject),
            "fix" => Some(Decision::Fix),
            "skip" => Some(Decision::Skip),
            _ => None,
        }
    }
}

/// A verdict as a reviewer gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerdictInput {
    /// The decision.
    pub decision: Decision,
    /// The fixes (only with `fix`).
    #[serde(default)]
    pub edits: Vec<Edit>,
    /// A note.
    #[serde(default)]
    pub note: Option<String>,
}

/// A verdict recorded: the labels before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recorded {
    /// The verdict's id.
    pub id: i64,
    /// The image's labels before.
    pub before: Vec<Label>,
    /// And after the edits.
    pub after: Vec<Label>,
}

/// Records `user`'s verdict on item `item`: checks that the user may
/// review its queue and that the edits fit the image, and stores the
/// labels before and after. Nothing earlier is replaced.
pub fn submit(
    store: &mut Store,
    user: &User,
    item: i64,
    verdict: &VerdictInput,
) -> Result<Recorded> {
    let row = store.review_item(item)?;
    let queue = store.queue(row.queue)?;
    if user.role != assay_store::Role::Admin && !store.is_assigned(row.queue, user.id)? {
        bail!(Forbidden(format!(
            "{} is not assigned to review queue {:?}",
            user.name, queue.name
        )));
    }
    if matches!(
        user.role,
        assay_store::Role::Viewer | assay_store::Role::Ingest
    ) {
        bail!(Forbidden(format!("{} may only read", user.name)));
    }
    match (verdict.decision, verdict.edits.is_empty()) {
        (Decision::Fix, true) => bail!("a fix needs at least one edit"),
        (Decision::Accept | Decision::Reject | Decision::Skip, false) => {
            bail!(
                "only a fix carries edits; this verdict is {}",
                verdict.decision.as_str()
            )
        }
        _ => {}
    }
    let before = image_labels(store, row.sample)?;
    let classes: Vec<String> = store
        .class_names(&queue.dataset)?
        .into_iter()
        .map(|c| c.1)
        .collect();
    let after = apply_edits(&before, &verdict.edits, &classes)?;
    let id = store.add_verdict(&NewVerdict {
        item,
        user: user.id,
        decision: verdict.decision.as_str().to_string(),
        edits: serde_json::to_string(&verdict.edits)?,
        before: serde_json::to_string(&before)?,
        after: serde_json::to_string(&after)?,
        note: verdict.note.clone().filter(|n| !n.trim().is_empty()),
    })?;
    Ok(Recorded { id, before, after })
}

/// A request the caller's role does not allow (the server answers 403).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forbidden(pub String);

impl std::fmt::Display for Forbidden {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Forbidden {}

/// Reads back what [`submit`] stored as JSON.
pub(crate) fn parse_stored<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).with_context(|| format!("a stored {what} assay cannot read back"))
}
