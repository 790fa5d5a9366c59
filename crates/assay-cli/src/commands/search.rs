//! `assay search`: the samples nearest to a text, an image file or a
//! sample (`assay_app::embed::search`), printed.

use std::path::PathBuf;

use anyhow::Result;
use assay_app::embed::search::{search, Found, SearchQuery};
use assay_index::Metric;
use assay_store::{EmbeddingSet, Store};
use clap::{ArgGroup, Args};

use crate::output::table;

/// Options of `assay search`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("query").required(true).args(["text", "image", "sample"])))]
pub struct SearchArgs {
    /// Text query (needs embeddings from a CLIP model).
    #[arg(long)]
    pub text: Option<String>,
    /// Image file to find similar samples to.
    #[arg(long, value_name = "FILE")]
    pub image: Option<PathBuf>,
    /// A sample of the dataset (file name or image id).
    #[arg(long, value_name = "ID|FILE_NAME")]
    pub sample: Option<String>,
    /// Number of results.
    #[arg(short, long, default_value_t = 10)]
    pub k: usize,
    /// Dataset (default: the only one).
    #[arg(long)]
    pub dataset: Option<String>,
    /// Which stored embeddings (extractor name, e.g. `builtin`; default: the
    /// most recent image-level set).
    #[arg(long, value_name = "NAME")]
    pub embeddings: Option<String>,
    /// Only samples of this split.
    #[arg(long)]
    pub split: Option<String>,
    /// Only samples with an object of this class.
    #[arg(long = "class", value_name = "CLASS")]
    pub class: Option<String>,
    /// Distance: cosine similarity (default) or Euclidean distance.
    #[arg(long, value_enum, default_value_t = Metric::Cosine)]
    pub metric: Metric,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

impl SearchArgs {
    /// The query.
    pub fn query(&self) -> SearchQuery {
        SearchQuery {
            text: self.text.clone(),
            image: self.image.clone(),
            sample: self.sample.clone(),
            k: self.k,
            dataset: self.dataset.clone(),
            embeddings: self.embeddings.clone(),
            split: self.split.clone(),
            class: self.class.clone(),
            metric: self.metric,
        }
    }
}

/// Runs `assay search`.
pub fn run(store: &Store, args: &SearchArgs) -> Result<()> {
    show(store, &args.query(), args.json)
}

/// Searches and prints the results.
pub fn show(store: &Store, query: &SearchQuery, json: bool) -> Result<()> {
    let (found, set) = search(store, query)?;
    print(&found, &set, query.metric, json)
}

fn print(found: &[Found], set: &EmbeddingSet, metric: Metric, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(found)?);
        return Ok(());
    }
    let score = if metric == Metric::Cosine {
        "cosine"
    } else {
        "distance"
    };
    let mut t = table(&["rank", score, "image id", "file", "split", "path"]);
    for f in found {
        t.add_row(vec![
            f.rank.to_string(),
            format!("{:.4}", f.score),
            f.image_id.to_string(),
            f.file_name.clone(),
            f.split.clone().unwrap_or_default(),
            f.path.clone().unwrap_or_default(),
        ]);
    }
    println!("{t}");
    if !set.comparable {
        println!("(built-in extractor: similarity of layout, colour and edges, not of meaning)");
    }
    Ok(())
}
