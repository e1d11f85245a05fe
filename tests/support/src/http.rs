//! A scripted HTTP/1.1 server on loopback.
//!
//! Each connection gets a thread that reads requests one after another
//! (keep-alive, as pooling clients expect), hands each to the script, waits
//! the answer's delay and writes it with a `content-length`. Requests are
//! counted and kept for assertions; so is the most that were in flight at
//! once (for "one fetch shared by ten callers" checks).
//!
//! ```ignore
//! let api = Imitation::start(|req| match req.query("page") {
//!     None => Answer::json(200, r#"{"data":[],"has_more":false}"#),
//!     Some(_) => Answer::json(404, "{}"),
//! });
//! // point the client at api.url() …
//! assert_eq!(api.requests(), 1);
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as the imitation saw it.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    /// The request target as sent: path and query.
    pub target: String,
    /// Header names lower-cased, values trimmed, in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The target's path, without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// The first value of query parameter `name` (not percent-decoded:
    /// the imitations' parameters are plain tokens).
    pub fn query(&self, name: &str) -> Option<&str> {
        let q = self.target.split_once('?')?.1;
        q.split('&').find_map(|kv| match kv.split_once('=') {
            Some((k, v)) if k == name => Some(v),
            None if kv == name => Some(""),
            _ => None,
        })
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// What the script answers.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Waited before the answer is written (timeouts, overlapping callers).
    pub delay: Duration,
}

impl Answer {
    /// A JSON answer.
    pub fn json(status: u16, body: impl Into<String>) -> Answer {
        Answer { status, headers: vec![("content-type".into(), "application/json".into())], body: body.into(), delay: Duration::ZERO }
    }

    /// Adds a header (`retry-after`, `location`…).
    pub fn header(mut self, name: &str, value: &str) -> Answer {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Answers after `delay`.
    pub fn after(mut self, delay: Duration) -> Answer {
        self.delay = delay;
        self
    }
}

type Script = dyn Fn(&Request) -> Answer + Send + Sync;

/// A running imitation. It lives as long as the test process (its threads
/// block on accept); each test starts its own on a fresh port.
pub struct Imitation {
    url: String,
    requests: Arc<AtomicUsize>,
    in_flight_max: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<Request>>>,
}

impl Imitation {
    /// Starts an imitation on `127.0.0.1:<free port>` answering with `script`.
    pub fn start(script: impl Fn(&Request) -> Answer + Send + Sync + 'static) -> Imitation {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("its address"));
        let state = Shared {
            script: Arc::new(script),
            requests: Arc::new(AtomicUsize::new(0)),
            in_flight: Arc::new(AtomicUsize::new(0)),
            in_flight_max: Arc::new(AtomicUsize::new(0)),
            seen: Arc::new(Mutex::new(Vec::new())),
        };
        let imitation =
            Imitation { url, requests: state.requests.clone(), in_flight_max: state.in_flight_max.clone(), seen: state.seen.clone() };
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let state = state.clone();
                std::thread::spawn(move || state.serve(conn));
            }
        });
        imitation
    }

    /// `http://127.0.0.1:<port>`, no trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Requests answered or being answered so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// The most requests that were being answered at the same time.
    pub fn in_flight_max(&self) -> usize {
        self.in_flight_max.load(Ordering::SeqCst)
    }

    /// Every request so far, in arrival order.
    pub fn seen(&self) -> Vec<Request> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

#[derive(Clone)]
struct Shared {
    script: Arc<Script>,
    requests: Arc<AtomicUsize>,
    in_flight: Arc<AtomicUsize>,
    in_flight_max: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<Request>>>,
}

impl Shared {
    fn serve(&self, conn: TcpStream) {
        let Ok(write_half) = conn.try_clone() else { return };
        let mut out = write_half;
        let mut input = BufReader::new(conn);
        // One request after another on this connection, until the client
        // closes it or asks to.
        while let Some(req) = read_request(&mut input) {
            self.requests.fetch_add(1, Ordering::SeqCst);
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.in_flight_max.fetch_max(now, Ordering::SeqCst);
            self.seen.lock().unwrap_or_else(|e| e.into_inner()).push(req.clone());
            let answer = (self.script)(&req);
            std::thread::sleep(answer.delay);
            let close = req.header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
            let written = write_answer(&mut out, &answer, close);
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            if written.is_err() || close {
                return;
            }
        }
    }
}

/// Reads one request (head and a `content-length` body); `None` at end of
/// stream or on anything that is not HTTP/1.1 enough to answer.
fn read_request(input: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if input.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if input.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end_matches(['\r', '\n']);
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let len = headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse::<usize>().ok()).unwrap_or(0);
    let mut body = vec![0; len];
    input.read_exact(&mut body).ok()?;
    Some(Request { method, target, headers, body })
}

fn write_answer(out: &mut TcpStream, a: &Answer, close: bool) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {} X\r\ncontent-length: {}\r\n", a.status, a.body.len());
    if close {
        head.push_str("connection: close\r\n");
    }
    for (k, v) in &a.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())?;
    out.write_all(a.body.as_bytes())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(url: &str, path: &str, extra: &str) -> String {
        let mut s = TcpStream::connect(url.trim_start_matches("http://")).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{extra}\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn answers_by_script_and_records_what_it_saw() {
        let api = Imitation::start(|r| match r.query("page") {
            Some("two") => Answer::json(200, "second").header("retry-after", "7"),
            _ => Answer::json(404, "{}"),
        });
        let a = get(api.url(), "/v1/x?a=1&page=two", "X-Api-Key: k\r\n");
        assert!(a.starts_with("HTTP/1.1 200") && a.contains("retry-after: 7") && a.ends_with("second"), "{a}");
        assert!(get(api.url(), "/v1/x", "").starts_with("HTTP/1.1 404"));
        assert_eq!(api.requests(), 2);
        let seen = api.seen();
        assert_eq!((seen[0].path(), seen[0].query("a"), seen[0].header("X-API-KEY")), ("/v1/x", Some("1"), Some("k")));
        assert_eq!(seen[1].query("page"), None);
    }

    #[test]
    fn keeps_the_connection_for_the_next_request() {
        let api = Imitation::start(|r| Answer::json(200, r.path().to_string()));
        let mut s = TcpStream::connect(api.url().trim_start_matches("http://")).unwrap();
        write!(s, "GET /one HTTP/1.1\r\nHost: x\r\n\r\nPOST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc")
            .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        assert!(out.contains("/one") && out.ends_with("/two"), "{out}");
        assert_eq!(api.seen()[1].body, b"abc");
    }
}
