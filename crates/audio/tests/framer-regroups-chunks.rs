//! The framer turns any chunking of a byte stream into the same sequence of whole 20 ms frames,
//! carrying partial frames across pushes, and frames survive the base64 the JSON carries.

use proptest::prelude::*;
use switchboard_audio::{AudioFormat, Framer, decode_base64, encode_base64};

fn chunked<'a>(stream: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
    points.push(0);
    points.push(stream.len());
    points.sort_unstable();
    points.windows(2).map(|w| &stream[w[0]..w[1]]).collect()
}

proptest! {
    #[test]
    fn any_chunking_gives_the_same_frames(
        stream in prop::collection::vec(any::<u8>(), 0..6_000),
        cuts in prop::collection::vec(any::<usize>(), 0..40),
        pcm in any::<bool>(),
    ) {
        let format = if pcm { AudioFormat::PCM16_24K } else { AudioFormat::G711Ulaw };
        let mut framer = Framer::twenty_ms(format);
        let frame_len = framer.frame_len();
        let mut frames = Vec::new();
        for chunk in chunked(&stream, &cuts) {
            framer.push(chunk);
            while let Some(frame) = framer.poll_frame() {
                frames.push(frame);
            }
        }
        let expected: Vec<Vec<u8>> = stream.chunks_exact(frame_len).map(<[u8]>::to_vec).collect();
        prop_assert_eq!(frames, expected);
        prop_assert_eq!(framer.pending(), stream.len() % frame_len);

        // The tail comes out padded with silence, after the whole frames.
        let tail = framer.finish();
        let remainder = stream.len() % frame_len;
        prop_assert_eq!(tail.is_some(), remainder > 0);
        if let Some(tail) = tail {
            prop_assert_eq!(tail.len(), frame_len);
            prop_assert_eq!(&tail[..remainder], &stream[stream.len() - remainder..]);
        }
    }

    #[test]
    fn frames_survive_base64(frame in prop::collection::vec(any::<u8>(), 0..2_000)) {
        let text = encode_base64(&frame);
        prop_assert_eq!(text.len(), frame.len().div_ceil(3) * 4);
        prop_assert_eq!(decode_base64(&text).unwrap(), frame);
    }
}

#[test]
fn pcm_frame_is_1280_base64_characters() {
    let mut framer = Framer::twenty_ms(AudioFormat::PCM16_24K);
    framer.push(&[0u8; 1_000]);
    let frame = framer.poll_frame().unwrap();
    assert_eq!(frame.len(), 960);
    let text = encode_base64(&frame);
    assert_eq!(text.len(), 1_280);
    assert!(text.chars().all(|c| c == 'A'));
}

#[test]
fn unpadded_and_url_safe_base64_are_rejected() {
    assert!(decode_base64("AAE").is_err(), "missing padding");
    assert!(decode_base64("-_8=").is_err(), "URL-safe alphabet");
    assert!(decode_base64("AA E=").is_err(), "whitespace");
}
