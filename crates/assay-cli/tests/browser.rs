//! End-to-end browser tests of the web UI: `assay serve` on the demo
//! project, driven in Debian's headless Chromium over the DevTools protocol
//! (a small client over a WebSocket; no browser download). Each page is
//! loaded and checked against what the CLI (or, where the CLI has no view of
//! it, the JSON API) says; a filter is applied, the explorer's boxes on
//! thumbnails counted, a sample opened, a confusion-matrix cell clicked and a
//! selection tagged. A screenshot of each
//! page is saved to `target/ui-screenshots/<page>.png`. Every request the
//! page makes must go to the server's own origin.

use std::collections::HashMap;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

mod common;
use common::assay;
use common::server::{http_json, Server};

/// How long a page may take to show what a check waits for.
const WAIT: Duration = Duration::from_secs(30);

#[test]
fn web_ui_in_headless_chromium() {
    let chromium = chromium_path();
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    common::build_demo(&demo);
    let server = Server::start(&demo, &[]);
    let mut browser = Browser::launch(&chromium, dir.path());
    let mut ui = Ui {
        browser: &mut browser,
        server: &server,
        shots: screenshot_dir(),
    };
    let info: Value = serde_json::from_str(&assay(&demo, &["info", "--json"])).unwrap();
    let coco = export_coco(&demo, "shapes");

    ui.check_overview(&info);
    ui.check_explorer_filters(&info, &coco);
    ui.check_explorer_boxes(&demo);
    ui.check_sample_page(&coco, &demo);
    ui.check_model_page(&demo);
    ui.check_classification_page(&demo);
    ui.check_tagging();
    ui.check_quality_page(&demo);
    ui.check_analysis_page(&demo);
    ui.check_map_page();
    ui.check_generative_page(&demo);
    ui.check_runs_page(&demo);
    ui.check_monitoring_page();
    ui.check_only_own_origin();

    // A server that wants a token: the UI says how to get in, and the
    // address it prints lets the browser in (through the cookie).
    let guarded = Server::start(&demo, &["--token", "browser-test-token"]);
    ui.server = &guarded;
    ui.check_token_required();
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// Debian's chromium (or `ASSAY_CHROMIUM`); a clear failure when missing.
fn chromium_path() -> PathBuf {
    let candidate = std::env::var_os("ASSAY_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        candidate.is_file(),
        "the browser tests need Debian's chromium at {} (install it with \
         `apt-get install chromium`, as scripts/test.sh does, or point \
         ASSAY_CHROMIUM at a Chromium binary)",
        candidate.display()
    );
    candidate
}

/// `target/ui-screenshots`, under CARGO_TARGET_DIR when set.
fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("ui-screenshots");
    std::fs::create_dir_all(&dir).expect("the screenshot folder can be made");
    dir
}

/// The dataset's ground truth exported as COCO JSON by the CLI.
fn export_coco(project: &Path, dataset: &str) -> Value {
    let out = project.join(format!("export-{dataset}.json"));
    assay(
        project,
        &["export", "coco", "--dataset", dataset, "--out", path(&out)],
    );
    serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap()
}

/// The demo's detection run, as `assay runs --json` lists it.
fn detection_run(project: &Path) -> Value {
    run_of_task(project, "detection")
}

/// The demo's newest run of `task`, as `assay runs --json` lists it.
fn run_of_task(project: &Path, task: &str) -> Value {
    let runs: Value = serde_json::from_str(&assay(project, &["runs", "--json"])).unwrap();
    runs.as_array()
        .unwrap()
        .iter()
        .find(|r| r["task"] == task)
        .unwrap_or_else(|| panic!("the demo has a {task} run"))
        .clone()
}

/// Annotations per image file name (base name) in a COCO document.
fn annotations_per_file(coco: &Value) -> HashMap<String, usize> {
    let mut names = HashMap::new();
    for image in coco["images"].as_array().unwrap() {
        let name = image["file_name"].as_str().unwrap();
        let base = name.rsplit('/').next().unwrap().to_string();
        names.insert(image["id"].as_i64().unwrap(), base);
    }
    let mut counts: HashMap<String, usize> = names.values().map(|n| (n.clone(), 0)).collect();
    for a in coco["annotations"].as_array().unwrap() {
        *counts
            .get_mut(&names[&a["image_id"].as_i64().unwrap()])
            .unwrap() += 1;
    }
    counts
}

/// Headless Chromium with one page, driven over the DevTools protocol.
struct Browser {
    /// Chromium, killed when the browser is dropped (or setup panics).
    _process: KillOnDrop,
    socket: WebSocket<TcpStream>,
    next_id: u64,
    /// URLs of every request the page made.
    requests: Vec<String>,
    /// Uncaught JavaScript exceptions.
    exceptions: Vec<String>,
}

impl Browser {
    fn launch(chromium: &Path, scratch: &Path) -> Browser {
        let profile = scratch.join("chromium-profile");
        let child = Command::new(chromium)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--remote-debugging-port=0",
                "--window-size=1400,900",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromium starts");
        let process = KillOnDrop(child);
        let port = devtools_port(&profile);
        let page_ws = page_websocket_url(port);
        let path = page_ws
            .split_once(&format!("127.0.0.1:{port}"))
            .map(|(_, p)| p.to_string())
            .expect("a local DevTools URL");
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(WAIT)).unwrap();
        let (socket, _) =
            tungstenite::client(format!("ws://127.0.0.1:{port}{path}"), stream).unwrap();
        let mut browser = Browser {
            _process: process,
            socket,
            next_id: 0,
            requests: Vec::new(),
            exceptions: Vec::new(),
        };
        for domain in ["Page.enable", "Runtime.enable", "Network.enable"] {
            browser.call(domain, json!({}));
        }
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 1400, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
        );
        browser
    }

    /// Sends one command and waits for its answer, recording events on the way.
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let message = json!({"id": id, "method": method, "params": params});
        self.socket
            .send(Message::text(message.to_string()))
            .unwrap();
        loop {
            let text = match self.socket.read().expect("DevTools answers") {
                Message::Text(text) => text,
                _ => continue,
            };
            let value: Value = serde_json::from_str(text.as_str()).unwrap();
            if value["id"].as_u64() == Some(id) {
                if let Some(error) = value.get("error") {
                    panic!("{method} failed: {error}");
                }
                return value["result"].clone();
            }
            self.record_event(&value);
        }
    }

    fn record_event(&mut self, event: &Value) {
        match event["method"].as_str() {
            Some("Network.requestWillBeSent") => {
                let url = event["params"]["request"]["url"].as_str().unwrap_or("");
                self.requests.push(url.to_string());
            }
            Some("Runtime.exceptionThrown") => {
                self.exceptions
                    .push(event["params"]["exceptionDetails"].to_string());
            }
            _ => {}
        }
    }

    /// Evaluates an expression (awaiting promises); its value as JSON.
    fn eval(&mut self, expression: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "awaitPromise": true, "returnByValue": true}),
        );
        if let Some(details) = result.get("exceptionDetails") {
            panic!("{expression} threw: {details}");
        }
        result["result"]["value"].clone()
    }

    fn navigate(&mut self, url: &str) {
        self.call("Page.navigate", json!({"url": url}));
    }

    /// A real mouse click (pressed and released) at an element's centre.
    fn click(&mut self, selector: &str, modifiers: u32) {
        let rect = self.eval(&format!(
            "(() => {{ const el = document.querySelector({sel}); if (!el) return null; \
             el.scrollIntoView({{block: 'center', inline: 'center'}}); \
             const r = el.getBoundingClientRect(); \
             return [r.left + r.width / 2, r.top + r.height / 2]; }})()",
            sel = js_string(selector)
        ));
        let (x, y) = match rect.as_array() {
            Some(xy) => (xy[0].as_f64().unwrap(), xy[1].as_f64().unwrap()),
            None => panic!("nothing to click: {selector}"),
        };
        for kind in ["mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({"type": kind, "x": x, "y": y, "button": "left",
                       "clickCount": 1, "modifiers": modifiers}),
            );
        }
    }

    /// The centre of an element in the viewport (scrolled into view).
    fn center_of(&mut self, selector: &str) -> (f64, f64) {
        let rect = self.eval(&format!(
            "(() => {{ const el = document.querySelector({sel}); if (!el) return null; \
             el.scrollIntoView({{block: 'center', inline: 'center'}}); \
             const r = el.getBoundingClientRect(); \
             return [r.left + r.width / 2, r.top + r.height / 2]; }})()",
            sel = js_string(selector)
        ));
        match rect.as_array() {
            Some(xy) => (xy[0].as_f64().unwrap(), xy[1].as_f64().unwrap()),
            None => panic!("no element {selector}"),
        }
    }

    /// A real mouse drag: pressed at `from`, moved in steps, released at `to`.
    fn drag(&mut self, from: (f64, f64), to: (f64, f64)) {
        let event = |kind: &str, (x, y): (f64, f64), buttons: u32| json!({"type": kind, "x": x, "y": y, "button": "left", "buttons": buttons, "clickCount": 1});
        self.call("Input.dispatchMouseEvent", event("mousePressed", from, 1));
        for step in 1..=5 {
            let t = f64::from(step) / 5.0;
            let at = (from.0 + t * (to.0 - from.0), from.1 + t * (to.1 - from.1));
            self.call("Input.dispatchMouseEvent", event("mouseMoved", at, 1));
        }
        self.call("Input.dispatchMouseEvent", event("mouseReleased", to, 0));
    }

    /// Presses and releases a letter key.
    fn press_key(&mut self, key: char) {
        let code = format!("Key{}", key.to_ascii_uppercase());
        for kind in ["keyDown", "keyUp"] {
            let mut event = json!({"type": kind, "key": key.to_string(), "code": code,
                "windowsVirtualKeyCode": key.to_ascii_uppercase() as u32});
            if kind == "keyDown" {
                event["text"] = json!(key.to_string());
            }
            self.call("Input.dispatchKeyEvent", event);
        }
    }

    /// Types text into the focused element, as a keyboard would.
    fn type_text(&mut self, text: &str) {
        self.call("Input.insertText", json!({"text": text}));
    }

    fn press_enter(&mut self) {
        for kind in ["keyDown", "keyUp"] {
            self.call(
                "Input.dispatchKeyEvent",
                json!({"type": kind, "key": "Enter", "code": "Enter",
                       "windowsVirtualKeyCode": 13, "text": "\r"}),
            );
        }
    }

    fn screenshot(&mut self, file: &Path) {
        let shot = self.call("Page.captureScreenshot", json!({"format": "png"}));
        let png = base64_decode(shot["data"].as_str().unwrap());
        std::fs::write(file, png).unwrap();
    }
}

/// A child process killed and reaped when dropped.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The port Chromium writes to `DevToolsActivePort` in its profile.
fn devtools_port(profile: &Path) -> u16 {
    let file = profile.join("DevToolsActivePort");
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        if let Some(Ok(port)) = text.lines().next().map(str::parse) {
            return port;
        }
        assert!(
            start.elapsed() < WAIT,
            "chromium did not open its DevTools port"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The WebSocket URL of Chromium's first page target.
fn page_websocket_url(port: u16) -> String {
    let targets = http_json(&format!("127.0.0.1:{port}"), "GET", "/json/list", None);
    targets
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["type"] == "page")
        .and_then(|t| t["webSocketDebuggerUrl"].as_str())
        .expect("a page target")
        .to_string()
}

/// A JavaScript string literal.
fn js_string(text: &str) -> String {
    Value::String(text.to_string()).to_string()
}

/// Standard base64 (the screenshots DevTools sends).
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let bytes: Vec<u8> = text.bytes().filter(|&c| c != b'=').collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c) << (18 - 6 * i);
        }
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

/// The checks, page by page.
struct Ui<'a> {
    browser: &'a mut Browser,
    server: &'a Server,
    shots: PathBuf,
}

impl Ui<'_> {
    /// Opens a hash route and waits until its page has rendered.
    fn open(&mut self, hash: &str, page: &str) {
        // Same-document navigations keep #view: wait for a fresh render.
        self.browser
            .eval("document.getElementById('view')?.removeAttribute('data-ready')");
        self.browser.navigate(&self.server.url(hash));
        self.wait_until(
            &format!(
                "document.querySelector('#view[data-ready][data-page={}]') !== null",
                js_string(page)
            ),
            &format!("the {page} page renders"),
        );
    }

    /// Polls an expression until it is true; on timeout saves a screenshot.
    fn wait_until(&mut self, expression: &str, what: &str) {
        let start = Instant::now();
        loop {
            if self.browser.eval(expression) == Value::Bool(true) {
                return;
            }
            if start.elapsed() > WAIT {
                let shot = self.shots.join("failure.png");
                self.browser.screenshot(&shot);
                let text = self.browser.eval("document.body.innerText.slice(0, 2000)");
                panic!(
                    "timed out waiting until {what} ({expression}); screenshot {}; \
                     exceptions {:?}; page text:\n{}",
                    shot.display(),
                    self.browser.exceptions,
                    text.as_str().unwrap_or("")
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn text(&mut self, selector: &str) -> String {
        let value = self.browser.eval(&format!(
            "document.querySelector({})?.textContent ?? null",
            js_string(selector)
        ));
        value
            .as_str()
            .unwrap_or_else(|| panic!("no element {selector}"))
            .trim()
            .to_string()
    }

    fn count(&mut self, selector: &str) -> u64 {
        self.browser
            .eval(&format!(
                "document.querySelectorAll({}).length",
                js_string(selector)
            ))
            .as_u64()
            .unwrap()
    }

    fn shot(&mut self, page: &str) {
        let file = self.shots.join(format!("{page}.png"));
        self.browser.screenshot(&file);
        assert!(
            std::fs::metadata(&file).unwrap().len() > 1000,
            "{page}.png is empty"
        );
    }

    /// The explorer's total once it has loaded ("1,234" → 1234).
    fn explorer_total(&mut self) -> u64 {
        self.wait_until(
            "/^[0-9,]+$/.test(document.querySelector('[data-testid=explore-total]')?.textContent ?? '')",
            "the explorer shows its total",
        );
        self.text("[data-testid=explore-total]")
            .replace(',', "")
            .parse()
            .unwrap()
    }

    /// Waits for the explorer's total to become `expected`.
    fn wait_for_total(&mut self, expected: u64, what: &str) {
        let formatted = format_count(expected);
        self.wait_until(
            &format!(
                "document.querySelector('[data-testid=explore-total]')?.textContent === {}",
                js_string(&formatted)
            ),
            &format!("the explorer shows {expected} samples {what}"),
        );
    }

    /// Sets a <select>'s value and fires its change event, as a user would.
    fn choose(&mut self, selector: &str, value: &str) {
        let done = self.browser.eval(&format!(
            "(() => {{ const el = document.querySelector({}); if (!el) return false; \
             el.value = {}; el.dispatchEvent(new Event('change', {{bubbles: true}})); \
             return el.value === {}; }})()",
            js_string(selector),
            js_string(value),
            js_string(value)
        ));
        assert_eq!(
            done,
            Value::Bool(true),
            "cannot choose {value} in {selector}"
        );
    }

    fn check_overview(&mut self, info: &Value) {
        self.open("#/", "overview");
        let shapes = &info["datasets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == "shapes")
            .expect("the demo has a shapes dataset");
        let images = shapes["images"].as_u64().unwrap();
        assert_eq!(
            self.text("[data-testid=dataset-images-shapes]"),
            format_count(images)
        );
        // One bar per class, as the CLI counts them.
        let classes = shapes["classes"].as_array().unwrap().len() as u64;
        assert_eq!(self.count("[data-testid=class-chart-shapes] .bar"), classes);
        assert!(self.count("[data-testid=run-link]") >= 1, "no runs listed");
        self.shot("overview");
    }

    /// The split filter and the text search give the CLI's counts.
    fn check_explorer_filters(&mut self, info: &Value, coco: &Value) {
        self.open("#/explore?dataset=shapes", "explore");
        let shapes = &info["datasets"][0];
        assert_eq!(self.explorer_total(), shapes["images"].as_u64().unwrap());
        assert!(self.count("[data-testid=tile]") > 0, "no tiles drawn");
        let val = shapes["splits"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["split"] == "val")
            .expect("a val split")["images"]
            .as_u64()
            .unwrap();
        self.choose("[data-testid=filter-split]", "val");
        self.wait_for_total(val, "in the val split");
        self.wait_until(
            "location.hash.includes('split=val')",
            "the filter is in the URL",
        );
        self.shot("explore");

        // Text search: file names containing "dup_", counted in the export.
        let with_dup = annotations_per_file(coco)
            .keys()
            .filter(|n| n.contains("dup_"))
            .count() as u64;
        assert!(with_dup > 0, "the demo has no dup_ files");
        self.open("#/explore?dataset=shapes", "explore");
        self.explorer_total();
        self.browser
            .eval("document.querySelector('[data-testid=filter-text]').focus()");
        self.browser.type_text("dup_");
        self.browser.press_enter();
        self.wait_for_total(with_dup, "named dup_*");
        // By meaning: the demo's embeddings are the built-in extractor's,
        // which embeds no text, and the explorer says so.
        self.browser.click("[data-testid=filter-semantic]", 0);
        self.wait_until(
            "location.hash.includes('semantic=1') && document.body.innerText.includes('from a CLIP model: run `assay embed --model')",
            "text search by meaning explains it needs CLIP embeddings",
        );
        self.browser.click("[data-testid=filter-semantic]", 0);
        self.wait_for_total(with_dup, "named dup_* again");
    }

    /// With the detection run selected, each tile draws its sample's ground
    /// truth and the run model's predictions over the thumbnail (as many as
    /// the API lists), coloured by outcome, inside the thumbnail; the
    /// "boxes" and "colour by" controls change them and stay in the URL.
    fn check_explorer_boxes(&mut self, demo: &Path) {
        const BOX: &str = "[data-testid=tile-box]";
        let run = detection_run(demo);
        let run_id = run["id"].as_i64().unwrap();
        let model = run["model"].as_str().unwrap().to_string();
        self.open(&format!("#/explore?dataset=shapes&run={run_id}"), "explore");
        self.explorer_total();
        self.wait_until(
            &format!("document.querySelector({}) !== null", js_string(BOX)),
            "the tiles draw boxes",
        );
        // The tile with the most boxes, against the sample's own answer.
        let most = self.browser.eval(
            "[...document.querySelectorAll('[data-testid=tile]')].map(t => [Number(t.dataset.id),\
             t.querySelectorAll('[data-testid=tile-box][data-side=gt]').length,\
             t.querySelectorAll('[data-testid=tile-box][data-side=pred]').length])\
             .sort((a, b) => (b[1] + b[2]) - (a[1] + a[2]))[0]",
        );
        let id = most[0].as_i64().unwrap();
        let sample = self.server.get(&format!("/api/samples/{id}"));
        let ground_truth = sample["annotations"].as_array().unwrap().len() as u64;
        let predictions = sample["predictions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["model"] == model.as_str())
            .count() as u64;
        assert!(ground_truth + predictions > 0, "no objects on sample {id}");
        assert_eq!(
            (most[1].as_u64().unwrap(), most[2].as_u64().unwrap()),
            (ground_truth, predictions),
            "boxes (ground truth, predictions of {model}) on the tile of sample {id}"
        );
        // Every TP, FP and FN box has its colour, and errors are shown.
        let colours = self.browser.eval(&format!(
            "(() => {{ const want = {{tp: '#2ca02c', fp: '#d62728', fn: '#ff8c00'}};\
             const boxes = [...document.querySelectorAll({})].filter(b => b.dataset.outcome in want);\
             return [boxes.filter(b => b.getAttribute('stroke') !== want[b.dataset.outcome]).length,\
             boxes.filter(b => b.dataset.outcome !== 'tp').length]; }})()",
            js_string(BOX)
        ));
        assert_eq!(colours[0], json!(0), "boxes not in their outcome's colour");
        assert!(
            colours[1].as_u64().unwrap() > 0,
            "no FP or FN box on the tiles in view"
        );
        // Boxes lie inside their thumbnail (scaled from image pixels).
        let outside = self.browser.eval(&format!(
            "[...document.querySelectorAll({})].filter(b => {{\
             const t = b.closest('.thumb').getBoundingClientRect(); const r = b.getBoundingClientRect();\
             return r.left < t.left - 1 || r.top < t.top - 1 || r.right > t.right + 1 || r.bottom > t.bottom + 1;\
             }}).length",
            js_string(BOX)
        ));
        assert_eq!(outside, json!(0), "boxes outside their thumbnail");
        self.wait_until(
            "[...document.querySelectorAll('[data-testid=tile] img')].every(i => i.complete)",
            "the thumbnails load",
        );
        self.shot("explore-boxes");

        // Coloured by class: no outcome colours; back to outcomes.
        self.choose("[data-testid=tile-color-by]", "class");
        self.wait_until(
            &format!(
                "location.hash.includes('color=class') && document.querySelector({}) !== null \
                 && [...document.querySelectorAll({})].every(b => \
                 !['#2ca02c', '#d62728', '#ff8c00'].includes(b.getAttribute('stroke')))",
                js_string(BOX),
                js_string(BOX)
            ),
            "the boxes are coloured by class",
        );
        self.choose("[data-testid=tile-color-by]", "outcome");
        // The toggle hides the boxes, in the URL too, and shows them again.
        self.browser.click("[data-testid=tile-boxes]", 0);
        self.wait_until(
            &format!(
                "location.hash.includes('boxes=0') && document.querySelectorAll({}).length === 0 \
                 && document.querySelector('[data-testid=tile]') !== null",
                js_string(BOX)
            ),
            "the boxes toggle off",
        );
        self.browser.click("[data-testid=tile-boxes]", 0);
        self.wait_until(
            &format!(
                "!location.hash.includes('boxes=0') && document.querySelector({}) !== null",
                js_string(BOX)
            ),
            "the boxes toggle on",
        );
    }

    /// Opens the first val sample from the explorer: its name and boxes.
    fn check_sample_page(&mut self, coco: &Value, demo: &Path) {
        self.open("#/explore?dataset=shapes&split=val", "explore");
        self.explorer_total();
        self.wait_until(
            "document.querySelector('[data-testid=tile] a.thumb') !== null",
            "a tile is drawn",
        );
        let name = self.text("[data-testid=tile] [data-testid=tile-name]");
        let id = self
            .browser
            .eval("document.querySelector('[data-testid=tile]').dataset.id")
            .as_str()
            .unwrap()
            .to_string();
        self.browser.click("[data-testid=tile] a.thumb", 0);
        self.wait_until(
            &format!(
                "location.hash === '#/sample/{id}' \
                 && document.querySelector('#view[data-ready][data-page=sample]') !== null"
            ),
            "the sample page opens",
        );
        assert_eq!(self.text("[data-testid=sample-file-name]"), name);
        let expected_gt = annotations_per_file(coco)[&name] as u64;
        assert_eq!(
            self.count("[data-testid=box-gt]"),
            expected_gt,
            "ground-truth boxes drawn on {name}"
        );
        let sample = self.server.get(&format!("/api/samples/{id}"));
        let predictions = sample["predictions"].as_array().unwrap().len() as u64;
        assert_eq!(self.count("[data-testid=box-pred]"), predictions);
        // Switching the ground truth layer off removes its boxes.
        if expected_gt > 0 {
            self.browser.click("[data-testid=layer-gt]", 0);
            self.wait_until(
                "document.querySelectorAll('[data-testid=box-gt]').length === 0",
                "the ground truth layer hides",
            );
            self.browser.click("[data-testid=layer-gt]", 0);
        }
        // Its neighbours are `assay search --sample`'s, in order, and shown.
        let found: Value = serde_json::from_str(&assay(
            demo,
            &[
                "search",
                "--dataset",
                "shapes",
                "--sample",
                &name,
                "-k",
                "8",
                "--json",
            ],
        ))
        .unwrap();
        let names = |v: &Value, key: &str| -> Vec<String> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|n| n[key].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(
            names(&sample["neighbours"], "file_name"),
            names(&found, "file_name")
        );
        assert_eq!(
            self.count("[data-testid=neighbours] a"),
            found.as_array().unwrap().len() as u64
        );
        self.shot("sample");
    }

    /// The detection run's page; a confusion cell opens the explorer on
    /// exactly the samples the API filters to, at most one per object.
    fn check_model_page(&mut self, demo: &Path) {
        let run = detection_run(demo);
        let id = self.open_run_page(&run, "sim-detector", "ap");
        assert!(self.count("[data-testid=pr-curves] polyline") >= 1);
        assert!(self.count("[data-testid=error-bars] .bar") >= 1);
        self.wait_until(
            "document.querySelector('[data-testid=breakdown] table') !== null",
            "the size breakdown loads",
        );
        self.shot("model");

        // The off-diagonal cell with the most objects (else the largest).
        let cell = self.browser.eval(
            "(() => { const cells = [...document.querySelectorAll('a[data-testid=confusion-cell]')]\
             .map(c => [Number(c.dataset.row), Number(c.dataset.col), Number(c.dataset.count)]);\
             const off = cells.filter(c => c[0] !== c[1]);\
             const pick = (off.length ? off : cells).sort((a, b) => b[2] - a[2])[0];\
             return pick || null; })()",
        );
        let cell = cell.as_array().expect("a confusion cell with objects");
        let (row, col, objects) = (
            cell[0].as_u64().unwrap(),
            cell[1].as_u64().unwrap(),
            cell[2].as_u64().unwrap(),
        );
        let expected = self.server.post(
            "/api/query",
            &json!({"dataset": "shapes", "run": id, "cell": [row, col], "limit": 1}),
        )["total"]
            .as_u64()
            .unwrap();
        assert!(
            (1..=objects).contains(&expected),
            "cell [{row}, {col}] holds {objects} objects but {expected} samples"
        );
        self.open_cell(id, row, col);
        self.wait_for_total(expected, "in the confusion cell");
        self.shot("explore-confusion-cell");
    }

    /// The classification run's page: its accuracy, its calibration, a
    /// confusion matrix without a background row, and an off-diagonal cell
    /// that opens the explorer on exactly its images (one cell per image).
    fn check_classification_page(&mut self, demo: &Path) {
        let run = run_of_task(demo, "classification");
        let dataset = run["dataset"].as_str().unwrap().to_string();
        let id = self.open_run_page(&run, "sim-classifier", "accuracy");
        assert!(self.count("[data-testid=calibration] .bar") >= 1);
        let matrix = self.text("[data-testid=confusion]");
        assert!(!matrix.contains("background"), "{matrix}");
        self.shot("model-classification");
        let cell = self.browser.eval(
            "(() => { const cells = [...document.querySelectorAll('a[data-testid=confusion-cell]')]\
             .map(c => [Number(c.dataset.row), Number(c.dataset.col), Number(c.dataset.count)])\
             .filter(c => c[0] !== c[1]);\
             return cells.sort((a, b) => b[2] - a[2])[0] || null; })()",
        );
        let cell = cell.as_array().expect("an off-diagonal confusion cell");
        let (row, col, images) = (
            cell[0].as_u64().unwrap(),
            cell[1].as_u64().unwrap(),
            cell[2].as_u64().unwrap(),
        );
        let expected = self.server.post(
            "/api/query",
            &json!({"dataset": dataset, "run": id, "cell": [row, col], "limit": 1}),
        )["total"]
            .as_u64()
            .unwrap();
        assert_eq!(expected, images, "cell [{row}, {col}]: one cell per image");
        self.open_cell(id, row, col);
        self.wait_for_total(images, "in the classification confusion cell");
        self.shot("explore-classification-cell");
    }

    /// Opens a run's Model page and checks its title names `model` and its
    /// metrics show `headline` as `assay runs --json` lists it; returns the
    /// run's id.
    fn open_run_page(&mut self, run: &Value, model: &str, headline: &str) -> i64 {
        let id = run["id"].as_i64().unwrap();
        self.open(&format!("#/model/{id}"), "model");
        assert!(self.text("[data-testid=run-title]").contains(model));
        let value = run["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m[0] == headline)
            .unwrap()[1]
            .as_f64()
            .unwrap();
        let shown = self.text("[data-testid=run-metrics]");
        assert!(
            shown.contains(&format!("{}", round_sig(value, 4))),
            "{headline} {value} not in {shown}"
        );
        id
    }

    /// Clicks cell (row, col) of run `id`'s confusion matrix and waits for
    /// the explorer to open on it.
    fn open_cell(&mut self, id: i64, row: u64, col: u64) {
        self.browser.click(
            &format!("a[data-testid=confusion-cell][data-row='{row}'][data-col='{col}']"),
            0,
        );
        self.wait_until(
            &format!(
                "location.hash.startsWith('#/explore') && location.hash.includes('run={id}') \
                 && decodeURIComponent(location.hash).includes('cell={row},{col}')"
            ),
            "the confusion cell opens the explorer",
        );
    }

    /// Selects three samples (click, shift-click), tags them, and filters
    /// by the new tag.
    fn check_tagging(&mut self) {
        const TAG: &str = "browser-test";
        self.open("#/explore?dataset=shapes&split=train", "explore");
        self.explorer_total();
        self.wait_until(
            "document.querySelectorAll('[data-testid=tile]').length >= 3",
            "three tiles are drawn",
        );
        self.browser.click(
            "[data-testid=tile][data-index='0'] [data-testid=tile-check]",
            0,
        );
        self.browser.click(
            "[data-testid=tile][data-index='2'] [data-testid=tile-check]",
            8, // shift
        );
        assert_eq!(self.text("[data-testid=selected-count]"), "3 selected");
        let selected = self.browser.eval(
            "[0, 1, 2].map(i => Number(document.querySelector(`[data-testid=tile][data-index='${i}']`).dataset.id))",
        );
        self.browser
            .eval("document.querySelector('[data-testid=tag-input]').focus()");
        self.browser.type_text(TAG);
        self.browser.click("[data-testid=tag-button]", 0);
        self.wait_until(
            "document.querySelector('[data-testid=explore-status]').textContent.startsWith('Tagged 3 ')",
            "the tagging is confirmed",
        );
        self.wait_until(
            &format!(
                "document.querySelector('[data-testid=filter-tag][data-value={}]') !== null",
                js_string(TAG)
            ),
            "the new tag is offered as a filter",
        );
        self.browser.click(
            &format!("[data-testid=filter-tag][data-value={}]", js_string(TAG)),
            0,
        );
        self.wait_for_total(3, "with the new tag");
        self.wait_until(
            "document.querySelectorAll('[data-testid=tile]').length === 3",
            "three tagged tiles are drawn",
        );
        let shown = self.browser.eval(
            "[...document.querySelectorAll('[data-testid=tile]')].map(t => Number(t.dataset.id)).sort((a, b) => a - b)",
        );
        let mut expected: Vec<u64> = selected
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        expected.sort();
        assert_eq!(shown, json!(expected), "the tagged samples are shown");
        self.shot("explore-tagged");
    }

    /// Each stored issue type with the CLI's count.
    fn check_quality_page(&mut self, demo: &Path) {
        let issues: Value =
            serde_json::from_str(&assay(demo, &["issues", "--dataset", "shapes", "--json"]))
                .unwrap();
        self.open("#/quality?dataset=shapes", "quality");
        for count in issues["counts"].as_array().unwrap() {
            let kind = count[0].as_str().unwrap();
            let n = count[1].as_u64().unwrap();
            let shown = self.browser.eval(&format!(
                "document.querySelector('[data-testid=issue-kind][data-kind={}]')?.dataset.count ?? null",
                js_string(kind)
            ));
            assert_eq!(shown, json!(n.to_string()), "issue type {kind}");
        }
        assert!(self.count("[data-testid=issue-kind] img") > 0);
        self.shot("quality");
    }

    /// The Analysis page shows importance, slices, drift and a run
    /// comparison; a slice opens the explorer on exactly its images, as many
    /// as `assay analyze slices --json` counts.
    fn check_analysis_page(&mut self, demo: &Path) {
        let slices: Value =
            serde_json::from_str(&assay(demo, &["analyze", "slices", "--run", "1", "--json"]))
                .unwrap();
        let listed = slices["slices"].as_array().unwrap();
        assert!(!listed.is_empty(), "no slices: {slices}");
        self.open("#/analysis?run=1", "analysis");
        assert!(self.count("[data-testid=importance-row]") >= 3);
        assert_eq!(self.count("[data-testid=slice-row]") as usize, listed.len());
        assert!(self.count("[data-testid=drift-column]") > 10);
        assert!(self.count("[data-testid=drift-column][data-drifted='1']") > 0);
        assert!(self.count("[data-testid=compare-row]") > 0);
        let expected = listed[0]["samples"].as_u64().unwrap();
        let shown = self
            .browser
            .eval("document.querySelector('[data-testid=slice-row]')?.dataset.samples ?? null");
        assert_eq!(shown, json!(expected.to_string()));
        self.shot("analysis");
        self.browser.click("[data-testid=slice-link]", 0);
        self.wait_until(
            "document.querySelector('#view[data-ready][data-page=explore]') !== null",
            "the explorer opens on the slice",
        );
        self.wait_for_total(expected, "in the first slice");
        assert!(self.text("[data-testid=chips]").contains("slice of run #1"));
    }

    /// The map draws its points; a box selection opens the explorer.
    fn check_map_page(&mut self) {
        let overview = self.server.get("/api/overview");
        self.open("#/map", "map");
        let maps = overview["maps"].as_array().unwrap();
        if maps.is_empty() {
            assert!(self.text("#view").contains("No 2-D maps stored"));
            self.shot("map");
            return;
        }
        let points = maps[0]["points"].as_u64().unwrap();
        self.wait_until(
            &format!(
                "(document.querySelector('[data-testid=map-count]')?.textContent ?? '').startsWith({})",
                js_string(&format!("{} points", format_count(points)))
            ),
            "the map shows its points",
        );
        let painted = self.browser.eval(
            "(() => { const c = document.querySelector('[data-testid=map-canvas]');\
             const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;\
             let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; })()",
        );
        assert!(painted.as_u64().unwrap() > 0, "no point drawn");
        self.shot("map");
        // A box over the whole canvas selects every point.
        self.browser.click("[data-testid=map-mode-box]", 0);
        let rect = self.browser.eval(
            "(() => { const el = document.querySelector('[data-testid=map-overlay]');\
             el.scrollIntoView({block: 'center'}); const r = el.getBoundingClientRect();\
             return [r.left + 2, r.top + 2, r.right - 2, r.bottom - 2]; })()",
        );
        let r: Vec<f64> = rect
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        self.drag((r[0], r[1]), (r[2], r[3]));
        self.wait_until(
            "document.querySelector('[data-testid=map-open-explorer]') !== null",
            "the selection offers the explorer",
        );
        assert_eq!(
            self.text("[data-testid=map-selected-count]"),
            format!("{} points selected ·", format_count(points))
        );
        self.browser.click("[data-testid=map-open-explorer]", 0);
        self.wait_until(
            "location.hash.startsWith('#/explore') && location.hash.includes('map=')",
            "the map selection opens the explorer",
        );
        let total = self.explorer_total();
        assert!(
            total > 0 && total <= points,
            "{total} samples of {points} points"
        );
    }

    fn drag(&mut self, from: (f64, f64), to: (f64, f64)) {
        let steps = 8;
        self.mouse("mousePressed", from, 1);
        for k in 1..=steps {
            let t = k as f64 / steps as f64;
            let at = (from.0 + (to.0 - from.0) * t, from.1 + (to.1 - from.1) * t);
            self.mouse("mouseMoved", at, 1);
        }
        self.mouse("mouseReleased", to, 0);
    }

    fn mouse(&mut self, kind: &str, (x, y): (f64, f64), buttons: u32) {
        self.browser.call(
            "Input.dispatchMouseEvent",
            json!({"type": kind, "x": x, "y": y, "button": "left",
                   "buttons": buttons, "clickCount": 1}),
        );
    }

    /// The leaderboard lists the CLI's generation runs, best first.
    /// The Monitoring page shows the demo stream's planted changes (darker
    /// from hour 30, a new class from hour 50) with their bands and alerts,
    /// none in the first 24 hours, and a click on an alerted window opens
    /// the explorer on that window's records.
    fn check_monitoring_page(&mut self) {
        let api = self.server.get("/api/monitor");
        let windows = api["windows"]["windows"].as_array().unwrap().clone();
        self.open("#/monitor", "monitor");
        let alerted = |ui: &mut Self, metric: &str| -> Vec<u64> {
            let found = ui.browser.eval(&format!(
                "[...document.querySelectorAll('[data-testid=monitor-chart][data-metric={metric}] a[data-testid=alert-window]')]\
                 .map(a => Number(a.dataset.window))"
            ));
            found
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .collect()
        };
        let darker = alerted(self, "brightness_mean");
        let classes = alerted(self, "class_drift_p");
        assert!(
            matches!(darker.first(), Some(30 | 31)),
            "darkening alerted in windows {darker:?}"
        );
        assert!(
            matches!(classes.first(), Some(50 | 51)),
            "the new class alerted in windows {classes:?}"
        );
        assert!(
            darker.iter().chain(&classes).all(|&w| w >= 24),
            "alerts in the first 24 hours"
        );
        assert_eq!(
            self.count(
                "[data-testid=monitor-chart][data-metric=brightness_mean] [data-testid=band]"
            ),
            1
        );
        let stored = api["alerts"].as_array().unwrap().len() as u64;
        assert_eq!(self.count("[data-testid=alerts] tbody tr"), stored);
        self.shot("monitor");
        let first = darker[0] as usize;
        let selector =
            "[data-testid=monitor-chart][data-metric=brightness_mean] a[data-testid=alert-window]";
        self.browser
            .eval("document.getElementById('view')?.removeAttribute('data-ready')");
        self.browser.click(selector, 0);
        self.wait_until(
            "document.querySelector('#view[data-ready][data-page=explore]') !== null",
            "the explorer opens from a window",
        );
        let records = windows[first]["records"].as_u64().unwrap();
        self.wait_for_total(records, "of the alerted window");
        self.shot("monitor-window-explorer");
    }

    fn check_generative_page(&mut self, demo: &Path) {
        let runs: Value =
            serde_json::from_str(&assay(demo, &["runs", "--dataset", "generated", "--json"]))
                .unwrap();
        let generators = runs
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["task"] == "generation")
            .count() as u64;
        self.open("#/generative?dataset=generated", "generative");
        assert_eq!(self.count("[data-testid=leaderboard] tbody tr"), generators);
        let first = self.text("[data-testid=leaderboard] tbody tr td:nth-child(2)");
        assert_eq!(first, "sim-gen-good", "the better generator ranks first");
        self.check_leaderboard_intervals();
        assert!(self.count("[data-testid=prompt] img") > 0);
        self.shot("generative");
    }

    /// The generative leaderboard has no interval that excludes its point
    /// estimate, names the intervals' method, and shows warnings as icons.
    fn check_leaderboard_intervals(&mut self) {
        let cells = self.browser.eval(
            "[...document.querySelectorAll('[data-testid=leaderboard] [data-metric]')]\
             .filter((c) => c.querySelector('[data-low]')).map((c) => {\
               const i = c.querySelector('[data-low]');\
               return [c.dataset.metric, +c.dataset.value, +i.dataset.low, +i.dataset.high]; })",
        );
        let cells = cells.as_array().unwrap();
        assert!(!cells.is_empty(), "the leaderboard shows intervals");
        for c in cells {
            let (v, low, high) = (c[1].as_f64(), c[2].as_f64(), c[3].as_f64());
            let (v, low, high) = (v.unwrap(), low.unwrap(), high.unwrap());
            assert!(low <= v && v <= high, "{c} excludes its estimate");
        }
        let method = self.text("[data-testid=interval-method]");
        assert!(method.contains("without replacement"), "{method}");
        assert!(self.count("[data-testid=leaderboard] details[data-testid=warnings]") > 0);
    }

    /// Two runs compared: a metric table and the fixed/broken counts;
    /// then every run side by side with the best of each column marked,
    /// and the series logged with `assay log` drawn.
    fn check_runs_page(&mut self, demo: &Path) {
        for (run, step, loss) in [
            ("ft-a", "1", "0.5"),
            ("ft-a", "2", "0.3"),
            ("ft-b", "1", "0.6"),
        ] {
            assay(
                demo,
                &["log", "--run", run, "--step", step, &format!("loss={loss}")],
            );
        }
        self.open("#/runs", "runs");
        assert!(self.count("[data-testid=compare-metrics] tbody tr") >= 1);
        let a = self
            .browser
            .eval("document.querySelector('[data-testid=run-a]').value");
        let b = self
            .browser
            .eval("document.querySelector('[data-testid=run-b]').value");
        let compare = self.server.get(&format!(
            "/api/compare?a={}&b={}&limit=200",
            a.as_str().unwrap(),
            b.as_str().unwrap()
        ));
        assert_eq!(
            self.text("[data-testid=count-fixed]"),
            format_count(compare["fixed"].as_u64().unwrap())
        );
        assert_eq!(
            self.text("[data-testid=count-broken]"),
            format_count(compare["broken"].as_u64().unwrap())
        );
        // The demo's two detectors are the pair compared by default, and
        // the retrained one fixes some images and breaks others.
        assert_eq!(compare["a"]["task"], "detection", "{compare}");
        assert_eq!(compare["b"]["task"], "detection", "{compare}");
        let (fixed, broken) = (
            compare["fixed"].as_u64().unwrap(),
            compare["broken"].as_u64().unwrap(),
        );
        assert!(fixed > 0 && broken > 0, "fixed {fixed}, broken {broken}");
        for change in ["fixed", "broken"] {
            let listed = compare["samples"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|x| x["change"] == change)
                .count() as u64;
            let shown = self.count(&format!("[data-testid=changed-{change}] a.mini"));
            assert_eq!(shown, listed, "{change} samples shown");
        }
        self.check_runs_side_by_side(demo);
        self.shot("runs");
    }

    /// Every run side by side: as many rows as `assay runs` lists, one
    /// best value marked per column, as `assay runs --compare` finds it.
    fn check_runs_side_by_side(&mut self, demo: &Path) {
        self.wait_until(
            "document.querySelectorAll('[data-testid=runs-table] tbody tr').length >= 2",
            "runs of one task side by side",
        );
        let runs: Value = serde_json::from_str(&assay(demo, &["runs", "--json"])).unwrap();
        let total = runs.as_array().unwrap().len();
        assert!(total > 2, "the demo has {total} runs");
        self.browser.click("[data-testid=runs-all]", 0);
        self.wait_until(
            &format!(
                "document.querySelectorAll('[data-testid=runs-table] tbody tr').length === {total}"
            ),
            "every run side by side",
        );
        let ids: Vec<String> = runs
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].to_string())
            .collect();
        let cli: Value = serde_json::from_str(&assay(
            demo,
            &[
                "runs",
                "--compare",
                &ids.join(","),
                "--metrics",
                "ap,accuracy,fid",
                "--json",
            ],
        ))
        .unwrap();
        for (j, metric) in ["ap", "accuracy", "fid"].iter().enumerate() {
            let best = cli["best"][j].as_u64().expect("a best run") as usize;
            let best_id = cli["runs"][best]["id"].as_i64().unwrap();
            let marked = self.browser.eval(&format!(
                "(() => {{ const t = document.querySelector('[data-testid=runs-table]');                  const col = [...t.querySelectorAll('thead th')].findIndex((th) => th.textContent === {m});                  const row = [...t.querySelectorAll('tbody tr')].find((tr) => tr.children[col].querySelector('.best'));                  return row ? row.children[0].textContent : null; }})()",
                m = js_string(metric)
            ));
            assert_eq!(marked, json!(format!("#{best_id}")), "best {metric}");
        }
        assert_eq!(
            self.count("[data-testid=series-chart] polyline"),
            2,
            "ft-a and ft-b"
        );
    }

    /// Every request went to the server (or stayed inside the page).
    fn check_only_own_origin(&mut self) {
        let origin = format!("{}/", self.server.origin);
        let foreign: Vec<&String> = self
            .browser
            .requests
            .iter()
            .filter(|u| {
                !(u.starts_with(&origin)
                    || u.starts_with("data:")
                    || u.starts_with("blob:")
                    || u.as_str() == "about:blank")
            })
            .collect();
        assert!(foreign.is_empty(), "requests outside {origin}: {foreign:?}");
        assert!(
            self.browser.requests.len() > 20,
            "too few requests recorded: {:?}",
            self.browser.requests
        );
        assert!(
            self.browser.exceptions.is_empty(),
            "uncaught exceptions: {:?}",
            self.browser.exceptions
        );
    }
}

impl Ui<'_> {
    /// Without the token every page says how to get one; with the printed
    /// address the overview opens.
    fn check_token_required(&mut self) {
        // The server may refuse the page itself (its JSON error shows) or
        // only the API (the UI's message shows): either names the way in.
        self.browser.navigate(&self.server.url("#/"));
        self.wait_until(
            "(document.body?.innerText ?? '').includes('assay serve')",
            "the browser is told how to get the token",
        );
        let text = self.browser.eval("document.body.innerText");
        assert!(text.as_str().unwrap().contains("access token"), "{text}");
        self.shot("token-required");
        assert!(
            self.server.printed.contains("?token=browser-test-token"),
            "assay serve printed {}",
            self.server.printed
        );
        let printed = self.server.printed.clone();
        self.browser.navigate(&printed);
        self.wait_until(
            "document.querySelector('#view[data-ready][data-page=overview] [data-testid=dataset]') !== null",
            "the printed address opens the overview",
        );
        // The cookie now carries the token: a plain address works too.
        self.open("#/explore?dataset=shapes", "explore");
        assert!(self.explorer_total() > 0);
    }
}

/// A count as the UI formats it (en-US grouping: 1,234).
fn format_count(n: u64) -> String {
    let digits = n.to_string();
    let mut groups = Vec::new();
    let mut end = digits.len();
    while end > 3 {
        groups.push(&digits[end - 3..end]);
        end -= 3;
    }
    groups.push(&digits[..end]);
    groups.reverse();
    groups.join(",")
}

/// A number rounded to `n` significant digits, as the UI's fmt() shows it.
fn round_sig(x: f64, n: i32) -> f64 {
    if x == 0.0 {
        return 0.0;
    }
    let scale = 10f64.powi(n - 1 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

/// The Review page with real users: an admin makes a queue of 20 label
/// issues with overlap 2 in the UI; two reviewers, each with their own
/// token, review it with the keyboard and the mouse (accepting, dragging a
/// box, drawing a missing one); agreement appears; the reviewed export
/// applies the fixes both made and its changelog lists them; a viewer's
/// writes are refused.
#[test]
fn review_in_headless_chromium() {
    let chromium = chromium_path();
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    common::build_demo(&demo);
    assay(
        &demo,
        &["quality", "--dataset", "shapes", "--model", "sim-detector"],
    );
    let token = |name: &str, role: &str| {
        let out = assay(&demo, &["users", "add", name, "--role", role]);
        out.lines().last().unwrap().trim().to_string()
    };
    let (ada, ana, ben, vic) = (
        token("ada", "admin"),
        token("ana", "reviewer"),
        token("ben", "reviewer"),
        token("vic", "viewer"),
    );
    // Two annotators who drew the same boxes.
    let gt = dir.path().join("gt.json");
    assay(
        &demo,
        &["export", "coco", "--dataset", "shapes", "--out", path(&gt)],
    );
    for who in ["xia", "yan"] {
        assay(
            &demo,
            &[
                "review",
                "import-annotators",
                "--dataset",
                "shapes",
                "--coco",
                path(&gt),
                "--annotator",
                who,
            ],
        );
    }
    let server = Server::start(&demo, &[]);
    let mut browser = Browser::launch(&chromium, dir.path());
    let mut ui = Ui {
        browser: &mut browser,
        server: &server,
        shots: screenshot_dir(),
    };
    ui.sign_in(&ada);
    ui.queue_from_explorer();
    let queue = ui.create_queue();
    for who in [&ana, &ben] {
        ui.sign_in(who);
        ui.review_three_items(queue);
    }
    ui.sign_in(&ada);
    ui.open("#/review", "review");
    let agreement = ui.text(&format!("[data-testid=agreement-{queue}]"));
    assert!(agreement.contains("over 3 items"), "{agreement}");
    assert!(!agreement.contains("boxes α –"), "{agreement}");
    ui.wait_until(
        &format!("document.querySelector('[data-testid=pairs-{queue}]') !== null"),
        "the pairs table shows",
    );
    assert!(ui
        .text(&format!("[data-testid=pairs-{queue}]"))
        .contains("ana / ben"));
    let annotators = ui.text("[data-testid=annotators-shapes]");
    assert!(
        annotators.contains("2 annotators") && annotators.contains("boxes α 1,"),
        "{annotators}"
    );
    ui.shot("review-agreement");

    // Two reviewers post a verdict on one item at the same moment, from
    // the page with their own tokens: both are kept.
    let last = last_item(&server, &ada, queue);
    let both = ui.browser.eval(&format!(
        "(() => {{ const post = (t) => fetch('/api/review/items/{last}/verdicts', {{method: 'POST', \
         headers: {{'Content-Type': 'application/json', 'Authorization': 'Bearer ' + t}}, \
         body: JSON.stringify({{decision: 'reject'}})}}).then(r => r.status); \
         return Promise.all([post({ana}), post({ben})]); }})()",
        ana = js_string(&ana),
        ben = js_string(&ben),
    ));
    assert_eq!(both, json!([200, 200]), "{both}");
    let detail = http_json_as(&server, &ada, &format!("/api/review/queues/{queue}"));
    let kept = detail["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["item"].as_i64() == Some(last))
        .count();
    assert_eq!(kept, 2, "both verdicts kept");

    // A viewer reads but writes nothing: every write, from the page itself.
    ui.sign_in(&vic);
    ui.open("#/review", "review");
    let statuses = ui.browser.eval(
        "Promise.all([['/api/review/items/1/verdicts', {decision: 'accept'}], ['/api/tags', {sample_ids: [1], tag: 'x'}], \
         ['/api/log', {run: 'r', step: 1, values: {loss: 1}}], ['/api/review/queues', {dataset: 'shapes', name: 'v', from: 'label_issues'}]] \
         .map(([path, body]) => fetch(path, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)}).then(r => r.status)))",
    );
    assert_eq!(statuses, json!([403, 403, 403, 403]));
    drop(ui);

    let out = dir.path().join("reviewed.json");
    let printed = assay(
        &demo,
        &[
            "export",
            "coco",
            "--dataset",
            "shapes",
            "--reviewed",
            "--out",
            path(&out),
        ],
    );
    let log: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("reviewed.json.changelog.json")).unwrap(),
    )
    .unwrap();
    let applied: Vec<&Value> = log["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["applied"] == true)
        .collect();
    let ops: Vec<&str> = applied
        .iter()
        .flat_map(|c| {
            c["edits"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["op"].as_str().unwrap())
        })
        .collect();
    assert!(
        ops.contains(&"move") && ops.contains(&"add"),
        "{printed}\n{log}"
    );
    assert!(
        applied.iter().all(|c| c["agreed"] == json!(["ana", "ben"])),
        "{log}"
    );
    let coco: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let stored = export_coco(&demo, "shapes");
    let count = |c: &Value| c["annotations"].as_array().unwrap().len();
    let added = ops.iter().filter(|o| **o == "add").count();
    assert_eq!(
        count(&coco),
        count(&stored) + added,
        "the drawn boxes are in the export"
    );
}

/// `GET path` with a user's token, answered with JSON.
fn http_json_as(server: &Server, token: &str, path: &str) -> Value {
    let bearer = format!("Bearer {token}");
    let (status, text) = common::server::http(
        server.host_port(),
        "GET",
        path,
        &[("Authorization", bearer.as_str())],
        None,
    );
    assert!(
        status.starts_with("HTTP/1.1 200"),
        "{path}: {status} {text}"
    );
    serde_json::from_str(&text).unwrap()
}

/// The last item of a queue (none of the reviewers reached it).
fn last_item(server: &Server, token: &str, queue: i64) -> i64 {
    let detail = http_json_as(server, token, &format!("/api/review/queues/{queue}"));
    detail["items"].as_array().unwrap().last().unwrap()["id"]
        .as_i64()
        .unwrap()
}

impl Ui<'_> {
    /// Opens the UI with a user's token (the cookie carries it after).
    fn sign_in(&mut self, token: &str) {
        self.browser
            .navigate(&self.server.url(&format!("?token={token}")));
        self.wait_until(
            "document.querySelector('#view[data-ready]') !== null",
            "the UI opens with the token",
        );
    }

    /// Selects three images in the explorer and makes a review queue of
    /// them, as an admin.
    fn queue_from_explorer(&mut self) {
        self.open("#/explore?dataset=shapes&split=val", "explore");
        self.explorer_total();
        self.wait_until(
            "document.querySelectorAll('[data-testid=tile]').length >= 3",
            "three tiles are drawn",
        );
        self.browser.click(
            "[data-testid=tile][data-index='0'] [data-testid=tile-check]",
            0,
        );
        self.browser.click(
            "[data-testid=tile][data-index='2'] [data-testid=tile-check]",
            8,
        );
        assert_eq!(self.text("[data-testid=selected-count]"), "3 selected");
        self.browser
            .eval("document.querySelector('[data-testid=queue-input]').focus()");
        self.browser.type_text("picked");
        self.browser.click("[data-testid=review-button]", 0);
        self.wait_until(
            "document.querySelector('[data-testid=review-queue-link]') !== null",
            "the queue is made",
        );
        assert!(self
            .browser
            .eval("document.body.innerText")
            .as_str()
            .unwrap()
            .contains("Made review queue picked with 3 samples"));
    }

    /// Fills the admin's New queue form; returns the queue's id.
    fn create_queue(&mut self) -> i64 {
        self.open("#/review", "review");
        assert!(self.text("[data-testid=review-me]").contains("ada (admin)"));
        self.browser
            .eval("document.querySelector('[data-testid=queue-assign]').focus()");
        self.browser.type_text("ana,ben");
        self.browser.click("[data-testid=queue-create]", 0);
        self.wait_until(
            "(document.querySelector('[data-testid=queues]')?.innerText ?? '').includes('0 of 20')",
            "the new queue is listed with 20 items",
        );
        let id = self.browser.eval(
            "Number([...document.querySelectorAll('a[data-testid^=\"queue-\"]')].find(a => a.textContent === 'labels').dataset.testid.slice(6))",
        );
        id.as_i64().unwrap_or_else(|| panic!("no queue link: {id}"))
    }

    /// The item on the canvas.
    fn current_item(&mut self) -> i64 {
        self.wait_until(
            "document.querySelector('[data-testid=review-canvas]') !== null",
            "an item shows",
        );
        self.browser
            .eval("Number(document.querySelector('[data-testid=review-canvas]').dataset.item)")
            .as_i64()
            .unwrap()
    }

    /// Waits until the page moved on from `item`.
    fn wait_past(&mut self, item: i64) {
        self.wait_until(
            &format!("(() => {{ const c = document.querySelector('[data-testid=review-canvas]'); return c !== null && Number(c.dataset.item) !== {item}; }})()"),
            "the next item shows",
        );
    }

    /// Accepts the first item with the keyboard, drags a box of the next
    /// (or draws one where it has none), draws a missing box on the third,
    /// saving each fix with F.
    fn review_three_items(&mut self, queue: i64) {
        self.open(&format!("#/review/{queue}"), "review");
        let first = self.current_item();
        self.browser.press_key('a');
        self.wait_past(first);
        let second = self.current_item();
        let has_box = self
            .browser
            .eval("document.querySelector('[data-testid=box-0] rect') !== null")
            == json!(true);
        if has_box {
            let from = self.browser.center_of("[data-testid=box-0] rect");
            self.browser.drag(from, (from.0 + 6.0, from.1 + 4.0));
            self.wait_until(
                "document.querySelector('[data-testid=review-edits]').textContent.startsWith('1 ')",
                "the move is an edit",
            );
        } else {
            self.draw_box();
        }
        self.shot("review-fix");
        self.browser.press_key('f');
        self.wait_past(second);
        let third = self.current_item();
        self.draw_box();
        self.browser.press_key('f');
        self.wait_past(third);
    }

    /// Presses D and drags a box near the canvas's top-left corner.
    fn draw_box(&mut self) {
        let before = self
            .browser
            .eval("document.querySelectorAll('[data-testid^=box-]').length");
        self.browser.press_key('d');
        let corner = self.browser.eval(
            "(() => { const r = document.querySelector('[data-testid=review-background]').getBoundingClientRect(); return [r.left + r.width * 0.05, r.top + r.height * 0.05, r.width * 0.2]; })()",
        );
        let c: Vec<f64> = corner
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        self.browser.drag((c[0], c[1]), (c[0] + c[2], c[1] + c[2]));
        self.wait_until(
            &format!(
                "document.querySelectorAll('[data-testid^=box-]').length === {} + 1",
                before
            ),
            "the drawn box shows",
        );
    }
}
