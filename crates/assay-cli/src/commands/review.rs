//! `assay users` and `assay review`: people, review queues, their progress
//! and agreement.

use anyhow::{bail, Result};
use assay_app::project::choose_dataset;
use assay_app::review::{
    add_user, annotator_agreement, create_queue, import_annotators, issue_precision,
    queue_agreement, AnnotatorFile, QueueRequest, Source,
};
use assay_store::{Role, Store};
use clap::Subcommand;

use crate::output::table;

/// `assay users ...`.
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Add a user; prints their token once (only its hash is stored).
    Add {
        /// The user's name.
        name: String,
        /// admin, reviewer, viewer, or ingest (may only send production
        /// records to `POST /api/ingest`).
        #[arg(long, default_value = "reviewer")]
        role: String,
    },
    /// List the users.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove a user (their token stops working; their verdicts stay).
    Remove {
        /// The user's name.
        name: String,
    },
}

/// `assay review ...`.
#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// Make a review queue from issue:TYPE, label_issues,
    /// samples:ID,ID,... or cell:RUN:ROW:COLUMN.
    Create {
        /// The queue's name.
        #[arg(long)]
        name: String,
        /// What it is made from.
        #[arg(long, value_name = "SELECTION")]
        from: String,
        /// Reviewers per item.
        #[arg(long, default_value_t = 1)]
        overlap: u32,
        /// At most this many items (the worst first).
        #[arg(long)]
        limit: Option<usize>,
        /// Reviewers (user names, comma-separated).
        #[arg(long, value_delimiter = ',')]
        assign: Vec<String>,
        /// Dataset (default: the only one).
        #[arg(long)]
        dataset: Option<String>,
    },
    /// List the queues with their progress.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Import labels of a dataset's images from several annotators: a
    /// COCO file (one annotator, or an `annotator` field per annotation),
    /// CVAT XML or a LabelMe folder.
    ImportAnnotators {
        /// A COCO file.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["cvat", "labelme"])]
        coco: Option<std::path::PathBuf>,
        /// A CVAT for images 1.1 XML file.
        #[arg(long, value_name = "FILE", conflicts_with = "labelme")]
        cvat: Option<std::path::PathBuf>,
        /// A folder of LabelMe files.
        #[arg(long, value_name = "DIR")]
        labelme: Option<std::path::PathBuf>,
        /// The file's annotator (default: the COCO annotations' own
        /// `annotator` fields, or the CVAT task's owner).
        #[arg(long)]
        annotator: Option<String>,
        /// Dataset (default: the only one).
        #[arg(long)]
        dataset: Option<String>,
    },
    /// How far a dataset's imported annotators agree: boxes (alpha with
    /// 1 - IoU, per class, per pair) and image classes (alpha; kappa per
    /// pair).
    Agreement {
        /// Dataset (default: the only one).
        #[arg(long)]
        dataset: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Consensus image classes and each annotator's quality (CROWDLAB)
    /// from the imported annotators and a classifier's probabilities.
    Consensus {
        /// The classifier (its stored class probabilities).
        #[arg(long)]
        model: String,
        /// Dataset (default: the only one).
        #[arg(long)]
        dataset: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// A queue's progress and how far its reviewers agree.
    Show {
        /// The queue's id.
        queue: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `assay users ...`.
pub fn users(store: &mut Store, cmd: UsersCommand) -> Result<()> {
    match cmd {
        UsersCommand::Add { name, role } => {
            let Some(role) = Role::parse(&role) else {
                bail!("--role {role:?}: expected admin, reviewer, viewer or ingest");
            };
            let (user, token) = add_user(store, &name, role)?;
            println!(
                "Added {} ({}). Their token, shown only now:",
                user.name,
                user.role.as_str()
            );
            println!("{token}");
        }
        UsersCommand::List { json } => {
            let users = store.users()?;
            if json {
                println!("{}", serde_json::to_string(&users)?);
                return Ok(());
            }
            let mut t = table(&["user", "role", "added"]);
            for u in users {
                t.add_row(vec![u.name, u.role.as_str().to_string(), u.created_at]);
            }
            println!("{t}");
        }
        UsersCommand::Remove { name } => {
            store.remove_user(&name)?;
            println!("Removed {name}");
        }
    }
    Ok(())
}

/// Runs `assay review ...`.
pub fn review(store: &mut Store, cmd: ReviewCommand) -> Result<()> {
    match cmd {
        ReviewCommand::Create {
            name,
            from,
            overlap,
            limit,
            assign,
            dataset,
        } => {
            let dataset = choose_dataset(store, dataset.as_deref())?;
            let queue = create_queue(
                store,
                &QueueRequest {
                    dataset,
                    name,
                    source: Source::parse(&from)?,
                    overlap,
                    limit,
                    assignees: assign,
                    created_by: None,
                },
            )?;
            println!(
                "Created queue {} {:?}: {} items from {}, {} reviewer(s) per item, assigned to {}",
                queue.id,
                queue.name,
                queue.items,
                queue.source,
                queue.overlap,
                if queue.assignees.is_empty() {
                    "admins only".to_string()
                } else {
                    queue.assignees.join(", ")
                }
            );
        }
        ReviewCommand::ImportAnnotators {
            coco,
            cvat,
            labelme,
            annotator,
            dataset,
        } => {
            let dataset = choose_dataset(store, dataset.as_deref())?;
            let file = match (coco, cvat, labelme) {
                (Some(f), _, _) => AnnotatorFile::Coco(f, annotator),
                (_, Some(f), _) => AnnotatorFile::Cvat(f, annotator),
                (_, _, Some(dir)) => {
                    let Some(who) = annotator else {
                        bail!(
                            "--labelme needs --annotator: LabelMe files do not name who made them"
                        );
                    };
                    AnnotatorFile::Labelme(dir, who)
                }
                _ => bail!("name the labels: --coco FILE, --cvat FILE or --labelme DIR"),
            };
            for (who, images, labels) in import_annotators(store, &dataset, &file)? {
                println!("Stored {labels} labels of {who} on {images} images of {dataset}");
            }
        }
        ReviewCommand::Agreement { dataset, json } => {
            let dataset = choose_dataset(store, dataset.as_deref())?;
            let a = annotator_agreement(store, &dataset)?;
            if json {
                println!("{}", serde_json::to_string(&a)?);
                return Ok(());
            }
            let num = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.3}"));
            println!(
                "{} annotators on {} shared images of {dataset}: boxes alpha {}, masks alpha {}, image classes alpha {}",
                a.annotators.len(),
                a.images,
                num(a.box_alpha),
                num(a.mask_alpha),
                num(a.class_alpha)
            );
            let mut t = table(&[
                "annotators",
                "images",
                "boxes alpha",
                "masks alpha",
                "kappa",
            ]);
            for p in &a.pairs {
                t.add_row(vec![
                    format!("{} / {}", p.a, p.b),
                    p.images.to_string(),
                    num(p.box_alpha),
                    num(p.mask_alpha),
                    num(p.kappa),
                ]);
            }
            println!("{t}");
            let mut t = table(&["class", "boxes alpha"]);
            for (c, v) in &a.per_class {
                t.add_row(vec![c.clone(), num(*v)]);
            }
            println!("{t}");
        }
        ReviewCommand::Consensus {
            model,
            dataset,
            json,
        } => {
            let dataset = choose_dataset(store, dataset.as_deref())?;
            let c = assay_app::review::annotator_consensus(store, &dataset, &model)?;
            if json {
                println!("{}", serde_json::to_string(&c)?);
                return Ok(());
            }
            println!(
                "{} on {} images ({} without the model's probabilities left out)",
                c.method, c.images, c.without_probabilities
            );
            let mut t = table(&[
                "annotator",
                "quality",
                "agrees with consensus",
                "worst class",
                "labelled",
            ]);
            for a in &c.annotators {
                t.add_row(vec![
                    a.annotator.clone(),
                    format!("{:.3}", a.quality),
                    format!("{:.3}", a.agreement_with_consensus),
                    a.worst_class.clone(),
                    a.labelled.to_string(),
                ]);
            }
            println!("{t}");
            println!(
                "{} images whose consensus differs from the stored label",
                c.differs_from_label.len()
            );
            let (flagged, confirmed) = c.flagged_confirmed;
            if flagged > 0 {
                println!(
                    "Of the {flagged} images assay flagged with a label issue, the consensus confirms {confirmed} ({:.0}%)",
                    100.0 * confirmed as f64 / flagged as f64
                );
            }
            for (file, label, consensus, q) in c.differs_from_label.iter().take(10) {
                println!("  {file}: labelled {label}, consensus {consensus} (quality {q:.3})");
            }
        }
        ReviewCommand::List { json } => {
            let queues = store.queues(None)?;
            if json {
                println!("{}", serde_json::to_string(&queues)?);
                return Ok(());
            }
            let mut t = table(&[
                "queue",
                "name",
                "dataset",
                "from",
                "done",
                "verdicts",
                "reviewers",
            ]);
            for q in queues {
                t.add_row(vec![
                    q.id.to_string(),
                    q.name,
                    q.dataset,
                    q.source,
                    format!("{} of {}", q.done, q.items),
                    q.verdicts.to_string(),
                    q.assignees.join(", "),
                ]);
            }
            println!("{t}");
        }
        ReviewCommand::Show { queue, json } => {
            let info = store.queue(queue)?;
            let agreement = queue_agreement(store, queue)?;
            let precision = issue_precision(store, queue)?;
            if json {
                let out = serde_json::json!({"queue": info, "agreement": agreement, "precision": precision});
                println!("{out}");
                return Ok(());
            }
            let num = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.3}"));
            println!(
                "Queue {} {:?} on {}: {} of {} items done, {} verdicts",
                info.id, info.name, info.dataset, info.done, info.items, info.verdicts
            );
            println!(
                "Agreement over {} items: decisions alpha {}, boxes alpha {}",
                agreement.items,
                num(agreement.decision_alpha),
                num(agreement.box_alpha)
            );
            let mut t = table(&["reviewers", "items", "kappa", "boxes alpha"]);
            for p in &agreement.pairs {
                t.add_row(vec![
                    format!("{} / {}", p.a, p.b),
                    p.items.to_string(),
                    num(p.kappa),
                    num(p.box_alpha),
                ]);
            }
            println!("{t}");
            if !precision.is_empty() {
                let mut t = table(&["issue", "settled", "confirmed", "precision"]);
                for p in &precision {
                    t.add_row(vec![
                        p.issue.clone(),
                        p.resolved.to_string(),
                        p.confirmed.to_string(),
                        num(p.precision),
                    ]);
                }
                println!("How many flagged issues the reviewers confirmed:\n{t}");
            }
        }
    }
    Ok(())
}
