//! Writing then reading a WAV file gives back the same spec and audio, for PCM16 with any
//! channel count and for G.711; the written header is the canonical 44 bytes.

use proptest::prelude::*;
use switchboard_audio::{AudioFormat, SampleRate, Wav, WavEncoding, WavSpec, downmix_to_mono};

fn spec(encoding: WavEncoding, channels: u16, hz: u32) -> WavSpec {
    WavSpec {
        encoding,
        channels,
        sample_rate: SampleRate::new(hz).expect("test rates are in range"),
    }
}

proptest! {
    #[test]
    fn any_audio_round_trips(
        encoding in prop_oneof![Just(WavEncoding::Pcm16), Just(WavEncoding::Ulaw), Just(WavEncoding::Alaw)],
        channels in 1u16..=6,
        hz in prop_oneof![Just(8_000u32), Just(16_000), Just(22_050), Just(24_000), Just(48_000)],
        frames in 0usize..300,
        seed in any::<u8>(),
    ) {
        let spec = spec(encoding, channels, hz);
        let len = frames * spec.block_align();
        let data: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(31) ^ seed).collect();
        let wav = Wav::new(spec, data).unwrap();
        let bytes = wav.to_bytes().unwrap();
        prop_assert_eq!(bytes.len(), 44 + len + len % 2);
        let back = Wav::parse(&bytes).unwrap();
        prop_assert_eq!(back.frames(), frames);
        prop_assert_eq!(back, wav);
    }
}

#[test]
fn mono_pcm16_samples_round_trip() {
    let samples: Vec<i16> = (-300..300).map(|i| i * 109).collect();
    let wav = Wav::mono_pcm16(SampleRate::HZ_24000, &samples);
    let back = Wav::parse(&wav.to_bytes().unwrap()).unwrap();
    assert_eq!(back.spec(), WavSpec::mono(AudioFormat::PCM16_24K));
    assert_eq!(back.samples(), samples);
    assert_eq!(back.mono_samples(), samples);
}

#[test]
fn g711_files_decode_to_linear_samples() {
    let samples: Vec<i16> = (-100..100).map(|i| i * 300).collect();
    for format in [AudioFormat::G711Ulaw, AudioFormat::G711Alaw] {
        let wav = Wav::new(WavSpec::mono(format), format.encode(&samples)).unwrap();
        let bytes = wav.to_bytes().unwrap();
        let tag = if format == AudioFormat::G711Ulaw {
            7u16
        } else {
            6
        };
        assert_eq!(&bytes[20..22], &tag.to_le_bytes(), "{format}");
        assert_eq!(
            &bytes[34..36],
            &8u16.to_le_bytes(),
            "{format}: bits per sample"
        );
        let back = Wav::parse(&bytes).unwrap();
        assert_eq!(
            back.samples(),
            format.decode(&format.encode(&samples)).unwrap()
        );
    }
}

#[test]
fn stereo_downmixes_to_the_channel_average() {
    let interleaved = [100i16, 300, -50, -50, 7, 8];
    let bytes: Vec<u8> = interleaved.iter().flat_map(|s| s.to_le_bytes()).collect();
    let wav = Wav::new(spec(WavEncoding::Pcm16, 2, 48_000), bytes).unwrap();
    let back = Wav::parse(&wav.to_bytes().unwrap()).unwrap();
    assert_eq!(back.frames(), 3);
    assert_eq!(back.mono_samples(), vec![200, -50, 8]);
    assert_eq!(downmix_to_mono(&interleaved, 3), vec![117, -12]);
}

#[test]
fn extra_chunks_and_extensible_format_are_read() {
    // LIST chunk (odd size, so padded) before fmt, WAVE_FORMAT_EXTENSIBLE wrapping PCM, a
    // trailing chunk after data.
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"RIFF\0\0\0\0WAVE");
    bytes.extend_from_slice(b"LIST");
    bytes.extend_from_slice(&3u32.to_le_bytes());
    bytes.extend_from_slice(b"abc\0");
    bytes.extend_from_slice(b"fmt ");
    bytes.extend_from_slice(&40u32.to_le_bytes());
    bytes.extend_from_slice(&0xFFFEu16.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&16_000u32.to_le_bytes());
    bytes.extend_from_slice(&32_000u32.to_le_bytes());
    bytes.extend_from_slice(&2u16.to_le_bytes());
    bytes.extend_from_slice(&16u16.to_le_bytes());
    bytes.extend_from_slice(&22u16.to_le_bytes()); // cbSize
    bytes.extend_from_slice(&16u16.to_le_bytes()); // valid bits
    bytes.extend_from_slice(&4u32.to_le_bytes()); // channel mask
    bytes.extend_from_slice(&1u16.to_le_bytes()); // sub-format GUID starts with the PCM tag
    bytes.extend_from_slice(&[0; 14]);
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&4u32.to_le_bytes());
    bytes.extend_from_slice(&[1, 0, 2, 0]);
    bytes.extend_from_slice(b"id3 \x02\0\0\0xy");
    let riff_len = (bytes.len() - 8) as u32;
    bytes[4..8].copy_from_slice(&riff_len.to_le_bytes());

    let wav = Wav::parse(&bytes).unwrap();
    assert_eq!(wav.spec(), spec(WavEncoding::Pcm16, 1, 16_000));
    assert_eq!(wav.samples(), vec![1, 2]);
}
