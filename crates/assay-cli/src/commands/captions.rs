//! `assay captions eval`: caption metrics of a COCO results file against a
//! COCO captions file, as pycocoevalcap computes them.

use std::collections::HashMap;

use anyhow::Result;
use assay_app::captions::{score_files, RawImage};
use assay_gen::captions::sacrebleu::SacreBleu;
use assay_gen::captions::{CaptionScores, ImageCaptionScores};
use serde_json::{json, Value};

use crate::output::table;

use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Caption commands.
#[derive(Debug, Subcommand)]
pub enum CaptionsCommand {
    /// BLEU-1..4, CIDEr-D and ROUGE-L of a COCO captions results file, as
    /// pycocoevalcap computes them (corpus and per image), with the images
    /// whose captions score lowest. Captions are tokenised like
    /// pycocoevalcap's PTBTokenizer (without Java; see the docs for the
    /// rare differences).
    #[command(
        after_help = "Examples:\n  assay captions eval --refs captions_val2017.json --results results.json\n  assay captions eval --refs refs.json --results results.json --bleu sacrebleu --worst 20\n  assay captions eval --refs refs.json --results results.json --json | jq '.metrics.CIDEr'"
    )]
    Eval(CaptionsEvalArgs),
}

/// Options of `assay captions eval`.
#[derive(Debug, Args)]
pub struct CaptionsEvalArgs {
    /// References: a COCO captions file (`images`, `annotations` with
    /// `image_id` and `caption`).
    #[arg(long, value_name = "FILE")]
    pub refs: PathBuf,
    /// Candidates: a COCO results list (`[{"image_id", "caption"}]`), one
    /// caption per image.
    #[arg(long, value_name = "FILE")]
    pub results: PathBuf,
    /// Which BLEU: pycocoevalcap's Bleu_1..4 on tokenised text, or
    /// sacrebleu's corpus BLEU (13a tokenizer on the raw captions).
    #[arg(long, value_enum, default_value = "coco")]
    pub bleu: BleuArg,
    /// How many of the lowest-CIDEr images to list.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub worst: usize,
    /// Print one JSON object (corpus `metrics`, `worst`, `per_image`).
    #[arg(long)]
    pub json: bool,
}

/// Which BLEU `assay captions eval` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BleuArg {
    /// pycocoevalcap's Bleu_1..4 (0..1).
    Coco,
    /// sacrebleu's corpus_bleu (0..100).
    Sacrebleu,
}

fn eval(args: &CaptionsEvalArgs) -> Result<()> {
    let scored = score_files(&args.refs, &args.results, args.bleu == BleuArg::Sacrebleu)?;
    if scored.unscored > 0 && !args.json {
        eprintln!(
            "note: {} images of {} have no result and are not scored",
            scored.unscored,
            args.refs.display()
        );
    }
    let by_id: HashMap<i64, &RawImage> = scored.images.iter().map(|i| (i.id, i)).collect();
    let sacre = scored.sacrebleu.as_ref();
    if args.json {
        let report = json_report(&scored.scores, sacre, &by_id, args.worst, scored.unscored);
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_report(&scored.scores, sacre, &by_id, args.worst);
    }
    Ok(())
}

/// Runs an `assay captions` subcommand.
pub fn run(cmd: CaptionsCommand) -> Result<()> {
    match cmd {
        CaptionsCommand::Eval(args) => eval(&args),
    }
}

fn metric_rows(scores: &CaptionScores<i64>, sacre: Option<&SacreBleu>) -> Vec<(String, f64)> {
    let c = &scores.corpus;
    let mut rows: Vec<(String, f64)> = match sacre {
        Some(s) => vec![("BLEU (sacrebleu)".to_string(), s.score)],
        None => (0..4)
            .map(|k| (format!("Bleu_{}", k + 1), c.bleu[k]))
            .collect(),
    };
    rows.push(("CIDEr".to_string(), c.cider));
    rows.push(("ROUGE_L".to_string(), c.rouge_l));
    rows
}

fn print_report(
    scores: &CaptionScores<i64>,
    sacre: Option<&SacreBleu>,
    images: &HashMap<i64, &RawImage>,
    worst: usize,
) {
    println!(
        "{} images scored (captions tokenised as pycocoevalcap's PTBTokenizer does)",
        scores.per_image.len()
    );
    let mut t = table(&["metric", "score"]);
    for (name, value) in metric_rows(scores, sacre) {
        t.add_row(vec![name, format!("{value:.4}")]);
    }
    println!("{t}");
    if let Some(s) = sacre {
        let p: Vec<String> = s.precisions.iter().map(|p| format!("{p:.1}")).collect();
        println!(
            "sacrebleu: {} (BP = {:.3} hyp_len = {} ref_len = {}; 13a tokenizer, exp smoothing)",
            p.join("/"),
            s.bp,
            s.sys_len,
            s.ref_len
        );
    }
    if worst == 0 {
        return;
    }
    println!("Lowest CIDEr:");
    let mut t = table(&[
        "image",
        "CIDEr",
        "Bleu_4",
        "ROUGE_L",
        "caption",
        "a reference",
    ]);
    for s in scores.worst_by_cider().into_iter().take(worst) {
        let img = images.get(&s.image_id);
        t.add_row(vec![
            s.image_id.to_string(),
            format!("{:.3}", s.cider),
            format!("{:.3}", s.bleu[3]),
            format!("{:.3}", s.rouge_l),
            img.map(|i| i.candidate.clone()).unwrap_or_default(),
            img.and_then(|i| i.references.first().cloned())
                .unwrap_or_default(),
        ]);
    }
    println!("{t}");
}

fn image_json(s: &ImageCaptionScores<i64>) -> Value {
    json!({
        "image_id": s.image_id,
        "Bleu_1": s.bleu[0], "Bleu_2": s.bleu[1], "Bleu_3": s.bleu[2], "Bleu_4": s.bleu[3],
        "CIDEr": s.cider,
        "ROUGE_L": s.rouge_l,
    })
}

fn json_report(
    scores: &CaptionScores<i64>,
    sacre: Option<&SacreBleu>,
    images: &HashMap<i64, &RawImage>,
    worst: usize,
    unscored: usize,
) -> Value {
    let c = &scores.corpus;
    let mut metrics = json!({
        "Bleu_1": c.bleu[0], "Bleu_2": c.bleu[1], "Bleu_3": c.bleu[2], "Bleu_4": c.bleu[3],
        "CIDEr": c.cider,
        "ROUGE_L": c.rouge_l,
    });
    if let Some(s) = sacre {
        metrics["sacrebleu"] = json!({
            "score": s.score, "counts": s.counts, "totals": s.totals,
            "precisions": s.precisions, "bp": s.bp, "sys_len": s.sys_len, "ref_len": s.ref_len,
        });
    }
    let worst: Vec<Value> = scores
        .worst_by_cider()
        .into_iter()
        .take(worst)
        .map(|s| {
            let mut v = image_json(s);
            if let Some(img) = images.get(&s.image_id) {
                v["caption"] = json!(img.candidate);
                v["references"] = json!(img.references);
            }
            v
        })
        .collect();
    json!({
        "images": scores.per_image.len(),
        "unscored_images": unscored,
        "metrics": metrics,
        "worst": worst,
        "per_image": scores.per_image.iter().map(image_json).collect::<Vec<_>>(),
    })
}
