//! A tool endpoint for webhook tests: an axum server on 127.0.0.1:0 that records every
//! request and answers from a script, and an agent whose tools point at it.
//!
//! Test files include it with `#[path = "common/tool_endpoint.rs"] mod tool_endpoint;`.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::Value;
use switchboard_agent::AgentFile;
use switchboard_engine::ToolRun;
use switchboard_gateway::{Executor, HttpExecutor};

/// An environment variable that cargo sets for every test process, used as the signing
/// secret so no test has to change the environment (`set_var` is unsafe once threads run).
pub const SECRET_ENV: &str = "CARGO_PKG_NAME";

/// The secret the gateway reads from [`SECRET_ENV`].
pub fn secret() -> Vec<u8> {
    std::env::var(SECRET_ENV)
        .expect("cargo sets CARGO_PKG_NAME for tests")
        .into_bytes()
}

/// One request as the endpoint received it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map_or("", |v| v.to_str().expect("ASCII header"))
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the request body is JSON")
    }
}

/// What the endpoint answers to one request.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    /// Waits this long before answering.
    pub delay: Duration,
    /// Sends the body in chunks without a Content-Length.
    pub chunked: bool,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply::raw(status, body.to_string().into_bytes())
    }

    pub fn raw(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            body: body.into(),
            delay: Duration::ZERO,
            chunked: false,
        }
    }

    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }

    pub fn chunked(mut self) -> Reply {
        self.chunked = true;
        self
    }
}

type Script = Arc<dyn Fn(usize) -> Reply + Send + Sync>;

/// The running endpoint.
pub struct Endpoint {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Endpoint {
    /// Starts an endpoint that answers the `n`th request (from 0) with `script(n)`.
    pub async fn start(script: impl Fn(usize) -> Reply + Send + Sync + 'static) -> Endpoint {
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let script: Script = Arc::new(script);
        let state = (seen.clone(), script);
        let app = axum::Router::new()
            .fallback(
                |axum::extract::State((seen, script)): axum::extract::State<(
                    Arc<Mutex<Vec<Seen>>>,
                    Script,
                )>,
                 uri: axum::http::Uri,
                 headers: HeaderMap,
                 body: Bytes| async move {
                    let n = {
                        let mut seen = seen.lock().expect("lock");
                        seen.push(Seen {
                            path: uri.path().to_owned(),
                            headers,
                            body: body.to_vec(),
                        });
                        seen.len() - 1
                    };
                    let reply = script(n);
                    tokio::time::sleep(reply.delay).await;
                    let body = if reply.chunked {
                        let chunks: Vec<Result<Bytes, std::io::Error>> = reply
                            .body
                            .chunks(64 * 1024)
                            .map(|c| Ok(Bytes::copy_from_slice(c)))
                            .collect();
                        Body::from_stream(futures_util::stream::iter(chunks))
                    } else {
                        Body::from(reply.body)
                    };
                    Response::builder()
                        .status(StatusCode::from_u16(reply.status).expect("status"))
                        .body(body)
                        .expect("response")
                },
            )
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Endpoint { addr, seen }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Every request received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }
}

/// An agent with a read tool `lookup` and a write tool `refund`, both webhooks to `url`
/// (`/lookup`, `/refund`) signed with `secret_env`.
pub fn agent(url: &str, secret_env: Option<&str>) -> AgentFile {
    let secret = secret_env.map_or(String::new(), |v| format!(", secret_env: {v}"));
    let text = format!(
        r#"
name: hooks
role: You test webhooks.
tools:
  - name: lookup
    description: Looks an account up.
    access: read
    parameters: {{type: object, properties: {{email: {{type: string}}}}}}
    run: {{webhook: {{url: "{url}/lookup"{secret}}}}}
  - name: refund
    description: Applies a credit.
    access: write
    parameters: {{type: object, properties: {{minutes: {{type: integer}}}}}}
    run: {{webhook: {{url: "{url}/refund"{secret}}}}}
"#
    );
    switchboard_agent::load(&text)
        .unwrap_or_else(|e| panic!("the test agent loads: {e:?}"))
        .agent
}

/// A run of `tool` with `arguments`, due within `timeout`.
pub fn run(tool: &str, arguments: Value, timeout: Duration) -> ToolRun {
    ToolRun {
        call_id: "call_1".into(),
        name: tool.to_owned(),
        arguments,
        idempotency_key: "sess_1:call_1".to_owned(),
        deadline: Instant::now() + timeout,
    }
}

/// Runs `run` through the serving executor, as the driver does.
pub async fn execute(agent: &AgentFile, run: ToolRun) -> Result<Value, String> {
    let compiled = std::sync::Arc::new(
        switchboard_engine::CompiledAgent::new(agent.clone()).expect("the test agent compiles"),
    );
    HttpExecutor::new()
        .run_tool(&compiled, "sess_1", run)
        .await
        .map_err(|e| e.to_string())
}
