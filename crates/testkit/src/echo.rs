//! An echo model for the relay benchmark: every appended audio chunk comes straight back as
//! output audio, so a client can time each frame's round trip.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use switchboard_wire::Extra;
use switchboard_wire::{
    ClientEvent, ContentDelta, EventId, ItemId, ResponseId, ServerEvent, SessionEvent,
};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::default_session;
use crate::server::{WS_READ_BUFFER, spawn_server};

/// A Realtime endpoint that answers each `input_audio_buffer.append` at once with a
/// `response.output_audio.delta` carrying the same audio. Nothing else happens: no VAD, no
/// responses, so the only work on the way is the relay's.
#[derive(Debug)]
pub struct EchoModel {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl EchoModel {
    /// Starts serving on `addr`.
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub async fn start(addr: &str) -> std::io::Result<EchoModel> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = watch::channel(false);
        let app = Router::new().route("/v1/realtime", get(upgrade));
        let task = spawn_server(listener, app, stopped, "echo model");
        Ok(EchoModel { addr, stop, task })
    }

    /// The base URL, `ws://127.0.0.1:PORT/v1`.
    pub fn url(&self) -> String {
        format!("ws://{}/v1", self.addr)
    }

    /// Stops listening.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

async fn upgrade(ws: WebSocketUpgrade) -> Response {
    ws.protocols(["realtime"])
        .max_message_size(32 * 1024 * 1024)
        .read_buffer_size(WS_READ_BUFFER)
        .on_upgrade(echo)
}

async fn echo(socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    let created = ServerEvent::SessionCreated(SessionEvent {
        event_id: EventId::new("event_echo_created"),
        session: default_session(
            "sess_echo".to_owned(),
            "echo",
            crate::profile::Profile::GptRealtime,
        ),
        extra: Extra::default(),
    });
    if sink
        .send(Message::Text(created.to_json().into()))
        .await
        .is_err()
    {
        return;
    }
    let mut n: u64 = 0;
    while let Some(Ok(message)) = stream.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        n += 1;
        let reply = match ClientEvent::from_json(text.as_str()) {
            Ok(ClientEvent::InputAudioBufferAppend(append)) => {
                ServerEvent::ResponseOutputAudioDelta(ContentDelta {
                    event_id: EventId::new(format!("event_echo{n}")),
                    response_id: ResponseId::new("resp_echo"),
                    item_id: ItemId::new("item_echo"),
                    output_index: 0,
                    content_index: 0,
                    delta: append.audio,
                    extra: Extra::default(),
                })
            }
            Ok(ClientEvent::SessionUpdate(update)) => ServerEvent::SessionUpdated(SessionEvent {
                event_id: EventId::new(format!("event_echo{n}")),
                session: update.session,
                extra: Extra::default(),
            }),
            _ => continue,
        };
        if sink
            .send(Message::Text(reply.to_json().into()))
            .await
            .is_err()
        {
            return;
        }
    }
}
