//! The reference tool server for the NorthLoop agent: its five tools as webhooks, the way a
//! real backend would receive them from `switchboard serve`.
//!
//! - `POST /tools/{name}` for `lookup_account`, `check_outage`, `refund_credit`,
//!   `schedule_technician` and `escalate_to_human`, each taking the gateway's webhook body
//!   (`call_id`, `name`, `arguments`, `session_id`, `idempotency_key`) and answering JSON.
//! - `GET /state`: everything in memory, as JSON, for demos and tests.
//!
//! Every tool request must be signed (`X-Switchboard-Signature`, checked with
//! [`switchboard_gateway::webhook::verify`]); others get `401`. Write tools are deduplicated
//! by idempotency key: a replayed key gets the first reply again and changes nothing. Bad
//! arguments get `400`, an unknown account `404`, a rule that forbids the change `409`, each
//! with `{"error": "…"}`.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let server = northloop_tools::ToolServer::start("127.0.0.1:0", b"secret".to_vec()).await?;
//! println!("tools at {}/tools/", server.url());
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod book;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use switchboard_gateway::webhook::{self, IDEMPOTENCY_HEADER};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use book::{
    Account, Appointment, Book, CREDIT_THRESHOLD_MINUTES, Credit, Handoff, MAX_CREDIT_MINUTES,
    Outage, Refusal, WINDOWS,
};

/// The default environment variable holding the signing secret.
pub const SECRET_ENV: &str = "NORTHLOOP_TOOLS_SECRET";

/// How far a request's timestamp may be from the server's clock.
pub const TOLERANCE: Duration = Duration::from_secs(300);

/// The server's state: the book, and the replies already given to write tools by key.
struct Shared {
    secret: Vec<u8>,
    inner: Mutex<Inner>,
}

struct Inner {
    book: Book,
    /// `(tool, idempotency key)` → the reply given the first time.
    replies: BTreeMap<(String, String), (StatusCode, Value)>,
}

/// The router, with the seeded book and `secret` for signatures; serve it with axum.
pub fn router(secret: Vec<u8>) -> axum::Router {
    let shared = Arc::new(Shared {
        secret,
        inner: Mutex::new(Inner {
            book: Book::seeded(),
            replies: BTreeMap::new(),
        }),
    });
    axum::Router::new()
        .route("/tools/{tool}", post(call_tool))
        .route("/state", get(state))
        .with_state(shared)
}

/// A running server.
#[derive(Debug)]
pub struct ToolServer {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl ToolServer {
    /// Listens on `listen` (`127.0.0.1:0` picks a free port) and serves in a task.
    pub async fn start(listen: &str, secret: Vec<u8>) -> std::io::Result<ToolServer> {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, router(secret))
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        Ok(ToolServer { addr, stop, task })
    }

    /// Where it listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its base URL, `http://ADDR`; tools are under `/tools/`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops listening and waits for requests in flight.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": message.into()}))).into_response()
}

async fn call_tool(
    State(shared): State<Arc<Shared>>,
    Path(tool): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let request = match webhook::receive(&shared.secret, &tool, &headers, &body, now, TOLERANCE) {
        Ok(request) => request,
        Err(refused) => return error(refused.status(), refused.to_string()),
    };
    let Some(write) = Book::is_write(&tool) else {
        return error(
            StatusCode::NOT_FOUND,
            format!("NorthLoop has no tool called `{tool}`"),
        );
    };
    let key = request.idempotency_key;
    // One lock around the replay check, the change and the record, so two deliveries of the
    // same key cannot both apply.
    let mut inner = shared.inner.lock().unwrap_or_else(PoisonError::into_inner);
    let replay_key = match (write, key) {
        (false, _) => None,
        (true, None) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("`{tool}` changes something: an {IDEMPOTENCY_HEADER} is required"),
            );
        }
        (true, Some(key)) => {
            let replay_key = (tool.clone(), key);
            if let Some((status, reply)) = inner.replies.get(&replay_key) {
                return (*status, Json(reply.clone())).into_response();
            }
            Some(replay_key)
        }
    };
    let (status, reply) = match inner
        .book
        .call(&tool, &request.arguments, &request.session_id)
    {
        Ok(result) => (StatusCode::OK, result),
        Err(Refusal { status, message }) => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            json!({"error": message}),
        ),
    };
    // Arguments that did not parse changed nothing; anything else is the answer for good.
    if let Some(replay_key) = replay_key
        && status != StatusCode::BAD_REQUEST
    {
        inner.replies.insert(replay_key, (status, reply.clone()));
    }
    (status, Json(reply)).into_response()
}

async fn state(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let inner = shared.inner.lock().unwrap_or_else(PoisonError::into_inner);
    let mut state = serde_json::to_value(&inner.book).unwrap_or(Value::Null);
    if let Some(object) = state.as_object_mut() {
        object.insert("replies_recorded".to_owned(), json!(inner.replies.len()));
    }
    Json(state)
}
