//! `assay serve` run as a process for the end-to-end tests, and a small
//! HTTP/1.1 client to talk to it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// How long an answer may take.
const WAIT: Duration = Duration::from_secs(30);

/// `assay serve --port 0` on a project, stopped when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>`
    pub origin: String,
    /// The address `assay serve` printed (with `?token=` when it has one).
    pub printed: String,
}

impl Server {
    pub fn start(project: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_assay"))
            .arg("--project")
            .arg(project)
            .args(["serve", "--port", "0"])
            .args(extra)
            .env_remove("ASSAY_UI_DIR")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("assay serve starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let printed = loop {
            let line = match lines.next() {
                Some(Ok(line)) => line,
                _ => {
                    let _ = child.kill();
                    panic!("assay serve ended before printing its address");
                }
            };
            if let Some(at) = line.find("http://") {
                break line[at..].trim().to_string();
            }
        };
        let host_end = printed["http://".len()..]
            .find('/')
            .map_or(printed.len(), |i| i + "http://".len());
        let origin = printed[..host_end].to_string();
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines.by_ref() {});
        Server {
            child,
            origin,
            printed,
        }
    }

    pub fn url(&self, hash: &str) -> String {
        format!("{}/{hash}", self.origin)
    }

    /// `host:port` of the origin.
    pub fn host_port(&self) -> &str {
        self.origin.trim_start_matches("http://")
    }

    pub fn get(&self, path: &str) -> Value {
        http_json(self.host_port(), "GET", path, None)
    }

    pub fn post(&self, path: &str, body: &Value) -> Value {
        http_json(self.host_port(), "POST", path, Some(body))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request answered with JSON and status 200 (the body read
/// by its Content-Length or its chunks: Chromium keeps the connection open).
pub fn http_json(host_port: &str, method: &str, path: &str, body: Option<&Value>) -> Value {
    let body = body.map(|b| b.to_string());
    let (status, text) = http(host_port, method, path, &[], body.as_deref());
    assert!(
        status.starts_with("HTTP/1.1 200"),
        "{method} {path}: {status}\n{text}"
    );
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path}: {e}: {text}"))
}

/// One HTTP/1.1 request with extra `headers` (`Host` is the server's
/// unless given); returns the status line and the body.
pub fn http(
    host_port: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (String, String) {
    let mut stream = TcpStream::connect(host_port).expect("the server accepts connections");
    stream.set_read_timeout(Some(WAIT)).unwrap();
    let mut request = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        request += &format!("Host: {host_port}\r\n");
    }
    for (k, v) in headers {
        request += &format!("{k}: {v}\r\n");
    }
    if let Some(body) = body {
        request += &format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        );
    }
    write!(stream, "{request}\r\n{}", body.unwrap_or_default()).unwrap();
    let mut reader = BufReader::new(stream);
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line.trim().is_empty() {
            break;
        }
        head.push(line.trim().to_string());
    }
    let header = |name: &str| {
        head.iter().find_map(|h| {
            let (key, value) = h.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
    };
    let bytes = if let Some(length) = header("content-length") {
        let mut bytes = vec![0; length.parse().unwrap()];
        reader.read_exact(&mut bytes).unwrap();
        bytes
    } else {
        read_chunks(&mut reader)
    };
    let status = head.first().cloned().unwrap_or_default();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// The body of a chunked HTTP answer.
fn read_chunks(reader: &mut impl BufRead) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let size = usize::from_str_radix(line.trim(), 16).expect("a hex chunk size");
        let mut chunk = vec![0; size + 2];
        reader.read_exact(&mut chunk).unwrap();
        if size == 0 {
            return body;
        }
        body.extend_from_slice(&chunk[..size]);
    }
}
