//! WAV files written to a pipe carry a placeholder `data` size (0, 0xFFFFFFFF, or espeak-ng's
//! 0x7FFFF000) because the writer could not seek back: the reader takes the audio to the end of
//! the input. Checked on hand-built headers and on real `espeak-ng --stdout` output.

use std::process::Command;

use switchboard_audio::{SampleRate, Wav, WavEncoding};

mod common;
use common::external_tool;

fn streamed(riff_size: u32, data_size: u32, audio: &[u8]) -> Vec<u8> {
    let mut bytes = Wav::mono_pcm16(SampleRate::HZ_16000, &[])
        .to_bytes()
        .expect("an empty file fits");
    bytes[4..8].copy_from_slice(&riff_size.to_le_bytes());
    bytes[40..44].copy_from_slice(&data_size.to_le_bytes());
    bytes.extend_from_slice(audio);
    bytes
}

#[test]
fn placeholder_sizes_read_to_the_end() {
    let audio = [1u8, 0, 2, 0, 3, 0];
    for (riff, data) in [
        (0, 0),
        (0xFFFF_FFFF, 0xFFFF_FFFF),
        (0x7FFF_F024, 0x7FFF_F000),
    ] {
        let wav = Wav::parse(&streamed(riff, data, &audio)).unwrap();
        assert_eq!(wav.samples(), vec![1, 2, 3], "data size {data:#x}");
    }
}

#[test]
fn a_stream_cut_inside_a_sample_drops_the_torn_sample() {
    let wav = Wav::parse(&streamed(0, 0, &[1, 0, 2])).unwrap();
    assert_eq!(wav.samples(), vec![1]);
}

#[test]
fn espeak_ng_stdout_is_readable() {
    if !external_tool("espeak-ng", "wav-streamed-header") {
        return;
    }
    let output = Command::new("espeak-ng")
        .args(["--stdout", "testing one two three"])
        .output()
        .expect("espeak-ng runs");
    assert!(
        output.status.success(),
        "espeak-ng failed: {:?}",
        output.status
    );
    let declared = u32::from_le_bytes(output.stdout[40..44].try_into().unwrap());
    assert_ne!(
        declared as usize,
        output.stdout.len() - 44,
        "expected a placeholder size"
    );

    let wav = Wav::parse(&output.stdout).unwrap();
    assert_eq!(wav.spec().encoding, WavEncoding::Pcm16);
    assert_eq!(wav.spec().channels, 1);
    assert_eq!(wav.data().len(), output.stdout.len() - 44);
    let seconds = wav.frames() as f64 / f64::from(wav.spec().sample_rate.hz());
    assert!((0.5..5.0).contains(&seconds), "{seconds} s of speech");
    assert!(
        wav.samples().iter().any(|&s| s.unsigned_abs() > 5_000),
        "no loud audio"
    );
}
