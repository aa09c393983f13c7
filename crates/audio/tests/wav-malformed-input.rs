//! Every kind of broken WAV input gets its own precise error, never a panic or garbage audio.

use switchboard_audio::{SampleRate, Wav, WavEncoding, WavError, WavSpec};

/// A valid mono 16 kHz PCM16 file with two samples; tests break one field at a time.
fn valid() -> Vec<u8> {
    Wav::mono_pcm16(SampleRate::HZ_16000, &[1000, -1000])
        .to_bytes()
        .expect("a tiny file fits")
}

fn set_u16(bytes: &mut [u8], at: usize, value: u16) {
    bytes[at..at + 2].copy_from_slice(&value.to_le_bytes());
}

fn set_u32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

#[test]
fn the_unbroken_file_parses() {
    assert_eq!(Wav::parse(&valid()).unwrap().samples(), vec![1000, -1000]);
}

#[test]
fn shorter_than_the_riff_header() {
    assert_eq!(
        Wav::parse(b"RIFF\x04\0"),
        Err(WavError::TooShort { len: 6 })
    );
    assert_eq!(Wav::parse(b""), Err(WavError::TooShort { len: 0 }));
}

#[test]
fn not_riff() {
    let mut bytes = valid();
    bytes[..4].copy_from_slice(b"RIFX");
    assert_eq!(
        Wav::parse(&bytes),
        Err(WavError::NotRiff { found: *b"RIFX" })
    );
}

#[test]
fn not_wave() {
    let mut bytes = valid();
    bytes[8..12].copy_from_slice(b"AVI ");
    assert_eq!(
        Wav::parse(&bytes),
        Err(WavError::NotWave { found: *b"AVI " })
    );
}

#[test]
fn truncated_in_a_chunk_header() {
    let bytes = &valid()[..16];
    assert_eq!(
        Wav::parse(bytes),
        Err(WavError::TruncatedChunkHeader { offset: 12 })
    );
}

#[test]
fn truncated_fmt_chunk() {
    let bytes = &valid()[..30];
    assert_eq!(
        Wav::parse(bytes),
        Err(WavError::TruncatedChunk {
            id: *b"fmt ",
            declared: 16,
            available: 10
        })
    );
}

#[test]
fn truncated_data_chunk() {
    let bytes = &valid()[..46];
    assert_eq!(
        Wav::parse(bytes),
        Err(WavError::TruncatedChunk {
            id: *b"data",
            declared: 4,
            available: 2
        })
    );
}

#[test]
fn fmt_chunk_too_short() {
    let mut bytes = valid();
    set_u32(&mut bytes, 16, 14);
    assert_eq!(
        Wav::parse(&bytes),
        Err(WavError::FmtTooShort {
            len: 14,
            needed: 16
        })
    );
}

#[test]
fn unsupported_format_tag() {
    let mut bytes = valid();
    set_u16(&mut bytes, 20, 3); // IEEE float
    assert_eq!(
        Wav::parse(&bytes),
        Err(WavError::UnsupportedFormatTag { tag: 3 })
    );
}

#[test]
fn unsupported_bit_depth() {
    let mut bytes = valid();
    set_u16(&mut bytes, 34, 24);
    assert_eq!(
        Wav::parse(&bytes),
        Err(WavError::UnsupportedBitDepth { tag: 1, bits: 24 })
    );
    // G.711 must be 8-bit.
    let mut bytes = valid();
    set_u16(&mut bytes, 20, 7);
    assert_eq!(
        Wav::parse(&bytes),
        Err(WavError::UnsupportedBitDepth { tag: 7, bits: 16 })
    );
}

#[test]
fn zero_channels() {
    let mut bytes = valid();
    set_u16(&mut bytes, 22, 0);
    assert_eq!(Wav::parse(&bytes), Err(WavError::ZeroChannels));
}

#[test]
fn too_many_channels() {
    let mut bytes = valid();
    set_u16(&mut bytes, 22, 40_000);
    assert_eq!(
        Wav::parse(&bytes),
        Err(WavError::TooManyChannels { channels: 40_000 })
    );
}

#[test]
fn unsupported_sample_rate() {
    for hz in [0, 1, 4_000_000_000] {
        let mut bytes = valid();
        set_u32(&mut bytes, 24, hz);
        assert_eq!(
            Wav::parse(&bytes),
            Err(WavError::UnsupportedSampleRate { hz })
        );
    }
}

#[test]
fn block_align_mismatch() {
    let mut bytes = valid();
    set_u16(&mut bytes, 32, 4);
    assert_eq!(
        Wav::parse(&bytes),
        Err(WavError::BlockAlignMismatch {
            expected: 2,
            found: 4
        })
    );
}

#[test]
fn missing_fmt_chunk() {
    let mut bytes = valid();
    bytes[12..16].copy_from_slice(b"junk");
    assert_eq!(Wav::parse(&bytes), Err(WavError::MissingFmt));
}

#[test]
fn missing_data_chunk() {
    let mut bytes = valid();
    bytes[36..40].copy_from_slice(b"junk");
    assert_eq!(Wav::parse(&bytes), Err(WavError::MissingData));
}

#[test]
fn data_not_whole_sample_frames() {
    let mut bytes = valid();
    set_u32(&mut bytes, 40, 3);
    assert_eq!(
        Wav::parse(&bytes),
        Err(WavError::PartialFrame {
            len: 3,
            block_align: 2
        })
    );
}

#[test]
fn writer_refuses_what_it_cannot_describe() {
    let stereo = WavSpec {
        encoding: WavEncoding::Pcm16,
        channels: 2,
        sample_rate: SampleRate::HZ_48000,
    };
    assert_eq!(
        Wav::new(stereo, vec![0; 6]),
        Err(WavError::PartialFrame {
            len: 6,
            block_align: 4
        })
    );
    assert_eq!(
        Wav::new(
            WavSpec {
                channels: 0,
                ..stereo
            },
            vec![]
        ),
        Err(WavError::ZeroChannels)
    );
}
