//! `assay runs`: the recorded runs with their headline metrics.

use anyhow::Result;
use assay_app::runs::{compare_runs, find_runs, log_values, RunFilter};
use assay_report::format;
use assay_store::Store;

use crate::output::table;

/// Options of `assay runs`.
#[derive(Debug, clap::Args)]
pub struct RunsArgs {
    /// Only runs on this dataset.
    #[arg(long)]
    pub dataset: Option<String>,
    /// Only runs of this task (detection, classification, segmentation,
    /// generation).
    #[arg(long)]
    pub task: Option<String>,
    /// Only runs of this model.
    #[arg(long)]
    pub model: Option<String>,
    /// Only runs recorded at or after this time (e.g. 2026-12-01).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only runs whose parameters have KEY=VALUE (repeatable).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// Compare these runs (ids, comma-separated): one row per run, one
    /// column per metric, the best of each column marked with *.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub compare: Vec<i64>,
    /// The metrics of --compare (default: all of them).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub metrics: Vec<String>,
    /// List the tracked command runs (evaluate, quality, embed, gen
    /// eval, analyze, check): arguments, input hashes, version, git
    /// commit, wall and CPU time, peak memory, runs recorded.
    #[arg(long)]
    pub commands: bool,
    /// Only tracked runs of this command (implies --commands).
    #[arg(long, value_name = "NAME")]
    pub command: Option<String>,
    /// Print the series logged with `assay log` (all, or of one run name
    /// with --name).
    #[arg(long)]
    pub series: bool,
    /// The run name of --series.
    #[arg(long, value_name = "RUN")]
    pub name: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Runs `assay runs`.
pub fn run(store: &Store, args: &RunsArgs) -> Result<()> {
    if args.series || args.name.is_some() {
        return series(store, args.name.as_deref(), args.json);
    }
    if args.commands || args.command.is_some() {
        return list_commands(store, args.command.as_deref(), args.json);
    }
    if !args.compare.is_empty() {
        return compare(store, &args.compare, &args.metrics, args.json);
    }
    let filter = RunFilter {
        dataset: args.dataset.clone(),
        task: args.task.clone(),
        model: args.model.clone(),
        since: args.since.clone(),
        params: args.params.clone(),
    };
    let runs = find_runs(store, &filter)?;
    let filtered = filter.dataset.is_some()
        || filter.task.is_some()
        || filter.model.is_some()
        || filter.since.is_some()
        || !filter.params.is_empty();
    if runs.is_empty() && filtered && !args.json {
        println!("No run matches these filters (see `assay runs`).");
        return Ok(());
    }
    list_runs(runs, args.json)
}

/// Prints chosen metrics of chosen runs, the best of each marked.
fn compare(store: &Store, ids: &[i64], metrics: &[String], json: bool) -> Result<()> {
    let table_data = compare_runs(store, ids, metrics)?;
    if json {
        println!("{}", serde_json::to_string(&table_data)?);
        return Ok(());
    }
    let mut header = vec!["run", "model", "dataset"];
    header.extend(table_data.metrics.iter().map(String::as_str));
    let mut t = table(&header);
    for (i, r) in table_data.runs.iter().enumerate() {
        let mut row = vec![r.id.to_string(), r.model.clone(), r.dataset.clone()];
        for (j, v) in table_data.values[i].iter().enumerate() {
            let mark = if table_data.best[j] == Some(i) {
                " *"
            } else {
                ""
            };
            row.push(v.map_or("-".to_string(), |v| format!("{}{mark}", format::metric(v))));
        }
        t.add_row(row);
    }
    println!("{t}");
    println!("* best of the column (lower is better for fid, kid, ece, brier, label_issues and TIDE's deltas)");
    Ok(())
}

/// Lists runs with their headline metrics.
fn list_runs(runs: Vec<assay_store::RunInfo>, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string(&runs)?);
        return Ok(());
    }
    if runs.is_empty() {
        println!("No runs yet; run `assay evaluate --model NAME`.");
        return Ok(());
    }
    let wanted = ["ap", "ap50", "ap75", "ar@100", "accuracy", "macro_f1"];
    let headline: Vec<&str> = wanted
        .into_iter()
        .filter(|name| {
            runs.iter()
                .any(|r| r.metrics.iter().any(|(n, _)| n == name))
        })
        .collect();
    let mut header = vec!["run", "created", "dataset", "model", "task"];
    header.extend(&headline);
    let mut t = table(&header);
    for r in runs {
        let metric = |name: &str| {
            r.metrics
                .iter()
                .find(|(n, _)| n == name)
                .map_or("-".to_string(), |(_, v)| format::metric(*v))
        };
        let mut row = vec![
            r.id.to_string(),
            r.created_at.clone(),
            r.dataset.clone(),
            r.model.clone(),
            r.task.clone(),
        ];
        row.extend(headline.iter().map(|h| metric(h)));
        t.add_row(row);
    }
    println!("{t}");
    Ok(())
}

/// Lists tracked command runs, newest first.
fn list_commands(store: &Store, command: Option<&str>, json: bool) -> Result<()> {
    let runs = store.command_runs(command)?;
    if json {
        println!("{}", serde_json::to_string(&runs)?);
        return Ok(());
    }
    if runs.is_empty() {
        println!("No tracked command runs yet.");
        return Ok(());
    }
    let mut t = table(&[
        "id", "command", "started", "wall s", "cpu s", "peak MiB", "exit", "git", "runs",
    ]);
    for r in runs {
        let git = match (&r.git_commit, r.git_dirty) {
            (Some(c), Some(true)) => format!("{}+dirty", &c[..c.len().min(10)]),
            (Some(c), _) => c[..c.len().min(10)].to_string(),
            (None, _) => "-".to_string(),
        };
        let recorded: Vec<String> = r.recorded_runs.iter().map(i64::to_string).collect();
        t.add_row(vec![
            r.id.to_string(),
            r.command,
            r.started_at,
            format!("{:.2}", r.wall_s),
            format!("{:.2}", r.user_s + r.system_s),
            format!("{:.1}", r.peak_rss_kib as f64 / 1024.0),
            r.exit_code.to_string(),
            git,
            recorded.join(", "),
        ]);
    }
    println!("{t}");
    Ok(())
}

/// Options of `assay log`.
#[derive(Debug, clap::Args)]
pub struct LogArgs {
    /// The run name the values belong to (a training run, an experiment).
    #[arg(long)]
    pub run: String,
    /// The step (epoch, iteration).
    #[arg(long)]
    pub step: i64,
    /// Values as KEY=VALUE (numbers).
    #[arg(value_name = "KEY=VALUE", required_unless_present = "artifacts")]
    pub values: Vec<String>,
    /// Files to keep with the run (checkpoints, plots, configs): stored
    /// once per content hash under .assay/artifacts/ (repeatable).
    #[arg(long = "artifact", value_name = "FILE")]
    pub artifacts: Vec<std::path::PathBuf>,
}

/// Stores logged values as series under a run name.
pub fn log(store: &mut Store, args: &LogArgs) -> Result<()> {
    let values = args
        .values
        .iter()
        .map(|kv| parse_value(kv))
        .collect::<Result<Vec<_>>>()?;
    if !values.is_empty() {
        log_values(store, &args.run, args.step, &values)?;
        println!(
            "Logged {} value(s) for run {:?} at step {}",
            values.len(),
            args.run,
            args.step
        );
    }
    for path in &args.artifacts {
        let content = std::fs::read(path)
            .map_err(|e| anyhow::anyhow!("cannot read the artifact {}: {e}", path.display()))?;
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let a = store.log_artifact(&args.run, args.step, &name, &content)?;
        println!(
            "Kept {} ({} bytes) as artifact {} of run {:?} at step {}",
            path.display(),
            a.bytes,
            &a.hash[..16],
            args.run,
            args.step
        );
    }
    Ok(())
}

/// `KEY=VALUE` with a finite number.
fn parse_value(kv: &str) -> Result<(String, f64)> {
    let (key, value) = kv
        .split_once('=')
        .ok_or_else(|| anyhow::anyhow!("expected KEY=VALUE, got {kv:?}"))?;
    let key = key.trim();
    if key.is_empty() {
        anyhow::bail!("expected KEY=VALUE, got {kv:?}: the key is empty");
    }
    let number: f64 = value
        .trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("the value of {key:?} must be a number, got {value:?}"))?;
    if !number.is_finite() {
        anyhow::bail!("the value of {key:?} must be finite, got {value:?}");
    }
    Ok((key.to_string(), number))
}

/// Prints the series logged under a run name (or all).
fn series(store: &Store, run: Option<&str>, json: bool) -> Result<()> {
    let points = store.series(run)?;
    let artifacts = store.artifacts(run)?;
    if json {
        let out = serde_json::json!({ "series": points, "artifacts": artifacts });
        println!("{out}");
        return Ok(());
    }
    if !artifacts.is_empty() {
        let mut t = table(&["run", "step", "artifact", "bytes", "hash"]);
        for a in &artifacts {
            t.add_row(vec![
                a.run.clone(),
                a.step.to_string(),
                a.name.clone(),
                a.bytes.to_string(),
                a.hash.clone(),
            ]);
        }
        println!("{t}");
    }
    if points.is_empty() {
        println!("No series logged yet; log with `assay log --run NAME --step N key=value`.");
        return Ok(());
    }
    let mut t = table(&["run", "key", "step", "value"]);
    for p in points {
        t.add_row(vec![p.run, p.key, p.step.to_string(), p.value.to_string()]);
    }
    println!("{t}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_value;

    #[test]
    fn logged_values_are_numbers() {
        assert_eq!(parse_value("loss=0.25").unwrap(), ("loss".into(), 0.25));
        assert!(parse_value("loss")
            .unwrap_err()
            .to_string()
            .contains("KEY=VALUE"));
        assert!(parse_value("loss=abc")
            .unwrap_err()
            .to_string()
            .contains("number"));
        assert!(parse_value("=1").is_err());
        assert!(parse_value("x=inf").is_err());
    }
}
