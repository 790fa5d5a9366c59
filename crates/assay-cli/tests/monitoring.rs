//! Production monitoring end to end: `assay ingest` (idempotent by id,
//! every mistake named by file, line and JSON path, nothing stored from a
//! bad file), `assay monitor` (windows, alert rules stored once, sent to a
//! file and a webhook on loopback), and `POST /api/ingest` on `assay serve`
//! (scoped tokens, clear 4xx answers, and after `kill -9` of the server
//! during ingestion every acknowledged record is there exactly once).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assay_test_support::binary::Binary;
use serde_json::{json, Value};

use common::server::{http, Server};

fn binary() -> Binary {
    Binary::new(env!("CARGO_BIN_EXE_assay"))
}

fn png_base64(seed: u64) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.png");
    common::images::write_png(&p, seed);
    let bytes = std::fs::read(&p).unwrap();
    base64_encode(&bytes)
}

/// Standard base64 with padding (the tests' own, to check the server's).
fn base64_encode(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn write_lines(path: &Path, lines: &[Value]) {
    let text: Vec<String> = lines.iter().map(Value::to_string).collect();
    std::fs::write(path, text.join("\n") + "\n").unwrap();
}

fn stored_records(project: &Path) -> Vec<String> {
    let db = rusqlite::Connection::open(project.join(".assay/project.db")).unwrap();
    let mut stmt = db
        .prepare("SELECT record_id FROM monitor_records ORDER BY record_id")
        .unwrap();
    let ids = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<Vec<String>, _>>()
        .unwrap();
    ids
}

#[test]
fn ingested_records_are_stored_once_and_a_bad_file_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    let bin = binary();
    bin.ok(None, &["init", common::path(&project)]);
    let feed = dir.path().join("feed");
    std::fs::create_dir_all(feed.join("images")).unwrap();
    common::images::write_png(&feed.join("images/a.png"), 1);
    common::images::write_png(&feed.join("images/b.png"), 2);
    let records = feed.join("records.jsonl");
    write_lines(
        &records,
        &[
            json!({"id": "r1", "time": "2020-01-01T10:00:00Z", "model": "det", "image": {"path": "images/a.png"},
                   "boxes": [{"class": "cat", "score": 0.9, "box": [1, 2, 3, 4]}], "latency_ms": 12}),
            json!({"id": "r2", "time": 1577873000.5, "model": "det", "image": {"path": "images/b.png"}}),
            json!({"id": "r3", "time": 1577873100, "model": "det", "image": {"base64": png_base64(3)},
                   "metadata": {"camera": 2}}),
            json!({"id": "r4", "time": 1577873200, "model": "det", "error": "timeout"}),
        ],
    );
    let first: Value = serde_json::from_str(&bin.ok(
        Some(&project),
        &["ingest", common::path(&records), "--json"],
    ))
    .unwrap();
    assert_eq!(
        (first["stored"].as_u64(), first["duplicates"].as_u64()),
        (Some(4), Some(0))
    );
    let again: Value = serde_json::from_str(&bin.ok(
        Some(&project),
        &["ingest", common::path(&records), "--json"],
    ))
    .unwrap();
    assert_eq!(
        (again["stored"].as_u64(), again["duplicates"].as_u64()),
        (Some(0), Some(4))
    );
    // The two files and the base64 image are stored by content hash.
    let blobs = walk(&project.join(".assay/blobs"));
    assert_eq!(blobs.len(), 3, "{blobs:?}");

    let bad_cases = [
        (
            json!({"id": "x", "time": 1, "model": "det", "boxes": [{"class": "c", "score": 1.5, "box": [0, 0, 1, 1]}]}),
            "bad.jsonl:2: $.boxes[0].score: expected 0..1, got 1.5",
        ),
        (
            json!({"id": "x", "time": 1, "model": "det", "image": {"path": "../../etc/passwd"}}),
            "bad.jsonl:2: $.image.path",
        ),
        (
            json!({"id": "x", "time": 1, "model": "det", "image": {"url": "http://example.com/a.jpg"}}),
            "assay does not download images",
        ),
        (
            json!({"id": "x", "time": "yesterday", "model": "det"}),
            "$.time: \"yesterday\" is not an RFC 3339 time",
        ),
        (
            json!({"id": "x", "time": 1, "model": "det", "colour": "red"}),
            "bad.jsonl:2: $.colour: unknown field `colour`",
        ),
        (
            json!({"id": "", "time": 1, "model": "det"}),
            "bad.jsonl:2: $.id: expected 1 to 200 characters",
        ),
    ];
    for (line, expected) in bad_cases {
        let bad = feed.join("bad.jsonl");
        write_lines(
            &bad,
            &[json!({"id": "ok-1", "time": 1, "model": "det"}), line],
        );
        let err = bin.fails(Some(&project), &["ingest", common::path(&bad)]);
        assert!(err.contains(expected), "expected {expected:?} in {err}");
        assert_eq!(
            stored_records(&project).len(),
            4,
            "a bad file stored something: {err}"
        );
    }

    let labels = feed.join("labels.jsonl");
    write_lines(
        &labels,
        &[
            json!({"id": "r1", "boxes": [{"class": "cat", "box": [1, 2, 3, 4]}]}),
            json!({"id": "nope", "class": "cat"}),
        ],
    );
    let err = bin.fails(
        Some(&project),
        &["ingest", "--labels", common::path(&labels)],
    );
    assert!(
        err.contains("1 labels name records that are not stored (nope)"),
        "{err}"
    );
    write_lines(
        &labels,
        &[json!({"id": "r1", "boxes": [{"class": "cat", "box": [1, 2, 3, 4]}]})],
    );
    bin.ok(
        Some(&project),
        &["ingest", "--labels", common::path(&labels)],
    );
    let watched: Value =
        serde_json::from_str(&bin.ok(Some(&project), &["monitor", "--json"])).unwrap();
    let window = &watched[0]["windows"]["windows"][0]["values"];
    assert_eq!(window["records"], json!(4.0));
    assert_eq!(window["error_rate"], json!(0.25));
    assert_eq!(
        (window["precision"].as_f64(), window["recall"].as_f64()),
        (Some(1.0), Some(1.0))
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A local listener that answers every POST with 200 and keeps the bodies.
fn webhook() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&bodies);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            kept.lock().unwrap().push(String::from_utf8(body).unwrap());
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        }
    });
    (address, bodies)
}

#[test]
fn alert_rules_fire_once_per_window_and_reach_a_file_and_a_webhook() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    let bin = binary();
    bin.ok(None, &["init", common::path(&project)]);
    // 48 hours of 10 records an hour (2020, so every window has ended);
    // from hour 40 the model answers slowly.
    let start = 1_577_836_800.0;
    let lines: Vec<Value> = (0..480)
        .map(|i| {
            let hour = i / 10;
            let latency = if hour >= 40 { 900.0 } else { 40.0 + f64::from(i % 10) };
            json!({"id": format!("q{i}"), "time": start + f64::from(hour) * 3600.0 + f64::from(i % 10) * 60.0,
                   "model": "det", "stream": "cams", "latency_ms": latency,
                   "boxes": [{"class": "cat", "score": 0.9, "box": [0, 0, 5, 5]}]})
        })
        .collect();
    let records = dir.path().join("records.jsonl");
    write_lines(&records, &lines);
    bin.ok(Some(&project), &["ingest", common::path(&records)]);
    let (address, bodies) = webhook();
    let config = dir.path().join("assay.toml");
    std::fs::write(
        &config,
        format!(
            "[monitor]\nstream = \"cams\"\nwindow = \"hour\"\nreference_hours = 24\nsinks = [\"file:alerts.jsonl\", \"webhook:http://{address}/hook\"]\n\n\
             [[alert]]\nname = \"slow\"\nmetric = \"latency_p99\"\nmax = 500\n\n\
             [[alert]]\nname = \"latency band\"\nmetric = \"latency_p50\"\nband = true\n"
        ),
    )
    .unwrap();
    let run = || -> Value {
        let out = bin.ok(
            Some(&project),
            &["monitor", "--config", common::path(&config), "--json"],
        );
        serde_json::from_str(&out).unwrap()
    };
    let first = run();
    let new = first[0]["new_alerts"].as_array().unwrap();
    let hours = |rule: &str| -> Vec<i64> {
        new.iter()
            .filter(|a| a["rule"] == rule)
            .map(|a| (a["window_start_ms"].as_i64().unwrap() - 1_577_836_800_000) / 3_600_000)
            .collect()
    };
    assert_eq!(hours("slow"), (40..48).collect::<Vec<_>>());
    assert_eq!(hours("latency band"), (40..48).collect::<Vec<_>>());
    assert!(
        first[0]["delivery_errors"].as_array().unwrap().is_empty(),
        "{first}"
    );
    let file = std::fs::read_to_string(dir.path().join("alerts.jsonl")).unwrap();
    assert_eq!(file.lines().count(), 16);
    let deadline = Instant::now() + Duration::from_secs(10);
    while bodies.lock().unwrap().len() < 16 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let got = bodies.lock().unwrap().clone();
    assert_eq!(got.len(), 16);
    let posted: Value = serde_json::from_str(&got[0]).unwrap();
    assert_eq!(posted["stream"], "cams");
    // Again: the same windows fire nothing new, and nothing is sent twice.
    let second = run();
    assert_eq!(second[0]["new_alerts"].as_array().unwrap().len(), 0);
    assert_eq!(second[0]["alerts"].as_array().unwrap().len(), 16);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("alerts.jsonl"))
            .unwrap()
            .lines()
            .count(),
        16
    );

    std::fs::write(&config, "[[alert]]\nmetric = \"latency_p99\"\n").unwrap();
    let err = bin.fails(
        Some(&project),
        &["monitor", "--config", common::path(&config)],
    );
    assert!(
        err.contains("assay.toml:2: metric: an alert needs band = true, min or max"),
        "{err}"
    );
}

fn batch(ids: std::ops::Range<usize>, image: &str) -> String {
    let records: Vec<Value> = ids
        .map(|i| {
            json!({"id": format!("k{i:06}"), "time": 1_577_836_800.0 + i as f64, "model": "det",
                   "image": {"base64": image}, "boxes": [{"class": "cat", "score": 0.5, "box": [0, 0, 4, 4]}]})
        })
        .collect();
    json!({ "records": records }).to_string()
}

fn token(bin: &Binary, project: &Path, name: &str, role: &str) -> String {
    let out = bin.ok(Some(project), &["users", "add", name, "--role", role]);
    out.lines().last().unwrap().trim().to_string()
}

#[test]
fn the_server_ingests_with_scoped_tokens_and_loses_nothing_acknowledged_to_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    let bin = binary();
    bin.ok(None, &["init", common::path(&project)]);
    let ingest = token(&bin, &project, "camera", "ingest");
    let viewer = token(&bin, &project, "vera", "viewer");
    let image = png_base64(7);
    let server = Server::start(&project, &[]);
    let post = |token: &str, body: &str| {
        let auth = format!("Bearer {token}");
        http(
            server.host_port(),
            "POST",
            "/api/ingest",
            &[("Authorization", &auth)],
            Some(body),
        )
    };
    let (status, text) = post(&ingest, &batch(0..5, &image));
    assert!(status.contains("200"), "{status} {text}");
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap(),
        json!({"stored": 5, "duplicates": 0})
    );
    let (status, text) = post(&ingest, &batch(3..8, &image));
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap(),
        json!({"stored": 3, "duplicates": 2}),
        "{status}"
    );
    let (status, _) = post(&viewer, &batch(100..101, &image));
    assert!(status.contains("403"), "{status}");
    let auth = format!("Bearer {ingest}");
    let (status, _) = http(
        server.host_port(),
        "GET",
        "/api/overview",
        &[("Authorization", &auth)],
        None,
    );
    assert!(
        status.contains("403"),
        "an ingest token read the project: {status}"
    );
    let bad = json!({"records": [{"id": "a", "time": 1, "model": "m"}, {"id": "b", "time": 1, "model": "m", "boxes": [{"class": "c", "score": "high", "box": [0, 0, 1, 1]}]}]});
    let (status, text) = post(&ingest, &bad.to_string());
    assert!(
        status.contains("400") && text.contains("$.records[1].boxes[0].score"),
        "{status} {text}"
    );
    let (status, text) = post(&ingest, "{\"records\": [");
    assert!(status.contains("400"), "{status} {text}");

    // Four clients send batches of 25 until the server is killed.
    let acked = Arc::new(Mutex::new(Vec::<usize>::new()));
    let host = server.host_port().to_string();
    let clients: Vec<_> = (0..4)
        .map(|c| {
            let (acked, host, image, auth) = (
                Arc::clone(&acked),
                host.clone(),
                image.clone(),
                auth.clone(),
            );
            std::thread::spawn(move || {
                for b in 0.. {
                    let lo = 1_000 + (b * 4 + c) * 25;
                    let body = batch(lo..lo + 25, &image);
                    let sent = std::panic::catch_unwind(|| {
                        http(
                            &host,
                            "POST",
                            "/api/ingest",
                            &[("Authorization", &auth)],
                            Some(&body),
                        )
                    });
                    match sent {
                        Ok((status, _)) if status.contains("200") => {
                            acked.lock().unwrap().extend(lo..lo + 25)
                        }
                        _ => return b,
                    }
                }
                unreachable!()
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.lock().unwrap().len() < 2_000 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    drop(server); // SIGKILL, in the middle of ingestion
    let sent_batches: Vec<usize> = clients.into_iter().map(|c| c.join().unwrap()).collect();
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 2_000,
        "only {} records acknowledged",
        acked.len()
    );
    let stored = stored_records(&project);
    let unique: std::collections::BTreeSet<&String> = stored.iter().collect();
    assert_eq!(unique.len(), stored.len(), "a record is stored twice");
    for id in &acked {
        assert!(
            unique.contains(&format!("k{id:06}")),
            "acknowledged record k{id:06} was lost"
        );
    }
    // The clients send everything again after the restart: every record
    // once, whether or not it had landed.
    let server = Server::start(&project, &[]);
    let total = sent_batches.iter().max().unwrap() + 1;
    let mut again = (0, 0);
    for b in 0..total * 4 {
        let lo = 1_000 + b * 25;
        let (status, text) = http(
            server.host_port(),
            "POST",
            "/api/ingest",
            &[("Authorization", &auth)],
            Some(&batch(lo..lo + 25, &image)),
        );
        assert!(status.contains("200"), "{status} {text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        again.0 += v["stored"].as_u64().unwrap();
        again.1 += v["duplicates"].as_u64().unwrap();
    }
    let stored = stored_records(&project);
    assert_eq!(stored.len(), 8 + total * 4 * 25);
    assert_eq!(again.0 + again.1, (total * 4 * 25) as u64);
    assert!(again.1 as usize >= acked.len());
}

/// A classifier's stream: its windows' estimated accuracy (CBPE) is
/// NannyML's on the same chunks.
#[test]
fn estimated_accuracy_of_a_classifier_stream_is_nannyml_cbpe() {
    use assay_test_support::oracle::{nannyml_python, run_oracle_in};
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    let bin = binary();
    bin.ok(None, &["init", common::path(&project)]);
    // 3 classes, 2,000 records in windows of 200; the first 5 windows
    // (labelled) are the reference; later the scores grow overconfident
    // and the classes shift.
    let mut state = 12345u64;
    let mut uniform = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let (mut lines, mut proba, mut y_pred, mut y_true) = (vec![], vec![], vec![], vec![]);
    for i in 0..2_000usize {
        let truth = if i >= 1_000 && uniform() < 0.3 {
            2
        } else {
            (uniform() * 3.0) as usize % 3
        };
        let sharp = if i >= 1_000 { 4.0 } else { 1.5 };
        let logits: Vec<f64> = (0..3)
            .map(|c| sharp * (uniform() + if c == truth { 0.8 } else { 0.0 }))
            .collect();
        let total: f64 = logits.iter().map(|l| l.exp()).sum();
        let p: Vec<f64> = logits.iter().map(|l| l.exp() / total).collect();
        let predicted = (0..3).fold(0, |best, c| if p[c] > p[best] { c } else { best });
        let labelled = i < 1_000;
        lines.push(
            json!({"id": format!("c{i:05}"), "time": 1_577_836_800.0 + i as f64, "model": "clf",
                          "stream": "clf", "probabilities": {"c0": p[0], "c1": p[1], "c2": p[2]}}),
        );
        proba.push(p);
        y_pred.push(predicted);
        y_true.push(labelled.then_some(truth));
    }
    let records = dir.path().join("records.jsonl");
    write_lines(&records, &lines);
    bin.ok(Some(&project), &["ingest", common::path(&records)]);
    let labels: Vec<Value> = (0..1_000)
        .map(|i| json!({"id": format!("c{i:05}"), "class": format!("c{}", y_true[i].unwrap())}))
        .collect();
    let label_file = dir.path().join("labels.jsonl");
    write_lines(&label_file, &labels);
    bin.ok(
        Some(&project),
        &["ingest", "--labels", common::path(&label_file)],
    );
    let out = bin.ok(
        Some(&project),
        &[
            "monitor",
            "--stream",
            "clf",
            "--window",
            "count:200",
            "--reference-windows",
            "5",
            "--json",
        ],
    );
    let watched: Value = serde_json::from_str(&out).unwrap();
    let ours: Vec<f64> = watched[0]["windows"]["windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            w["values"]["estimated_accuracy"]
                .as_f64()
                .expect("an estimate per window")
        })
        .collect();
    assert_eq!(ours.len(), 10, "{}", watched[0]["windows"]["notes"]);
    let case = json!({
        "classes": 3, "chunk_size": 200,
        "reference": {"proba": proba[..1_000], "y_pred": y_pred[..1_000], "y_true": y_true[..1_000]},
        "analysis": {"proba": proba, "y_pred": y_pred},
    });
    let nannyml = run_oracle_in(&nannyml_python(), "cbpe_oracle.py", &[], &[case]);
    let chunks = nannyml[0]["analysis"]
        .as_array()
        .expect("NannyML estimated the chunks");
    assert_eq!(chunks.len(), ours.len());
    for (w, (a, b)) in ours.iter().zip(chunks).enumerate() {
        let b = b["value"].as_f64().unwrap();
        assert!((a - b).abs() <= 1e-9, "window {w}: assay {a}, NannyML {b}");
    }
    // The sharper scores of the second half raise the estimate.
    assert!(ours[7] > ours[2], "{ours:?}");
}

/// Records written as Parquet by pandas with pyarrow (snappy, the default,
/// and zstd, polars' default), with a timestamp column, image bytes and
/// nested boxes: ingested as the same records would be from JSON lines.
#[test]
fn parquet_records_written_by_pandas_are_ingested() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    let bin = binary();
    bin.ok(None, &["init", common::path(&project)]);
    let png = dir.path().join("x.png");
    common::images::write_png(&png, 5);
    let script = r#"
import sys, pandas as pd
png = open(sys.argv[1], "rb").read()
rows = [{"id": f"pq{i}", "time": pd.Timestamp("2020-01-01T00:00:00Z") + pd.Timedelta(minutes=i),
         "model": "det", "image": png if i % 2 == 0 else None, "latency_ms": 10.0 + i,
         "boxes": [{"class": "cat", "score": 0.25 * (i % 4), "box": [1.0, 2.0, 3.0, 4.0]}]}
        for i in range(10)]
frame = pd.DataFrame(rows)
frame.to_parquet(sys.argv[2])
frame.to_parquet(sys.argv[3], compression="zstd")
rows[3]["boxes"][0]["score"] = 1.5
pd.DataFrame(rows).to_parquet(sys.argv[4])
"#;
    let paths = ["snappy.parquet", "zstd.parquet", "bad.parquet"].map(|n| dir.path().join(n));
    let out = std::process::Command::new(assay_test_support::oracle::nannyml_python())
        .args(["-c", script, common::path(&png)])
        .args(paths.iter().map(|p| common::path(p)))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first: Value = serde_json::from_str(&bin.ok(
        Some(&project),
        &["ingest", common::path(&paths[0]), "--json"],
    ))
    .unwrap();
    assert_eq!(
        (first["stored"].as_u64(), first["duplicates"].as_u64()),
        (Some(10), Some(0))
    );
    let again: Value = serde_json::from_str(&bin.ok(
        Some(&project),
        &["ingest", common::path(&paths[1]), "--json"],
    ))
    .unwrap();
    assert_eq!(
        (again["stored"].as_u64(), again["duplicates"].as_u64()),
        (Some(0), Some(10))
    );
    let err = bin.fails(Some(&project), &["ingest", common::path(&paths[2])]);
    assert!(
        err.contains("bad.parquet row 4: $.boxes[0].score: expected 0..1, got 1.5"),
        "{err}"
    );
    let watched: Value =
        serde_json::from_str(&bin.ok(Some(&project), &["monitor", "--json"])).unwrap();
    let values = &watched[0]["windows"]["windows"][0]["values"];
    assert_eq!(values["records"], json!(10.0));
    assert_eq!(values["latency_p50"], json!(14.5));
    // The timestamps are the minutes after 2020-01-01 00:00 UTC.
    assert_eq!(
        watched[0]["windows"]["windows"][0]["start_ms"],
        json!(1_577_836_800_000i64)
    );
    // Five records carried the PNG: one image stored.
    assert_eq!(walk(&project.join(".assay/blobs")).len(), 1);
}

/// The generator stream's prompts, record `i` the `i % 4`th.
const PROMPTS: [&str; 4] = [
    "a red square on grass",
    "a photo of a cat",
    "two boats at sunset",
    "a blue bicycle",
];

/// A generator's stream: six hours of 24 generated images with their
/// prompts; from hour 4 the images come out darker.
fn generator_stream(dir: &Path) -> Vec<Vec<String>> {
    let start = 1_780_000_000 / 3600 * 3600;
    let (mut lines, mut files) = (Vec::new(), Vec::new());
    for hour in 0..6u64 {
        let mut in_hour = Vec::new();
        for i in 0..24u64 {
            let name = format!("images/h{hour}_{i}.png");
            let mut pixels = common::images::texture(40, 30, hour * 100 + i);
            if hour >= 4 {
                pixels
                    .iter_mut()
                    .for_each(|v| *v = (f64::from(*v) * 0.4) as u8);
            }
            std::fs::create_dir_all(dir.join("images")).unwrap();
            common::images::png(
                &dir.join(&name),
                40,
                30,
                image::ExtendedColorType::Rgb8,
                &pixels,
            );
            lines.push(json!({
                "id": format!("g{hour}-{i}"), "time": start + hour * 3600 + i * 120,
                "model": "gen", "image": {"path": name},
                "generation": {"prompt": PROMPTS[(i % 4) as usize], "seed": i}
            }));
            in_hour.push(name);
        }
        files.push(in_hour);
    }
    write_lines(&dir.join("records.jsonl"), &lines);
    files
}

/// `assay gen eval` of `files` (with the generator stream's prompts)
/// against the folder `real`: the set workflow the monitor's windows must
/// agree with.
fn gen_eval(dir: &Path, files: &[String], real: &Path, clip: &Path) -> Value {
    let mut manifest = String::from("file,prompt,model\n");
    for f in files {
        let i: usize = f
            .rsplit('_')
            .next()
            .unwrap()
            .trim_end_matches(".png")
            .parse()
            .unwrap();
        manifest.push_str(&format!(
            "{},{},gen\n",
            dir.join(f).display(),
            PROMPTS[i % 4]
        ));
    }
    let path = dir.join("window.csv");
    std::fs::write(&path, manifest).unwrap();
    let out = binary().ok(
        None,
        &[
            "gen",
            "eval",
            "--real",
            real.to_str().unwrap(),
            "--fake",
            path.to_str().unwrap(),
            "--model",
            "builtin",
            "--clip-model",
            clip.to_str().unwrap(),
            "--metrics",
            "fid,clip",
            "--interval-draws",
            "0",
            "--json",
        ],
    );
    serde_json::from_str(&out).unwrap()
}

fn metric(report: &Value, name: &str) -> f64 {
    let all = report["metrics"].as_array().unwrap();
    let m = all.iter().find(|m| m["name"] == name);
    m.unwrap_or_else(|| panic!("no {name} in {all:?}"))["value"]
        .as_f64()
        .unwrap()
}

#[test]
fn a_generator_stream_has_fid_clip_score_and_embedding_drift_per_window() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let files = generator_stream(d);
    let clip = d.join("clip");
    assay_test_support::tiny_models::tiny_clip(&clip);
    let bin = binary();
    bin.ok(None, &["init", common::path(d)]);
    let project = Some(d);
    bin.ok(project, &["ingest", common::path(&d.join("records.jsonl"))]);

    // Without models, the output says what is missing rather than nothing.
    let bare: Value =
        serde_json::from_str(&bin.ok(project, &["monitor", "--reference-windows", "4", "--json"]))
            .unwrap();
    let notes = bare[0]["windows"]["notes"].to_string();
    assert!(
        notes.contains("embedding_drift and fid need image features"),
        "{notes}"
    );
    assert!(notes.contains("clip_score needs a CLIP model"), "{notes}");
    let nowhere = d.join("nowhere");
    // A model that cannot be opened is said plainly; the other metrics
    // (and the rules on them) still run.
    let broken: Value = serde_json::from_str(&bin.ok(
        project,
        &["monitor", "--clip-model", common::path(&nowhere), "--json"],
    ))
    .unwrap();
    let notes = broken[0]["windows"]["notes"].to_string();
    assert!(
        notes.contains("were not computed: clip_model = ") && notes.contains("nowhere"),
        "{notes}"
    );
    assert!(broken[0]["windows"]["windows"][0]["values"]["records"].is_number());

    let args = [
        "monitor",
        "--reference-windows",
        "4",
        "--embed-model",
        "builtin",
        "--clip-model",
        common::path(&clip),
        "--json",
    ];
    let out: Value = serde_json::from_str(&bin.ok(project, &args)).unwrap();
    let w = &out[0]["windows"];
    let windows = w["windows"].as_array().unwrap();
    assert_eq!(windows.len(), 6);
    let value = |i: usize, m: &str| {
        windows[i]["values"][m]
            .as_f64()
            .unwrap_or_else(|| panic!("window {i} has no {m}: {}", windows[i]["values"]))
    };
    let notes = w["notes"].to_string();
    assert!(
        notes.contains("fid per window"),
        "sample-size warning: {notes}"
    );
    assert!(notes.contains("rank-deficient"), "{notes}");

    // The images darken from hour 4: both distances grow past every
    // reference window's.
    for m in ["embedding_drift", "fid"] {
        let reference_max = (0..4).map(|i| value(i, m)).fold(0.0, f64::max);
        assert!(
            value(4, m) > reference_max && value(5, m) > reference_max,
            "{m}"
        );
    }

    // Each window agrees with `assay gen eval` of its images: FID against
    // the reference windows' images, CLIPScore with their prompts (to f32
    // precision: the models ran on other batches).
    let real = d.join("reference");
    std::fs::create_dir_all(&real).unwrap();
    for f in files[..4].iter().flatten() {
        std::fs::copy(d.join(f), real.join(f.trim_start_matches("images/"))).unwrap();
    }
    for i in [1, 5] {
        let report = gen_eval(d, &files[i], &real, &clip);
        let (fid, clip_score) = (metric(&report, "fid"), metric(&report, "clip_score"));
        assert!(
            (value(i, "fid") - fid).abs() <= 1e-6 * fid.max(1.0),
            "window {i}: fid {} vs {fid}",
            value(i, "fid")
        );
        assert!(
            (value(i, "clip_score") - clip_score).abs() < 1e-7,
            "window {i}: clip_score {} vs {clip_score}",
            value(i, "clip_score")
        );
    }

    // Vectors are stored once: a second watch embeds nothing new and gives
    // the same numbers.
    let again: Value = serde_json::from_str(&bin.ok(project, &args)).unwrap();
    assert_eq!(again[0]["windows"]["windows"], w["windows"]);

    // A reference given as files: the same images give the same FID.
    let with_real: Value = serde_json::from_str(&bin.ok(
        project,
        &[&args[..], &["--real", common::path(&real)]].concat(),
    ))
    .unwrap();
    let fid_real = with_real[0]["windows"]["windows"][5]["values"]["fid"]
        .as_f64()
        .unwrap();
    assert!(
        (fid_real - value(5, "fid")).abs() <= 1e-6 * fid_real,
        "{fid_real}"
    );
    let notes = with_real[0]["windows"]["notes"].to_string();
    assert!(notes.contains("fid compares each window with"), "{notes}");
    assert!(notes.contains("(96 images)"), "{notes}");
}

#[test]
fn a_segmenter_sends_masks_stored_as_its_predictions() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let bin = binary();
    bin.ok(None, &["init", common::path(d)]);
    let rle = json!({"size": [4, 5], "counts": [2, 3, 15]});
    let polygon = json!([[0, 0, 10, 0, 10, 10, 0, 10]]);
    write_lines(
        &d.join("records.jsonl"),
        &[
            json!({"id": "s1", "time": 1_780_000_000, "model": "seg", "boxes": [
            {"class": "cell", "score": 0.9, "mask": rle},
            {"class": "cell", "score": 0.8, "box": [1, 1, 2, 2], "mask": {"size": [4, 5], "counts": [5, 2, 13]}},
            {"class": "road", "score": 0.7, "mask": polygon}]}),
        ],
    );
    bin.ok(Some(d), &["ingest", common::path(&d.join("records.jsonl"))]);
    let db = rusqlite::Connection::open(d.join(".assay/project.db")).unwrap();
    let rows: Vec<(String, f64, f64, f64, f64, f64, bool)> = db
        .prepare("SELECT kind, x, y, w, h, area, segmentation IS NOT NULL FROM predictions ORDER BY source_id")
        .unwrap()
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    // Column-major runs: rows 2-3 of column 0 and row 0 of column 1; the
    // box is the mask's bounds (pycocotools' toBbox), the area its pixels.
    assert_eq!(rows[0], ("mask".into(), 0.0, 0.0, 2.0, 4.0, 3.0, true));
    assert_eq!(
        (rows[1].1, rows[1].2, rows[1].3, rows[1].4),
        (1.0, 1.0, 2.0, 2.0),
        "a given box is kept"
    );
    assert_eq!(
        rows[2],
        ("polygon".into(), 0.0, 0.0, 10.0, 10.0, 100.0, true)
    );

    // A mask that is neither polygons nor RLE is named by its JSON path,
    // and the file stores nothing.
    write_lines(
        &d.join("bad.jsonl"),
        &[
            json!({"id": "s2", "time": 1_780_000_000, "model": "seg", "boxes": [
            {"class": "cell", "score": 0.9, "mask": {"counts": "x"}}]}),
        ],
    );
    let err = bin.fails(Some(d), &["ingest", common::path(&d.join("bad.jsonl"))]);
    assert!(
        err.contains("line 1") && err.contains("$.boxes[0].mask"),
        "{err}"
    );
    // An empty mask has no bounds to stand for the box.
    write_lines(
        &d.join("empty.jsonl"),
        &[
            json!({"id": "s3", "time": 1_780_000_000, "model": "seg", "boxes": [
            {"class": "cell", "score": 0.9, "mask": {"size": [4, 5], "counts": [20]}}]}),
        ],
    );
    let err = bin.fails(Some(d), &["ingest", common::path(&d.join("empty.jsonl"))]);
    assert!(
        err.contains("$.boxes[0]: expected a box, or a mask with at least one pixel"),
        "{err}"
    );
    assert_eq!(stored_records(d), vec!["s1".to_string()]);
    // The mask is kept with the predictions, not twice.
    let output: String = db
        .query_row("SELECT output FROM monitor_records", [], |r| r.get(0))
        .unwrap();
    assert!(!output.contains("counts"), "{output}");
}
