//! `switchboard audio`: convert WAV files between the Realtime formats, and run the VAD.

use std::path::Path;
use std::time::Duration;

use switchboard_audio::{
    AudioFormat, Resampler, SampleRate, Vad, VadConfig, VadEvent, Wav, WavSpec,
};

use super::{Error, Outcome};
use crate::cli::{AudioCommand, Encoding};

pub(crate) fn run(cmd: AudioCommand) -> Result<Outcome, Error> {
    match cmd {
        AudioCommand::Convert {
            input,
            output,
            rate,
            encoding,
        } => {
            let wav = read_wav(&input)?;
            let from = wav.spec().sample_rate;
            let default_hz = if encoding == Encoding::Pcm16 {
                from.hz()
            } else {
                8_000
            };
            let format = output_format(encoding, rate.unwrap_or(default_hz))?;
            let samples = resample_aligned(&wav.mono_samples(), from, format.sample_rate())?;
            let out = Wav::new(WavSpec::mono(format), format.encode(&samples))?;
            std::fs::write(&output, out.to_bytes()?)
                .map_err(|e| format!("cannot write {}: {e}", output.display()))?;
            eprintln!(
                "{}: {} Hz, {} channel(s), {:.3} s -> {}: {} Hz {:?} mono",
                input.display(),
                from.hz(),
                wav.spec().channels,
                from.duration_of(wav.frames() as u64).as_secs_f64(),
                output.display(),
                format.sample_rate().hz(),
                encoding,
            );
            Ok(Outcome::Success)
        }
        AudioCommand::Vad {
            input,
            threshold,
            prefix_padding_ms,
            silence_duration_ms,
        } => {
            let wav = read_wav(&input)?;
            let config = VadConfig {
                threshold,
                prefix_padding: Duration::from_millis(prefix_padding_ms),
                silence_duration: Duration::from_millis(silence_duration_ms),
            };
            let mut vad = Vad::new(wav.spec().sample_rate, config)?;
            vad.push(&wav.mono_samples());
            while let Some(event) = vad.poll_event() {
                match event {
                    VadEvent::SpeechStarted { audio_start } => {
                        println!("speech_started audio_start_ms={}", audio_start.as_millis());
                    }
                    VadEvent::SpeechStopped { audio_end } => {
                        println!("speech_stopped audio_end_ms={}", audio_end.as_millis());
                    }
                }
            }
            if vad.in_speech() {
                eprintln!(
                    "speech was still going at the end of the file ({} ms)",
                    vad.position().as_millis()
                );
            }
            Ok(Outcome::Success)
        }
    }
}

fn read_wav(path: &Path) -> Result<Wav, Error> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Wav::parse(&bytes).map_err(|e| format!("{}: {e}", path.display()).into())
}

fn output_format(encoding: Encoding, hz: u32) -> Result<AudioFormat, Error> {
    let g711 = |format: AudioFormat| {
        if hz == 8_000 {
            Ok(format)
        } else {
            Err(format!("G.711 audio is always 8000 Hz, not {hz} Hz: pass --rate 8000").into())
        }
    };
    match encoding {
        Encoding::Ulaw => g711(AudioFormat::G711Ulaw),
        Encoding::Alaw => g711(AudioFormat::G711Alaw),
        Encoding::Pcm16 => match SampleRate::new(hz) {
            Some(rate) if [8_000, 16_000, 24_000, 48_000].contains(&hz) => {
                Ok(AudioFormat::Pcm16 { rate })
            }
            _ => {
                Err(format!("PCM16 output must be 8000, 16000, 24000 or 48000 Hz, not {hz}").into())
            }
        },
    }
}

/// Resamples a whole clip without the streaming resampler's delay: the clip is followed by
/// enough silence to flush the filter, and the first `group_delay` of output is dropped, so
/// the output lines up with the input and has exactly `len · to / from` samples.
fn resample_aligned(samples: &[i16], from: SampleRate, to: SampleRate) -> Result<Vec<i16>, Error> {
    if from == to {
        return Ok(samples.to_vec());
    }
    let mut resampler = Resampler::new(from, to)?;
    let delay = resampler.group_delay();
    let mut out = Vec::new();
    resampler.push(samples, &mut out);
    let flush = from.samples_in(delay) as usize + 2;
    resampler.push(&vec![0; flush], &mut out);
    let skip = to.samples_in(delay) as usize;
    let len = (samples.len() as u64 * u64::from(to.hz()) / u64::from(from.hz())) as usize;
    Ok(out.into_iter().skip(skip).take(len).collect())
}
