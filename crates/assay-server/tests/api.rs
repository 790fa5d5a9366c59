//! The API on a generated project: what it answers, and what it refuses
//! (path traversal, oversized bodies, missing tokens, foreign host names).

use std::sync::Arc;

use assay_server::{router, AppState};
use assay_test_support::synthetic;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

const SAMPLES: usize = 300;

struct Project {
    _dir: tempfile::TempDir,
    state: Arc<AppState>,
}

fn project(token: Option<&str>) -> Project {
    let dir = tempfile::tempdir().unwrap();
    synthetic::build(dir.path(), SAMPLES, true, 1).unwrap();
    let state = AppState::open(dir.path(), token.map(str::to_string)).unwrap();
    Project { _dir: dir, state }
}

/// Sends a request addressed to 127.0.0.1; returns status, headers and body.
async fn send(
    state: &Arc<AppState>,
    request: Request<Body>,
) -> (StatusCode, header::HeaderMap, Vec<u8>) {
    let response = router(Arc::clone(state)).oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes().to_vec();
    (parts.status, parts.headers, bytes)
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri)
        .header(header::HOST, "127.0.0.1:8000")
        .body(Body::empty())
        .unwrap()
}

fn post(uri: &str, body: &Value) -> Request<Body> {
    post_bytes(uri, serde_json::to_vec(body).unwrap())
}

fn post_bytes(uri: &str, body: Vec<u8>) -> Request<Body> {
    Request::post(uri)
        .header(header::HOST, "127.0.0.1:8000")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap()
}

async fn json_of(state: &Arc<AppState>, request: Request<Body>) -> Value {
    let (status, _, body) = send(state, request).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

#[tokio::test]
async fn path_traversal_never_reaches_the_file_system() {
    let p = project(None);
    let attempts = [
        "/assets/..%2F..%2FCargo.toml",
        "/assets/../../Cargo.toml",
        "/assets/%2e%2e/%2e%2e/etc/passwd",
        "/assets/..%5C..%5CCargo.toml",
        "/assets/index.html%00.js",
        "/api/samples/..%2F..%2F..%2Fetc%2Fpasswd/image",
        "/api/samples/../../../etc/passwd/thumbnail",
        "/api/samples/%2Fetc%2Fpasswd/image",
        "/api/samples/1%2F..%2F..%2Fproject.db/image",
        "/../.assay/project.db",
        "/.assay/project.db",
        "/api/../../etc/passwd",
    ];
    for uri in attempts {
        let (status, _, body) = send(&p.state, get(uri)).await;
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST,
            "{uri}: {status}"
        );
        let text = String::from_utf8_lossy(&body);
        assert!(
            !text.contains("root:")
                && !text.contains("[workspace]")
                && !text.contains("SQLite format"),
            "{uri}: {text}"
        );
    }
    // A sample id that does not exist names no file either.
    let (status, _, _) = send(&p.state, get("/api/samples/999999/image")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The real files are served by id.
    let (status, headers, body) = send(&p.state, get("/api/samples/1/image")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "image/jpeg");
    assert_eq!(&body[..3], &[0xff, 0xd8, 0xff]);
    let (status, _, thumb) = send(&p.state, get("/api/samples/2/thumbnail")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&thumb[..3], &[0xff, 0xd8, 0xff]);
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let p = project(None);
    let big =
        json!({"dataset": synthetic::DATASET, "text": "x".repeat(assay_server::MAX_BODY + 10)});
    for uri in ["/api/query", "/api/tags", "/api/export"] {
        let (status, _, _) = send(&p.state, post(uri, &big)).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{uri}");
    }
    let ids: Vec<i64> = (0..200_000).collect();
    let (status, _, _) = send(
        &p.state,
        post("/api/tags", &json!({"sample_ids": ids, "tag": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // Nothing was tagged.
    let facets = json_of(&p.state, get("/api/datasets/synthetic/facets")).await;
    assert_eq!(facets["tags"], json!(["review"]));
    // A page larger than the limit is refused too.
    let (status, _, _) = send(
        &p.state,
        post(
            "/api/query",
            &json!({"dataset": "synthetic", "limit": 5000}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_required_token_is_checked_on_every_request() {
    let p = project(Some("s3cret-token"));
    for uri in [
        "/api/overview",
        "/api/samples/1",
        "/api/samples/1/image",
        "/api/samples/1/thumbnail",
        "/api/datasets/synthetic/facets",
        "/api/nope",
    ] {
        let (status, _, body) = send(&p.state, get(uri)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{uri}");
        assert!(String::from_utf8_lossy(&body).contains("token"));
    }
    let with = |uri: &str, name: header::HeaderName, value: &str| {
        Request::get(uri)
            .header(header::HOST, "10.0.0.5:8000")
            .header(name, value)
            .body(Body::empty())
            .unwrap()
    };
    let wrong = send(
        &p.state,
        with(
            "/api/overview",
            header::AUTHORIZATION,
            "Bearer s3cret-tokeN",
        ),
    )
    .await;
    assert_eq!(wrong.0, StatusCode::UNAUTHORIZED);
    let (status, _, _) = send(
        &p.state,
        post("/api/tags", &json!({"sample_ids": [1], "tag": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let bearer = send(
        &p.state,
        with(
            "/api/overview",
            header::AUTHORIZATION,
            "Bearer s3cret-token",
        ),
    )
    .await;
    assert_eq!(bearer.0, StatusCode::OK);
    let cookie = send(
        &p.state,
        with(
            "/api/overview",
            header::COOKIE,
            "a=b; assay_token=s3cret-token",
        ),
    )
    .await;
    assert_eq!(cookie.0, StatusCode::OK);
    // Opening the page with the token sets the cookie and drops the token from the address.
    let (status, headers, _) = send(&p.state, get("/?token=s3cret-token")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/");
    let set = headers[header::SET_COOKIE].to_str().unwrap();
    assert!(
        set.starts_with("assay_token=s3cret-token") && set.contains("HttpOnly"),
        "{set}"
    );
    // The page itself (no data) is served, so it can say how to get in.
    let (status, _, body) = send(&p.state, get("/")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&body).contains("<html"));
    let (status, headers, _) = send(&p.state, get("/?token=wrong")).await;
    assert!(status == StatusCode::OK && headers.get(header::SET_COOKIE).is_none());
}

#[tokio::test]
async fn without_a_token_only_loopback_names_are_answered() {
    let p = project(None);
    let foreign = Request::get("/api/overview")
        .header(header::HOST, "attacker.example:8000")
        .body(Body::empty())
        .unwrap();
    let (status, _, _) = send(&p.state, foreign).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, body) = send(&p.state, get("/")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&body).contains("<html"));
}

#[tokio::test]
async fn explorer_filters_sorts_and_pages() {
    let p = project(None);
    let query = |body: Value| json_of(&p.state, post("/api/query", &body));
    let all = query(json!({"dataset": "synthetic", "limit": 1000})).await;
    assert_eq!(all["total"], SAMPLES);
    let items = all["items"].as_array().unwrap();
    // Recompute every filter from the unfiltered page and compare.
    let count = |f: &dyn Fn(&Value) -> bool| items.iter().filter(|i| f(i)).count();
    let val = query(json!({"dataset": "synthetic", "split": "val"})).await;
    assert_eq!(val["total"], count(&|i| i["split"] == "val"));
    let dogs = query(json!({"dataset": "synthetic", "classes": ["dog"]})).await;
    assert_eq!(
        dogs["total"],
        count(&|i| i["classes"].as_array().unwrap().contains(&json!("dog")))
    );
    let dark = query(json!({"dataset": "synthetic", "issues": ["dark"]})).await;
    assert_eq!(
        dark["total"],
        count(&|i| i["issues"].as_array().unwrap().contains(&json!("dark")))
    );
    let review = query(json!({"dataset": "synthetic", "tags": ["review"]})).await;
    assert_eq!(review["total"], SAMPLES.div_ceil(100));
    // Metric range and sort: values within the range, in order.
    let bright = query(json!({"dataset": "synthetic", "ranges": [{"metric": "brightness", "min": 0.5, "max": null}],
        "sort": {"by": "metric:brightness", "desc": true}, "limit": 1000})).await;
    let values: Vec<f64> = bright["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["value"].as_f64().unwrap())
        .collect();
    assert!(!values.is_empty() && values.iter().all(|&v| v >= 0.5));
    assert!(values.windows(2).all(|w| w[0] >= w[1]));
    // Paging: two pages of 7 are the first 14 of one page of 14.
    let sorted = |offset: usize, limit: usize| {
        query(
            json!({"dataset": "synthetic", "offset": offset, "limit": limit,
        "sort": {"by": "metric:sharpness"}}),
        )
    };
    let ids = |v: &Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    let (a, b, both) = (sorted(0, 7).await, sorted(7, 7).await, sorted(0, 14).await);
    assert_eq!([ids(&a), ids(&b)].concat(), ids(&both));
    // Outcomes of the run and a confusion cell.
    let overview = json_of(&p.state, get("/api/overview")).await;
    let run = overview["runs"][0]["id"].as_i64().unwrap();
    let misses =
        query(json!({"dataset": "synthetic", "run": run, "outcome": "fn", "limit": 1000})).await;
    assert!(misses["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["counts"]["fn"].as_u64().unwrap() > 0));
    let page = json_of(&p.state, get(&format!("/api/runs/{run}"))).await;
    let counts = page["confusion"]["counts"].as_array().unwrap().clone();
    assert_eq!(
        page["confusion"]["labels"].as_array().unwrap().len(),
        synthetic::CLASSES.len() + 1
    );
    let cell =
        query(json!({"dataset": "synthetic", "run": run, "cell": [2, 2], "limit": 1000})).await;
    assert!(cell["total"].as_u64().unwrap() > 0);
    assert!(cell["total"].as_u64().unwrap() <= counts[2][2].as_u64().unwrap());
    // Bad requests name the problem.
    let (status, _, body) = send(
        &p.state,
        post(
            "/api/query",
            &json!({"dataset": "synthetic", "sort": {"by": "metric:nope"}}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&body).contains("nope"));
    for (field, value) in [
        ("semantic", json!("a dog on grass")),
        ("similar_to", json!(1)),
    ] {
        let body = json!({"dataset": "synthetic", field: value});
        let (status, _, body) = send(&p.state, post("/api/query", &body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}");
        assert!(
            String::from_utf8_lossy(&body).contains("assay embed"),
            "{field}"
        );
    }
    let (status, _, _) = send(&p.state, post("/api/query", &json!({"dataset": "missing"}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = send(&p.state, post_bytes("/api/query", b"{not json".to_vec())).await;
    assert!(status.is_client_error());
}

#[tokio::test]
async fn tags_and_exports_follow_the_selection() {
    let p = project(None);
    let tagged = json_of(
        &p.state,
        post(
            "/api/tags",
            &json!({"sample_ids": [3, 4, 5], "tag": "relabel"}),
        ),
    )
    .await;
    assert_eq!(tagged["changed"], 3);
    let page = json_of(
        &p.state,
        post(
            "/api/query",
            &json!({"dataset": "synthetic", "tags": ["relabel"]}),
        ),
    )
    .await;
    assert_eq!(page["total"], 3);
    let sample = json_of(&p.state, get("/api/samples/4")).await;
    assert_eq!(sample["tags"], json!(["relabel"]));
    let (status, _, _) = send(
        &p.state,
        post("/api/tags", &json!({"sample_ids": [3, 999999], "tag": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = send(
        &p.state,
        post("/api/tags", &json!({"sample_ids": [3], "tag": ""})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    json_of(
        &p.state,
        post(
            "/api/tags",
            &json!({"sample_ids": [3], "tag": "relabel", "remove": true}),
        ),
    )
    .await;
    let page = json_of(
        &p.state,
        post(
            "/api/query",
            &json!({"dataset": "synthetic", "tags": ["relabel"]}),
        ),
    )
    .await;
    assert_eq!(page["total"], 2);

    let export = |format: &str| {
        post(
            "/api/export",
            &json!({"format": format, "dataset": "synthetic", "sample_ids": [4, 5]}),
        )
    };
    let (status, _, csv) = send(&p.state, export("csv")).await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.contains("img_0000004.jpg") && csv.contains("relabel"));
    let (status, _, coco) = send(&p.state, export("coco")).await;
    assert_eq!(status, StatusCode::OK);
    let coco: Value = serde_json::from_slice(&coco).unwrap();
    assert_eq!(coco["images"].as_array().unwrap().len(), 2);
    let (status, headers, zip) = send(&p.state, export("yolo")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/zip");
    assert_eq!(&zip[..2], b"PK");
}

#[tokio::test]
async fn every_page_has_its_data() {
    let p = project(None);
    let overview = json_of(&p.state, get("/api/overview")).await;
    assert_eq!(overview["datasets"][0]["images"], SAMPLES);
    let run = overview["runs"][0]["id"].as_i64().unwrap();
    let sample = json_of(&p.state, get("/api/samples/7")).await;
    assert_eq!(sample["file_name"], "img_0000007.jpg");
    assert!(!sample["annotations"].as_array().unwrap().is_empty());
    assert_eq!(sample["runs"][0]["run_id"], run);
    let sizes = json_of(&p.state, get(&format!("/api/runs/{run}/breakdown?by=size"))).await;
    let gts: u64 = sizes["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["ground_truths"].as_u64().unwrap())
        .sum();
    let detail = json_of(
        &p.state,
        post(
            "/api/query",
            &json!({"dataset": "synthetic", "run": run, "limit": 1000}),
        ),
    )
    .await;
    let tps: u64 = detail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["counts"]["tp"].as_u64().unwrap() + i["counts"]["fn"].as_u64().unwrap())
        .sum();
    assert_eq!(gts, tps);
    let by_metric = json_of(
        &p.state,
        get(&format!(
            "/api/runs/{run}/breakdown?by=metric:brightness&bins=4"
        )),
    )
    .await;
    assert_eq!(by_metric["buckets"].as_array().unwrap().len(), 4);
    let quality = json_of(&p.state, get("/api/quality?dataset=synthetic")).await;
    assert!(quality["groups"]
        .as_array()
        .unwrap()
        .iter()
        .all(|g| g["samples"].as_array().unwrap().len() > 1));
    // Objects to draw on thumbnails: ground truth and the run model's predictions.
    let page = json_of(
        &p.state,
        post(
            "/api/query",
            &json!({"dataset": "synthetic", "run": run, "objects": true, "limit": 20}),
        ),
    )
    .await;
    for item in page["items"].as_array().unwrap() {
        let id = item["id"].as_i64().unwrap();
        let sample = json_of(&p.state, get(&format!("/api/samples/{id}"))).await;
        let objects = item["objects"].as_array().unwrap();
        let gt = objects
            .iter()
            .filter(|o| o["side"] == "ground_truth")
            .count();
        assert_eq!(gt, sample["annotations"].as_array().unwrap().len());
        assert_eq!(
            objects.len() - gt,
            sample["predictions"].as_array().unwrap().len()
        );
        let misses = objects.iter().filter(|o| o["outcome"] == "fn").count() as u64;
        assert_eq!(misses, item["counts"]["fn"].as_u64().unwrap());
    }
    let compare = json_of(&p.state, get(&format!("/api/compare?a={run}&b={run}"))).await;
    assert_eq!(
        (compare["fixed"].as_u64(), compare["broken"].as_u64()),
        (Some(0), Some(0))
    );
}

#[tokio::test]
async fn values_logged_through_the_api_read_back_as_series() {
    let p = project(None);
    for (step, loss) in [(1, 0.5), (2, 0.25)] {
        let (status, body, _) = send(
            &p.state,
            post(
                "/api/log",
                &json!({"run": "ft-1", "step": step, "values": {"loss": loss, "map50": 0.1 * step as f64}}),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body:?}");
    }
    let series = json_of(&p.state, get("/api/series?run=ft-1")).await;
    let loss: Vec<(i64, f64)> = series
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["key"] == "loss")
        .map(|p| (p["step"].as_i64().unwrap(), p["value"].as_f64().unwrap()))
        .collect();
    assert_eq!(loss, [(1, 0.5), (2, 0.25)]);
    // A value that is not a number, an empty run name: 4xx, nothing stored.
    let (status, _, _) = send(
        &p.state,
        post(
            "/api/log",
            &json!({"run": "ft-1", "step": 3, "values": {"loss": "high"}}),
        ),
    )
    .await;
    assert!(status.is_client_error(), "{status}");
    let (status, _, _) = send(
        &p.state,
        post(
            "/api/log",
            &json!({"run": " ", "step": 3, "values": {"loss": 1.0}}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let series = json_of(&p.state, get("/api/series")).await;
    assert_eq!(series.as_array().unwrap().len(), 4);
}
