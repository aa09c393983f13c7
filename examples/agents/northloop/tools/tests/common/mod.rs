//! A tool server on a free port, and a client that signs like the gateway.
#![allow(dead_code, unreachable_pub)]

use std::time::{SystemTime, UNIX_EPOCH};

use northloop_tools::ToolServer;
use serde_json::{Value, json};
use switchboard_gateway::webhook;

pub const SECRET: &[u8] = b"northloop-test-secret";

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

/// The gateway's webhook body for `tool`.
pub fn body(tool: &str, arguments: Value, key: &str) -> Vec<u8> {
    json!({
        "call_id": "call_1",
        "name": tool,
        "arguments": arguments,
        "session_id": "sess_test",
        "idempotency_key": key,
    })
    .to_string()
    .into_bytes()
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

    /// Calls `tool` as the gateway would, signed with the right secret.
    pub async fn call(&self, tool: &str, arguments: Value, key: &str) -> (u16, Value) {
        let body = body(tool, arguments, key);
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

    pub async fn state(&self) -> Value {
        self.http
            .get(format!("{}/state", self.server.url()))
            .send()
            .await
            .expect("GET /state")
            .json()
            .await
            .expect("JSON")
    }
}
