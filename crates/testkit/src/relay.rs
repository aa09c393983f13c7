//! The relay benchmark's load: sessions that stream PCM16 24 kHz in 20 ms frames at real-time
//! pace and time each frame's round trip through an echo model.
//!
//! Each frame carries its sequence number in its first four bytes, so the echoed audio tells
//! which frame came back. Nothing here asserts a figure: [`run`] measures and returns them.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine as _;
use switchboard_wire::{ClientEvent, InputAudioBufferAppend, ServerEvent};
use tokio::time::MissedTickBehavior;

use crate::client::{RealtimeClient, Received};

/// 20 ms of PCM16 at 24 kHz.
const FRAME_BYTES: usize = 960;

/// The load to put on a relay.
#[derive(Debug, Clone)]
pub struct RelayLoad {
    /// Concurrent sessions.
    pub sessions: usize,
    /// How long each streams.
    pub duration: Duration,
    /// Sessions start spread over this long, as calls arrive over time.
    pub ramp: Duration,
    /// The audio frame period.
    pub frame: Duration,
    /// A frame whose echo takes longer than this is late.
    pub late_after: Duration,
}

/// What one run measured.
#[derive(Debug, Clone, Default)]
pub struct RelayMeasure {
    /// Round trip of every frame that came back, in microseconds.
    pub round_trips_us: Vec<u32>,
    /// Frames sent.
    pub sent: u64,
    /// Frames whose echo came back.
    pub received: u64,
    /// Frames that came back later than `late_after`.
    pub late: u64,
    /// Sessions that could not connect or were cut off.
    pub failed_sessions: usize,
}

impl RelayMeasure {
    /// The `q` quantile (0–1) of the round trips.
    pub fn quantile(&self, q: f64) -> Option<Duration> {
        let mut sorted = self.round_trips_us.clone();
        sorted.sort_unstable();
        let last = sorted.len().checked_sub(1)?;
        let index = ((last as f64) * q).round() as usize;
        sorted
            .get(index.min(last))
            .map(|us| Duration::from_micros(u64::from(*us)))
    }

    /// Frames sent whose echo never came back.
    pub fn lost(&self) -> u64 {
        self.sent.saturating_sub(self.received)
    }
}

/// Runs `load` against the Realtime endpoint at `base_url` (`ws://host:port/v1`).
pub async fn run(base_url: &str, load: &RelayLoad) -> RelayMeasure {
    let total = Arc::new(Mutex::new(RelayMeasure::default()));
    let url = format!("{base_url}/realtime?model=gpt-realtime");
    let mut tasks = Vec::with_capacity(load.sessions);
    for i in 0..load.sessions {
        let offset = if load.sessions > 1 {
            load.ramp.mul_f64(i as f64 / (load.sessions - 1) as f64)
        } else {
            Duration::ZERO
        };
        let (url, load, total) = (url.clone(), load.clone(), total.clone());
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(offset).await;
            let measure = session(&url, &load).await;
            let mut total = total.lock().unwrap_or_else(PoisonError::into_inner);
            match measure {
                Some(m) => {
                    total.round_trips_us.extend(m.round_trips_us);
                    total.sent += m.sent;
                    total.received += m.received;
                    total.late += m.late;
                }
                None => total.failed_sessions += 1,
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    total.lock().unwrap_or_else(PoisonError::into_inner).clone()
}

/// One session: `None` when it could not connect.
async fn session(url: &str, load: &RelayLoad) -> Option<RelayMeasure> {
    let client = RealtimeClient::connect(url, &[]).await.ok()?;
    let (mut tx, mut rx) = client.split();
    // The call is up once the caller has its session.
    loop {
        match rx.recv().await.ok()? {
            Received::Server(ServerEvent::SessionCreated(_)) => break,
            Received::Closed { .. } => return None,
            _ => {}
        }
    }
    let frames = (load.duration.as_micros() / load.frame.as_micros().max(1)) as usize;
    let sent_at: Arc<Mutex<Vec<Option<Instant>>>> = Arc::new(Mutex::new(vec![None; frames]));
    let writer = {
        let sent_at = sent_at.clone();
        let period = load.frame;
        async move {
            let mut tick = tokio::time::interval(period);
            // Real-time pace: a late tick is not made up with a burst.
            tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
            let mut pcm = vec![0u8; FRAME_BYTES];
            let mut sent = 0u64;
            for seq in 0..frames {
                tick.tick().await;
                pcm[..4].copy_from_slice(&(seq as u32).to_le_bytes());
                let append = ClientEvent::InputAudioBufferAppend(InputAudioBufferAppend {
                    event_id: None,
                    audio: base64::engine::general_purpose::STANDARD.encode(&pcm),
                });
                let now = Instant::now();
                if let Some(slot) = sent_at
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get_mut(seq)
                {
                    *slot = Some(now);
                }
                if tx.send(&append).await.is_err() {
                    break;
                }
                sent += 1;
            }
            (tx, sent)
        }
    };
    // Echoes still in flight when the last frame goes out get a moment to arrive.
    let deadline = tokio::time::Instant::now() + load.duration + Duration::from_secs(3);
    let reader = {
        let sent_at = sent_at.clone();
        let late_after = load.late_after;
        async move {
            let mut measure = RelayMeasure::default();
            let mut head = [0u8; 6];
            while let Ok(Ok(received)) = tokio::time::timeout_at(deadline, rx.recv()).await {
                let delta = match received {
                    Received::Server(ServerEvent::ResponseOutputAudioDelta(delta)) => delta,
                    Received::Closed { .. } => break,
                    _ => continue,
                };
                let now = Instant::now();
                // The first 8 base64 characters hold the first 6 bytes: the sequence number.
                let Some(prefix) = delta.delta.get(..8) else {
                    continue;
                };
                if base64::engine::general_purpose::STANDARD
                    .decode_slice(prefix, &mut head)
                    .is_err()
                {
                    continue;
                }
                let seq = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
                let sent = sent_at
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get_mut(seq)
                    .and_then(Option::take);
                if let Some(sent) = sent {
                    let rtt = now.saturating_duration_since(sent);
                    measure.received += 1;
                    if rtt > late_after {
                        measure.late += 1;
                    }
                    measure
                        .round_trips_us
                        .push(u32::try_from(rtt.as_micros()).unwrap_or(u32::MAX));
                }
                if measure.received as usize == frames {
                    break;
                }
            }
            measure
        }
    };
    let writing = tokio::spawn(writer);
    let mut measure = reader.await;
    if let Ok((mut tx, sent)) = writing.await {
        measure.sent = sent;
        tx.close().await;
    }
    Some(measure)
}
