//! `assay embed`: embeds a dataset (`assay_app::embed`) and prints what
//! was stored.

use std::path::PathBuf;

use anyhow::Result;
use assay_app::embed::{self, shards, EmbedOptions, EmbedSummary};
use assay_core::shard::Shard;
use assay_store::Store;
use clap::Args;

use crate::output::Bars;

/// Options of `assay embed`.
#[derive(Debug, Args)]
pub struct EmbedArgs {
    /// Dataset (default: the only one).
    #[arg(long)]
    pub dataset: Option<String>,
    /// `builtin` (weight-free, not comparable with published numbers), or
    /// a model folder in Hugging Face layout or a `.safetensors` file
    /// (CLIP, DINOv2). Nothing is downloaded.
    #[arg(long, default_value = "builtin", value_name = "PATH|builtin")]
    pub model: String,
    /// Embed the crops of ground-truth boxes instead of whole images.
    #[arg(long)]
    pub objects: bool,
    /// Images per forward pass (and per stored batch).
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub batch: u32,
    /// Number of k-means clusters for the map (default: about sqrt(n/2), 2 to 50).
    #[arg(long, value_name = "K")]
    pub clusters: Option<usize>,
    /// Cosine similarity from which two images (or objects) are near
    /// duplicates (`embedding_near_duplicates`, `embedding_split_leak`).
    #[arg(long, default_value_t = 0.97, value_name = "COS")]
    pub near_threshold: f32,
    /// Embed only shard K of N (a contiguous run of the dataset's images,
    /// cut at multiples of --batch) into --partial-out, storing nothing;
    /// every shard's file then goes to --merge.
    #[arg(long, value_name = "K/N", requires = "partial_out")]
    pub shard: Option<Shard>,
    /// Write the (shard's) vectors to FILE instead of storing them.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["json", "merge"])]
    pub partial_out: Option<PathBuf>,
    /// Store the vectors of every shard's --partial-out file (once each,
    /// any order), then compute the map and neighbours over all of them:
    /// the same result as one unsharded run. The parts name the extractor,
    /// level and batch; --model, --objects and --batch are not used.
    #[arg(long, num_args = 1.., value_name = "FILE", conflicts_with = "shard")]
    pub merge: Vec<PathBuf>,
    /// Print a JSON summary.
    #[arg(long)]
    pub json: bool,
}

impl EmbedArgs {
    /// The workflow's options.
    pub fn options(&self) -> EmbedOptions {
        EmbedOptions {
            dataset: self.dataset.clone(),
            model: self.model.clone(),
            objects: self.objects,
            batch: self.batch as usize,
            clusters: self.clusters,
            near_threshold: self.near_threshold,
        }
    }
}

/// Runs `assay embed`.
pub fn run(store: &mut Store, args: &EmbedArgs) -> Result<()> {
    if let Some(out) = &args.partial_out {
        let shard = args.shard.unwrap_or(Shard { index: 0, count: 1 });
        let part = shards::embed_shard(store, &args.options(), shard, &Bars::default())?;
        shards::write_part(&part, out)?;
        let h = &part.header;
        println!(
            "{} {}-d {} embeddings of shard {}/{} of dataset {:?} ({} images in all) written to {}",
            h.keys.len(),
            h.dim,
            h.level.name(),
            shard.index + 1,
            shard.count,
            h.dataset,
            h.images,
            out.display()
        );
        return Ok(());
    }
    if !args.merge.is_empty() {
        let parts = args
            .merge
            .iter()
            .map(|p| shards::read_part(p))
            .collect::<Result<Vec<_>>>()?;
        let summary = shards::merge(store, &args.options(), parts, &Bars::default())?;
        return print_summary(&summary, args.json);
    }
    show(store, &args.options(), args.json)
}

/// Embeds, stores and prints the summary.
pub fn show(store: &mut Store, options: &EmbedOptions, json: bool) -> Result<()> {
    let summary = embed::embed(store, options, &Bars::default())?;
    for note in &summary.notes {
        eprintln!("note: {note}");
    }
    print_summary(&summary, json)
}

fn print_summary(s: &EmbedSummary, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(s)?);
        return Ok(());
    }
    println!(
        "{} {}-d {} embeddings of {} stored ({} computed now, {} already there) in {:.1} s; map: PCA with {} k-means clusters",
        s.stored, s.dim, s.level.name(), s.dataset, s.computed, s.already_stored, s.seconds, s.clusters
    );
    let n = &s.neighbours;
    println!(
        "neighbours: {} near-duplicate groups, {} split leaks, {} label mismatches (assay issues --type embedding_near_duplicates)",
        n.near_duplicate_groups, n.split_leaks, n.label_mismatches
    );
    if s.unreadable > 0 {
        println!("{} images could not be decoded and have no embedding (assay quality lists them as unreadable)", s.unreadable);
    }
    if s.without_file > 0 {
        println!(
            "{} samples have no image file in the project and were skipped",
            s.without_file
        );
    }
    Ok(())
}
