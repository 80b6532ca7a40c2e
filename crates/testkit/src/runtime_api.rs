//! A local AWS Lambda Runtime API (the 2018-06-01 protocol a `provided` runtime polls):
//! `GET /runtime/invocation/next` hands out queued events with the real headers, and the
//! function's `POST …/response` and `…/error` are recorded for the test to assert.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Response { request_id: String, body: Value },
    Error { request_id: String, body: Value },
    InitError { body: Value },
}

#[derive(Default)]
struct State {
    queue: VecDeque<(String, Value)>,
    outcomes: Vec<Outcome>,
    /// When the function first asked for an event: the end of its init phase.
    first_poll: Option<Instant>,
}

pub struct RuntimeApi {
    address: String,
    state: Arc<(Mutex<State>, Condvar)>,
}

impl RuntimeApi {
    /// Serve `events` in order, each under its name as the request id.
    pub fn start(events: Vec<(String, Value)>) -> RuntimeApi {
        let listener = TcpListener::bind("127.0.0.1:0").expect("loopback port");
        let address = listener.local_addr().expect("bound").to_string();
        let state = Arc::new((
            Mutex::new(State {
                queue: events.into_iter().collect(),
                outcomes: Vec::new(),
                first_poll: None,
            }),
            Condvar::new(),
        ));
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || serve(stream, &shared));
            }
        });
        RuntimeApi { address, state }
    }

    /// When the function first polled for an event (its init phase ended), if it has.
    pub fn first_poll(&self) -> Option<Instant> {
        self.state.0.lock().expect("state lock").first_poll
    }

    /// `host:port`, as `AWS_LAMBDA_RUNTIME_API` takes it.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Wait until `count` outcomes were posted (or the timeout passes) and return them.
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Outcome> {
        let deadline = Instant::now() + timeout;
        let (lock, signal) = &*self.state;
        let mut state = lock.lock().expect("state lock");
        while state.outcomes.len() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state = signal.wait_timeout(state, left).expect("state lock").0;
        }
        state.outcomes.clone()
    }
}

struct Request {
    method: String,
    path: String,
    body: Vec<u8>,
}

fn serve(stream: TcpStream, state: &(Mutex<State>, Condvar)) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
    let mut writer = stream;
    while let Some(request) = read_request(&mut reader) {
        let (status, headers, body) = route(&request, state);
        let mut head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n", body.len());
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        if writer
            .write_all(head.as_bytes())
            .and_then(|_| writer.write_all(&body))
            .is_err()
        {
            return;
        }
    }
}

fn route(
    request: &Request,
    state: &(Mutex<State>, Condvar),
) -> (&'static str, Vec<(String, String)>, Vec<u8>) {
    let (lock, signal) = state;
    let path = request.path.trim_start_matches("/2018-06-01");
    if request.method == "GET" && path == "/runtime/invocation/next" {
        lock.lock()
            .expect("state lock")
            .first_poll
            .get_or_insert_with(Instant::now);
        let next = loop {
            let mut guard = lock.lock().expect("state lock");
            if let Some(next) = guard.queue.pop_front() {
                break next;
            }
            // No more events: hold the poll open, as Lambda does between invocations.
            drop(
                signal
                    .wait_timeout(guard, Duration::from_millis(200))
                    .expect("state lock"),
            );
        };
        let deadline = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            + Duration::from_secs(60);
        let headers = vec![
            ("Content-Type".into(), "application/json".into()),
            ("Lambda-Runtime-Aws-Request-Id".into(), next.0.clone()),
            (
                "Lambda-Runtime-Deadline-Ms".into(),
                deadline.as_millis().to_string(),
            ),
            (
                "Lambda-Runtime-Invoked-Function-Arn".into(),
                "arn:aws:lambda:us-east-1:123456789012:function:guardrails-test".into(),
            ),
            (
                "Lambda-Runtime-Trace-Id".into(),
                "Root=1-00000000-000000000000000000000000;Sampled=0".into(),
            ),
        ];
        return (
            "200 OK",
            headers,
            serde_json::to_vec(&next.1).expect("event JSON"),
        );
    }
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let outcome = match path.strip_prefix("/runtime/invocation/") {
        Some(rest) if request.method == "POST" => match rest.rsplit_once('/') {
            Some((id, "response")) => Some(Outcome::Response {
                request_id: id.into(),
                body,
            }),
            Some((id, "error")) => Some(Outcome::Error {
                request_id: id.into(),
                body,
            }),
            _ => None,
        },
        _ if request.method == "POST" && path == "/runtime/init/error" => {
            Some(Outcome::InitError { body })
        }
        _ => None,
    };
    match outcome {
        Some(outcome) => {
            lock.lock().expect("state lock").outcomes.push(outcome);
            signal.notify_all();
            (
                "202 Accepted",
                vec![("Content-Type".into(), "application/json".into())],
                b"{\"status\":\"OK\"}".to_vec(),
            )
        }
        None => ("404 Not Found", Vec::new(), Vec::new()),
    }
}

/// One HTTP/1.1 request (Content-Length or chunked body); `None` when the peer closes.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut length = 0usize;
    let mut chunked = false;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().ok()?,
            "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
            _ => {}
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        body.resize(length, 0);
        reader.read_exact(&mut body).ok()?;
    }
    Some(Request { method, path, body })
}
