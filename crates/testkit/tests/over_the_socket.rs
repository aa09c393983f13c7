//! The emulator over a real WebSocket: a text turn, the key check, binary frames, the
//! received-events log, each call playing the script from the top, and a scripted disconnect
//! resumed by the next connection.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use switchboard_testkit::{Emulator, EmulatorOptions, Script};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const PATIENCE: Duration = Duration::from_secs(10);

async fn start(script: &str, options: EmulatorOptions) -> Emulator {
    let script = Script::from_text(script, "socket.yaml").expect("test setup");
    Emulator::start("127.0.0.1:0", script, options)
        .await
        .expect("test setup")
}

fn tones() -> EmulatorOptions {
    EmulatorOptions {
        tones_only: true,
        ..EmulatorOptions::default()
    }
}

async fn connect(emulator: &Emulator) -> Socket {
    let url = format!("{}/realtime?model=gpt-realtime", emulator.url());
    let mut request = url.into_client_request().expect("test setup");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("realtime"),
    );
    let (ws, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("test setup");
    assert_eq!(
        response
            .headers()
            .get("sec-websocket-protocol")
            .expect("test setup"),
        "realtime"
    );
    ws
}

async fn send(ws: &mut Socket, event: Value) {
    ws.send(Message::Text(event.to_string().into()))
        .await
        .expect("test setup");
}

/// Events up to and including the first of type `until`.
async fn until(ws: &mut Socket, until: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    loop {
        let message = tokio::time::timeout(PATIENCE, ws.next())
            .await
            .expect("an event in time")
            .expect("the socket stays open")
            .expect("a frame");
        if let Message::Text(text) = message {
            let event: Value = serde_json::from_str(text.as_str()).expect("JSON events");
            let done = event["type"] == until;
            seen.push(event);
            if done {
                return seen;
            }
        }
    }
}

fn text_of(events: &[Value]) -> String {
    events
        .iter()
        .find(|e| e["type"] == "response.output_text.done")
        .and_then(|e| e["text"].as_str())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_text_turn_over_the_socket() {
    let emulator = start("responses:\n  - say: Hello from the emulator.\n", tones()).await;
    assert!(emulator.url().starts_with("ws://127.0.0.1:"));
    let mut ws = connect(&emulator).await;
    let created = until(&mut ws, "session.created").await;
    assert_eq!(created[0]["session"]["model"], "gpt-realtime");
    send(&mut ws, json!({"type": "session.update", "session": {"type": "realtime", "output_modalities": ["text"]}})).await;
    until(&mut ws, "session.updated").await;
    send(
        &mut ws,
        json!({"type": "conversation.item.create", "item": {"type": "message", "role": "user",
        "content": [{"type": "input_text", "text": "hi"}]}}),
    )
    .await;
    send(&mut ws, json!({"type": "response.create"})).await;
    let reply = until(&mut ws, "response.done").await;
    assert_eq!(text_of(&reply), "Hello from the emulator.");

    // A binary frame is an error, and the session goes on.
    ws.send(Message::Binary(vec![1, 2, 3].into()))
        .await
        .unwrap();
    let error = until(&mut ws, "error").await;
    assert_eq!(
        error.last().unwrap()["error"]["type"],
        "invalid_request_error"
    );
    send(&mut ws, json!({"type": "response.cancel"})).await;
    let error = until(&mut ws, "error").await;
    assert_eq!(
        error.last().unwrap()["error"]["code"],
        "response_cancel_not_active"
    );

    let received = emulator.received();
    assert_eq!(emulator.connections(), 1);
    let types: Vec<&str> = received[0]
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "session.update",
            "conversation.item.create",
            "response.create",
            "response.cancel"
        ]
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_wrong_or_missing_key_is_refused_with_401() {
    let emulator = start(
        "responses: []\n",
        EmulatorOptions {
            require_key: Some("sk-right".to_owned()),
            tones_only: true,
            ..EmulatorOptions::default()
        },
    )
    .await;
    let url = format!("{}/realtime?model=gpt-realtime", emulator.url());
    for key in [None, Some("Bearer sk-wrong")] {
        let mut request = url.clone().into_client_request().unwrap();
        if let Some(key) = key {
            request
                .headers_mut()
                .insert("Authorization", HeaderValue::from_static(key));
        }
        match tokio_tungstenite::connect_async(request).await {
            Err(tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 401);
                let body: Value =
                    serde_json::from_slice(response.body().as_deref().unwrap_or_default()).unwrap();
                assert_eq!(body["error"]["code"], "invalid_api_key");
                assert_eq!(body["error"]["type"], "invalid_request_error");
            }
            other => panic!("expected HTTP 401, got {other:?}"),
        }
    }
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Authorization", HeaderValue::from_static("Bearer sk-right"));
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    until(&mut ws, "session.created").await;
    assert_eq!(emulator.connections(), 1);
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_scripted_disconnect_drops_the_socket_and_the_next_connection_resumes() {
    let emulator = start(
        "responses:\n  - say: First.\n  - disconnect: true\n  - say: Back again.\n",
        tones(),
    )
    .await;
    let text = json!({"type": "session.update", "session": {"type": "realtime", "output_modalities": ["text"]}});
    let mut ws = connect(&emulator).await;
    send(&mut ws, text.clone()).await;
    send(&mut ws, json!({"type": "response.create"})).await;
    assert_eq!(text_of(&until(&mut ws, "response.done").await), "First.");
    until(&mut ws, "rate_limits.updated").await;
    send(&mut ws, json!({"type": "response.create"})).await;
    // No answer: the socket goes away (no close handshake, as when a connection is lost).
    let end = tokio::time::timeout(PATIENCE, async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(text))) => panic!("unexpected event {text}"),
                Some(Ok(Message::Close(_))) => return "close frame",
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return "dropped",
            }
        }
    })
    .await
    .expect("the socket ends");
    assert_eq!(end, "dropped");
    assert_eq!(emulator.entries_taken(), 2);

    let mut ws = connect(&emulator).await;
    let created = until(&mut ws, "session.created").await;
    assert_ne!(created[0]["session"]["id"], Value::Null);
    send(&mut ws, text).await;
    send(&mut ws, json!({"type": "response.create"})).await;
    assert_eq!(
        text_of(&until(&mut ws, "response.done").await),
        "Back again."
    );
    assert_eq!(emulator.connections(), 2);
    emulator.shutdown().await;
}

#[tokio::test]
async fn every_new_call_plays_the_script_from_the_top() {
    let emulator = start("responses:\n  - say: First.\n  - say: Second.\n", tones()).await;
    let text = json!({"type": "session.update", "session": {"type": "realtime", "output_modalities": ["text"]}});
    let mut one = connect(&emulator).await;
    let mut two = connect(&emulator).await;
    for ws in [&mut one, &mut two] {
        send(ws, text.clone()).await;
        send(ws, json!({"type": "response.create"})).await;
        assert_eq!(text_of(&until(ws, "response.done").await), "First.");
    }
    send(&mut one, json!({"type": "response.create"})).await;
    assert_eq!(text_of(&until(&mut one, "response.done").await), "Second.");
    assert_eq!(emulator.entries_taken(), 3);
    emulator.shutdown().await;
}

/// With espeak-ng installed the voice is speech, not the tone fallback. Fails instead of
/// skipping when `SWITCHBOARD_REQUIRE_EXTERNAL=1`.
#[tokio::test]
async fn espeak_speech_is_used_when_installed() {
    let installed = std::process::Command::new("espeak-ng")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        assert!(
            std::env::var("SWITCHBOARD_REQUIRE_EXTERNAL").as_deref() != Ok("1"),
            "espeak-ng is required"
        );
        eprintln!("espeak-ng not installed; skipping");
        return;
    }
    let mut audio = Vec::new();
    for options in [EmulatorOptions::default(), tones()] {
        let emulator = start(
            "responses:\n  - say: Thanks for calling NorthLoop.\n",
            options,
        )
        .await;
        let mut ws = connect(&emulator).await;
        send(&mut ws, json!({"type": "response.create"})).await;
        let reply = until(&mut ws, "response.done").await;
        let bytes: String = reply
            .iter()
            .filter(|e| e["type"] == "response.output_audio.delta")
            .map(|e| e["delta"].as_str().unwrap().to_owned())
            .collect();
        audio.push(bytes);
        emulator.shutdown().await;
    }
    assert!(!audio[0].is_empty());
    assert_ne!(audio[0], audio[1], "espeak-ng speech differs from the tone");
}
