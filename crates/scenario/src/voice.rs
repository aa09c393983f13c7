//! The caller's audio: speech synthesised with espeak-ng, WAV files, noise and silence, all
//! as mono PCM16 samples at 24 kHz, and cut into the 20 ms `input_audio_buffer.append`
//! frames of the session's input format.
//!
//! Everything here is pure except [`speak`] (runs espeak-ng) and [`read_wav`] (reads a file).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use switchboard_audio::{AudioFormat, Framer, SampleRate, Wav, encode_base64, resample};
use switchboard_speech::espeak;

/// The rate every caller sound is kept at before encoding: the Realtime API's PCM16 rate.
pub(crate) const RATE: SampleRate = SampleRate::HZ_24000;
/// Loudness of noise: well above any voice activity threshold, well below clipping.
const NOISE_AMPLITUDE: i32 = 9_000;

/// A WAV file a caller turn plays, read and converted when the scenario loads.
#[derive(Clone, PartialEq, Eq)]
pub struct WavClip {
    /// The file, as resolved from the scenario's directory.
    pub path: PathBuf,
    /// What the caller says in it, for a model that cannot recognise speech (the emulator).
    /// `None`: the script's `heard`, else an empty transcript.
    pub heard: Option<String>,
    /// Its audio, mono PCM16 at 24 kHz.
    pub samples: Arc<[i16]>,
}

impl fmt::Debug for WavClip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WavClip")
            .field("path", &self.path)
            .field("heard", &self.heard)
            .field("duration", &RATE.duration_of(self.samples.len() as u64))
            .finish()
    }
}

/// Reads a WAV file (16-bit PCM or G.711, any rate the resampler takes, any number of
/// channels) as mono samples at 24 kHz.
///
/// # Errors
/// What is wrong with the file, for a message.
pub(crate) fn read_wav(path: &Path) -> Result<Vec<i16>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read the WAV file: {e}"))?;
    wav_samples(&bytes).map_err(|e| format!("not a WAV file this version can play: {e}"))
}

/// A WAV file's audio as mono samples at 24 kHz.
fn wav_samples(bytes: &[u8]) -> Result<Vec<i16>, String> {
    let wav = Wav::parse(bytes).map_err(|e| e.to_string())?;
    let samples = wav.mono_samples();
    let from = wav.spec().sample_rate;
    if samples.is_empty() {
        return Err("it holds no audio".to_owned());
    }
    if from == RATE {
        return Ok(samples);
    }
    resample(from, RATE, &samples).map_err(|e| e.to_string())
}

/// Whether espeak-ng is on `PATH`.
pub(crate) fn espeak_available() -> bool {
    espeak::available()
}

/// `text` spoken by espeak-ng (American English, at its default rate), at 24 kHz. Blocking:
/// runs the program.
///
/// # Errors
/// espeak-ng is missing or failed.
pub(crate) fn speak(text: &str) -> Result<Vec<i16>, String> {
    let wav = espeak::synthesize(text, &espeak::Options::default()).map_err(|e| e.to_string())?;
    wav_samples(&wav).map_err(|e| format!("espeak-ng's output: {e}"))
}

/// `duration` of silence.
pub(crate) fn silence(duration: Duration) -> Vec<i16> {
    vec![0; samples_in(duration)]
}

/// `duration` of loud white noise: what a voice activity detector takes for speech but no one
/// could understand. The same every time (a fixed linear congruential sequence).
pub(crate) fn noise(duration: Duration) -> Vec<i16> {
    let mut state: u32 = 0x2545_F491;
    (0..samples_in(duration))
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            // The top 16 bits, centred, scaled to the amplitude.
            let centred = i32::from((state >> 16) as u16) - 32_768;
            i16::try_from(centred * NOISE_AMPLITUDE / 32_768).unwrap_or(0)
        })
        .collect()
}

fn samples_in(duration: Duration) -> usize {
    usize::try_from(RATE.samples_in(duration)).unwrap_or(0)
}

/// 24 kHz samples as base64 `input_audio_buffer.append` payloads of 20 ms each, in `format`
/// (G.711 formats are resampled to 8 kHz first); the last one is padded with silence.
pub(crate) fn frames(samples: &[i16], format: AudioFormat) -> Vec<String> {
    let rate = format.sample_rate();
    let bytes = if rate == RATE {
        format.encode(samples)
    } else {
        // 24 kHz to 8 kHz is a ratio the resampler always supports.
        format.encode(&resample(RATE, rate, samples).unwrap_or_default())
    };
    let mut framer = Framer::twenty_ms(format);
    framer.push(&bytes);
    let mut out = Vec::new();
    while let Some(frame) = framer.poll_frame() {
        out.push(encode_base64(&frame));
    }
    if let Some(rest) = framer.finish() {
        out.push(encode_base64(&rest));
    }
    out
}

#[cfg(test)]
mod tests {
    use switchboard_audio::{Vad, VadConfig, VadEvent, WavEncoding, WavSpec, decode_base64};

    use super::*;

    fn tone(rate: SampleRate, seconds: f32) -> Vec<i16> {
        let n = (rate.hz() as f32 * seconds) as usize;
        (0..n)
            .map(|i| {
                let t = i as f32 / rate.hz() as f32;
                ((t * 440.0 * std::f32::consts::TAU).sin() * 8_000.0) as i16
            })
            .collect()
    }

    #[test]
    fn a_stereo_16_khz_wav_becomes_mono_24_khz() {
        let left = tone(SampleRate::HZ_16000, 1.0);
        let mut interleaved = Vec::new();
        for &s in &left {
            interleaved.extend([s, s]);
        }
        let spec = WavSpec {
            encoding: WavEncoding::Pcm16,
            channels: 2,
            sample_rate: SampleRate::HZ_16000,
        };
        let bytes = Wav::new(spec, switchboard_audio::pcm::samples_to_bytes(&interleaved))
            .expect("wav")
            .to_bytes()
            .expect("bytes");
        let samples = wav_samples(&bytes).expect("reads");
        assert_eq!(samples.len(), 24_000);
        let peak = samples.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
        assert!((7_000..=9_000).contains(&peak), "the tone survives: {peak}");
    }

    #[test]
    fn a_bad_wav_says_what_is_wrong() {
        let err = wav_samples(b"RIFF\0\0\0\0WAVEjunk").expect_err("refused");
        assert!(err.contains("chunk"), "{err}");
        let empty = Wav::mono_pcm16(RATE, &[]).to_bytes().expect("bytes");
        assert_eq!(
            wav_samples(&empty).expect_err("refused"),
            "it holds no audio"
        );
    }

    #[test]
    fn frames_are_twenty_milliseconds_of_the_session_format() {
        let pcm = frames(&silence(Duration::from_millis(50)), AudioFormat::PCM16_24K);
        let sizes: Vec<usize> = pcm
            .iter()
            .map(|f| decode_base64(f).expect("base64").len())
            .collect();
        assert_eq!(sizes, [960, 960, 960], "the last frame padded to 20 ms");
        let ulaw = frames(&silence(Duration::from_millis(40)), AudioFormat::G711Ulaw);
        assert_eq!(decode_base64(&ulaw[0]).expect("base64").len(), 160);
        assert_eq!(ulaw.len(), 2);
    }

    #[test]
    fn noise_is_taken_for_speech_and_ends_with_silence() {
        let mut vad = Vad::new(RATE, VadConfig::default()).expect("vad");
        vad.push(&silence(Duration::from_millis(200)));
        vad.push(&noise(Duration::from_millis(800)));
        vad.push(&silence(Duration::from_millis(800)));
        let mut events = Vec::new();
        while let Some(e) = vad.poll_event() {
            events.push(e);
        }
        assert!(
            matches!(
                events.as_slice(),
                [
                    VadEvent::SpeechStarted { .. },
                    VadEvent::SpeechStopped { .. }
                ]
            ),
            "{events:?}"
        );
        assert_eq!(
            noise(Duration::from_millis(10)),
            noise(Duration::from_millis(10))
        );
    }

    #[test]
    fn espeak_speech_is_one_turn_for_the_vad() {
        if !espeak_available() {
            assert!(
                std::env::var_os("SWITCHBOARD_REQUIRE_EXTERNAL").is_none(),
                "espeak-ng is required"
            );
            return;
        }
        let speech =
            speak("It's 415 555 0123. Yes, that's right, thanks.").expect("espeak-ng speaks");
        assert!(speech.len() > 24_000, "{}", speech.len());
        let mut vad = Vad::new(RATE, VadConfig::default()).expect("vad");
        vad.push(&silence(Duration::from_millis(200)));
        vad.push(&speech);
        vad.push(&silence(Duration::from_millis(800)));
        let mut events = Vec::new();
        while let Some(e) = vad.poll_event() {
            events.push(e);
        }
        assert_eq!(events.len(), 2, "one start, one stop: {events:?}");
    }
}
