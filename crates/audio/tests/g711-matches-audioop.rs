//! G.711 µ-law and A-law are bit-exact with Python 3.11's `audioop` for every 16-bit input and
//! every code. The golden files come from `scripts/gen-g711-golden.py` (which also has
//! `--check`).

use std::path::PathBuf;

use switchboard_audio::g711;

fn golden(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/g711")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn check_encoder(name: &str, encode: fn(i16) -> u8) {
    let expected = golden(name);
    assert_eq!(expected.len(), 1 << 16, "{name}");
    let mismatches: Vec<String> = (0..=u16::MAX)
        .filter_map(|bits| {
            let sample = bits as i16;
            let (got, want) = (encode(sample), expected[usize::from(bits)]);
            (got != want).then(|| format!("{sample}: got {got:#04x}, audioop {want:#04x}"))
        })
        .collect();
    assert!(
        mismatches.is_empty(),
        "{name}: {} of 65536 inputs differ, e.g. {:?}",
        mismatches.len(),
        &mismatches[..mismatches.len().min(5)]
    );
}

fn check_decoder(name: &str, decode: fn(u8) -> i16) {
    let expected = golden(name);
    assert_eq!(expected.len(), 512, "{name}");
    for code in 0..=u8::MAX {
        let at = usize::from(code) * 2;
        let want = i16::from_le_bytes([expected[at], expected[at + 1]]);
        assert_eq!(decode(code), want, "{name}: code {code:#04x}");
    }
}

#[test]
fn ulaw_encode_matches_audioop() {
    check_encoder("ulaw_encode.bin", g711::ulaw_encode);
}

#[test]
fn alaw_encode_matches_audioop() {
    check_encoder("alaw_encode.bin", g711::alaw_encode);
}

#[test]
fn ulaw_decode_matches_audioop() {
    check_decoder("ulaw_decode.bin", g711::ulaw_decode);
}

#[test]
fn alaw_decode_matches_audioop() {
    check_decoder("alaw_decode.bin", g711::alaw_decode);
}

#[test]
fn slice_helpers_agree_with_per_sample_functions() {
    let samples: Vec<i16> = (i16::MIN..=i16::MAX).step_by(3).collect();
    let ulaw = g711::ulaw_encode_slice(&samples);
    let alaw = g711::alaw_encode_slice(&samples);
    for (i, &s) in samples.iter().enumerate() {
        assert_eq!(ulaw[i], g711::ulaw_encode(s));
        assert_eq!(alaw[i], g711::alaw_encode(s));
    }
    let codes: Vec<u8> = (0..=255).collect();
    assert_eq!(
        g711::ulaw_decode_slice(&codes),
        codes
            .iter()
            .map(|&c| g711::ulaw_decode(c))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        g711::alaw_decode_slice(&codes),
        codes
            .iter()
            .map(|&c| g711::alaw_decode(c))
            .collect::<Vec<_>>()
    );
}
