//! The web console: a page served at `GET /` that talks to an agent from the browser through
//! the public `/v1/realtime` endpoint, with the opt-in observation events in a side panel.
//!
//! The files are plain HTML, CSS and JavaScript under `crates/gateway/console/`, embedded in
//! the binary, so the console needs no build step and no files beside the binary.
//! `GET /console/agents` lists the agents by name and description only: nothing a caller of
//! `/v1/realtime` could not learn from choosing one.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::server::Shared;

const INDEX_HTML: &str = include_str!("../console/index.html");
const CONSOLE_JS: &str = include_str!("../console/console.js");
const AUDIO_WORKLET_JS: &str = include_str!("../console/audio-worklet.js");
const STYLE_CSS: &str = include_str!("../console/style.css");

const HTML: &str = "text/html; charset=utf-8";
const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// The console's routes, to merge into the gateway's router.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/", get(|| async { file(HTML, INDEX_HTML) }))
        .route(
            "/console.js",
            get(|| async { file(JAVASCRIPT, CONSOLE_JS) }),
        )
        .route(
            "/audio-worklet.js",
            get(|| async { file(JAVASCRIPT, AUDIO_WORKLET_JS) }),
        )
        .route("/style.css", get(|| async { file(CSS, STYLE_CSS) }))
        .route("/console/agents", get(agents))
}

fn file(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            // The files change with the binary; a stale cached script would talk to a newer
            // gateway.
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// The agents a caller may choose from: `[{"name", "description"}]`.
async fn agents(State(shared): State<Arc<Shared>>) -> Response {
    let list: Vec<_> = shared
        .config
        .agents
        .iter()
        .map(|a| json!({"name": a.name(), "description": a.agent.file().description}))
        .collect();
    axum::Json(json!({"agents": list})).into_response()
}
