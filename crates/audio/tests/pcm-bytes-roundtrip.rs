//! PCM16 little-endian bytes and samples convert losslessly both ways; odd byte counts are
//! refused rather than silently truncated.

use proptest::prelude::*;
use switchboard_audio::PcmError;
use switchboard_audio::pcm::{bytes_to_samples, f32_to_i16, i16_to_f32, samples_to_bytes};

proptest! {
    #[test]
    fn samples_survive_bytes(samples in prop::collection::vec(any::<i16>(), 0..512)) {
        let bytes = samples_to_bytes(&samples);
        prop_assert_eq!(bytes.len(), samples.len() * 2);
        prop_assert_eq!(bytes_to_samples(&bytes).unwrap(), samples);
    }

    #[test]
    fn even_bytes_survive_samples(pairs in prop::collection::vec(any::<[u8; 2]>(), 0..512)) {
        let bytes: Vec<u8> = pairs.concat();
        prop_assert_eq!(samples_to_bytes(&bytes_to_samples(&bytes).unwrap()), bytes);
    }

    #[test]
    fn odd_byte_counts_are_errors(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        prop_assume!(bytes.len() % 2 == 1);
        prop_assert_eq!(bytes_to_samples(&bytes), Err(PcmError::OddByteCount { len: bytes.len() }));
    }

    #[test]
    fn floats_stay_in_range_and_round_trip(sample in any::<i16>()) {
        let x = i16_to_f32(sample);
        prop_assert!((-1.0..1.0).contains(&x));
        prop_assert_eq!(f32_to_i16(x), sample);
    }
}

#[test]
fn first_byte_is_the_low_byte() {
    assert_eq!(bytes_to_samples(&[0x00, 0x80]).unwrap(), vec![i16::MIN]);
    assert_eq!(samples_to_bytes(&[256]), vec![0x00, 0x01]);
}
