//! `GET /twilio/media`: a Twilio Media Streams call, bridged to the agent.
//!
//! The bridge is a Realtime client of this very gateway: it opens `/v1/realtime?agent=…` on
//! the loopback address, so a phone call runs through the same driver, engine session, guards
//! and records as any other call. Here only the phone's side is handled: µ-law 8 kHz audio in
//! and out, 20 ms frames paced to real time, marks that say how much was played, `clear` on
//! barge-in, DTMF digits as text.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::ws::{Message, WebSocket};
use axum::extract::{Query, State, WebSocketUpgrade};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use switchboard_audio::{
    AudioFormat, Framer, Pacer, Resampler, SampleRate, decode_base64, encode_base64, g711, pcm,
};
use switchboard_wire::ItemId;
use switchboard_wire::twilio::{
    Clear, Mark, MarkOut, MediaOut, Payload, TwilioInbound, TwilioOutbound,
};
use tokio_tungstenite::tungstenite::Message as LoopMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::server::Shared;

/// How far ahead of playback audio is sent to Twilio: enough to ride out jitter, little
/// enough that `clear` has not much to drop.
const LEAD: Duration = Duration::from_millis(100);
/// A frame on the phone: 20 ms of µ-law 8 kHz.
const FRAME: Duration = Duration::from_millis(20);
/// How often a mark is sent while an item plays, so a barge-in truncates close to where the
/// caller stopped hearing it.
const MARK_EVERY_FRAMES: u64 = 10;
/// The event the bridge sends its own Realtime call when Twilio reports audio played.
const PLAYED: &str = "switchboard.phone.played";
/// How long the last of the audio may take to play after the agent has hung up.
const FINAL_PLAYOUT: Duration = Duration::from_secs(30);

/// `GET /twilio/media?agent=…`.
pub(crate) async fn media(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<std::collections::BTreeMap<String, String>>,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if !crate::twilio::stream_admitted(&shared.twilio(), &uri, &headers) {
        return crate::twilio::forbidden();
    }
    let Some(agent) = shared.phone_agent(query.get("agent").map(String::as_str)) else {
        return (axum::http::StatusCode::NOT_FOUND, "no such agent\n").into_response();
    };
    ws.on_upgrade(move |socket| async move {
        if let Err(reason) = bridge(shared, socket, agent).await {
            tracing::info!(%reason, "phone call ended");
        }
    })
}

/// One piece of outbound audio or a checkpoint, in the order Twilio must get them.
enum Queued {
    Frame(Vec<u8>),
    Mark(String),
}

/// The phone side of a call: what was sent, what was played, what to send next.
struct Phone {
    stream_sid: Option<String>,
    /// Whether the agent's audio is µ-law already (`audio/pcmu`): passed through as it is.
    ulaw_in: bool,
    ulaw_out: bool,
    up: Resampler,
    down: Resampler,
    framer: Framer,
    queue: VecDeque<Queued>,
    pacer: Option<Pacer>,
    /// The agent item whose audio is being sent, and the frames of it sent so far.
    item: Option<(String, u64)>,
    /// Items whose audio was entirely played.
    finished: Vec<String>,
    /// The last item whose audio was queued.
    latest: Option<String>,
}

impl Phone {
    fn new() -> Result<Phone, String> {
        Ok(Phone {
            stream_sid: None,
            ulaw_in: false,
            ulaw_out: false,
            up: Resampler::new(SampleRate::HZ_8000, SampleRate::HZ_24000)
                .map_err(|e| e.to_string())?,
            down: Resampler::new(SampleRate::HZ_24000, SampleRate::HZ_8000)
                .map_err(|e| e.to_string())?,
            framer: Framer::twenty_ms(AudioFormat::G711Ulaw),
            queue: VecDeque::new(),
            pacer: None,
            item: None,
            finished: Vec::new(),
            latest: None,
        })
    }

    /// Takes the agent's audio formats from a `session.created` or `session.updated`.
    fn formats(&mut self, event: &Value) {
        let audio = &event["session"]["audio"];
        self.ulaw_in = audio["input"]["format"]["type"] == "audio/pcmu";
        self.ulaw_out = audio["output"]["format"]["type"] == "audio/pcmu";
    }

    /// Caller audio, as the model takes it.
    fn inbound(&mut self, ulaw: &[u8]) -> Vec<u8> {
        if self.ulaw_in {
            return ulaw.to_vec();
        }
        let narrow = g711::ulaw_decode_slice(ulaw);
        let mut wide = Vec::with_capacity(narrow.len() * 3);
        self.up.push(&narrow, &mut wide);
        pcm::samples_to_bytes(&wide)
    }

    /// Agent audio for `item`, queued as 20 ms µ-law frames with a mark every so often.
    fn outbound(&mut self, item: &str, audio: &[u8]) {
        if self.item.as_ref().is_none_or(|(id, _)| id != item) {
            self.end_item();
            self.item = Some((item.to_owned(), 0));
            self.latest = Some(item.to_owned());
        }
        let ulaw = if self.ulaw_out {
            audio.to_vec()
        } else {
            let Ok(wide) = pcm::bytes_to_samples(audio) else {
                tracing::debug!("agent audio with an odd byte count was dropped");
                return;
            };
            let mut narrow = Vec::with_capacity(wide.len() / 3 + 1);
            self.down.push(&wide, &mut narrow);
            g711::ulaw_encode_slice(&narrow)
        };
        self.framer.push(&ulaw);
        while let Some(frame) = self.framer.poll_frame() {
            self.push_frame(frame);
        }
    }

    fn push_frame(&mut self, frame: Vec<u8>) {
        self.queue.push_back(Queued::Frame(frame));
        if let Some((id, frames)) = &mut self.item {
            *frames += 1;
            if *frames % MARK_EVERY_FRAMES == 0 {
                let name = mark_name(id, *frames, false);
                self.queue.push_back(Queued::Mark(name));
            }
        }
    }

    /// The current item's audio is complete: its last partial frame, then its final mark.
    fn end_item(&mut self) {
        if let Some(last) = self.framer.finish() {
            let mut frame = last;
            // Silence pads the last frame to a full 20 ms.
            frame.resize(160, 0xFF);
            self.push_frame(frame);
        }
        if let Some((id, frames)) = self.item.take() {
            self.queue
                .push_back(Queued::Mark(mark_name(&id, frames, true)));
        }
    }

    /// Whether agent audio is queued here or at Twilio and not yet played.
    fn playing(&self) -> bool {
        self.latest
            .as_ref()
            .is_some_and(|id| !self.finished.contains(id))
    }

    /// Barge-in: nothing queued is sent, and the item playing is done with.
    fn interrupt(&mut self) {
        self.queue.clear();
        let _ = self.framer.finish();
        self.pacer = None;
        self.item = None;
        // Echoes of the marks Twilio drops with the clear must not move the point.
        if let Some(id) = self.latest.clone().filter(|id| !self.finished.contains(id)) {
            self.finished.push(id);
        }
    }

    /// A mark came back: its audio has played.
    /// Returns the item and how much of it has played, unless the item was cut already.
    fn mark_played(&mut self, name: &str) -> Option<(String, u64)> {
        let Some((id, ms, last)) = parse_mark(name) else {
            tracing::debug!("an unknown mark name was echoed");
            return None;
        };
        if self.finished.contains(&id) {
            return None;
        }
        if last {
            self.finished.push(id.clone());
        }
        Some((id, ms))
    }

    /// When the next queued piece may go out.
    fn next_due(&self) -> Option<Instant> {
        match self.queue.front()? {
            Queued::Mark(_) => Some(Instant::now()),
            Queued::Frame(_) => Some(
                self.pacer
                    .as_ref()
                    .map_or_else(Instant::now, Pacer::next_due),
            ),
        }
    }

    /// The messages due at `now`.
    fn due(&mut self, now: Instant) -> Vec<TwilioOutbound> {
        let Some(sid) = self.stream_sid.clone() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        while let Some(front) = self.queue.front() {
            match front {
                Queued::Mark(_) => {
                    if let Some(Queued::Mark(name)) = self.queue.pop_front() {
                        out.push(TwilioOutbound::Mark(MarkOut {
                            stream_sid: sid.clone(),
                            mark: Mark { name },
                        }));
                    }
                }
                Queued::Frame(_) => {
                    // Idle since its audio played out (a pause between turns): start again,
                    // so the next turn is not sent in a burst.
                    let idle = self
                        .pacer
                        .as_ref()
                        .is_none_or(|p| p.played(now) >= p.audio_sent());
                    if idle {
                        self.pacer = Pacer::new(now, FRAME, LEAD).ok();
                    }
                    let Some(pacer) = self.pacer.as_mut() else {
                        break;
                    };
                    if pacer.frames_due(now) == 0 {
                        break;
                    }
                    pacer.record_sent(now);
                    if let Some(Queued::Frame(frame)) = self.queue.pop_front() {
                        out.push(TwilioOutbound::Media(MediaOut {
                            stream_sid: sid.clone(),
                            media: Payload {
                                payload: encode_base64(&frame),
                            },
                        }));
                    }
                }
            }
        }
        out
    }
}

fn mark_name(item: &str, frames: u64, last: bool) -> String {
    let ms = frames * 20;
    if last {
        format!("{item}:{ms}:end")
    } else {
        format!("{item}:{ms}")
    }
}

/// `ITEM:MS` or `ITEM:MS:end`, as [`mark_name`] writes them.
fn parse_mark(name: &str) -> Option<(String, u64, bool)> {
    let (rest, last) = match name.strip_suffix(":end") {
        Some(rest) => (rest, true),
        None => (name, false),
    };
    let (item, ms) = rest.rsplit_once(':')?;
    Some((item.to_owned(), ms.parse().ok()?, last))
}

type Loopback =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens the Realtime call this phone call runs as.
async fn open_loopback(shared: &Shared, agent: &str) -> Result<Loopback, String> {
    let url = format!(
        "ws://{}/v1/realtime?agent={agent}&phone_bridge=true&observe=true",
        shared.addr
    );
    let mut request = url.into_client_request().map_err(|e| e.to_string())?;
    {
        // A one-off secret lets the stream past the gateway's own keys (the phone line was
        // admitted by Twilio's signed webhook) and marks the call as the bridge's.
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let bytes: [u8; 12] = rand::random();
        let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let secret = shared.secrets.issue(
            crate::auth::Holder::PhoneBridge,
            id,
            agent,
            now + 60,
            None,
            now,
        );
        let value = format!("Bearer {secret}")
            .parse()
            .map_err(|_| "the secret is not a header value".to_owned())?;
        request.headers_mut().insert("authorization", value);
    }
    let (socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(|e| format!("cannot reach the agent: {e}"))?;
    Ok(socket)
}

async fn bridge(shared: Arc<Shared>, socket: WebSocket, agent: String) -> Result<(), String> {
    let (mut twilio_tx, mut twilio_rx) = socket.split();
    let (mut agent_tx, mut agent_rx) = open_loopback(&shared, &agent).await?.split();
    let mut phone = Phone::new()?;
    // The agent's audio formats decide whether audio is transcoded: known before any of the
    // caller's audio is taken.
    let created = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(frame)) = agent_rx.next().await {
            if let LoopMessage::Text(text) = frame
                && let Ok(event) = serde_json::from_str::<Value>(text.as_str())
                && event["type"] == "session.created"
            {
                return Some(event);
            }
        }
        None
    })
    .await;
    let Ok(Some(created)) = created else {
        let _ = twilio_tx.send(Message::Close(None)).await;
        return Err("the agent's call did not start".to_owned());
    };
    phone.formats(&created);
    let mut agent_gone: Option<Instant> = None;
    let mut call_sid: Option<String> = None;
    let timer = tokio::time::sleep(Duration::from_secs(3600));
    tokio::pin!(timer);
    loop {
        for message in phone.due(Instant::now()) {
            twilio_tx
                .send(Message::Text(message.to_json().into()))
                .await
                .map_err(|_| "Twilio went away".to_owned())?;
        }
        if let Some(since) = agent_gone
            && (phone.queue.is_empty() || since.elapsed() > FINAL_PLAYOUT)
        {
            // Closing the stream lets Twilio go on with the TwiML after `<Connect>`.
            let _ = twilio_tx.send(Message::Close(None)).await;
            return Err("the agent ended the call".to_owned());
        }
        let wake = phone
            .next_due()
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
        timer.as_mut().reset(wake.into());
        tokio::select! {
            frame = twilio_rx.next() => {
                let text = match frame {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => {
                        let _ = agent_tx.send(LoopMessage::Close(None)).await;
                        return Err("Twilio closed the stream".to_owned());
                    }
                    Some(Ok(_)) => continue,
                };
                let message = match TwilioInbound::from_json(text.as_str()) {
                    Ok(message) => message,
                    Err(error) => {
                        tracing::debug!(reason = %error, "a Twilio message was ignored");
                        continue;
                    }
                };
                let mut to_agent = Vec::new();
                match message {
                    TwilioInbound::Connected(_) => {}
                    TwilioInbound::Start(start) => {
                        tracing::info!(agent = %agent, "phone call started");
                        call_sid = Some(start.start.call_sid);
                        phone.stream_sid = Some(start.stream_sid);
                    }
                    TwilioInbound::Media(media) => match decode_base64(&media.media.payload) {
                        Ok(ulaw) => {
                            let audio = phone.inbound(&ulaw);
                            to_agent.push(json!({"type": "input_audio_buffer.append", "audio": encode_base64(&audio)}));
                        }
                        Err(error) => tracing::debug!(reason = %error, "a media payload is not base64"),
                    },
                    TwilioInbound::Dtmf(dtmf) => {
                        let text = format!("The caller pressed {}.", dtmf.dtmf.digit);
                        to_agent.push(json!({"type": "conversation.item.create", "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}}));
                        to_agent.push(json!({"type": "response.create"}));
                    }
                    TwilioInbound::Mark(mark) => {
                        if let Some((item_id, ms)) = phone.mark_played(&mark.mark.name) {
                            to_agent.push(json!({"type": PLAYED, "item_id": item_id, "audio_end_ms": ms}));
                        }
                    }
                    TwilioInbound::Stop(_) => {
                        let _ = agent_tx.send(LoopMessage::Close(None)).await;
                        return Err("the caller hung up".to_owned());
                    }
                }
                for event in to_agent {
                    agent_tx
                        .send(LoopMessage::text(event.to_string()))
                        .await
                        .map_err(|_| "the agent went away".to_owned())?;
                }
            }
            frame = agent_rx.next(), if agent_gone.is_none() => {
                let text = match frame {
                    Some(Ok(LoopMessage::Text(text))) => text,
                    Some(Ok(LoopMessage::Close(_)) | Err(_)) | None => {
                        phone.end_item();
                        agent_gone = Some(Instant::now());
                        continue;
                    }
                    Some(Ok(_)) => continue,
                };
                let Ok(event) = serde_json::from_str::<Value>(text.as_str()) else {
                    continue;
                };
                match event["type"].as_str().unwrap_or_default() {
                    "session.created" | "session.updated" => phone.formats(&event),
                    "response.output_audio.delta" => {
                        if let (Some(item), Some(delta)) = (event["item_id"].as_str(), event["delta"].as_str())
                            && let Ok(audio) = decode_base64(delta)
                        {
                            phone.outbound(item, &audio);
                        }
                    }
                    "response.output_audio.done" => phone.end_item(),
                    // The agent handed the call to a person: when the stream ends, Twilio
                    // asks `/twilio/after`, which transfers this call.
                    "switchboard.escalation" => {
                        if let Some(sid) = &call_sid {
                            shared.mark_transfer(sid);
                        }
                    }
                    "input_audio_buffer.speech_started" if phone.playing() => {
                        if let Some(sid) = phone.stream_sid.clone() {
                            let clear = TwilioOutbound::Clear(Clear { stream_sid: sid });
                            twilio_tx
                                .send(Message::Text(clear.to_json().into()))
                                .await
                                .map_err(|_| "Twilio went away".to_owned())?;
                        }
                        // The engine truncates the item itself, where the last echoed mark
                        // said playback was.
                        phone.interrupt();
                    }
                    _ => {}
                }
            }
            () = &mut timer => {}
        }
    }
}

/// Reads the bridge's report that the phone played `audio_end_ms` of an agent item.
pub(crate) fn played_report(text: &str) -> Option<(ItemId, Duration)> {
    let value: Value = serde_json::from_str(text).ok()?;
    if value["type"] != PLAYED {
        return None;
    }
    let item = value["item_id"].as_str()?;
    let ms = value["audio_end_ms"].as_u64()?;
    Some((ItemId::new(item), Duration::from_millis(ms)))
}
