//! Human review end to end: users with tokens and roles, a queue of label
//! issues with overlap 2, verdicts through the server (the server enforces
//! the roles on every endpoint), two reviewers submitting on one item at
//! the same moment, agreement, and the corrected export with its changelog.

mod common;

use std::path::Path;

use serde_json::{json, Value};

use common::server::{http, Server};
use common::{assay, build_demo};

/// `assay users add NAME --role ROLE`, returning the token it printed.
fn add_user(project: &Path, name: &str, role: &str) -> String {
    let out = assay(project, &["users", "add", name, "--role", role]);
    out.lines().last().unwrap().trim().to_string()
}

/// A request with a user's token: status code and body.
fn call(
    server: &Server,
    token: Option<&str>,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = bearer
        .iter()
        .map(|b| ("Authorization", b.as_str()))
        .collect();
    let body = body.map(Value::to_string);
    let (status, text) = http(server.host_port(), method, path, &headers, body.as_deref());
    let code = status
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (code, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[test]
fn reviewers_review_a_queue_and_the_export_applies_the_fixes_they_agree_on() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    build_demo(p);
    assay(
        p,
        &["quality", "--dataset", "shapes", "--model", "sim-detector"],
    );
    let admin = add_user(p, "ada", "admin");
    let ana = add_user(p, "ana", "reviewer");
    let ben = add_user(p, "ben", "reviewer");
    let viewer = add_user(p, "vic", "viewer");
    assert_eq!(ana.len(), 48);
    let out = assay(
        p,
        &[
            "review",
            "create",
            "--dataset",
            "shapes",
            "--name",
            "labels",
            "--from",
            "label_issues",
            "--limit",
            "20",
            "--overlap",
            "2",
            "--assign",
            "ana,ben",
        ],
    );
    assert!(out.contains("20 items"), "{out}");
    // The store keeps only hashes of the tokens.
    let db = std::fs::read(p.join(".assay/project.db")).unwrap();
    assert!(!db.windows(ana.len()).any(|w| w == ana.as_bytes()));

    let server = Server::start(p, &[]);
    // Without a token nothing but the page's shell is answered.
    assert_eq!(call(&server, None, "GET", "/api/overview", None).0, 401);
    let (_, me) = call(&server, Some(&ana), "GET", "/api/me", None);
    assert_eq!(me, json!({"name": "ana", "role": "reviewer"}));
    let (_, queues) = call(&server, Some(&ana), "GET", "/api/review/queues", None);
    let queue = queues[0]["id"].as_i64().unwrap();
    let (code, next) = call(
        &server,
        Some(&ana),
        "GET",
        &format!("/api/review/queues/{queue}/next?limit=3"),
        None,
    );
    assert_eq!(code, 200, "{next}");
    let items: Vec<&Value> = next.as_array().unwrap().iter().collect();
    assert_eq!(items.len(), 3);
    let item = |i: usize| items[i]["item"]["id"].as_i64().unwrap();
    let with_box = items
        .iter()
        .position(|i| !i["labels"].as_array().unwrap().is_empty())
        .expect("an item with a box");
    let label = &items[with_box]["labels"][0];
    let id = label["id"].as_i64().unwrap();
    let b: Vec<f64> = label["bbox"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let moved = |dx: f64| json!({"decision": "fix", "edits": [{"op": "move", "id": id, "bbox": [b[0] + dx, b[1], b[2], b[3]]}], "note": "box was loose"});
    let verdicts = |i: i64| format!("/api/review/items/{i}/verdicts");
    // Both move the box about the same way: the fix is applied.
    let (code, recorded) = call(
        &server,
        Some(&ana),
        "POST",
        &verdicts(item(with_box)),
        Some(&moved(1.0)),
    );
    assert_eq!(code, 200, "{recorded}");
    assert_eq!(recorded["before"][0]["bbox"][0].as_f64(), Some(b[0]));
    assert_eq!(
        call(
            &server,
            Some(&ben),
            "POST",
            &verdicts(item(with_box)),
            Some(&moved(1.5))
        )
        .0,
        200
    );
    // They split on another item: nothing changes there.
    let other = (0..3).find(|&i| i != with_box).unwrap();
    assert_eq!(
        call(
            &server,
            Some(&ana),
            "POST",
            &verdicts(item(other)),
            Some(&json!({"decision": "accept"}))
        )
        .0,
        200
    );
    assert_eq!(
        call(
            &server,
            Some(&ben),
            "POST",
            &verdicts(item(other)),
            Some(&json!({"decision": "reject"}))
        )
        .0,
        200
    );
    // Two verdicts on one item at the same moment: both kept.
    let third = (0..3).find(|&i| i != with_box && i != other).unwrap();
    std::thread::scope(|s| {
        for token in [&ana, &ben] {
            let path = verdicts(item(third));
            let server = &server;
            s.spawn(move || {
                let (code, body) = call(
                    server,
                    Some(token),
                    "POST",
                    &path,
                    Some(&json!({"decision": "accept"})),
                );
                assert_eq!(code, 200, "{body}");
            });
        }
    });
    let (_, detail) = call(
        &server,
        Some(&admin),
        "GET",
        &format!("/api/review/queues/{queue}"),
        None,
    );
    let on_third = detail["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["item"].as_i64() == Some(item(third)))
        .count();
    assert_eq!(on_third, 2, "{detail}");
    assert_eq!(detail["agreement"]["items"], 3, "{}", detail["agreement"]);
    assert!(
        detail["agreement"]["box_alpha"].as_f64().is_some(),
        "{}",
        detail["agreement"]
    );
    assert_eq!(detail["agreement"]["pairs"][0]["items"], 3);

    // Roles: a viewer writes nothing; a reviewer only verdicts, only on
    // assigned queues; bad edits are refused with the reason.
    let writes = [
        ("/api/tags", json!({"sample_ids": [1], "tag": "x"})),
        (
            "/api/log",
            json!({"run": "r", "step": 1, "values": {"loss": 1.0}}),
        ),
        (
            "/api/review/queues",
            json!({"dataset": "shapes", "name": "q2", "from": "label_issues"}),
        ),
        (verdicts(item(0)).as_str(), json!({"decision": "accept"})),
    ]
    .map(|(p, b)| (p.to_string(), b));
    for (path, body) in &writes {
        let (code, answer) = call(&server, Some(&viewer), "POST", path, Some(body));
        assert_eq!(code, 403, "viewer POST {path}: {answer}");
    }
    assert_eq!(
        call(&server, Some(&viewer), "GET", "/api/review/queues", None).0,
        200
    );
    assert_eq!(
        call(&server, Some(&ana), "POST", "/api/tags", Some(&writes[0].1)).0,
        403
    );
    let (code, _) = call(
        &server,
        Some(&admin),
        "POST",
        "/api/review/queues",
        Some(
            &json!({"dataset": "shapes", "name": "ben-only", "from": "label_issues", "limit": 2, "assign": ["ben"]}),
        ),
    );
    assert_eq!(code, 200);
    let (_, mine) = call(&server, Some(&ana), "GET", "/api/review/queues", None);
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    let (_, all) = call(&server, Some(&admin), "GET", "/api/review/queues", None);
    let ben_only = all
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["name"] == "ben-only")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        call(
            &server,
            Some(&ana),
            "GET",
            &format!("/api/review/queues/{ben_only}/next"),
            None
        )
        .0,
        403
    );
    let (_, ben_items) = call(
        &server,
        Some(&ben),
        "GET",
        &format!("/api/review/queues/{ben_only}/next"),
        None,
    );
    let ben_item = ben_items[0]["item"]["id"].as_i64().unwrap();
    assert_eq!(
        call(
            &server,
            Some(&ana),
            "POST",
            &verdicts(ben_item),
            Some(&json!({"decision": "accept"}))
        )
        .0,
        403
    );
    let (code, answer) = call(
        &server,
        Some(&ana),
        "POST",
        &verdicts(item(0)),
        Some(
            &json!({"decision": "fix", "edits": [{"op": "relabel", "id": 1, "class": "hexagon"}]}),
        ),
    );
    assert_eq!(code, 400, "{answer}");
    drop(server);

    // The export applies the agreed fix, leaves the stored labels and
    // lists every reviewed item.
    let out = p.join("reviewed.json");
    let printed = assay(
        p,
        &[
            "export",
            "coco",
            "--dataset",
            "shapes",
            "--reviewed",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(
        printed.contains("1 reviewed fixes applied (1 ties"),
        "{printed}"
    );
    let log: Value = serde_json::from_str(
        &std::fs::read_to_string(p.join("reviewed.json.changelog.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(log["changes"].as_array().unwrap().len(), 3, "{log}");
    let applied: Vec<&Value> = log["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["applied"] == true)
        .collect();
    assert_eq!(applied[0]["agreed"], json!(["ana", "ben"]));
    assert_eq!(applied[0]["notes"][0], "box was loose");
    let coco: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let exported = coco["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"].as_i64() == Some(id) && a["bbox"][0].as_f64() == Some(b[0] + 1.0));
    assert!(
        exported.is_some(),
        "the moved box (ana's, the earliest of the agreeing verdicts)"
    );
    let original = p.join("original.json");
    assay(
        p,
        &[
            "export",
            "coco",
            "--dataset",
            "shapes",
            "--out",
            original.to_str().unwrap(),
        ],
    );
    let stored: Value = serde_json::from_str(&std::fs::read_to_string(&original).unwrap()).unwrap();
    assert!(stored["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["id"].as_i64() == Some(id) && a["bbox"][0].as_f64() == Some(b[0])));
    // YOLO too: the moved box's label line changes, nothing else.
    let yolo = p.join("yolo");
    let printed = assay(
        p,
        &[
            "export",
            "yolo",
            "--dataset",
            "shapes",
            "--reviewed",
            "--out",
            yolo.to_str().unwrap(),
        ],
    );
    assert!(printed.contains("1 reviewed fixes applied"), "{printed}");
    assert!(yolo.join("changelog.json").is_file());
    // Queues from a slice of a run and from two runs' disagreements.
    let runs: Value = serde_json::from_str(&assay(p, &["runs", "--json"])).unwrap();
    let run = |model: &str| {
        runs.as_array()
            .unwrap()
            .iter()
            .find(|r| r["model"] == model)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let (v1, v2) = (run("sim-detector"), run("sim-detector-v2"));
    let dark = assay(
        p,
        &[
            "review",
            "create",
            "--dataset",
            "shapes",
            "--name",
            "dark",
            "--from",
            &format!("slice:{v1}:brightness < 0.3;class = triangle"),
        ],
    );
    assert!(dark.contains("items from slice:"), "{dark}");
    let differ = assay(
        p,
        &[
            "review",
            "create",
            "--dataset",
            "shapes",
            "--name",
            "differ",
            "--from",
            &format!("disagree:{v1}:{v2}"),
            "--limit",
            "5",
        ],
    );
    assert!(differ.contains("5 items"), "{differ}");
    let err = common::assay_fails(
        p,
        &[
            "review",
            "create",
            "--dataset",
            "shapes",
            "--name",
            "bad",
            "--from",
            &format!("slice:{v1}:brightnes < 0.3"),
        ],
    );
    assert!(err.contains("no column \"brightnes\""), "{err}");
    let shown = assay(p, &["review", "show", &queue.to_string()]);
    assert!(shown.contains("ana / ben"), "{shown}");
    // Of the three settled items the reviewers confirmed the fixed one
    // and the one accepted by both was a false alarm; the tie is unsettled.
    let detail: Value =
        serde_json::from_str(&assay(p, &["review", "show", &queue.to_string(), "--json"])).unwrap();
    let precision = detail["precision"].as_array().unwrap();
    let settled: u64 = precision
        .iter()
        .map(|p| p["resolved"].as_u64().unwrap())
        .sum();
    let confirmed: u64 = precision
        .iter()
        .map(|p| p["confirmed"].as_u64().unwrap())
        .sum();
    assert_eq!((settled, confirmed), (2, 1), "{detail}");
}
