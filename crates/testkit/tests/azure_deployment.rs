//! The emulator as an Azure OpenAI Realtime deployment: the key goes in an `api-key` header
//! (a Bearer header or none is refused with 401 and an OpenAI-style body), and every server
//! event carries the session's id at the top level.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use switchboard_testkit::{Emulator, EmulatorOptions, Script};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{self, Message};

const KEY: &str = "azure-key-0123456789";
const PATIENCE: Duration = Duration::from_secs(10);

async fn azure() -> Emulator {
    let script = Script::from_text(
        "model: gpt-realtime-2.1\nresponses:\n  - messages: [One moment., Done.]\n",
        "azure.yaml",
    )
    .expect("test setup");
    let options = EmulatorOptions {
        require_api_key: Some(KEY.to_owned()),
        azure: true,
        tones_only: true,
        ..EmulatorOptions::default()
    };
    Emulator::start("127.0.0.1:0", script, options)
        .await
        .expect("test setup")
}

fn request(
    emulator: &Emulator,
    header: Option<(&'static str, String)>,
) -> tungstenite::handshake::client::Request {
    let url = format!("{}/realtime?model=gpt-realtime-2.1", emulator.url());
    let mut request = url.into_client_request().expect("test setup");
    if let Some((name, value)) = header {
        request
            .headers_mut()
            .insert(name, HeaderValue::from_str(&value).expect("test setup"));
    }
    request
}

#[tokio::test]
async fn without_the_api_key_header_the_upgrade_is_refused_with_401() {
    let emulator = azure().await;
    for header in [
        None,
        Some(("authorization", format!("Bearer {KEY}"))),
        Some(("api-key", "wrong".to_owned())),
    ] {
        let named = header.as_ref().map(|(n, _)| *n);
        match tokio_tungstenite::connect_async(request(&emulator, header)).await {
            Err(tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 401, "{named:?}");
                let body: Value =
                    serde_json::from_slice(response.body().as_deref().unwrap_or_default())
                        .expect("a JSON body");
                assert_eq!(body["error"]["code"], "invalid_api_key");
                assert_eq!(body["error"]["type"], "invalid_request_error");
                if named == Some("authorization") {
                    let message = body["error"]["message"].as_str().unwrap();
                    assert!(message.contains("api-key"), "{message}");
                }
            }
            other => panic!("expected HTTP 401 with {named:?}, got {other:?}"),
        }
    }
    assert_eq!(emulator.connections(), 0);
    emulator.shutdown().await;
}

#[tokio::test]
async fn with_the_api_key_every_event_carries_the_session_id() {
    let emulator = azure().await;
    let (mut ws, _) =
        tokio_tungstenite::connect_async(request(&emulator, Some(("api-key", KEY.to_owned()))))
            .await
            .expect("the key is accepted");
    ws.send(Message::Text(
        json!({"type": "response.create"}).to_string().into(),
    ))
    .await
    .expect("test setup");
    let mut events = Vec::new();
    loop {
        let message = tokio::time::timeout(PATIENCE, ws.next())
            .await
            .expect("an event in time")
            .expect("the socket stays open")
            .expect("a frame");
        if let Message::Text(text) = message {
            let event: Value = serde_json::from_str(text.as_str()).expect("JSON");
            let last = event["type"] == "rate_limits.updated";
            events.push(event);
            if last {
                break;
            }
        }
    }
    assert_eq!(events[0]["type"], "session.created");
    let id = events[0]["session"]["id"].as_str().unwrap().to_owned();
    for event in &events {
        assert_eq!(event["session_id"], id.as_str(), "{event}");
        // Still an event the wire crate reads.
        switchboard_wire::ServerEvent::from_json(&event.to_string()).expect("parses");
    }
    let done = events
        .iter()
        .find(|e| e["type"] == "response.done")
        .expect("response.done");
    assert_eq!(done["response"]["output"].as_array().unwrap().len(), 2);
    emulator.shutdown().await;
}
