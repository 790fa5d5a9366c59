//! Who may use the server. On loopback without a token or users, only
//! requests addressed to a loopback host name are answered (a web page
//! elsewhere cannot rebind its name to this server); with a token or users,
//! every request must carry one, as a bearer header or the cookie the page
//! sets (only the page and its scripts, which hold no data, are served
//! without it), and a user's role decides what they may write.

use std::sync::Arc;

use assay_store::{Role, User};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use crate::error::ApiError;
use crate::state::AppState;

/// Name of the cookie that carries the token.
pub const TOKEN_COOKIE: &str = "assay_token";

/// A fresh random token (32 hex digits).
pub fn new_token() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Who is asking, once access is checked (in the request's extensions).
#[derive(Debug, Clone, PartialEq)]
pub enum Caller {
    /// No users in the project: the local user on loopback, or whoever
    /// holds the server's `--token`; may do everything.
    Owner,
    /// A named user with their role.
    User(User),
}

impl Caller {
    /// The caller's role.
    pub fn role(&self) -> Role {
        match self {
            Caller::Owner => Role::Admin,
            Caller::User(u) => u.role,
        }
    }
}

/// Checks every request; `/?token=<token>` sets the cookie and redirects
/// to `/` so the token leaves the address bar. When the project has users,
/// every request but the page's shell needs a user's token (or the
/// server's), and writes are allowed by role: viewers none, reviewers
/// only verdicts (on the queues assigned to them, checked where they are
/// recorded), admins all.
pub async fn check(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let has_users = state.auth(|s| s.has_users()).unwrap_or(false);
    if state.token.is_none() && !has_users {
        if !loopback_host(request.headers()) {
            let msg = "this server answers only requests to localhost; start it with --token to serve other names";
            return refuse(StatusCode::FORBIDDEN, msg);
        }
        request.extensions_mut().insert(Caller::Owner);
        return next.run(request).await;
    }
    let who = |token: &str| -> Option<Caller> {
        if state.token.as_deref().is_some_and(|t| same(token, t)) {
            return Some(Caller::Owner);
        }
        let user = state.auth(|s| s.user_by_token_hash(&assay_app::review::token_hash(token)));
        user.ok().flatten().map(Caller::User)
    };
    if let Some(given) = query_token(request.uri().query()) {
        if request.uri().path() == "/" && who(&given).is_some() {
            let cookie = format!("{TOKEN_COOKIE}={given}; HttpOnly; SameSite=Strict; Path=/");
            let mut response = Redirect::to("/").into_response();
            if let Ok(value) = cookie.parse() {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            return response;
        }
    }
    // The page and its scripts hold no data; served to anyone, they can
    // tell a visitor without the token how to get in.
    let path = request.uri().path().to_string();
    let shell = path == "/" || path.starts_with("/assets/");
    let caller = presented(request.headers()).and_then(|t| who(&t));
    let Some(caller) = caller else {
        if shell {
            return next.run(request).await;
        }
        return refuse(
            StatusCode::UNAUTHORIZED,
            "this server needs an access token: open the address `assay serve` printed (or your user's), or send `Authorization: Bearer <token>`",
        );
    };
    if let Err(message) = allowed(&caller, request.method(), &path) {
        return refuse(StatusCode::FORBIDDEN, &message);
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}

/// Whether `caller` may make a request: reads are open to every role but
/// ingest; reviewers may write verdicts; viewers may not write; an ingest
/// token may only send records.
fn allowed(caller: &Caller, method: &Method, path: &str) -> Result<(), String> {
    let ingest = method == Method::POST && path == "/api/ingest";
    match caller.role() {
        Role::Ingest if ingest => return Ok(()),
        Role::Ingest => return Err("an ingest token may only send records to /api/ingest".into()),
        Role::Admin if ingest => return Ok(()),
        _ if ingest => return Err("only admins and ingest tokens may send records".into()),
        _ => {}
    }
    let reads = method == Method::GET
        || method == Method::HEAD
        || (method == Method::POST && matches!(path, "/api/query" | "/api/export"));
    if reads {
        return Ok(());
    }
    let verdict = method == Method::POST
        && path.starts_with("/api/review/items/")
        && path.ends_with("/verdicts");
    match (caller.role(), verdict) {
        (Role::Admin, _) | (Role::Reviewer, true) => Ok(()),
        (Role::Reviewer, false) => Err("reviewers may only record verdicts".into()),
        (Role::Viewer | Role::Ingest, _) => Err("viewers may only read".into()),
    }
}

fn refuse(status: StatusCode, message: &str) -> Response {
    ApiError {
        status,
        message: message.into(),
    }
    .into_response()
}

/// The token of a request: bearer header first, then the cookie.
fn presented(headers: &HeaderMap) -> Option<String> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    bearer.or_else(|| {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .find_map(|kv| {
                kv.trim()
                    .strip_prefix(&format!("{TOKEN_COOKIE}="))
                    .map(str::to_string)
            })
    })
}

fn query_token(query: Option<&str>) -> Option<String> {
    query?
        .split('&')
        .find_map(|kv| kv.strip_prefix("token=").map(str::to_string))
}

/// Compares in time independent of where the strings differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Whether the request's Host is a loopback name or address (any port):
/// `localhost` (any case) or a loopback IP literal (`127.0.0.0/8`, `[::1]`).
/// Names that merely start like one (`127.0.0.1.evil.example`,
/// `localhost.evil.example`) are not.
fn loopback_host(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let name = if let Some(rest) = host.strip_prefix('[') {
        // `[v6]` or `[v6]:port`
        match rest.split_once(']') {
            Some((v6, tail)) if tail.is_empty() || is_port(tail.strip_prefix(':')) => v6,
            _ => return false,
        }
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if is_port(Some(port)) => name,
            Some(_) => return false,
            None => host,
        }
    };
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    name.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

/// Whether `port` is a decimal port number.
fn is_port(port: Option<&str>) -> bool {
    port.is_some_and(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names() {
        let host = |h: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::HOST, h.parse().unwrap());
            loopback_host(&m)
        };
        assert!(host("127.0.0.1:8000") && host("localhost") && host("[::1]:80"));
        assert!(host("LocalHost:8000") && host("127.1.2.3") && host("[::1]"));
        assert!(!host("evil.example:8000") && !host("192.168.1.2") && !host("localhost.evil.com"));
        assert!(!host("127.0.0.1.evil.example") && !host("127.0.0.1.evil.example:8000"));
        assert!(!host("127.evil") && !host("[::1].evil:80") && !host("localhost:80x"));
        assert!(!host("::1") && !host("[::2]:80") && !host("0.0.0.0"));
        assert!(!loopback_host(&HeaderMap::new()));
    }

    #[test]
    fn tokens_compare_exactly() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd") && !same("abc", "ab") && !same("", "a"));
        assert_eq!(new_token().len(), 32);
        assert_ne!(new_token(), new_token());
    }
}
