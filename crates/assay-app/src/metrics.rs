//! The user's own image metrics, without recompiling: columns of a CSV
//! file, an expression over stored metrics, or a program that reads the
//! images as JSON lines and answers with scores (a feedback function in
//! any language). They are stored as image metrics of the dataset, so the
//! explorer, importance, buckets, slices, drift, checks and the report use
//! them as they use the built-in ones, and `assay quality` keeps them.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use assay_store::{CustomMetric, MetricLevel, RunObject, Selection, Store};

use crate::analysis::table::measurements;

/// What was stored: per metric, the images with a value.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Stored {
    /// (metric, images with a value), by name.
    pub metrics: Vec<(String, usize)>,
    /// Rows (CSV) or answers (command) that named no image of the dataset.
    pub unmatched: usize,
}

/// Whether `name` can name a metric (and a variable of an expression).
pub(crate) fn check_name(name: &str, what: &str) -> Result<()> {
    let mut chars = name.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok {
        bail!("{what} {name:?} cannot name a metric: use letters, digits and underscores, starting with a letter");
    }
    Ok(())
}

/// The dataset's images: by their own id, and ids by file name (and by
/// the last part of the name, where that is unique).
struct Images {
    ids: Vec<i64>,
    by_name: HashMap<String, i64>,
}

impl Images {
    fn of(store: &Store, dataset: &str) -> Result<Images> {
        let data = store.load_dataset(dataset, &Selection::default())?;
        let mut by_name = HashMap::new();
        let mut base: HashMap<String, Vec<i64>> = HashMap::new();
        for s in &data.samples {
            by_name.insert(s.file_name.clone(), s.id);
            let last = s
                .file_name
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or(&s.file_name);
            base.entry(last.to_string()).or_default().push(s.id);
        }
        for (name, ids) in base {
            if let [id] = ids[..] {
                by_name.entry(name).or_insert(id);
            }
        }
        Ok(Images {
            ids: data.samples.iter().map(|s| s.id).collect(),
            by_name,
        })
    }

    /// The image a key names: a file name (or a path ending in one), or an id.
    fn find(&self, key: &str, by_id: bool) -> Option<i64> {
        if by_id {
            let id: i64 = key.trim().parse().ok()?;
            return self.ids.contains(&id).then_some(id);
        }
        let key = key.trim();
        self.by_name.get(key).copied().or_else(|| {
            let last = key.rsplit(['/', '\\']).next()?;
            self.by_name.get(last).copied()
        })
    }
}

/// Imports every column of a CSV file but the key as an image metric. The
/// key column is `file_name` (or `file`, `image`, `path`: matched to the
/// images' file names) or `image_id` (or `id`: the dataset's own ids).
/// Empty cells are no value; anything else must be a number.
pub fn import_csv(store: &mut Store, dataset: &str, path: &Path) -> Result<Stored> {
    let file = path.display();
    let mut reader = csv::Reader::from_path(path).with_context(|| format!("cannot read {file}"))?;
    let header: Vec<String> = reader
        .headers()
        .with_context(|| format!("{file}: cannot read the header"))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let key = header
        .iter()
        .position(|h| ["file_name", "file", "image", "path", "image_id", "id"].contains(&h.as_str()))
        .with_context(|| {
            format!("{file}: no key column; name one file_name (or file, image, path) or image_id (or id)")
        })?;
    let by_id = matches!(header[key].as_str(), "image_id" | "id");
    let columns: Vec<(usize, &String)> = header
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != key)
        .collect();
    if columns.is_empty() {
        bail!(
            "{file}: no metric columns besides the key {:?}",
            header[key]
        );
    }
    for (_, name) in &columns {
        check_name(name, &format!("{file}: the column"))?;
    }
    let images = Images::of(store, dataset)?;
    let mut values: Vec<Vec<(i64, f64)>> = vec![Vec::new(); columns.len()];
    let mut unmatched = 0;
    for (row, record) in reader.records().enumerate() {
        let line = row + 2;
        let record = record.with_context(|| format!("{file}: line {line} cannot be read"))?;
        let Some(image) = images.find(record.get(key).unwrap_or_default(), by_id) else {
            unmatched += 1;
            continue;
        };
        for (slot, (i, name)) in columns.iter().enumerate() {
            let cell = record.get(*i).unwrap_or_default().trim();
            if cell.is_empty() {
                continue;
            }
            let v: f64 = cell.parse().map_err(|_| {
                anyhow::anyhow!(
                    "{file}: line {line}, column {name:?}: expected a number, got {cell:?}"
                )
            })?;
            values[slot].push((image, v));
        }
    }
    if values.iter().all(Vec::is_empty) {
        bail!("{file}: no row names an image of dataset {dataset:?} ({unmatched} rows read)");
    }
    let mut stored = Stored {
        unmatched,
        ..Stored::default()
    };
    for ((_, name), values) in columns.iter().zip(values) {
        let metric = CustomMetric {
            name: name.to_string(),
            source: "csv".into(),
            definition: path.display().to_string(),
            level: MetricLevel::Image,
            run: None,
            count: values.len(),
        };
        store.replace_custom_metric(dataset, &metric, &values)?;
        stored.metrics.push((metric.name, values.len()));
    }
    Ok(stored)
}

/// Defines an image metric as an expression over the dataset's stored
/// image metrics (`+ - * / ^`, `sqrt`, `log`, `exp`, `abs`, `min`, ...;
/// exmex's operators); images missing a metric it uses get no value.
pub fn define_expression(
    store: &mut Store,
    dataset: &str,
    name: &str,
    expression: &str,
) -> Result<usize> {
    check_name(name, "the name")?;
    let expr = exmex::parse::<f64>(expression)
        .map_err(|e| anyhow::anyhow!("cannot read the expression {expression:?}: {e}"))?;
    let mut by_sample: HashMap<i64, HashMap<String, f64>> = HashMap::new();
    let mut known: BTreeSet<String> = BTreeSet::new();
    let sources = source_ids(store, dataset)?;
    for (sample, metric, value) in store.sample_metric_values(dataset)? {
        known.insert(metric.clone());
        if let Some(id) = sources.get(&sample) {
            by_sample.entry(*id).or_default().insert(metric, value);
        }
    }
    let vars = exmex::prelude::Express::var_names(&expr).to_vec();
    let what = format!("image metric of dataset {dataset:?}");
    check_variables(&vars, &known, name, expression, &what)?;
    let mut values = Vec::new();
    for (image, metrics) in &by_sample {
        let args: Option<Vec<f64>> = vars.iter().map(|v| metrics.get(v).copied()).collect();
        if let Some(args) = args {
            if let Ok(v) = exmex::prelude::Express::eval(&expr, &args) {
                if v.is_finite() {
                    values.push((*image, v));
                }
            }
        }
    }
    values.sort_by_key(|v| v.0);
    let metric = CustomMetric {
        name: name.to_string(),
        source: "expression".into(),
        definition: expression.to_string(),
        level: MetricLevel::Image,
        run: None,
        count: values.len(),
    };
    store.replace_custom_metric(dataset, &metric, &values)?;
    Ok(values.len())
}

/// Refuses an expression that uses its own metric (`own`) or a variable
/// that is not `known`, naming the closest known names.
fn check_variables(
    vars: &[String],
    known: &BTreeSet<String>,
    own: &str,
    expression: &str,
    what: &str,
) -> Result<()> {
    for v in vars {
        if v == own {
            bail!("the expression {expression:?} uses the metric it defines ({v:?})");
        }
        if !known.contains(v) {
            let close: Vec<String> = known
                .iter()
                .filter(|k| similar(k, v))
                .take(5)
                .map(|c| format!("{c:?}"))
                .collect();
            bail!(
                "the expression {expression:?} uses {v:?}, which is no {what}{}",
                if close.is_empty() {
                    String::from(" (see `assay metrics list`)")
                } else {
                    format!("; did you mean {}?", close.join(", "))
                }
            );
        }
    }
    Ok(())
}

/// Defines an object metric as an expression over the columns of the
/// dataset's ground-truth objects, as `assay analyze` names them: the
/// image metrics of the object's image (`brightness`, ...), object metrics
/// (`object_area`, ...) and box geometry (`box_area`, `box_aspect_ratio`,
/// `box_relative_area`). With `run` (a detection or segmentation run of
/// the dataset), also its outcome: `found` (1 when the run found the
/// object, else 0), `iou` (of the match, 0 when missed) and `score` (of
/// the prediction that found it; no value when missed); then only the
/// objects the run counted get a value. Stored as object metric `name`
/// (`object_<name>` in analyses); objects missing a variable get no value.
pub fn define_object_expression(
    store: &mut Store,
    dataset: &str,
    name: &str,
    expression: &str,
    run: Option<i64>,
) -> Result<usize> {
    check_name(name, "the name")?;
    let expr = exmex::parse::<f64>(expression)
        .map_err(|e| anyhow::anyhow!("cannot read the expression {expression:?}: {e}"))?;
    let objects = match run {
        None => store.ground_truth_objects(dataset)?,
        Some(r) => counted_ground_truths(store, dataset, r)?,
    };
    let mut columns: Vec<(String, Vec<f64>)> = measurements(store, dataset, &objects)?
        .into_iter()
        .map(|c| (c.name, c.values))
        .collect();
    if run.is_some() {
        let found = |o: &RunObject| o.outcome == "tp";
        let outcome = |f: &dyn Fn(&RunObject) -> f64| objects.iter().map(f).collect::<Vec<_>>();
        columns.push(("found".into(), outcome(&|o| f64::from(u8::from(found(o))))));
        columns.push((
            "iou".into(),
            outcome(&|o| if found(o) { o.iou } else { 0.0 }),
        ));
        columns.push((
            "score".into(),
            outcome(&|o| o.score.filter(|_| found(o)).unwrap_or(f64::NAN)),
        ));
    }
    let known: BTreeSet<String> = columns.iter().map(|c| c.0.clone()).collect();
    let vars = exmex::prelude::Express::var_names(&expr).to_vec();
    let what = match run {
        Some(r) => format!("column of dataset {dataset:?}'s objects or outcome of run {r}"),
        None => {
            format!("column of dataset {dataset:?}'s objects (found, iou and score need --run)")
        }
    };
    check_variables(&vars, &known, &format!("object_{name}"), expression, &what)?;
    let used: Vec<&Vec<f64>> = vars
        .iter()
        .map(|v| &columns.iter().find(|c| &c.0 == v).expect("checked").1)
        .collect();
    let mut values = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        let args: Vec<f64> = used.iter().map(|c| c[i]).collect();
        if args.iter().any(|v| v.is_nan()) {
            continue;
        }
        if let Ok(v) = exmex::prelude::Express::eval(&expr, &args) {
            if v.is_finite() {
                values.push((o.sample, o.object_id, v));
            }
        }
    }
    let metric = CustomMetric {
        name: name.to_string(),
        level: MetricLevel::Object,
        source: "expression".into(),
        definition: expression.to_string(),
        run,
        count: values.len(),
    };
    store.replace_custom_object_metric(dataset, &metric, &values)?;
    Ok(values.len())
}

/// The ground truths run `run` (of `dataset`) counted: found or missed.
fn counted_ground_truths(store: &Store, dataset: &str, run: i64) -> Result<Vec<RunObject>> {
    let subject = store.run_subject(run)?;
    if subject.dataset != dataset {
        bail!(
            "run {run} evaluated dataset {:?}, not {dataset:?}",
            subject.dataset
        );
    }
    if !matches!(subject.task.as_str(), "detection" | "segmentation") {
        bail!(
            "run {run} is a {} run; object outcomes come from detection or segmentation runs",
            subject.task
        );
    }
    Ok(store
        .run_objects(run)?
        .into_iter()
        .filter(|o| !o.prediction && matches!(o.outcome.as_str(), "tp" | "fn"))
        .collect())
}

/// Row id -> the dataset's own image id.
fn source_ids(store: &Store, dataset: &str) -> Result<HashMap<i64, i64>> {
    Ok(store
        .sample_rows(dataset)?
        .into_iter()
        .map(|s| (s.id, s.source_id))
        .collect())
}

/// Whether two metric names are close (one contains the other, or they
/// differ in at most two characters).
fn similar(a: &str, b: &str) -> bool {
    a.contains(b) || b.contains(a) || {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        a.len().abs_diff(b.len()) <= 2
            && a.iter().zip(&b).filter(|(x, y)| x != y).count() + a.len().abs_diff(b.len()) <= 2
    }
}

/// Runs a program that scores images: it reads one JSON object per image
/// on its standard input (`{"id", "file_name", "path", "metrics"}`) and
/// writes one per scored image on its standard output (`{"id": 7,
/// "sharpness": 0.4, ...}`); every other field must be a number (or null)
/// and becomes an image metric. Stopped after `timeout`.
pub fn run_command(
    store: &mut Store,
    dataset: &str,
    command: &str,
    timeout: Duration,
) -> Result<Stored> {
    let requests = requests(store, dataset)?;
    let ids: HashSet<i64> = requests
        .iter()
        .map(|r| r["id"].as_i64().unwrap_or(-1))
        .collect();
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    // Its own process group, so stopping it stops what it started too.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut sh, 0);
    let mut child = sh
        .spawn()
        .with_context(|| format!("cannot start {command:?}"))?;
    let mut stdin = child.stdin.take().context("no standard input")?;
    let writer = std::thread::spawn(move || {
        for r in requests {
            if writeln!(stdin, "{r}").is_err() {
                break;
            }
        }
    });
    let stdout = child.stdout.take().context("no standard output")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let answers = read_answers(&rx, &ids, command, timeout);
    let (values, unmatched) = match answers {
        Ok(read) => read,
        Err(e) => {
            stop(&mut child);
            // The writer's next write fails now that the program is gone:
            // let it end here, while the caller still ignores SIGPIPE.
            let _ = writer.join();
            return Err(e);
        }
    };
    let _ = writer.join();
    let status = child.wait()?;
    if !status.success() {
        bail!("{command:?} failed ({status}); nothing was stored");
    }
    if values.is_empty() {
        bail!("{command:?} answered no score for an image of dataset {dataset:?}");
    }
    let mut stored = Stored {
        unmatched,
        ..Stored::default()
    };
    for (name, v) in values {
        let metric = CustomMetric {
            name: name.clone(),
            source: "command".into(),
            definition: command.to_string(),
            level: MetricLevel::Image,
            run: None,
            count: v.len(),
        };
        store.replace_custom_metric(dataset, &metric, &v)?;
        stored.metrics.push((name, v.len()));
    }
    Ok(stored)
}

/// Scores by metric name, and how many answers named no image.
type Answers = (BTreeMap<String, Vec<(i64, f64)>>, usize);

/// Reads the program's answers until its output ends; an error for a bad
/// line or when `timeout` passes first.
fn read_answers(
    rx: &mpsc::Receiver<std::io::Result<String>>,
    ids: &HashSet<i64>,
    command: &str,
    timeout: Duration,
) -> Result<Answers> {
    let deadline = Instant::now() + timeout;
    let mut values: BTreeMap<String, Vec<(i64, f64)>> = BTreeMap::new();
    let mut unmatched = 0;
    let mut line_no = 0;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                line_no += 1;
                let line = line.with_context(|| {
                    format!("cannot read line {line_no} of {command:?}'s output")
                })?;
                if line.trim().is_empty() {
                    continue;
                }
                match answer(&line, line_no, command)? {
                    (id, _) if !ids.contains(&id) => unmatched += 1,
                    (id, scores) => {
                        for (name, v) in scores {
                            values.entry(name).or_default().push((id, v));
                        }
                    }
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => return Ok((values, unmatched)),
            Err(mpsc::RecvTimeoutError::Timeout) => bail!(
                "{command:?} did not finish within {} s; it was stopped and nothing was stored",
                timeout.as_secs_f64()
            ),
        }
    }
}

/// Stops the program and every process it started (its process group).
fn stop(child: &mut std::process::Child) {
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) has no memory-safety requirements; -pid names the
        // child's own process group (process_group(0) at spawn).
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The JSON line sent for each image.
fn requests(store: &Store, dataset: &str) -> Result<Vec<serde_json::Value>> {
    let sources = source_ids(store, dataset)?;
    let mut metrics: HashMap<i64, serde_json::Map<String, serde_json::Value>> = HashMap::new();
    for (sample, name, value) in store.sample_metric_values(dataset)? {
        metrics
            .entry(sample)
            .or_default()
            .insert(name, value.into());
    }
    let root = store.root().to_path_buf();
    Ok(store
        .sample_rows(dataset)?
        .into_iter()
        .map(|s| {
            let path = store
                .sample_location(s.id)
                .ok()
                .flatten()
                .and_then(|(_, p)| p)
                .map(|p| root.join(p).display().to_string());
            serde_json::json!({
                "id": sources.get(&s.id).copied().unwrap_or(s.source_id),
                "file_name": s.file_name,
                "path": path,
                "metrics": metrics.remove(&s.id).unwrap_or_default(),
            })
        })
        .collect())
}

/// One answer line: the image id and its scores.
fn answer(line: &str, line_no: usize, command: &str) -> Result<(i64, Vec<(String, f64)>)> {
    let at = || format!("line {line_no} of {command:?}'s output");
    let value: serde_json::Value = serde_json::from_str(line)
        .with_context(|| format!("{}: expected one JSON object, got {line:?}", at()))?;
    let object = value
        .as_object()
        .with_context(|| format!("{}: expected a JSON object, got {line:?}", at()))?;
    let id = object
        .get("id")
        .and_then(serde_json::Value::as_i64)
        .with_context(|| {
            format!(
                "{}: expected an integer \"id\" (the image id it was sent)",
                at()
            )
        })?;
    let mut scores = Vec::new();
    for (name, v) in object.iter().filter(|(k, _)| k.as_str() != "id") {
        check_name(name, &at())?;
        match v {
            serde_json::Value::Null => {}
            serde_json::Value::Number(n) => {
                scores.push((name.clone(), n.as_f64().unwrap_or(f64::NAN)))
            }
            other => bail!("{}: {name:?} must be a number or null, got {other}", at()),
        }
    }
    Ok((id, scores))
}
