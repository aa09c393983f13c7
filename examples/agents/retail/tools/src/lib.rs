//! The reference tool server for the retail agent: every tool of τ²-bench's retail domain as
//! a webhook, the way a real backend would receive them from `switchboard serve`, over a
//! subset of the benchmark's database.
//!
//! - `POST /tools/{name}` for each of [`TOOLS`], taking the gateway's webhook body
//!   (`call_id`, `name`, `arguments`, `session_id`, `idempotency_key`) and answering the
//!   benchmark's result as JSON: an order, a user, a product or a variant as an object, a
//!   user id or a calculation as a string.
//! - `GET /state`: for each session, the orders and users its calls changed and its
//!   hand-offs. `GET /state/{session_id}`: that session's whole database.
//!
//! Each `session_id` gets its own copy of the seeded database on its first call, so calls
//! (and scenario runs) never see each other's changes; the oldest sessions are forgotten past
//! [`MAX_SESSIONS`]. Every tool request must be signed (`X-Switchboard-Signature`, checked
//! with [`switchboard_gateway::webhook::verify`]); others get `401`. Write tools are
//! deduplicated by idempotency key: a replayed key gets the first reply again and changes
//! nothing. Arguments that are not the tool's get `400`, an id that names nothing `404`, an
//! action the data does not allow `409`, each with `{"error": "…"}` holding the benchmark's
//! message ("Non-pending order cannot be cancelled").
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let server = retail_tools::ToolServer::start("127.0.0.1:0", b"secret".to_vec()).await?;
//! println!("tools at {}/tools/", server.url());
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod calc;
mod db;
mod tools;

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};
use switchboard_gateway::webhook::{self, IDEMPOTENCY_HEADER};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use calc::calculate;
pub use db::{
    Address, Db, Dict, Fulfillment, Name, Order, OrderItem, Payment, PaymentMethod, Product,
    SEED_JSON, User, Variant,
};
pub use tools::{CANCEL_REASONS, TOOLS, ToolError, is_write};

/// The default environment variable holding the signing secret.
pub const SECRET_ENV: &str = "RETAIL_TOOLS_SECRET";

/// How far a request's timestamp may be from the server's clock.
pub const TOLERANCE: Duration = Duration::from_secs(300);

/// How many sessions' databases are kept; the oldest goes when a new one would pass it.
pub const MAX_SESSIONS: usize = 256;

/// The server's state: the seed, and each session's database and replies.
struct Shared {
    secret: Vec<u8>,
    seed: Db,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    sessions: BTreeMap<String, Session>,
    /// Session ids, oldest first.
    opened: VecDeque<String>,
}

/// One session's world.
struct Session {
    db: Db,
    /// The summaries of the hand-offs asked for, in order.
    transfers: Vec<String>,
    /// `(tool, idempotency key)` → the reply given the first time.
    replies: BTreeMap<(String, String), (StatusCode, Value)>,
}

impl Inner {
    /// The session's world, made from the seed on its first call.
    fn session(&mut self, id: &str, seed: &Db) -> &mut Session {
        if !self.sessions.contains_key(id) {
            while self.opened.len() >= MAX_SESSIONS {
                if let Some(oldest) = self.opened.pop_front() {
                    self.sessions.remove(&oldest);
                }
            }
            self.opened.push_back(id.to_owned());
        }
        self.sessions
            .entry(id.to_owned())
            .or_insert_with(|| Session {
                db: seed.clone(),
                transfers: Vec::new(),
                replies: BTreeMap::new(),
            })
    }
}

/// The router over `seed` (each session starts from a copy of it), with `secret` for
/// signatures; serve it with axum.
pub fn router(secret: Vec<u8>, seed: Db) -> axum::Router {
    let shared = Arc::new(Shared {
        secret,
        seed,
        inner: Mutex::new(Inner::default()),
    });
    axum::Router::new()
        .route("/tools/{tool}", post(call_tool))
        .route("/state", get(state))
        .route("/state/{session_id}", get(session_state))
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
    /// Listens on `listen` (`127.0.0.1:0` picks a free port) and serves the seeded database
    /// in a task.
    pub async fn start(listen: &str, secret: Vec<u8>) -> std::io::Result<ToolServer> {
        let seed = Db::seeded().map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("the seeded database does not load: {e}"),
            )
        })?;
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, router(secret, seed))
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
    let Some(write) = is_write(&tool) else {
        return error(
            StatusCode::NOT_FOUND,
            format!("the retail domain has no tool called `{tool}`"),
        );
    };
    if request.session_id.trim().is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "a session_id is required: each session has its own copy of the database",
        );
    }
    let key = request.idempotency_key;
    let replay_key = match (write, key) {
        (false, _) => None,
        (true, None) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("`{tool}` changes something: an {IDEMPOTENCY_HEADER} is required"),
            );
        }
        (true, Some(key)) => Some((tool.clone(), key)),
    };
    // One lock around the replay check, the change and the record, so two deliveries of the
    // same key cannot both apply.
    let mut inner = shared.inner.lock().unwrap_or_else(PoisonError::into_inner);
    let session = inner.session(&request.session_id, &shared.seed);
    if let Some(replay_key) = &replay_key
        && let Some((status, reply)) = session.replies.get(replay_key)
    {
        return (*status, Json(reply.clone())).into_response();
    }
    let (status, reply) = match session.db.call(&tool, &request.arguments) {
        Ok(result) => (StatusCode::OK, result),
        Err(ToolError { status, message }) => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            json!({"error": message}),
        ),
    };
    if tool == "transfer_to_human_agents" && status == StatusCode::OK {
        let summary = request.arguments["summary"].as_str().unwrap_or_default();
        session.transfers.push(summary.to_owned());
    }
    // Arguments that did not parse changed nothing; anything else is the answer for good.
    if let Some(replay_key) = replay_key
        && status != StatusCode::BAD_REQUEST
    {
        session.replies.insert(replay_key, (status, reply.clone()));
    }
    (status, Json(reply)).into_response()
}

/// The members of `now` that differ from (or are not in) `seed`, by id.
fn changed<T: PartialEq + serde::Serialize>(seed: &Dict<T>, now: &Dict<T>) -> Value {
    Value::Object(
        now.iter()
            .filter(|(id, value)| seed.get(id) != Some(*value))
            .filter_map(|(id, value)| Some((id.to_owned(), serde_json::to_value(value).ok()?)))
            .collect::<Map<String, Value>>(),
    )
}

/// What a session changed: the orders and users that differ from the seed, by id.
fn changes(seed: &Db, session: &Session) -> Value {
    json!({
        "changed_orders": changed(&seed.orders, &session.db.orders),
        "changed_users": changed(&seed.users, &session.db.users),
        "transfers": session.transfers,
        "replies_recorded": session.replies.len(),
    })
}

async fn state(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let inner = shared.inner.lock().unwrap_or_else(PoisonError::into_inner);
    let sessions: Map<String, Value> = inner
        .opened
        .iter()
        .filter_map(|id| {
            let session = inner.sessions.get(id)?;
            Some((id.clone(), changes(&shared.seed, session)))
        })
        .collect();
    Json(json!({ "sessions": sessions }))
}

async fn session_state(
    State(shared): State<Arc<Shared>>,
    Path(session_id): Path<String>,
) -> Response {
    let inner = shared.inner.lock().unwrap_or_else(PoisonError::into_inner);
    let Some(session) = inner.sessions.get(&session_id) else {
        return error(
            StatusCode::NOT_FOUND,
            format!("no session `{session_id}` has called a tool"),
        );
    };
    let mut state = serde_json::to_value(&session.db).unwrap_or(Value::Null);
    if let Some(object) = state.as_object_mut() {
        object.insert("transfers".to_owned(), json!(session.transfers));
    }
    Json(state).into_response()
}
