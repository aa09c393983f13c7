//! `switchboard audio convert` and `switchboard audio vad` on files made by the test.

use std::f64::consts::TAU;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use switchboard_audio::{SampleRate, Wav, WavEncoding};

fn switchboard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("switchboard-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

/// A voiced, syllable-modulated signal: a 140 Hz harmonic series under a 4 Hz envelope.
fn speech_like(rate: u32, seconds: f64) -> Vec<i16> {
    let n = (f64::from(rate) * seconds) as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            let voiced: f64 = (1..=8)
                .map(|h| (TAU * 140.0 * h as f64 * t).sin() / h as f64)
                .sum();
            let envelope = 0.55 + 0.45 * (TAU * 4.0 * t).sin();
            (voiced * envelope * 6_000.0) as i16
        })
        .collect()
}

fn write(path: &Path, wav: &Wav) {
    std::fs::write(path, wav.to_bytes().expect("valid wav")).expect("write wav");
}

#[test]
fn converts_24k_pcm_to_8k_ulaw_with_exact_length() {
    let input = scratch("in24k.wav");
    let output = scratch("out8k.wav");
    write(
        &input,
        &Wav::mono_pcm16(SampleRate::HZ_24000, &speech_like(24_000, 0.5)),
    );
    let out = switchboard(&[
        "audio",
        "convert",
        input.to_str().expect("utf-8 path"),
        output.to_str().expect("utf-8 path"),
        "--encoding",
        "ulaw",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let wav = Wav::parse(&std::fs::read(&output).expect("output written")).expect("valid wav");
    assert_eq!(wav.spec().encoding, WavEncoding::Ulaw);
    assert_eq!(wav.spec().sample_rate, SampleRate::HZ_8000);
    assert_eq!(wav.frames(), 4_000);
    // The signal survives: its energy is within 1 dB of the input's.
    let rms =
        |s: &[i16]| (s.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / s.len() as f64).sqrt();
    let ratio_db = 20.0 * (rms(&wav.samples()) / rms(&speech_like(24_000, 0.5))).log10();
    assert!(ratio_db.abs() < 1.0, "level changed by {ratio_db:.2} dB");
}

#[test]
fn refuses_g711_at_another_rate() {
    let input = scratch("in-rate.wav");
    write(&input, &Wav::mono_pcm16(SampleRate::HZ_24000, &[0; 480]));
    let out = switchboard(&[
        "audio",
        "convert",
        input.to_str().expect("utf-8 path"),
        scratch("never.wav").to_str().expect("utf-8 path"),
        "--encoding",
        "alaw",
        "--rate",
        "16000",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("always 8000 Hz"));
}

#[test]
fn vad_prints_turn_boundaries_with_server_vad_offsets() {
    let rate = 24_000;
    let mut samples = vec![0i16; rate as usize];
    samples.extend(speech_like(rate, 1.0));
    samples.extend(vec![0i16; rate as usize]);
    let input = scratch("turn.wav");
    write(&input, &Wav::mono_pcm16(SampleRate::HZ_24000, &samples));
    let out = switchboard(&["audio", "vad", input.to_str().expect("utf-8 path")]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    let ms = |line: &str| -> i64 {
        line.rsplit('=')
            .next()
            .expect("key=value")
            .parse()
            .expect("a number")
    };
    assert!(lines[0].starts_with("speech_started"), "{stdout}");
    assert!(lines[1].starts_with("speech_stopped"), "{stdout}");
    // Onset at 1000 ms minus 300 ms of prefix padding; end at 2000 ms plus 500 ms of silence.
    assert!((ms(lines[0]) - 700).abs() <= 60, "{stdout}");
    assert!((ms(lines[1]) - 2500).abs() <= 60, "{stdout}");
}

#[test]
fn a_file_that_is_not_wav_is_an_input_error() {
    let input = scratch("not.wav");
    std::fs::write(&input, b"RIFF\x04\x00\x00\x00JUNKmore bytes here").expect("write");
    let out = switchboard(&["audio", "vad", input.to_str().expect("utf-8 path")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not.wav"));
}
