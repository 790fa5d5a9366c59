//! `assay embeddings list|export|import`: the stored embedding sets, and
//! vectors in and out as `.npy` files.

use std::path::PathBuf;

use anyhow::Result;
use assay_app::embed;
use assay_store::Store;
use clap::Subcommand;

use super::choose_dataset;
use crate::output::table;

/// `assay embeddings` subcommands.
#[derive(Debug, Subcommand)]
pub enum EmbeddingsCommand {
    /// List the stored embedding sets.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write a set as an `(n, d)` float32 `.npy` and a CSV of what each row is.
    #[command(
        after_help = "Example:\n  assay embeddings export --embeddings builtin --out feats.npy   # also writes feats.csv"
    )]
    Export {
        /// Dataset (default: the only one).
        #[arg(long)]
        dataset: Option<String>,
        /// Which set (extractor name; default: the most recent image-level set).
        #[arg(long, value_name = "NAME")]
        embeddings: Option<String>,
        /// The `.npy` file to write; the row list goes beside it as `.csv`.
        #[arg(long)]
        out: PathBuf,
    },
    /// Store vectors computed elsewhere: an `(n, d)` `.npy` and a file
    /// naming the sample of each row (a file name or image id per line).
    #[command(
        after_help = "Example:\n  assay embeddings import --npy feats.npy --rows files.txt --name my-clip"
    )]
    Import {
        /// Dataset (default: the only one).
        #[arg(long)]
        dataset: Option<String>,
        /// The vectors.
        #[arg(long)]
        npy: PathBuf,
        /// One line per row: the sample's file name or image id.
        #[arg(long)]
        rows: PathBuf,
        /// Name to store the set under.
        #[arg(long)]
        name: String,
    },
}

/// Runs `assay embeddings ...`.
pub fn embeddings(store: &mut Store, cmd: EmbeddingsCommand) -> Result<()> {
    match cmd {
        EmbeddingsCommand::List { json } => list(store, json),
        EmbeddingsCommand::Export {
            dataset,
            embeddings,
            out,
        } => {
            let dataset = choose_dataset(store, dataset.as_deref())?;
            let set = embed::choose_set(store, &dataset, embeddings.as_deref())?;
            let (rows, csv) = embed::export(store, &set, &out)?;
            println!(
                "wrote {rows} x {} vectors to {} and their rows to {}",
                set.dim,
                out.display(),
                csv.display()
            );
            Ok(())
        }
        EmbeddingsCommand::Import {
            dataset,
            npy,
            rows,
            name,
        } => {
            let dataset = choose_dataset(store, dataset.as_deref())?;
            let done = embed::import(store, &dataset, &npy, &rows, &name)?;
            println!(
                "imported {} {}-d vectors as {name:?} into {dataset:?} (map: {} clusters)",
                done.rows, done.dim, done.clusters
            );
            Ok(())
        }
    }
}

fn list(store: &Store, json: bool) -> Result<()> {
    let sets = store.embedding_sets(None)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&sets)?);
        return Ok(());
    }
    let mut t = table(&[
        "dataset",
        "extractor",
        "level",
        "dim",
        "vectors",
        "comparable",
        "weights (BLAKE3)",
    ]);
    for s in &sets {
        let hash: String = s.weights_hash.chars().take(16).collect();
        t.add_row(vec![
            s.dataset.clone(),
            s.extractor.clone(),
            s.level.name().into(),
            s.dim.to_string(),
            s.count.to_string(),
            if s.comparable { "yes" } else { "no (built-in)" }.into(),
            hash,
        ]);
    }
    println!("{t}");
    Ok(())
}
