//! Voice activity detection with the Realtime API's `server_vad` semantics.
//!
//! The detector works on 10 ms frames. Each frame's energy is compared with an adaptive noise
//! floor; the signal-to-noise ratio is mapped through a logistic curve to a speech probability
//! in 0..1, which is compared with the configured `threshold` (so, as with `server_vad`, a
//! higher threshold needs louder audio). Around that sit the `server_vad` rules:
//!
//! * speech must last [`MIN_SPEECH`] before it counts, so clicks and pops never start a turn;
//! * `speech_started.audio_start_ms` is the onset minus `prefix_padding`, clamped at 0;
//! * speech ends once `silence_duration` has passed without speech, and
//!   `speech_stopped.audio_end_ms` is that moment: the last speech plus `silence_duration`
//!   (OpenAI documents that it includes the silence).
//!
//! The noise floor starts at the first frame's level, falls quickly to quieter audio and rises
//! quickly to louder audio that is clearly not speech, so steady background noise (a fan, line
//! hiss) is learnt and ignored. Audio that may be speech only lets it creep up, so an utterance
//! is not learnt as noise but a noise source that switches on mid-call does not hold the turn
//! open forever.

use std::collections::VecDeque;
use std::time::Duration;

use thiserror::Error;

use crate::format::SampleRate;

/// Shortest run of speech that starts a turn. Shorter bursts (a 30 ms click, a cough's first
/// crack) are discarded.
pub const MIN_SPEECH: Duration = Duration::from_millis(80);

/// Frames per second of analysis (10 ms frames).
const FRAMES_PER_SECOND: u32 = 100;
/// A candidate onset survives gaps up to this many frames (the dip between a plosive and its
/// vowel) before it is abandoned.
const CANDIDATE_GAP_FRAMES: u32 = 5;
/// SNR (dB) at which the speech probability is 0.5, and the logistic slope (dB per e-fold).
const SNR_MIDPOINT_DB: f32 = 12.0;
const SNR_SCALE_DB: f32 = 3.0;
/// Once speaking, speech continues down to `threshold − HYSTERESIS` (but at least half the
/// threshold), so trailing syllables that fade do not end the turn early.
const HYSTERESIS: f32 = 0.15;
/// The floor never goes below this: digital silence would otherwise make any hiss "speech".
const FLOOR_MIN_DB: f32 = -70.0;
/// Quietest level a frame is given; log of zero energy would be −∞.
const LEVEL_MIN_DB: f32 = -100.0;
/// Per-frame smoothing when the level is below the floor (tracks down within ~50 ms) and when
/// a louder frame is clearly noise (~200 ms).
const FLOOR_FALL: f32 = 0.2;
const FLOOR_RISE: f32 = 0.05;
/// Below this probability a frame is clearly noise and the floor may follow it up quickly.
const CLEAR_NOISE: f32 = 0.1;
/// Per-frame upward creep of the floor on frames that may be speech (3 dB/s): slow enough that
/// an utterance is not learnt as noise, fast enough that a noise source switching on mid-call
/// does not hold a turn open for long.
const FLOOR_CREEP_DB: f32 = 0.03;

/// `server_vad` settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VadConfig {
    /// Speech probability needed to count as speech, 0.0–1.0 (default 0.5). Higher needs
    /// louder audio, which suits noisy environments.
    pub threshold: f32,
    /// Audio before the detected onset included in the turn (default 300 ms).
    pub prefix_padding: Duration,
    /// Silence that ends a turn (default 500 ms).
    pub silence_duration: Duration,
}

impl Default for VadConfig {
    fn default() -> VadConfig {
        VadConfig {
            threshold: 0.5,
            prefix_padding: Duration::from_millis(300),
            silence_duration: Duration::from_millis(500),
        }
    }
}

/// A configuration the detector refuses.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum VadError {
    /// `threshold` is NaN or outside 0.0–1.0.
    #[error("VAD threshold must be between 0.0 and 1.0, got {threshold}")]
    ThresholdOutOfRange {
        /// The rejected value.
        threshold: f32,
    },
}

/// A turn boundary. Offsets count audio pushed since the detector was created; the wire's
/// `audio_start_ms` / `audio_end_ms` are their whole milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VadEvent {
    /// Speech began (`input_audio_buffer.speech_started`).
    SpeechStarted {
        /// Onset minus prefix padding, clamped at zero.
        audio_start: Duration,
    },
    /// Speech ended (`input_audio_buffer.speech_stopped`).
    SpeechStopped {
        /// Last speech plus the silence duration.
        audio_end: Duration,
    },
}

/// A streaming voice activity detector for one mono input stream.
///
/// ```
/// use switchboard_audio::{SampleRate, Vad, VadConfig, VadEvent};
///
/// let mut vad = Vad::new(SampleRate::HZ_24000, VadConfig::default())?;
/// vad.push(&vec![0; 24_000]); // one second of silence
/// assert_eq!(vad.poll_event(), None);
/// # Ok::<(), switchboard_audio::VadError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Vad {
    config: VadConfig,
    rate: SampleRate,
    frame_len: usize,
    /// Sum of squares and count of the samples of the frame being filled.
    frame_energy: f64,
    frame_filled: usize,
    /// Samples of every completed frame.
    samples_done: u64,
    noise_db: Option<f32>,
    probability: f32,
    state: State,
    events: VecDeque<VadEvent>,
}

#[derive(Clone, Copy, Debug)]
enum State {
    Silence,
    /// Speech-like frames seen since `onset` (a sample index), not yet long enough to count.
    Candidate {
        onset: u64,
        speech_frames: u32,
        gap_frames: u32,
    },
    /// In a turn; `last_speech_end` is the sample index after the latest speech frame.
    Speech {
        last_speech_end: u64,
    },
}

impl Vad {
    /// A detector for audio at `rate`.
    ///
    /// # Errors
    /// [`VadError::ThresholdOutOfRange`] if the threshold is NaN or outside 0.0–1.0.
    pub fn new(rate: SampleRate, config: VadConfig) -> Result<Vad, VadError> {
        if !(0.0..=1.0).contains(&config.threshold) {
            return Err(VadError::ThresholdOutOfRange {
                threshold: config.threshold,
            });
        }
        Ok(Vad {
            config,
            rate,
            // MIN_HZ ≥ 1 kHz makes this at least 10 samples.
            frame_len: (rate.hz() / FRAMES_PER_SECOND) as usize,
            frame_energy: 0.0,
            frame_filled: 0,
            samples_done: 0,
            noise_db: None,
            probability: 0.0,
            state: State::Silence,
            events: VecDeque::new(),
        })
    }

    /// The configuration in force.
    #[must_use]
    pub fn config(&self) -> &VadConfig {
        &self.config
    }

    /// Audio analysed so far (whole frames; up to 10 ms may be waiting for its frame to fill).
    #[must_use]
    pub fn position(&self) -> Duration {
        self.rate.duration_of(self.samples_done)
    }

    /// Whether a turn is in progress (between `SpeechStarted` and `SpeechStopped`).
    #[must_use]
    pub fn in_speech(&self) -> bool {
        matches!(self.state, State::Speech { .. })
    }

    /// Speech probability of the latest frame, for meters and debugging.
    #[must_use]
    pub fn speech_probability(&self) -> f32 {
        self.probability
    }

    /// Analyses the next samples; events become available from [`Vad::poll_event`].
    pub fn push(&mut self, samples: &[i16]) {
        for &sample in samples {
            let s = f64::from(sample);
            self.frame_energy += s * s;
            self.frame_filled += 1;
            if self.frame_filled == self.frame_len {
                let mean_square = self.frame_energy / self.frame_len as f64;
                self.frame_energy = 0.0;
                self.frame_filled = 0;
                self.on_frame(mean_square);
            }
        }
    }

    /// The next turn boundary, oldest first.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<VadEvent> {
        self.events.pop_front()
    }

    fn on_frame(&mut self, mean_square: f64) {
        let frame_start = self.samples_done;
        self.samples_done += self.frame_len as u64;
        let frame_end = self.samples_done;

        let full_scale = 32_768.0 * 32_768.0;
        let level_db = ((10.0 * (mean_square / full_scale).log10()) as f32).max(LEVEL_MIN_DB);
        let noise_db = *self.noise_db.get_or_insert(level_db.max(FLOOR_MIN_DB));
        self.probability = speech_probability(level_db - noise_db);

        let needed = match self.state {
            // Halving at most keeps a low threshold from dropping to zero, which would make
            // every frame speech and the turn endless.
            State::Speech { .. } => {
                (self.config.threshold - HYSTERESIS).max(self.config.threshold / 2.0)
            }
            State::Silence | State::Candidate { .. } => self.config.threshold,
        };
        let is_speech = self.probability >= needed;
        self.track_noise(level_db, noise_db);

        self.state = match self.state {
            State::Silence if is_speech => State::Candidate {
                onset: frame_start,
                speech_frames: 1,
                gap_frames: 0,
            },
            State::Silence => State::Silence,
            State::Candidate {
                onset,
                speech_frames,
                gap_frames,
            } => {
                if is_speech {
                    let speech_frames = speech_frames + 1;
                    if self.frames_duration(speech_frames) >= MIN_SPEECH {
                        let onset = self.rate.duration_of(onset);
                        self.events.push_back(VadEvent::SpeechStarted {
                            audio_start: onset.saturating_sub(self.config.prefix_padding),
                        });
                        State::Speech {
                            last_speech_end: frame_end,
                        }
                    } else {
                        State::Candidate {
                            onset,
                            speech_frames,
                            gap_frames: 0,
                        }
                    }
                } else if gap_frames + 1 > CANDIDATE_GAP_FRAMES {
                    State::Silence
                } else {
                    State::Candidate {
                        onset,
                        speech_frames,
                        gap_frames: gap_frames + 1,
                    }
                }
            }
            State::Speech { .. } if is_speech => State::Speech {
                last_speech_end: frame_end,
            },
            State::Speech { last_speech_end } => {
                let speech_end = self.rate.duration_of(last_speech_end);
                let silence = self.rate.duration_of(frame_end - last_speech_end);
                if silence >= self.config.silence_duration {
                    self.events.push_back(VadEvent::SpeechStopped {
                        audio_end: speech_end.saturating_add(self.config.silence_duration),
                    });
                    State::Silence
                } else {
                    State::Speech { last_speech_end }
                }
            }
        };
    }

    fn track_noise(&mut self, level_db: f32, noise_db: f32) {
        let next = if level_db < noise_db {
            noise_db + FLOOR_FALL * (level_db - noise_db)
        } else if self.probability < CLEAR_NOISE {
            noise_db + FLOOR_RISE * (level_db - noise_db)
        } else {
            (noise_db + FLOOR_CREEP_DB).min(level_db)
        };
        self.noise_db = Some(next.max(FLOOR_MIN_DB));
    }

    fn frames_duration(&self, frames: u32) -> Duration {
        self.rate
            .duration_of(u64::from(frames) * self.frame_len as u64)
    }
}

/// Logistic map from SNR (dB) to a speech probability.
fn speech_probability(snr_db: f32) -> f32 {
    1.0 / (1.0 + (-(snr_db - SNR_MIDPOINT_DB) / SNR_SCALE_DB).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, seconds: f64, amplitude: f64) -> Vec<i16> {
        let n = (f64::from(rate) * seconds) as usize;
        (0..n)
            .map(|i| {
                let t = i as f64 / f64::from(rate);
                (amplitude * (2.0 * std::f64::consts::PI * 200.0 * t).sin()) as i16
            })
            .collect()
    }

    #[test]
    fn threshold_is_validated() {
        for threshold in [-0.1, 1.1, f32::NAN] {
            let config = VadConfig {
                threshold,
                ..VadConfig::default()
            };
            assert!(
                Vad::new(SampleRate::HZ_16000, config).is_err(),
                "{threshold}"
            );
        }
    }

    #[test]
    fn probability_is_monotonic_and_centred() {
        assert!((speech_probability(SNR_MIDPOINT_DB) - 0.5).abs() < 1e-6);
        assert!(speech_probability(0.0) < 0.05);
        assert!(speech_probability(30.0) > 0.99);
    }

    #[test]
    fn tone_after_silence_starts_and_stops_with_padding() {
        let mut vad = Vad::new(SampleRate::HZ_16000, VadConfig::default()).unwrap();
        vad.push(&vec![0; 16_000]);
        vad.push(&tone(16_000, 1.0, 8_000.0));
        assert!(vad.in_speech());
        vad.push(&vec![0; 16_000]);
        assert_eq!(
            vad.poll_event(),
            Some(VadEvent::SpeechStarted {
                audio_start: Duration::from_millis(700)
            })
        );
        assert_eq!(
            vad.poll_event(),
            Some(VadEvent::SpeechStopped {
                audio_end: Duration::from_millis(2_500)
            })
        );
        assert_eq!(vad.poll_event(), None);
    }

    #[test]
    fn start_offset_clamps_at_zero() {
        let mut vad = Vad::new(SampleRate::HZ_8000, VadConfig::default()).unwrap();
        vad.push(&vec![0; 800]);
        vad.push(&tone(8_000, 0.5, 8_000.0));
        assert_eq!(
            vad.poll_event(),
            Some(VadEvent::SpeechStarted {
                audio_start: Duration::ZERO
            })
        );
    }
}
