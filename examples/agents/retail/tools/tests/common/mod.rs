//! A tool server on a free port, and a client that signs like the gateway.
#![allow(dead_code, unreachable_pub)]

use std::time::{SystemTime, UNIX_EPOCH};

use retail_tools::ToolServer;
use serde_json::{Value, json};
use switchboard_gateway::webhook;

pub const SECRET: &[u8] = b"retail-test-secret";

pub struct Rig {
    pub server: ToolServer,
    http: reqwest::Client,
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// The gateway's webhook body for `tool` in `session`.
pub fn body(tool: &str, arguments: Value, session: &str, key: &str) -> Vec<u8> {
    json!({
        "call_id": "call_1",
        "name": tool,
        "arguments": arguments,
        "session_id": session,
        "idempotency_key": key,
    })
    .to_string()
    .into_bytes()
}

/// The error message of a refusal.
pub fn error_of(reply: &Value) -> &str {
    reply["error"].as_str().unwrap_or_default()
}

impl Rig {
    pub async fn start() -> Rig {
        let server = ToolServer::start("127.0.0.1:0", SECRET.to_vec())
            .await
            .expect("the tool server starts");
        Rig {
            server,
            http: reqwest::Client::new(),
        }
    }

    /// POSTs `body` to the tool with these headers as given; status and JSON reply.
    pub async fn post(
        &self,
        tool: &str,
        body: Vec<u8>,
        headers: &[(&str, String)],
    ) -> (u16, Value) {
        let mut request = self
            .http
            .post(format!("{}/tools/{tool}", self.server.url()))
            .header("Content-Type", "application/json")
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let reply = response.json().await.expect("a JSON reply");
        (status, reply)
    }

    /// Calls `tool` in `session` as the gateway would, signed with the right secret, with
    /// the idempotency key `key`.
    pub async fn call_with_key(
        &self,
        session: &str,
        tool: &str,
        arguments: Value,
        key: &str,
    ) -> (u16, Value) {
        let body = body(tool, arguments, session, key);
        let timestamp = now();
        let signature = webhook::sign(SECRET, timestamp, &body);
        self.post(
            tool,
            body,
            &[
                ("Idempotency-Key", key.to_owned()),
                ("X-Switchboard-Timestamp", timestamp.to_string()),
                ("X-Switchboard-Signature", signature),
            ],
        )
        .await
    }

    /// Calls `tool` in `session` with a fresh idempotency key.
    pub async fn call(&self, session: &str, tool: &str, arguments: Value) -> (u16, Value) {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.call_with_key(session, tool, arguments, &format!("{session}:call_{n}"))
            .await
    }

    /// Calls `tool` and expects success; its result.
    pub async fn ok(&self, session: &str, tool: &str, arguments: Value) -> Value {
        let (status, reply) = self.call(session, tool, arguments.clone()).await;
        assert_eq!(status, 200, "{tool}({arguments}): {reply}");
        reply
    }

    /// `GET /state`: what each session changed.
    pub async fn state(&self) -> Value {
        self.get("/state").await.1
    }

    /// `GET /state/{session}`: the session's database, or 404.
    pub async fn session_db(&self, session: &str) -> (u16, Value) {
        self.get(&format!("/state/{session}")).await
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.server.url()))
            .send()
            .await
            .expect("GET");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON"))
    }

    /// An order as the session's database holds it.
    pub async fn order(&self, session: &str, order_id: &str) -> Value {
        let (status, db) = self.session_db(session).await;
        assert_eq!(status, 200, "{db}");
        db["orders"][order_id].clone()
    }

    /// A user as the session's database holds it.
    pub async fn user(&self, session: &str, user_id: &str) -> Value {
        let (status, db) = self.session_db(session).await;
        assert_eq!(status, 200, "{db}");
        db["users"][user_id].clone()
    }
}
