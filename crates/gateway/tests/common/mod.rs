//! A gateway in front of the emulator, and a Realtime client, all over real sockets.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use switchboard_engine::CompiledAgent;
use switchboard_gateway::{AgentEntry, ApiKey, Gateway, GatewayConfig, Unconfigured, Upstream};
use switchboard_testkit::{Emulator, EmulatorOptions, Script};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long any one wait may take before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(15);

pub fn repo_file(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

pub fn agent_from_file(path: &str) -> Arc<CompiledAgent> {
    let text = std::fs::read_to_string(repo_file(path)).expect("agent file");
    agent_from_text(&text)
}

pub fn agent_from_text(text: &str) -> Arc<CompiledAgent> {
    let file = switchboard_agent::load(text).expect("agent loads").agent;
    Arc::new(CompiledAgent::new(file).expect("agent compiles"))
}

/// A gateway configuration serving `agent` against the model at `base_url`, with an upstream
/// key the model side can check and nothing recorded.
pub fn one_agent(agent: Arc<CompiledAgent>, base_url: &str) -> GatewayConfig {
    GatewayConfig {
        agents: vec![AgentEntry {
            agent,
            upstream: Upstream {
                base_url: base_url.to_owned(),
                api_key: Some("sk-upstream-secret".to_owned()),
                auth: switchboard_gateway::UpstreamAuth::Bearer,
            },
            supervisor: None,
            path: None,
        }],
        default_agent: None,
        keys: Vec::new(),
        drain_timeout: Duration::from_secs(5),
        rehearsal: false,
        store: None,
    }
}

pub struct Rig {
    pub emulator: Emulator,
    pub gateway: Gateway,
}

impl Rig {
    pub async fn start(agent: Arc<CompiledAgent>, script: &str) -> Rig {
        Rig::start_with(agent, script, EmulatorOptions::default(), |_| {}).await
    }

    pub async fn start_with(
        agent: Arc<CompiledAgent>,
        script: &str,
        options: EmulatorOptions,
        tune: impl FnOnce(&mut GatewayConfig),
    ) -> Rig {
        let script = Script::from_text(script, "test script").expect("script loads");
        let emulator = Emulator::start("127.0.0.1:0", script, options)
            .await
            .expect("emulator starts");
        let mut config = one_agent(agent, &emulator.url());
        tune(&mut config);
        let gateway = Gateway::start("127.0.0.1:0", config, Arc::new(Unconfigured))
            .await
            .expect("gateway starts");
        Rig { emulator, gateway }
    }

    pub fn url(&self, query: &str) -> String {
        format!("ws://{}/v1/realtime{query}", self.gateway.local_addr())
    }

    pub fn http(&self, path: &str) -> String {
        format!("http://{}{path}", self.gateway.local_addr())
    }

    pub async fn client(&self) -> Client {
        Client::connect(&self.url("?model=gpt-realtime"), &[]).await
    }

    /// Every client event the model side received on its `n`th connection.
    pub fn model_saw(&self, n: usize) -> Vec<Value> {
        self.emulator.received().get(n).cloned().unwrap_or_default()
    }
}

pub fn key(name: &str, key: &str, agent: Option<&str>) -> ApiKey {
    ApiKey {
        name: name.to_owned(),
        key: key.to_owned(),
        agent: agent.map(str::to_owned),
    }
}

pub struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Everything received so far, in order.
    pub seen: Vec<Value>,
    /// The close frame's code, once the gateway closed the socket.
    pub closed: Option<u16>,
}

impl Client {
    pub async fn connect(url: &str, headers: &[(&str, &str)]) -> Client {
        Client::try_connect(url, headers).await.expect("connects")
    }

    pub async fn try_connect(
        url: &str,
        headers: &[(&str, &str)],
    ) -> Result<Client, tokio_tungstenite::tungstenite::Error> {
        let mut request = url.into_client_request()?;
        for (name, value) in headers {
            request.headers_mut().insert(
                tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(name.as_bytes())
                    .expect("header name"),
                value.parse().expect("header value"),
            );
        }
        let (ws, _) = tokio_tungstenite::connect_async(request).await?;
        Ok(Client {
            ws,
            seen: Vec::new(),
            closed: None,
        })
    }

    pub async fn send(&mut self, event: Value) {
        self.send_raw(Message::text(event.to_string())).await;
    }

    pub async fn send_raw(&mut self, message: Message) {
        self.ws.send(message).await.expect("send");
    }

    pub async fn say(&mut self, text: &str) {
        self.send(json!({"type":"conversation.item.create","item":{"type":"message","role":"user","content":[{"type":"input_text","text":text}]}})).await;
        self.send(json!({"type":"response.create"})).await;
    }

    /// Receives until `done` holds for an event; returns the events received meanwhile
    /// (including that one). Panics after [`PATIENCE`].
    pub async fn until(&mut self, what: &str, done: impl Fn(&Value) -> bool) -> Vec<Value> {
        let mut got = Vec::new();
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .unwrap_or_else(|_| panic!("waited too long for {what}; got {:#?}", types(&got)));
            match frame {
                Some(Ok(Message::Text(text))) => {
                    let event: Value = serde_json::from_str(text.as_str()).expect("JSON");
                    switchboard_wire::ServerEvent::from_value(event.clone()).unwrap_or_else(|e| {
                        panic!("the gateway sent an event that does not parse: {e}: {event}")
                    });
                    self.seen.push(event.clone());
                    got.push(event.clone());
                    if done(&event) {
                        return got;
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    self.closed = Some(frame.map_or(1005, |f| u16::from(f.code)));
                    panic!("closed while waiting for {what}; got {:#?}", types(&got));
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => panic!("socket error waiting for {what}: {e}"),
                None => panic!("socket ended waiting for {what}"),
            }
        }
    }

    pub async fn until_type(&mut self, kind: &str) -> Vec<Value> {
        self.until(kind, |e| e["type"] == kind).await
    }

    /// Receives until an assistant reply has been completed (a `response.done` with a message).
    pub async fn until_reply(&mut self) -> Vec<Value> {
        self.until("a spoken reply", |e| {
            e["type"] == "response.done"
                && e["response"]["output"]
                    .as_array()
                    .is_some_and(|o| o.iter().any(|i| i["type"] == "message"))
        })
        .await
    }

    /// The next text frame as JSON, unchecked.
    pub async fn next_raw(&mut self, deadline: tokio::time::Instant) -> Value {
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Ok(Some(Ok(Message::Text(text)))) => {
                    return serde_json::from_str(text.as_str()).expect("JSON");
                }
                Ok(Some(Ok(Message::Close(_)) | Err(_)) | None) => panic!("the call ended"),
                Ok(Some(Ok(_))) => {}
                Err(_) => panic!("waited too long"),
            }
        }
    }

    /// Receives until the agent has said something containing `needle`; returns the events
    /// received meanwhile.
    pub async fn until_said(&mut self, needle: &str) -> Vec<Value> {
        self.until(&format!("the agent to say {needle:?}"), |e| {
            spoken(std::slice::from_ref(e))
                .first()
                .is_some_and(|t| t.contains(needle))
        })
        .await
    }

    /// Waits for the gateway to close the socket; returns the close code.
    pub async fn until_closed(&mut self) -> u16 {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => panic!(
                    "the gateway did not close the call; last events: {:?}",
                    types(&self.seen[self.seen.len().saturating_sub(12)..])
                ),
                Ok(Some(Ok(Message::Close(frame)))) => {
                    let code = frame.map_or(1005, |f| u16::from(f.code));
                    self.closed = Some(code);
                    return code;
                }
                Ok(Some(Ok(Message::Text(text)))) => {
                    self.seen
                        .push(serde_json::from_str(text.as_str()).expect("JSON"));
                }
                Ok(Some(Ok(_))) => {}
                Ok(Some(Err(_)) | None) => return 1006,
            }
        }
    }
}

pub fn types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap_or("?").to_owned())
        .collect()
}

/// The transcript or text of every assistant reply in `events`.
pub fn spoken(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .filter(|e| {
            e["type"] == "response.output_audio_transcript.done"
                || e["type"] == "response.output_text.done"
        })
        .map(|e| {
            e["transcript"]
                .as_str()
                .or_else(|| e["text"].as_str())
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

/// Function call outputs the model received, as (call_id, parsed output).
pub fn outputs_to_model(events: &[Value]) -> Vec<(String, Value)> {
    events
        .iter()
        .filter(|e| {
            e["type"] == "conversation.item.create" && e["item"]["type"] == "function_call_output"
        })
        .map(|e| {
            let output = e["item"]["output"].as_str().unwrap_or_default();
            (
                e["item"]["call_id"].as_str().unwrap_or_default().to_owned(),
                serde_json::from_str(output).unwrap_or(Value::String(output.to_owned())),
            )
        })
        .collect()
}

pub async fn http_get(url: &str) -> (u16, String) {
    let response = reqwest::get(url).await.expect("GET");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}
