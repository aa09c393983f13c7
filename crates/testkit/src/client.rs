//! A Realtime client over the wire types: it connects (with headers), sends [`ClientEvent`]s
//! and receives [`ServerEvent`]s, the gateway's observation events, frames that parse as
//! neither (with why), and the close. `switchboard chat`, the scenario runner and the relay
//! benchmark's load all talk to a Realtime endpoint through it, so the three read the same
//! events the same way.
//!
//! ```no_run
//! use switchboard_testkit::client::{Received, RealtimeClient};
//! use switchboard_wire::{ClientEvent, ResponseCreate, ServerEvent};
//!
//! # async fn example() -> Result<(), switchboard_testkit::client::ClientError> {
//! let mut client = RealtimeClient::connect("ws://127.0.0.1:8080/v1/realtime?observe=true", &[]).await?;
//! client.send(&ClientEvent::ResponseCreate(ResponseCreate::default())).await?;
//! loop {
//!     match client.recv().await? {
//!         Received::Server(ServerEvent::ResponseDone(_)) => break,
//!         Received::Closed { .. } => break,
//!         _ => {}
//!     }
//! }
//! client.close().await;
//! # Ok(())
//! # }
//! ```

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt as _, StreamExt as _};
use switchboard_wire::observe::{self, ObservationEvent};
use switchboard_wire::{ClientEvent, ErrorKind, ServerEvent, WireError};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What arrived from the endpoint.
#[derive(Debug, Clone, PartialEq)]
pub enum Received {
    /// A Realtime server event.
    Server(ServerEvent),
    /// One of the gateway's observation events (`?observe=true`).
    Observation(ObservationEvent),
    /// A text frame that is neither: not JSON, a type no enum models, a bad field.
    Unparsed {
        /// The frame.
        text: String,
        /// Why it did not parse.
        error: WireError,
    },
    /// The endpoint closed the connection with this code and reason (1005 and an empty
    /// reason when its close frame had none).
    Closed {
        /// The WebSocket close code.
        code: u16,
        /// The reason given.
        reason: String,
    },
}

impl Received {
    /// Reads one text frame: a server event, else an observation event, else why neither.
    pub fn from_text(text: &str) -> Received {
        // Server events first: audio frames, most of the traffic, take the fast path.
        let error = match ServerEvent::from_json(text) {
            Ok(event) => return Received::Server(event),
            Err(error) if !names_unknown_type(&error) => error,
            Err(error) => match ObservationEvent::from_json(text) {
                Ok(event) => return Received::Observation(event),
                // An observation kind this build does not know: say so in its own terms.
                Err(observed) if !names_unknown_type(&observed) || is_observation(text) => observed,
                Err(_) => error,
            },
        };
        Received::Unparsed {
            text: text.to_owned(),
            error,
        }
    }
}

/// Whether a parse failed only because the event's `type` is not one its enum models.
fn names_unknown_type(error: &WireError) -> bool {
    error.kind() == ErrorKind::InvalidValue && error.param() == Some("type")
}

/// Whether a frame's `type` is an observation's; only read once both enums refused it.
fn is_observation(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v.get("type")?.as_str().map(observe::is_observation_type))
        .unwrap_or(false)
}

/// Why talking to the endpoint failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The connection could not be opened.
    #[error("cannot connect: {0}")]
    Connect(String),
    /// A frame could not be sent (the connection is gone).
    #[error("cannot send: {0}")]
    Send(String),
    /// Reading failed mid-call.
    #[error("the connection failed: {0}")]
    Receive(String),
    /// The connection ended without a close frame, or after the close was read.
    #[error("the connection ended")]
    Ended,
}

/// A connection to a Realtime endpoint (`ws://…/v1/realtime?model=…`).
#[derive(Debug)]
pub struct RealtimeClient {
    sender: ClientSender,
    receiver: ClientReceiver,
}

/// The sending half of a [`RealtimeClient`].
#[derive(Debug)]
pub struct ClientSender {
    sink: SplitSink<Socket, Message>,
}

/// The receiving half of a [`RealtimeClient`].
#[derive(Debug)]
pub struct ClientReceiver {
    stream: SplitStream<Socket>,
}

impl RealtimeClient {
    /// Connects to `url`, sending `headers` with the upgrade request (`Authorization`,
    /// `OpenAI-Beta`…).
    pub async fn connect(url: &str, headers: &[(&str, &str)]) -> Result<Self, ClientError> {
        let mut request = url
            .into_client_request()
            .map_err(|e| ClientError::Connect(e.to_string()))?;
        for (name, value) in headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| ClientError::Connect(format!("header {name}: {e}")))?;
            let value = HeaderValue::from_str(value)
                .map_err(|e| ClientError::Connect(format!("header {name}: {e}")))?;
            request.headers_mut().insert(name, value);
        }
        // Frames are a few KiB: the default 128 KiB read buffer is zeroed before every read.
        let config = WebSocketConfig::default().read_buffer_size(crate::server::WS_READ_BUFFER);
        // No Nagle: 20 ms audio frames must not wait for each other.
        let (socket, _) = tokio_tungstenite::connect_async_with_config(request, Some(config), true)
            .await
            .map_err(|e| ClientError::Connect(e.to_string()))?;
        let (sink, stream) = socket.split();
        Ok(Self {
            sender: ClientSender { sink },
            receiver: ClientReceiver { stream },
        })
    }

    /// Sends one event.
    pub async fn send(&mut self, event: &ClientEvent) -> Result<(), ClientError> {
        self.sender.send(event).await
    }

    /// The next thing to arrive (see [`ClientReceiver::recv`]).
    pub async fn recv(&mut self) -> Result<Received, ClientError> {
        self.receiver.recv().await
    }

    /// Sends a close frame; the endpoint's answer arrives as [`Received::Closed`].
    pub async fn close(&mut self) {
        self.sender.close().await;
    }

    /// The two halves, for a sender and a reader that run side by side.
    pub fn split(self) -> (ClientSender, ClientReceiver) {
        (self.sender, self.receiver)
    }
}

impl ClientSender {
    /// Sends one event.
    pub async fn send(&mut self, event: &ClientEvent) -> Result<(), ClientError> {
        self.sink
            .send(Message::text(event.to_json()))
            .await
            .map_err(|e| ClientError::Send(e.to_string()))
    }

    /// Sends a close frame. A connection already gone needs none.
    pub async fn close(&mut self) {
        let _ = self.sink.send(Message::Close(None)).await;
    }
}

impl ClientReceiver {
    /// The next event, unparsed frame or close. Pings, pongs and binary frames are skipped.
    pub async fn recv(&mut self) -> Result<Received, ClientError> {
        loop {
            match self.stream.next().await {
                Some(Ok(Message::Text(text))) => return Ok(Received::from_text(text.as_str())),
                Some(Ok(Message::Close(frame))) => {
                    let (code, reason) = frame.map_or((1005, String::new()), |f| {
                        (u16::from(f.code), f.reason.to_string())
                    });
                    return Ok(Received::Closed { code, reason });
                }
                Some(Ok(_)) => {}
                Some(Err(
                    tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed,
                ))
                | None => return Err(ClientError::Ended),
                Some(Err(e)) => return Err(ClientError::Receive(e.to_string())),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_read_as_server_events_observations_or_neither() {
        assert!(matches!(
            Received::from_text(r#"{"type":"input_audio_buffer.cleared","event_id":"e1"}"#),
            Received::Server(ServerEvent::InputAudioBufferCleared(_))
        ));
        assert!(matches!(
            Received::from_text(r#"{"type":"switchboard.turn_ended","event_id":"e2"}"#),
            Received::Observation(ObservationEvent::TurnEnded(_))
        ));
        let Received::Unparsed { error, .. } =
            Received::from_text(r#"{"type":"switchboard.transition","event_id":"e3"}"#)
        else {
            panic!("a transition without its fields");
        };
        assert_eq!(error.kind(), ErrorKind::MissingParameter);
        let Received::Unparsed { error, .. } =
            Received::from_text(r#"{"type":"switchboard.future","event_id":"e4"}"#)
        else {
            panic!("an unknown observation");
        };
        assert!(
            error.message().contains("switchboard.turn_ended"),
            "{error}"
        );
        let Received::Unparsed { error, .. } = Received::from_text(r#"{"type":"nope"}"#) else {
            panic!("an unknown type");
        };
        assert!(error.message().contains("response.done"), "{error}");
        assert!(matches!(
            Received::from_text("not json"),
            Received::Unparsed { .. }
        ));
    }
}
