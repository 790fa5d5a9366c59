//! `assay report` on the demo project: the HTML file references nothing
//! outside itself, shows every number exactly as `assay runs`, `assay
//! issues` and `assay info` print it, survives the demo's corrupt images,
//! and renders in headless Chromium with no network; `--format md` carries
//! the same numbers.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use common::{assay, assay_fails};

/// The demo project, built once per test binary (`--images 60` keeps it
/// quick; it still has corrupt files, runs of both kinds and issues).
fn demo() -> &'static Path {
    static DEMO: OnceLock<PathBuf> = OnceLock::new();
    DEMO.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-demo");
        let stdout = common::build_demo(&dir);
        assert!(stdout.contains("report.html"), "{stdout}");
        assert!(stdout.contains("assay serve"), "{stdout}");
        assert!(dir.join("report.html").is_file());
        dir
    })
}

fn json(project: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&assay(project, args)).expect("valid JSON")
}

/// Writes the HTML report into a fresh file and reads it back.
fn html_report(project: &Path, name: &str) -> String {
    let out = project.join(name);
    assay(project, &["report", "--out", out.to_str().unwrap()]);
    std::fs::read_to_string(&out).unwrap()
}

/// An element's `data-*` (and other) attributes and the text up to the
/// next tag.
#[derive(Debug)]
struct Element {
    tag: String,
    attrs: HashMap<String, String>,
    text: String,
}

/// Every start tag of the document with its attributes, in order. The
/// report quotes every attribute value with `"` and escapes its content.
fn elements(html: &str) -> Vec<Element> {
    let mut out = Vec::new();
    for piece in html.split('<').skip(1) {
        let Some((tag_part, rest)) = piece.split_once('>') else {
            continue;
        };
        if tag_part.starts_with('/') || tag_part.starts_with('!') {
            continue;
        }
        let tag = tag_part.split_whitespace().next().unwrap_or("").to_string();
        let mut attrs = HashMap::new();
        let mut s = &tag_part[tag.len()..];
        while let Some(eq) = s.find("=\"") {
            let name = s[..eq].trim().to_string();
            let value_end = s[eq + 2..].find('"').expect("closed attribute");
            attrs.insert(name, s[eq + 2..eq + 2 + value_end].to_string());
            s = &s[eq + 2 + value_end + 1..];
        }
        out.push(Element {
            tag,
            attrs,
            text: unescape(rest),
        });
    }
    out
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The text of the one element whose attributes include all of `want`.
fn cell<'a>(all: &'a [Element], want: &[(&str, &str)]) -> &'a str {
    let found: Vec<&Element> = all
        .iter()
        .filter(|e| {
            want.iter()
                .all(|(k, v)| e.attrs.get(*k).map(String::as_str) == Some(*v))
        })
        .collect();
    assert_eq!(found.len(), 1, "elements with {want:?}: {found:?}");
    &found[0].text
}

/// The raw-numbers block.
fn embedded_data(html: &str) -> Value {
    let start = r#"<script type="application/json" id="assay-data">"#;
    let from = html.find(start).expect("the JSON block") + start.len();
    let to = from + html[from..].find("</script>").unwrap();
    serde_json::from_str(&html[from..to]).expect("the JSON block parses")
}

/// What `assay runs` prints for a metric: three decimals, `-` when unmeasured.
fn three(v: &Value) -> String {
    v.as_f64()
        .filter(|v| *v >= 0.0)
        .map_or("-".to_string(), |v| format!("{v:.3}"))
}

#[test]
fn the_html_report_references_nothing_outside_itself() {
    let html = html_report(demo(), "offline.html");
    let lower = html.to_lowercase();
    for banned in [
        "http://", "https://", "<link", "@import", "url(", "<iframe", "<object", "<embed",
        "srcset", "<base",
    ] {
        assert!(!lower.contains(banned), "the report contains {banned:?}");
    }
    let all = elements(&html);
    let images: Vec<&Element> = all.iter().filter(|e| e.tag == "img").collect();
    assert!(images.len() >= 20, "only {} images", images.len());
    for e in &all {
        if let Some(src) = e.attrs.get("src") {
            assert!(
                src.starts_with("data:image/jpeg;base64,"),
                "<{}> src {src:.60}",
                e.tag
            );
        }
        if let Some(href) = e.attrs.get("href") {
            assert!(href.starts_with('#'), "<{}> href {href}", e.tag);
        }
        if e.tag == "script" {
            assert_eq!(
                e.attrs.get("type").map(String::as_str),
                Some("application/json"),
                "a script that is not data: {:?}",
                e.attrs
            );
        }
    }
    // The demo's corrupt files are shown as notes, not failures.
    let notes = html.matches("cannot show: ").count();
    assert!(notes >= 3, "{notes} placeholders for the corrupt files");
}

#[test]
fn every_run_metric_equals_assay_runs() {
    let project = demo();
    let html = html_report(project, "runs.html");
    let all = elements(&html);
    let data = embedded_data(&html);
    let runs = json(project, &["runs", "--json"]);
    let table = assay(project, &["runs"]);
    let runs = runs.as_array().unwrap();
    assert!(runs.iter().any(|r| r["task"] == "detection"));
    assert!(runs.iter().any(|r| r["task"] == "generation"));
    for run in runs {
        let id = run["id"].to_string();
        let metrics = run["metrics"].as_array().unwrap();
        if run["task"] == "generation" {
            check_generation_run(&all, &data, run);
            continue;
        }
        let stored = data["runs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == run["id"])
            .expect("the run in the JSON block");
        assert_eq!(stored["metrics"], run["metrics"], "run {id}");
        let row = table
            .lines()
            .find(|l| l.starts_with(&format!("│ {id} ")))
            .expect("the run in `assay runs`");
        for m in metrics {
            let (name, value) = (m[0].as_str().unwrap(), &m[1]);
            let shown = three(value);
            let found = all.iter().filter(|e| {
                e.attrs.get("data-run") == Some(&id)
                    && e.attrs.get("data-metric").map(String::as_str) == Some(name)
            });
            let mut n = 0;
            for e in found {
                assert_eq!(e.text, shown, "run {id} {name}");
                n += 1;
            }
            assert!(n >= 1, "no cell for run {id} {name}");
            if ["ap", "ap50", "ap75", "ar@100"].contains(&name) {
                assert!(row.contains(&format!(" {shown} ")), "{name} {shown}: {row}");
            }
        }
    }
}

/// A generation run's metrics in the leaderboard: six decimals as `gen
/// eval` prints them, raw values equal to the stored ones.
fn check_generation_run(all: &[Element], data: &Value, run: &Value) {
    let id = run["id"].to_string();
    let entry = data["leaderboards"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["entries"].as_array().unwrap())
        .find(|e| e["run_id"] == run["id"])
        .expect("the generation run in a leaderboard");
    for m in run["metrics"].as_array().unwrap() {
        let name = m[0].as_str().unwrap();
        let value = m[1].as_f64().unwrap();
        let stored = entry["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == name)
            .unwrap();
        assert_eq!(stored["value"].as_f64(), Some(value), "run {id} {name}");
        let text = cell(all, &[("data-run", &id), ("data-gen-metric", name)]);
        let expected = match stored["std"].as_f64() {
            Some(std) => format!("{value:.6} ± {std:.6}"),
            None => format!("{value:.6}"),
        };
        assert_eq!(text, expected, "run {id} {name}");
        // The demo's intervals hold their estimates and name their method.
        let interval = &stored["interval"];
        let (low, high) = (interval["low"].as_f64(), interval["high"].as_f64());
        let (low, high) = (low.expect("an interval"), high.expect("an interval"));
        assert!(low <= value && value <= high, "run {id} {name}: {interval}");
        assert!(interval["note"]
            .as_str()
            .unwrap()
            .contains("subsampling without replacement"));
    }
    let notes = all
        .iter()
        .filter(|e| e.attrs.contains_key("data-interval-method"));
    assert!(notes.count() >= 1, "the report names the intervals' method");
    let icons = all
        .iter()
        .filter(|e| e.attrs.get("class").map(String::as_str) == Some("warn-icon"));
    assert!(icons.count() >= 1, "warnings are shown as icons");
}

#[test]
fn issue_and_image_counts_equal_assay_issues_and_info() {
    let project = demo();
    let html = html_report(project, "counts.html");
    let all = elements(&html);
    let data = embedded_data(&html);
    let info = json(project, &["info", "--json"]);
    for (i, d) in info["datasets"].as_array().unwrap().iter().enumerate() {
        let name = d["name"].as_str().unwrap();
        for what in ["images", "annotations", "categories"] {
            let shown = cell(&all, &[("data-dataset", name), ("data-total", what)]);
            assert_eq!(shown, d[what].to_string(), "{name} {what}");
        }
        for s in d["splits"].as_array().unwrap() {
            let split = s["split"].as_str().unwrap();
            let attrs = [("data-dataset", name), ("data-split", split)];
            let images = cell(&all, &[attrs[0], attrs[1], ("data-count", "images")]);
            assert_eq!(images, s["images"].to_string(), "{name} {split}");
        }
        assert_eq!(data["datasets"][i]["images"], d["images"]);
        let issues = json(
            project,
            &["issues", "--dataset", name, "--limit", "6", "--json"],
        );
        let counts = issues["counts"].as_array().unwrap();
        assert_eq!(&data["datasets"][i]["issue_counts"], &issues["counts"]);
        for c in counts {
            let kind = c[0].as_str().unwrap();
            let shown = cell(&all, &[("data-dataset", name), ("data-issue", kind)]);
            assert_eq!(shown, c[1].to_string(), "{name} {kind}");
        }
        // The worst examples are `assay issues`' own, with its scores.
        for (kind, examples) in examples_of(&issues) {
            let scores: Vec<&str> = all
                .iter()
                .filter(|e| {
                    e.attrs.get("data-dataset").map(String::as_str) == Some(name)
                        && e.attrs.get("data-issue-score") == Some(&kind)
                })
                .map(|e| e.text.as_str())
                .collect();
            let expected: Vec<String> = examples
                .iter()
                .map(|x| format!("{:.3}", x["score"].as_f64().unwrap()))
                .collect();
            assert_eq!(scores, expected, "{name} {kind}");
        }
    }
}

/// `assay issues --json`'s examples: [(type, [issue])].
fn examples_of(issues: &Value) -> Vec<(String, Vec<Value>)> {
    issues["examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e[0].as_str().unwrap().to_string(),
                e[1].as_array().unwrap().clone(),
            )
        })
        .collect()
}

#[test]
fn the_markdown_summary_has_the_same_numbers() {
    let project = demo();
    let md = assay(project, &["report", "--format", "md", "--out", "-"]);
    assert!(!md.contains("<img") && !md.contains("data:image"));
    // The runs table's headline columns: every task's, as its header names them.
    let header = md
        .lines()
        .find(|l| l.starts_with("| run | dataset | model | task |"))
        .expect("the runs table");
    let columns: Vec<&str> = header
        .split('|')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .skip(4)
        .collect();
    assert!(
        columns.contains(&"ap") && columns.contains(&"accuracy"),
        "{header}"
    );
    for run in json(project, &["runs", "--json"]).as_array().unwrap() {
        let metric = |name: &str| {
            run["metrics"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m[0] == name)
                .map(|m| m[1].clone())
        };
        if run["task"] == "generation" {
            let fid = metric("fid").unwrap().as_f64().unwrap();
            assert!(md.contains(&format!("| {fid:.6} |")), "fid {fid}: {md}");
            continue;
        }
        let headline: Vec<String> = columns
            .iter()
            .map(|n| three(&metric(n).unwrap_or(Value::Null)))
            .collect();
        let row = format!(
            "| {} | {} | {} | {} | {} |",
            run["id"],
            run["dataset"].as_str().unwrap(),
            run["model"].as_str().unwrap().replace('_', "\\_"),
            run["task"].as_str().unwrap(),
            headline.join(" | ")
        );
        assert!(md.contains(&row), "{row} not in:\n{md}");
    }
    let info = json(project, &["info", "--json"]);
    for d in info["datasets"].as_array().unwrap() {
        let name = d["name"].as_str().unwrap();
        let row = format!("| {name} | {} | {} |", d["images"], d["images_with_files"]);
        assert!(md.contains(&row), "{row} not in:\n{md}");
        let issues = json(project, &["issues", "--dataset", name, "--json"]);
        for c in issues["counts"].as_array().unwrap() {
            let row = format!(
                "| {} | {} |",
                c[0].as_str().unwrap().replace('_', "\\_"),
                c[1]
            );
            assert!(md.contains(&row), "{row} not in:\n{md}");
        }
    }
}

#[test]
fn a_report_of_one_dataset_and_a_wrong_name() {
    let project = demo();
    let out = project.join("generated.html");
    assay(
        project,
        &[
            "report",
            "--dataset",
            "generated",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let data = embedded_data(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(data["datasets"].as_array().unwrap().len(), 1);
    assert_eq!(data["runs"].as_array().unwrap().len(), 0);
    assert_eq!(data["leaderboards"][0]["dataset"], "generated");
    let err = assay_fails(project, &["report", "--dataset", "nope"]);
    assert!(err.contains("no dataset named \"nope\""), "{err}");
    assert!(err.contains("shapes"), "{err}");
}

/// Chromium, with every network request made to fail, loads the report,
/// decodes every embedded image and shows the CLI's numbers. Debian's
/// `chromium` package must be installed (scripts/test.sh installs it).
#[test]
fn the_report_renders_in_chromium_without_network() {
    let project = demo();
    let html = html_report(project, "browser.html");
    let probe = r#"<script>addEventListener("load",()=>{const i=[...document.images];document.body.setAttribute("data-images-loaded",i.filter(x=>x.complete&&x.naturalWidth>0).length+"/"+i.length);});</script></body>"#;
    let page = project.join("browser-probe.html");
    std::fs::write(&page, html.replace("</body>", probe)).unwrap();
    let chromium = Path::new("/usr/bin/chromium");
    assert!(
        chromium.is_file(),
        "/usr/bin/chromium is missing: install Debian's chromium package (apt-get install chromium)"
    );
    let out = Command::new("timeout")
        .arg("120")
        .arg(chromium)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--proxy-server=127.0.0.1:9",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--virtual-time-budget=5000",
            "--dump-dom",
        ])
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    let images = html.matches("<img ").count();
    assert!(
        dom.contains(&format!("data-images-loaded=\"{images}/{images}\"")),
        "not every image decoded: {}",
        dom.split("data-images-loaded")
            .nth(1)
            .unwrap_or("no probe result")
    );
    let all = elements(&dom);
    for run in json(project, &["runs", "--json"]).as_array().unwrap() {
        if run["task"] == "generation" {
            continue;
        }
        let id = run["id"].to_string();
        let first = if run["task"] == "classification" {
            "accuracy"
        } else {
            "ap"
        };
        let ap = run["metrics"][0].clone();
        assert_eq!(ap[0], first);
        let shown = all.iter().find(|e| {
            e.tag == "td"
                && e.attrs.get("data-run") == Some(&id)
                && e.attrs.get("data-metric").map(String::as_str) == Some(first)
        });
        assert_eq!(shown.map(|e| e.text.as_str()), Some(three(&ap[1]).as_str()));
    }
}

#[test]
fn the_checks_section_is_assay_check() {
    let html = html_report(demo(), "checks.html");
    let data = embedded_data(&html);
    let out = common::binary().output(Some(demo()), &["check", "--json"]);
    let check: Value = serde_json::from_slice(&out.stdout).expect("assay check --json");
    let checks = &data["checks"];
    for key in ["passed", "warned", "failed", "skipped"] {
        assert_eq!(checks[key], check[key], "{key}");
    }
    let statuses = |v: &Value| -> Vec<(String, String)> {
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["name"].as_str().unwrap().to_string(),
                    r["status"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(statuses(checks), statuses(&check));
    let all = elements(&html);
    let shown = all
        .iter()
        .filter(|e| {
            e.tag == "td"
                && e.attrs
                    .get("class")
                    .is_some_and(|c| c.starts_with("status-"))
        })
        .count();
    assert_eq!(shown, check["results"].as_array().unwrap().len());
}
