//! `assay select`: what to label next, and (`--simulate`) whether a
//! strategy beats random on a labelled set.

use anyhow::{bail, Result};
use assay_active::{Aggregation, SimulationOptions, Strategy};
use assay_app::project::choose_dataset;
use assay_app::review::{create_queue, QueueRequest, Source};
use assay_app::select::{choose, simulate_dataset, ChooseRequest};
use assay_store::Store;
use clap::Args;

use crate::output::table;

/// `assay select ...`.
#[derive(Debug, Args)]
pub struct SelectArgs {
    /// Dataset (default: the only one).
    #[arg(long)]
    dataset: Option<String>,
    /// Images to choose (or, with --simulate, labels added per round).
    #[arg(long, default_value_t = 100)]
    budget: usize,
    /// random, least_confidence, margin, entropy, coreset or hybrid (with
    /// --simulate: a comma-separated list; default all).
    #[arg(long)]
    strategy: Option<String>,
    /// The classifier whose stored probabilities uncertainty reads.
    #[arg(long)]
    model: Option<String>,
    /// The image embedding set (default: the dataset's newest).
    #[arg(long)]
    set: Option<i64>,
    /// Rank every image, not only those without labels.
    #[arg(long)]
    all: bool,
    /// Make a review queue of the chosen images with this name.
    #[arg(long)]
    queue: Option<String>,
    /// Write the chosen images' file names to FILE, one a line (what
    /// `assay export ... --samples FILE` takes).
    #[arg(long, value_name = "FILE", conflicts_with = "queue")]
    out: Option<std::path::PathBuf>,
    /// With --queue: its reviewers (comma-separated).
    #[arg(long, value_delimiter = ',', requires = "queue")]
    assign: Vec<String>,
    /// Seed of the random choices.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// For a detector: the image's uncertainty from its boxes' (max, mean
    /// or sum).
    #[arg(long, default_value = "max")]
    aggregate: String,
    /// Simulate the labelling loop on the labelled dataset instead.
    #[arg(long)]
    simulate: bool,
    /// With --simulate: labels at the start.
    #[arg(long, default_value_t = 100)]
    initial: usize,
    /// With --simulate: rounds after the start.
    #[arg(long, default_value_t = 10)]
    rounds: usize,
    /// With --simulate: seeds.
    #[arg(long, default_value_t = 5)]
    seeds: u64,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn strategy(name: &str) -> Result<Strategy> {
    match Strategy::parse(name.trim()) {
        Some(s) => Ok(s),
        None => bail!("unknown strategy {name:?}: random, least_confidence, margin, entropy, coreset or hybrid"),
    }
}

/// Runs `assay select`.
pub fn run(store: &mut Store, args: &SelectArgs) -> Result<()> {
    let dataset = choose_dataset(store, args.dataset.as_deref())?;
    if args.simulate {
        return simulate(store, &dataset, args);
    }
    let strategy = strategy(args.strategy.as_deref().unwrap_or("random"))?;
    let request = ChooseRequest {
        dataset: dataset.clone(),
        strategy,
        budget: args.budget,
        model: args.model.clone(),
        set: args.set,
        all: args.all,
        seed: args.seed,
        aggregation: match Aggregation::parse(&args.aggregate) {
            Some(a) => a,
            None => bail!(
                "--aggregate {:?}: expected max, mean or sum",
                args.aggregate
            ),
        },
    };
    let chosen = choose(store, &request)?;
    if let Some(name) = &args.queue {
        let rows = store.sample_rows(&dataset)?;
        let ids: Vec<i64> = chosen
            .iter()
            .filter_map(|image| rows.iter().find(|r| r.source_id == *image).map(|r| r.id))
            .collect();
        let queue = create_queue(
            store,
            &QueueRequest {
                dataset: dataset.clone(),
                name: name.clone(),
                source: Source::Samples(ids),
                overlap: 1,
                limit: None,
                assignees: args.assign.clone(),
                created_by: None,
            },
        )?;
        println!(
            "Made queue {} {:?} of {} images chosen by {}",
            queue.id,
            queue.name,
            queue.items,
            strategy.name()
        );
        return Ok(());
    }
    if let Some(out) = &args.out {
        let rows = store.sample_rows(&dataset)?;
        let names: Vec<&str> = chosen
            .iter()
            .filter_map(|image| {
                rows.iter()
                    .find(|r| r.source_id == *image)
                    .map(|r| r.file_name.as_str())
            })
            .collect();
        std::fs::write(out, names.join("\n") + "\n")
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", out.display()))?;
        println!(
            "Wrote the {} images chosen by {} to {} (export them with `assay export coco --samples {}`)",
            names.len(),
            strategy.name(),
            out.display(),
            out.display()
        );
        return Ok(());
    }
    if args.json {
        println!(
            "{}",
            serde_json::json!({"strategy": strategy.name(), "images": chosen})
        );
        return Ok(());
    }
    println!(
        "{} images of {dataset} to label next, by {} (dataset image ids, in order):",
        chosen.len(),
        strategy.name()
    );
    for id in chosen {
        println!("{id}");
    }
    Ok(())
}

fn simulate(store: &Store, dataset: &str, args: &SelectArgs) -> Result<()> {
    let strategies = match &args.strategy {
        None => Strategy::ALL.to_vec(),
        Some(list) => {
            let mut s: Vec<Strategy> = list.split(',').map(strategy).collect::<Result<_>>()?;
            if !s.contains(&Strategy::Random) {
                s.insert(0, Strategy::Random);
            }
            s
        }
    };
    let options = SimulationOptions {
        initial: args.initial,
        batch: args.budget,
        rounds: args.rounds,
        seeds: args.seeds,
        strategies,
        ..SimulationOptions::default()
    };
    let sim = simulate_dataset(store, dataset, args.set, &options)?;
    if args.json {
        println!("{}", serde_json::to_string(&sim)?);
        return Ok(());
    }
    println!(
        "Labelling loop on {dataset}: pool {}, test {}, {} seeds; classifier: {}",
        sim.pool, sim.test, args.seeds, sim.classifier
    );
    let mut headers = vec!["labels".to_string()];
    headers.extend(sim.curves.iter().map(|c| c.strategy.clone()));
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut t = table(&headers);
    for p in 0..sim.curves[0].labels.len() {
        let mut row = vec![sim.curves[0].labels[p].to_string()];
        row.extend(
            sim.curves
                .iter()
                .map(|c| format!("{:.3} ± {:.3}", c.mean[p], c.sd[p])),
        );
        t.add_row(row);
    }
    println!("Test accuracy, mean ± sd over seeds:\n{t}");
    let full = sim.curves[0].labels.last().copied().unwrap_or(0);
    let target = sim.curves[0].mean.last().copied().unwrap_or(f64::NAN);
    println!("Labels each strategy needs to reach random's {target:.3} at {full} labels:");
    for c in &sim.curves {
        match c.labels_to_match_random {
            Some(n) if c.strategy != "random" && n < full => println!(
                "  {}: {n} ({:.0}% of the budget)",
                c.strategy,
                100.0 * n as f64 / full as f64
            ),
            Some(n) if c.strategy != "random" => {
                println!("  {}: {n}: no better than random", c.strategy)
            }
            None => println!(
                "  {}: never within {full} labels: worse than random",
                c.strategy
            ),
            _ => {}
        }
    }
    Ok(())
}
