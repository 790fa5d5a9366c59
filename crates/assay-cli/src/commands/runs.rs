//! `assay runs`: the recorded runs with their headline metrics.

use anyhow::Result;
use assay_report::format;
use assay_store::Store;

use crate::output::table;

/// Lists runs with their headline metrics.
pub fn list_runs(store: &Store, dataset: Option<&str>, json: bool) -> Result<()> {
    let runs = store.runs(dataset)?;
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
pub fn list_commands(store: &Store, command: Option<&str>, json: bool) -> Result<()> {
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
    #[arg(required = true, value_name = "KEY=VALUE")]
    pub values: Vec<String>,
}

/// Stores logged values as series under a run name.
pub fn log(store: &mut Store, args: &LogArgs) -> Result<()> {
    let values = args
        .values
        .iter()
        .map(|kv| parse_value(kv))
        .collect::<Result<Vec<_>>>()?;
    store.log_series(&args.run, args.step, &values)?;
    println!(
        "Logged {} value(s) for run {:?} at step {}",
        values.len(),
        args.run,
        args.step
    );
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
pub fn series(store: &Store, run: Option<&str>, json: bool) -> Result<()> {
    let points = store.series(run)?;
    if json {
        println!("{}", serde_json::to_string(&points)?);
        return Ok(());
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
