//! Server-side latency of the explorer on a generated project (default one
//! million samples): the first page, each filter and each sort, measured
//! through the whole router (access check, JSON in and out) without the
//! network. Run it with
//! `cargo run --release -p assay-server --example explorer_bench -- [samples] [project dir]`;
//! the project is generated once and reused.

use std::sync::Arc;
use std::time::Instant;

use assay_server::{router, AppState};
use assay_test_support::synthetic;
use axum::body::Body;
use axum::http::{header, Request};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

const REPEATS: usize = 15;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let samples: usize = args
        .get(1)
        .map_or(1_000_000, |a| a.parse().expect("samples: a number"));
    let dir = std::path::PathBuf::from(
        args.get(2)
            .cloned()
            .unwrap_or_else(|| format!("target/bench-explorer-{samples}")),
    );
    if !dir.join(assay_store::PROJECT_DIR).exists() {
        let t = Instant::now();
        synthetic::build(&dir, samples, false, 7).expect("cannot build the project");
        println!(
            "generated {samples} samples in {} in {:.1} s",
            dir.display(),
            t.elapsed().as_secs_f64()
        );
    }
    let t = Instant::now();
    let state = AppState::open(&dir, None).expect("cannot open the project");
    state.preload().expect("cannot load the dataset");
    println!(
        "loaded the explorer's columns in {:.2} s (once, at `assay serve` start)",
        t.elapsed().as_secs_f64()
    );
    let run = run_id(&state).await;
    let t = Instant::now();
    query(
        &state,
        json!({"dataset": synthetic::DATASET, "run": run, "limit": 1}),
    )
    .await;
    println!(
        "loaded run {run}'s outcome counts in {:.2} s (once, on first use)\n",
        t.elapsed().as_secs_f64()
    );

    println!("| request | total | median ms | max ms |\n|---|---:|---:|---:|");
    for (name, body) in cases(run) {
        let mut times = Vec::with_capacity(REPEATS);
        let mut total = 0;
        for _ in 0..REPEATS {
            let t = Instant::now();
            let page = query(&state, body.clone()).await;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            total = page["total"].as_u64().expect("a page has a total");
        }
        times.sort_by(f64::total_cmp);
        println!(
            "| {name} | {total} | {:.1} | {:.1} |",
            times[REPEATS / 2],
            times[REPEATS - 1]
        );
    }
}

/// Each request of the table: the first page, every filter, every sort.
fn cases(run: i64) -> Vec<(&'static str, Value)> {
    let d = synthetic::DATASET;
    let page = |extra: Value| {
        let mut body = json!({"dataset": d, "offset": 0, "limit": 200});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    vec![
        ("first page", page(json!({}))),
        (
            "first page with objects, as the UI asks",
            page(json!({"run": run, "objects": true})),
        ),
        ("page at offset 500,000", page(json!({"offset": 500_000}))),
        ("filter: split", page(json!({"split": "val"}))),
        ("filter: class", page(json!({"classes": ["dog"]}))),
        (
            "filter: two classes",
            page(json!({"classes": ["dog", "cat"]})),
        ),
        ("filter: issue type", page(json!({"issues": ["dark"]}))),
        ("filter: tag", page(json!({"tags": ["review"]}))),
        ("filter: model", page(json!({"model": synthetic::MODEL}))),
        (
            "filter: metric range",
            page(json!({"ranges": [{"metric": "brightness", "min": 0.2, "max": 0.4}]})),
        ),
        (
            "filter: outcome (fn) in a run",
            page(json!({"run": run, "outcome": "fn"})),
        ),
        (
            "filter: confusion cell",
            page(json!({"run": run, "cell": [2, 3]})),
        ),
        ("filter: text", page(json!({"text": "img_00042"}))),
        (
            "sort: metric, descending",
            page(json!({"sort": {"by": "metric:sharpness", "desc": true}})),
        ),
        (
            "sort: metric, ascending",
            page(json!({"sort": {"by": "metric:entropy"}})),
        ),
        (
            "sort: file name, descending",
            page(json!({"sort": {"by": "file_name", "desc": true}})),
        ),
        (
            "sort: errors in a run",
            page(json!({"run": run, "sort": {"by": "errors", "desc": true}})),
        ),
        (
            "sort: metric, page at offset 500,000",
            page(json!({"offset": 500_000, "sort": {"by": "metric:brightness"}})),
        ),
        (
            "filter + sort: split, class, range; by metric",
            page(json!({"split": "train", "classes": ["car"],
            "ranges": [{"metric": "entropy", "min": 3.0, "max": null}], "sort": {"by": "metric:brightness", "desc": true}})),
        ),
    ]
}

async fn run_id(state: &Arc<AppState>) -> i64 {
    let overview = send(state, Request::get("/api/overview")).await;
    overview["runs"][0]["id"]
        .as_i64()
        .expect("the project has a run")
}

async fn query(state: &Arc<AppState>, body: Value) -> Value {
    let request = Request::post("/api/query").header(header::CONTENT_TYPE, "application/json");
    send_body(state, request, Body::from(body.to_string())).await
}

async fn send(state: &Arc<AppState>, request: axum::http::request::Builder) -> Value {
    send_body(state, request, Body::empty()).await
}

async fn send_body(
    state: &Arc<AppState>,
    request: axum::http::request::Builder,
    body: Body,
) -> Value {
    let request = request
        .header(header::HOST, "127.0.0.1")
        .body(body)
        .unwrap();
    let response = router(Arc::clone(state)).oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    assert!(
        status.is_success(),
        "{status}: {}",
        String::from_utf8_lossy(&bytes)
    );
    serde_json::from_slice(&bytes).unwrap()
}
