//! The emulated model's voice: espeak-ng speech when the program is installed, a tone
//! sequence otherwise, kept at 24 kHz and encoded per session format when a response is sent.
//!
//! Running espeak-ng is IO, so the core never does it: [`Voice::samples`] only reads the cache
//! and falls back to the (pure, fast) tone. The shell calls [`Voice::prepare`] on a blocking
//! thread for every text before the core needs it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use switchboard_audio::{AudioFormat, SampleRate, Wav, resample};
use switchboard_wire as wire;

/// Samples per second of everything the voice produces before encoding.
const RATE: SampleRate = SampleRate::HZ_24000;
/// Tone length per character of text: roughly the pace of speech.
const TONE_PER_CHAR: Duration = Duration::from_millis(60);
const TONE_MIN: Duration = Duration::from_millis(240);
const TONE_MAX: Duration = Duration::from_secs(12);
/// One tone of the sequence; alternating pitches make it sound like something, and give a
/// VAD on the other side a signal that is clearly not silence.
const TONE_STEP: Duration = Duration::from_millis(120);
const TONE_PITCHES: [f32; 4] = [220.0, 330.0, 262.0, 294.0];
const TONE_AMPLITUDE: f32 = 6_000.0;
const DEFAULT_WORDS_PER_MINUTE: u32 = 175;

/// Speech for texts, cached by text.
#[derive(Debug)]
pub(crate) struct Voice {
    espeak: bool,
    words_per_minute: u32,
    cache: Mutex<BTreeMap<String, Arc<[i16]>>>,
}

impl Voice {
    /// Uses espeak-ng when it is on `PATH`.
    pub(crate) fn detect(words_per_minute: Option<u32>) -> Voice {
        Voice::new(espeak_on_path(), words_per_minute)
    }

    /// Tones only: deterministic and free of outside programs.
    pub(crate) fn tones() -> Voice {
        Voice::new(false, None)
    }

    fn new(espeak: bool, words_per_minute: Option<u32>) -> Voice {
        Voice {
            espeak,
            words_per_minute: words_per_minute.unwrap_or(DEFAULT_WORDS_PER_MINUTE),
            cache: Mutex::new(BTreeMap::new()),
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Arc<[i16]>>> {
        // A panic while holding the lock leaves a map that is still whole.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `text` still needs [`Voice::prepare`] to be spoken by espeak-ng.
    pub(crate) fn needs_prepare(&self, text: &str) -> bool {
        self.espeak && !text.is_empty() && !self.cache().contains_key(text)
    }

    /// Synthesizes `text` and caches it. Blocking: runs espeak-ng when available.
    pub(crate) fn prepare(&self, text: &str) {
        if !self.needs_prepare(text) {
            return;
        }
        let samples = match espeak(text, self.words_per_minute) {
            Ok(samples) => samples,
            Err(reason) => {
                tracing::warn!(%reason, "espeak-ng failed; speaking a tone instead");
                tone(text)
            }
        };
        self.cache().insert(text.to_owned(), samples.into());
    }

    /// 24 kHz samples for `text`: the cached speech, or a tone sequence. Never blocks.
    pub(crate) fn samples(&self, text: &str) -> Arc<[i16]> {
        if let Some(samples) = self.cache().get(text) {
            return samples.clone();
        }
        tone(text).into()
    }
}

fn espeak_on_path() -> bool {
    switchboard_speech::espeak::available()
}

/// `text` said by espeak-ng (the speech crate's one runner) at `words_per_minute`, resampled
/// to 24 kHz.
fn espeak(text: &str, words_per_minute: u32) -> Result<Vec<i16>, String> {
    let options = switchboard_speech::espeak::Options {
        words_per_minute,
        ..Default::default()
    };
    let wav = switchboard_speech::espeak::synthesize(text, &options).map_err(|e| e.to_string())?;
    let wav = Wav::parse(&wav).map_err(|e| e.to_string())?;
    let samples = wav.mono_samples();
    let from = wav.spec().sample_rate;
    if from == RATE {
        return Ok(samples);
    }
    resample(from, RATE, &samples).map_err(|e| e.to_string())
}

/// A tone sequence about as long as speaking `text` would take.
pub(crate) fn tone(text: &str) -> Vec<i16> {
    let chars = u32::try_from(text.chars().count()).unwrap_or(u32::MAX);
    if chars == 0 {
        return Vec::new();
    }
    let length = (TONE_PER_CHAR.saturating_mul(chars)).clamp(TONE_MIN, TONE_MAX);
    let total = usize::try_from(RATE.samples_in(length)).unwrap_or(0);
    let step = usize::try_from(RATE.samples_in(TONE_STEP))
        .unwrap_or(1)
        .max(1);
    // Short fades at each step's edges avoid clicks.
    let fade = step / 10;
    let rate = RATE.hz() as f32;
    (0..total)
        .map(|n| {
            let index = n / step;
            let within = n % step;
            let pitch = TONE_PITCHES[index % TONE_PITCHES.len()];
            let edge = within.min(step - 1 - within);
            let gain = if edge < fade {
                edge as f32 / fade as f32
            } else {
                1.0
            };
            let phase = 2.0 * std::f32::consts::PI * pitch * n as f32 / rate;
            (phase.sin() * TONE_AMPLITUDE * gain) as i16
        })
        .collect()
}

/// The audio crate's format for a wire format.
pub(crate) fn audio_format(format: wire::AudioFormat) -> AudioFormat {
    match format {
        wire::AudioFormat::Pcm { .. } => AudioFormat::PCM16_24K,
        wire::AudioFormat::Pcmu => AudioFormat::G711Ulaw,
        wire::AudioFormat::Pcma => AudioFormat::G711Alaw,
    }
}

/// 24 kHz samples encoded in a session's output format (G.711 formats are 8 kHz).
pub(crate) fn encode(samples: &[i16], format: wire::AudioFormat) -> Vec<u8> {
    let format = audio_format(format);
    let rate = format.sample_rate();
    if rate == RATE {
        return format.encode(samples);
    }
    match resample(RATE, rate, samples) {
        Ok(narrow) => format.encode(&narrow),
        // The rates are the audio crate's own constants, which it always supports.
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tone_length_scales_with_text_and_is_capped() {
        let short = tone("Hi there, how can I help?").len();
        let long = tone(&"word ".repeat(20)).len();
        assert!(long > short);
        assert_eq!(tone(&"x".repeat(10_000)).len(), 24_000 * 12);
        assert!(tone("").is_empty());
    }

    #[test]
    fn g711_output_is_eight_kilohertz_one_byte_per_sample() {
        let samples = vec![1000_i16; 24_000];
        let bytes = encode(&samples, wire::AudioFormat::Pcmu);
        assert!((7_900..=8_100).contains(&bytes.len()), "{}", bytes.len());
        assert_eq!(encode(&samples, wire::AudioFormat::pcm24k()).len(), 48_000);
    }
}
