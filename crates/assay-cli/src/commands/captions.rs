//! `assay captions eval`: caption metrics of a COCO results file against a
//! COCO captions file, as pycocoevalcap computes them.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};
use assay_gen::captions::sacrebleu::{corpus_bleu, SacreBleu};
use assay_gen::captions::tokenize::ptb_tokenize;
use assay_gen::captions::{score_captions, CaptionScores, ImageCaptionScores, ImageCaptions};
use assay_io::error::IoError;
use serde::Deserialize;
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

/// Runs an `assay captions` subcommand.
pub fn run(cmd: CaptionsCommand) -> Result<()> {
    match cmd {
        CaptionsCommand::Eval(args) => eval(&args),
    }
}

/// A COCO captions file (`captions_val2017.json`): the fields used.
#[derive(Debug, Deserialize)]
struct CaptionsFile {
    #[serde(default)]
    images: Vec<ImageEntry>,
    annotations: Vec<CaptionEntry>,
}

#[derive(Debug, Deserialize)]
struct ImageEntry {
    id: i64,
}

/// One caption: an annotation of a captions file, or one result.
#[derive(Debug, Deserialize)]
struct CaptionEntry {
    image_id: i64,
    caption: String,
}

/// An image with its raw candidate and references.
struct RawImage {
    id: i64,
    candidate: String,
    references: Vec<String>,
}

fn eval(args: &CaptionsEvalArgs) -> Result<()> {
    let refs: CaptionsFile = read_json(&args.refs)?;
    let results: Vec<CaptionEntry> = read_json(&args.results)?;
    let (images, unscored) = pair_up(&args.refs, &refs, &args.results, &results)?;
    let tokenised: Vec<ImageCaptions<i64>> = images
        .iter()
        .map(|img| ImageCaptions {
            image_id: img.id,
            candidate: ptb_tokenize(&img.candidate),
            references: img.references.iter().map(|r| ptb_tokenize(r)).collect(),
        })
        .collect();
    let scores = score_captions(&tokenised)
        .with_context(|| format!("cannot score {}", args.results.display()))?;
    let sacre = (args.bleu == BleuArg::Sacrebleu).then(|| sacrebleu_of(&images));
    if unscored > 0 && !args.json {
        eprintln!(
            "note: {unscored} images of {} have no result and are not scored",
            args.refs.display()
        );
    }
    let by_id: HashMap<i64, &RawImage> = images.iter().map(|i| (i.id, i)).collect();
    if args.json {
        let report = json_report(&scores, sacre.as_ref(), &by_id, args.worst, unscored);
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_report(&scores, sacre.as_ref(), &by_id, args.worst);
    }
    Ok(())
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let bytes = assay_io::error::read_file(path)?;
    Ok(assay_io::json::parse_json(path, &bytes)?)
}

/// The scored images in the captions file's image order, and how many of
/// its images have no result. Errors as pycocoevalcap fails: a result for
/// an image not in the captions file or without captions, or a second
/// result for an image.
fn pair_up(
    refs_path: &Path,
    refs: &CaptionsFile,
    results_path: &Path,
    results: &[CaptionEntry],
) -> Result<(Vec<RawImage>, usize)> {
    let mut references: HashMap<i64, Vec<String>> = HashMap::new();
    for a in &refs.annotations {
        references
            .entry(a.image_id)
            .or_default()
            .push(a.caption.clone());
    }
    let order = image_order(refs);
    let known: HashMap<i64, usize> = order.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut candidates: HashMap<i64, (usize, &str)> = HashMap::new();
    for (i, r) in results.iter().enumerate() {
        let at = format!("$[{i}].image_id");
        if !known.contains_key(&r.image_id) {
            let msg = format!(
                "image {} is not an image of {} (pycocotools: \"Results do not correspond to current coco set\")",
                r.image_id,
                refs_path.display()
            );
            return Err(IoError::at(results_path, at, msg).into());
        }
        if !references.contains_key(&r.image_id) {
            let msg = format!(
                "image {} has no captions in {}, so its result cannot be scored",
                r.image_id,
                refs_path.display()
            );
            return Err(IoError::at(results_path, at, msg).into());
        }
        if let Some((first, _)) = candidates.insert(r.image_id, (i, &r.caption)) {
            let msg = format!(
                "a second result for image {} (the first is $[{first}]); pycocoevalcap scores \
                 exactly one caption per image and fails on duplicates: keep one",
                r.image_id
            );
            return Err(IoError::at(results_path, at, msg).into());
        }
    }
    let images: Vec<RawImage> = order
        .iter()
        .filter_map(|id| {
            let (_, caption) = candidates.get(id)?;
            Some(RawImage {
                id: *id,
                candidate: caption.to_string(),
                references: references.get(id).cloned().unwrap_or_default(),
            })
        })
        .collect();
    let with_refs = order
        .iter()
        .filter(|id| references.contains_key(id))
        .count();
    let unscored = with_refs - images.len();
    Ok((images, unscored))
}

/// The `images` ids in file order (or the annotations' first-seen order
/// when there is no `images` list), without repeats.
fn image_order(refs: &CaptionsFile) -> Vec<i64> {
    let ids: Vec<i64> = if refs.images.is_empty() {
        refs.annotations.iter().map(|a| a.image_id).collect()
    } else {
        refs.images.iter().map(|i| i.id).collect()
    };
    let mut seen = std::collections::HashSet::new();
    ids.into_iter().filter(|id| seen.insert(*id)).collect()
}

fn sacrebleu_of(images: &[RawImage]) -> SacreBleu {
    let hyps: Vec<&str> = images.iter().map(|i| i.candidate.as_str()).collect();
    let refs: Vec<Vec<&str>> = images
        .iter()
        .map(|i| i.references.iter().map(String::as_str).collect())
        .collect();
    corpus_bleu(&hyps, &refs)
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
