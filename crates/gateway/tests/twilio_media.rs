//! A phone call over `/twilio/media`: Twilio's documented messages, with µ-law audio made
//! from espeak-ng speech, through the gateway to the emulator and back.

mod common;

use std::time::{Duration, Instant};

use common::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use switchboard_audio::{SampleRate, Wav, g711, resample};
use switchboard_speech::espeak;
use switchboard_wire::twilio::{TwilioInbound, TwilioOutbound};
use tokio_tungstenite::tungstenite::Message;

const AGENT: &str =
    "name: phone\nrole: You are a plain test agent.\naudio: {transcription: gpt-4o-transcribe}\n";
const SCRIPT: &str = "responses:\n  - heard: My internet keeps dropping.\n    say: Let me help with that.\n  - say: You pressed one. Here is a long list of options for you to hear, one after another, slowly and clearly.\n";
const SID: &str = "MZ00000000000000000000000000000001";

/// Speech as Twilio would send it: espeak-ng's voice, 8 kHz µ-law.
fn spoken_ulaw(text: &str) -> Vec<u8> {
    let wav = espeak::synthesize(text, &espeak::Options::default()).expect("espeak-ng runs");
    let wav = Wav::parse(&wav).expect("parses");
    let rate = wav.spec().sample_rate;
    let narrow = resample(rate, SampleRate::HZ_8000, &wav.mono_samples()).expect("resamples");
    g711::ulaw_encode_slice(&narrow)
}

fn message(event: &str, body: Value) -> String {
    let mut value = json!({"event": event, "sequenceNumber": "1", "streamSid": SID});
    if let (Some(map), Some(extra)) = (value.as_object_mut(), body.as_object()) {
        map.extend(extra.clone());
    }
    if event == "connected" {
        value = json!({"event": "connected", "protocol": "Call", "version": "1.0.0"});
    }
    // Every message is one Twilio documents: it parses as the wire type.
    let text = value.to_string();
    TwilioInbound::from_json(&text).expect("a documented message");
    text
}

fn media(chunk: u64, payload: &[u8]) -> String {
    let b64 = switchboard_audio::encode_base64(payload);
    message(
        "media",
        json!({"media": {"track": "inbound", "chunk": chunk.to_string(), "timestamp": (chunk * 20).to_string(), "payload": b64}}),
    )
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn next_out(socket: &mut Socket) -> Option<TwilioOutbound> {
    loop {
        let frame = tokio::time::timeout(PATIENCE, socket.next())
            .await
            .expect("Twilio hears something in time")?;
        match frame {
            Ok(Message::Text(text)) => {
                return Some(TwilioOutbound::from_json(text.as_str()).expect("a Twilio message"));
            }
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// Reads until a mark ending an item; returns the frames, the marks and when they came.
async fn until_item_end(socket: &mut Socket) -> (Vec<(Instant, Vec<u8>)>, Vec<String>) {
    let (mut frames, mut marks) = (Vec::new(), Vec::new());
    while let Some(out) = next_out(socket).await {
        match out {
            TwilioOutbound::Media(m) => {
                assert_eq!(m.stream_sid, SID);
                let bytes = switchboard_audio::decode_base64(&m.media.payload).expect("base64");
                frames.push((Instant::now(), bytes));
            }
            TwilioOutbound::Mark(m) => {
                let end = m.mark.name.ends_with(":end");
                marks.push(m.mark.name);
                if end {
                    break;
                }
            }
            TwilioOutbound::Clear(_) => panic!("no barge-in yet"),
        }
    }
    (frames, marks)
}

/// Connects to the media stream for `agent` as Twilio does: `connected`, then `start` for
/// the call `call_sid`.
async fn start_stream(rig: &Rig, agent: &str, call_sid: &str) -> Socket {
    let url = format!(
        "ws://{}/twilio/media?agent={agent}",
        rig.gateway.local_addr()
    );
    let (mut twilio, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("connects");
    let start = json!({"start": {"accountSid": "AC1", "callSid": call_sid, "streamSid": SID, "tracks": ["inbound"], "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}}});
    for text in [message("connected", json!({})), message("start", start)] {
        twilio.send(Message::text(text)).await.expect("send");
    }
    twilio
}

/// The caller says `text`: 300 ms of line silence, the words, then 1 s of silence (which
/// ends the turn), as 20 ms `media` messages. Returns the µ-law bytes sent.
async fn say(twilio: &mut Socket, text: &str) -> Vec<u8> {
    let speech = [vec![0xFF; 2400], spoken_ulaw(text), vec![0xFF; 8000]].concat();
    for (n, chunk) in speech.chunks(160).enumerate() {
        twilio
            .send(Message::text(media(n as u64, chunk)))
            .await
            .expect("send");
    }
    speech
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_call_is_heard_answered_paced_marked_and_interrupted() {
    let rig = Rig::start(agent_from_text(AGENT), SCRIPT).await;
    let mut twilio = start_stream(&rig, "phone", "CA1").await;
    // A bad frame is ignored; the call goes on.
    twilio
        .send(Message::text("{\"event\":\"media\"}"))
        .await
        .expect("send");
    let speech = say(&mut twilio, "My internet keeps dropping.").await;

    let (frames, marks) = until_item_end(&mut twilio).await;
    assert!(frames.len() > 10, "{} frames", frames.len());
    // µ-law 8 kHz in 20 ms frames: 160 bytes each.
    assert!(frames.iter().all(|(_, f)| f.len() == 160));
    // Paced: after a small lead, no faster than real time.
    let spread = frames[frames.len() - 1].0 - frames[0].0;
    let audio = Duration::from_millis(20 * frames.len() as u64);
    assert!(
        spread + Duration::from_millis(150) >= audio,
        "{} frames ({audio:?}) came within {spread:?}",
        frames.len()
    );
    let last = marks.last().expect("a mark");
    assert!(
        last.ends_with(&format!(":{}:end", 20 * frames.len())),
        "{marks:?}"
    );
    // The caller's words reached the model as audio it transcribed.
    // Transcoded for a PCM16 24 kHz model: three samples of two bytes for each µ-law byte,
    // but for the resampler's short start-up delay.
    let appended: usize = rig
        .model_saw(0)
        .iter()
        .filter(|e| e["type"] == "input_audio_buffer.append")
        .map(|e| {
            switchboard_audio::decode_base64(e["audio"].as_str().unwrap_or_default())
                .expect("base64")
                .len()
        })
        .sum();
    assert!(
        appended <= speech.len() * 6 && appended + 6 * 160 >= speech.len() * 6,
        "{appended} bytes of PCM16 for {} bytes of µ-law",
        speech.len()
    );
    // Twilio echoes the marks once played.
    for name in &marks {
        twilio
            .send(Message::text(message(
                "mark",
                json!({"mark": {"name": name}}),
            )))
            .await
            .expect("send");
    }

    // "Press 1": the digit reaches the model as the caller's text.
    twilio
        .send(Message::text(message(
            "dtmf",
            json!({"dtmf": {"track": "inbound_track", "digit": "1"}}),
        )))
        .await
        .expect("send");
    // The reply plays; the caller has heard its first 200 ms when the echo says so.
    let mut first_mark = None;
    let mut frames = 0;
    while first_mark.is_none() {
        match next_out(&mut twilio).await.expect("still connected") {
            TwilioOutbound::Media(_) => frames += 1,
            TwilioOutbound::Mark(m) => first_mark = Some(m.mark.name),
            TwilioOutbound::Clear(_) => panic!("no barge-in yet"),
        }
    }
    let first_mark = first_mark.expect("mark");
    assert_eq!(frames, 10, "a mark every 200 ms");
    let saw = rig.model_saw(0);
    assert!(
        saw.iter().any(|e| e["type"] == "conversation.item.create"
            && e["item"]["content"][0]["text"] == "The caller pressed 1."),
        "the digit did not reach the model"
    );
    twilio
        .send(Message::text(message(
            "mark",
            json!({"mark": {"name": first_mark}}),
        )))
        .await
        .expect("send");
    // The caller talks over the agent: Twilio is told to drop its queue at once.
    let barge = [spoken_ulaw("Wait, stop."), vec![0xFF; 8000]].concat();
    for (n, chunk) in barge.chunks(160).enumerate() {
        twilio
            .send(Message::text(media(1000 + n as u64, chunk)))
            .await
            .expect("send");
    }
    loop {
        match next_out(&mut twilio).await.expect("still connected") {
            TwilioOutbound::Clear(c) => {
                assert_eq!(c.stream_sid, SID);
                break;
            }
            TwilioOutbound::Media(_) | TwilioOutbound::Mark(_) => {}
        }
    }
    // The agent's item is truncated where the echoed mark said playback was.
    let played_ms: u64 = first_mark
        .rsplit(':')
        .next()
        .and_then(|ms| ms.parse().ok())
        .expect("ms in the mark");
    let truncated = |received: &[Vec<Value>]| {
        received.first().is_some_and(|saw| {
            saw.iter()
                .any(|e| e["type"] == "conversation.item.truncate")
        })
    };
    assert!(
        rig.emulator.wait_until(PATIENCE, truncated).await,
        "no truncation reached the model"
    );
    let saw = rig.model_saw(0);
    let truncate = saw
        .iter()
        .find(|e| e["type"] == "conversation.item.truncate")
        .expect("the truncation");
    assert_eq!(truncate["audio_end_ms"], json!(played_ms), "{truncate}");
    twilio
        .send(Message::text(message(
            "stop",
            json!({"stop": {"accountSid": "AC1", "callSid": "CA1"}}),
        )))
        .await
        .expect("send");
}

const GOODBYE_AGENT: &str = "name: phone\nrole: You are a plain test agent.\naudio: {transcription: gpt-4o-transcribe}\ncommon_tools: [finish_session]\n";
const GOODBYE_SCRIPT: &str = "responses:\n  - heard: That is all, thanks.\n    say: Goodbye, and have a good day.\n    calls:\n      - name: finish_session\n        arguments: {}\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finish_session_plays_the_goodbye_then_closes_the_stream() {
    let rig = Rig::start(agent_from_text(GOODBYE_AGENT), GOODBYE_SCRIPT).await;
    let mut twilio = start_stream(&rig, "phone", "CA2").await;
    say(&mut twilio, "That is all, thanks.").await;
    // Everything up to the close: the whole goodbye, its last mark, then the end of the
    // stream, which lets Twilio go on with the TwiML after `<Connect>`.
    let mut frames = 0;
    let mut last_mark = None;
    while let Some(out) = next_out(&mut twilio).await {
        match out {
            TwilioOutbound::Media(_) => frames += 1,
            TwilioOutbound::Mark(m) => last_mark = Some(m.mark.name),
            TwilioOutbound::Clear(_) => panic!("nobody spoke over the goodbye"),
        }
    }
    assert!(frames > 10, "{frames} frames of goodbye");
    let last_mark = last_mark.expect("a mark");
    assert!(
        last_mark.ends_with(&format!(":{}:end", frames * 20)),
        "{last_mark} after {frames} frames"
    );
}

const PCMU_AGENT: &str = "name: phone\nrole: You are a plain test agent.\naudio: {transcription: gpt-4o-transcribe, input_format: g711_ulaw, output_format: g711_ulaw}\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ulaw_passes_through_unchanged_to_a_model_that_takes_it() {
    let rig = Rig::start(agent_from_text(PCMU_AGENT), SCRIPT).await;
    let mut twilio = start_stream(&rig, "phone", "CA3").await;
    let speech = say(&mut twilio, "My internet keeps dropping.").await;
    let (frames, _) = until_item_end(&mut twilio).await;
    assert!(frames.len() > 10 && frames.iter().all(|(_, f)| f.len() == 160));
    // The model got the caller's bytes exactly as Twilio sent them.
    let appended: Vec<u8> = rig
        .model_saw(0)
        .iter()
        .filter(|e| e["type"] == "input_audio_buffer.append")
        .flat_map(|e| {
            switchboard_audio::decode_base64(e["audio"].as_str().unwrap_or_default())
                .expect("base64")
        })
        .collect();
    assert_eq!(appended, speech);
}

const ESCALATING_SCRIPT: &str = "responses:\n  - heard: I want to talk to a person.\n    calls: [{name: escalate_to_human, arguments: {account_id: NL-10482, reason: the caller asked for a person}}]\n  - say: Connecting you now.\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_escalated_phone_call_posts_its_summary_and_is_dialled_through() {
    let settings = switchboard_gateway::TwilioSettings {
        transfer_number: Some("+15559990000".to_owned()),
        ..Default::default()
    };
    escalate_on_the_phone(settings, "<Response><Dial>+15559990000</Dial></Response>").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_escalated_phone_call_can_be_redirected_to_a_contact_centre_instead() {
    let settings = switchboard_gateway::TwilioSettings {
        transfer_url: Some("https://cc.example.com/queue?team=billing&lang=en".to_owned()),
        ..Default::default()
    };
    escalate_on_the_phone(
        settings,
        "<Response><Redirect method=\"POST\">https://cc.example.com/queue?team=billing&amp;lang=en</Redirect></Response>",
    )
    .await;
}

/// A phone call whose caller asks for a person, with `settings` for the transfer: the summary
/// reaches the webhook, the stream closes after the agent's line, and `/twilio/after` answers
/// `transfer_twiml` for that call, once.
async fn escalate_on_the_phone(
    settings: switchboard_gateway::TwilioSettings,
    transfer_twiml: &str,
) {
    use axum::routing::post;
    let (tx, mut posted) = tokio::sync::mpsc::unbounded_channel::<Value>();
    let app = axum::Router::new().route(
        "/handoff",
        post(move |axum::Json(body): axum::Json<Value>| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(body);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let hook = format!("http://{}/handoff", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let rig = Rig::start(
        agent_from_file("examples/agents/northloop/agent.yaml"),
        ESCALATING_SCRIPT,
    )
    .await;
    rig.gateway.set_twilio(switchboard_gateway::TwilioSettings {
        summary_webhook: Some(hook),
        ..settings
    });
    let mut twilio = start_stream(&rig, "northloop", "CA4").await;
    say(&mut twilio, "I want to talk to a person.").await;
    let body = tokio::time::timeout(PATIENCE, posted.recv())
        .await
        .expect("the summary arrives in time")
        .expect("a summary");
    assert_eq!(body["reason"], "the caller asked for a person", "{body}");
    assert!(
        body["session_id"]
            .as_str()
            .is_some_and(|s| s.starts_with("sess_")),
        "{body}"
    );
    assert!(body["summary"].is_object(), "{body}");
    // With a transfer configured, the stream ends once the agent's line has played, so Twilio
    // goes on to the transfer.
    let mut frames = 0;
    while let Some(out) = next_out(&mut twilio).await {
        if let TwilioOutbound::Media(_) = out {
            frames += 1;
        }
    }
    assert!(frames > 10, "{frames} frames of \"Connecting you now.\"");
    // Twilio then asks what comes after the stream: this call is transferred, once.
    let after = |sid: &'static str| {
        let url = format!("http://{}/twilio/after", rig.gateway.local_addr());
        async move {
            reqwest::Client::new()
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("AccountSid=AC1&CallSid={sid}"))
                .send()
                .await
                .expect("request")
                .text()
                .await
                .expect("body")
        }
    };
    let twiml = after("CA4").await;
    assert!(twiml.contains(transfer_twiml), "{twiml}");
    let twiml = after("CA4").await;
    assert!(twiml.contains("<Hangup/>"), "asked once: {twiml}");
}
