//! G.711 µ-law and A-law, bit-exact with CPython's `audioop` (`lin2ulaw`, `ulaw2lin`,
//! `lin2alaw`, `alaw2lin` at width 2), which is the de-facto reference the Realtime tooling
//! ecosystem was tested against.
//!
//! The encoders follow the Sun reference code that `audioop` uses: the 16-bit sample is
//! arithmetically shifted to 14 bits (µ-law) or 13 bits (A-law) *before* the sign is taken.
//! For negative inputs that shift rounds towards −∞, which is why a textbook encoder working on
//! the magnitude differs from `audioop` by one step on a few hundred inputs.
//! `tests/g711-matches-audioop.rs` checks all 65 536 inputs and 256 codes against golden files
//! produced by `scripts/gen-g711-golden.py`.
//!
//! Everything is table driven; the tables are computed at compile time from the reference
//! algorithm below, so there is one source of truth and no table to drift.

const ULAW_BIAS: i32 = 0x84;

/// µ-law code of a 14-bit sample (the reference `st_14linear2ulaw`).
const fn ulaw_from_14bit(sample: i32) -> u8 {
    let (mut magnitude, mask) = if sample < 0 {
        (-sample, 0x7F)
    } else {
        (sample, 0xFF)
    };
    magnitude += ULAW_BIAS >> 2;
    // Segment = index of the first end point 0x3F, 0x7F, … 0x1FFF not below the magnitude,
    // i.e. the bit length of magnitude / 64.
    let segment = 32 - ((magnitude >> 6) as u32).leading_zeros();
    if segment >= 8 {
        return 0x7F ^ mask;
    }
    let code = ((segment << 4) as i32 | ((magnitude >> (segment + 1)) & 0x0F)) as u8;
    code ^ mask
}

/// A-law code of a 13-bit sample (the reference `st_linear2alaw`).
const fn alaw_from_13bit(sample: i32) -> u8 {
    let (magnitude, mask) = if sample >= 0 {
        (sample, 0xD5)
    } else {
        (-sample - 1, 0x55)
    };
    // Segment end points 0x1F, 0x3F, … 0xFFF: bit length of magnitude / 32.
    let segment = 32 - ((magnitude >> 5) as u32).leading_zeros();
    if segment >= 8 {
        return 0x7F ^ mask;
    }
    let quant = if segment < 2 {
        (magnitude >> 1) & 0x0F
    } else {
        (magnitude >> segment) & 0x0F
    };
    (((segment << 4) as i32 | quant) as u8) ^ mask
}

const fn ulaw_to_linear(code: u8) -> i16 {
    let inverted = !code as i32;
    let mut t = ((inverted & 0x0F) << 3) + ULAW_BIAS;
    t <<= (inverted & 0x70) >> 4;
    (if inverted & 0x80 != 0 {
        ULAW_BIAS - t
    } else {
        t - ULAW_BIAS
    }) as i16
}

const fn alaw_to_linear(code: u8) -> i16 {
    let toggled = (code ^ 0x55) as i32;
    let mut t = ((toggled & 0x0F) << 4) + 8;
    let segment = (toggled & 0x70) >> 4;
    if segment >= 1 {
        t += 0x100;
    }
    if segment >= 2 {
        t <<= segment - 1;
    }
    (if toggled & 0x80 != 0 { t } else { -t }) as i16
}

/// Indexed by `(sample >> 2) + 8192`.
static ULAW_ENCODE: [u8; 1 << 14] = {
    let mut table = [0u8; 1 << 14];
    let mut i = 0;
    while i < table.len() {
        table[i] = ulaw_from_14bit(i as i32 - (1 << 13));
        i += 1;
    }
    table
};

/// Indexed by `(sample >> 3) + 4096`.
static ALAW_ENCODE: [u8; 1 << 13] = {
    let mut table = [0u8; 1 << 13];
    let mut i = 0;
    while i < table.len() {
        table[i] = alaw_from_13bit(i as i32 - (1 << 12));
        i += 1;
    }
    table
};

static ULAW_DECODE: [i16; 256] = {
    let mut table = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = ulaw_to_linear(i as u8);
        i += 1;
    }
    table
};

static ALAW_DECODE: [i16; 256] = {
    let mut table = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = alaw_to_linear(i as u8);
        i += 1;
    }
    table
};

/// Encodes one 16-bit sample as µ-law (`audioop.lin2ulaw`).
#[must_use]
#[inline]
pub fn ulaw_encode(sample: i16) -> u8 {
    // (sample >> 2) + 8192 is in 0..16384, so the index is always in bounds.
    ULAW_ENCODE[((sample >> 2) as i32 + (1 << 13)) as usize]
}

/// Decodes one µ-law code to a 16-bit sample (`audioop.ulaw2lin`).
#[must_use]
#[inline]
pub fn ulaw_decode(code: u8) -> i16 {
    ULAW_DECODE[usize::from(code)]
}

/// Encodes one 16-bit sample as A-law (`audioop.lin2alaw`).
#[must_use]
#[inline]
pub fn alaw_encode(sample: i16) -> u8 {
    // (sample >> 3) + 4096 is in 0..8192, so the index is always in bounds.
    ALAW_ENCODE[((sample >> 3) as i32 + (1 << 12)) as usize]
}

/// Decodes one A-law code to a 16-bit sample (`audioop.alaw2lin`).
#[must_use]
#[inline]
pub fn alaw_decode(code: u8) -> i16 {
    ALAW_DECODE[usize::from(code)]
}

/// Encodes samples as µ-law, one byte each.
#[must_use]
pub fn ulaw_encode_slice(samples: &[i16]) -> Vec<u8> {
    samples.iter().map(|&s| ulaw_encode(s)).collect()
}

/// Decodes µ-law bytes to samples.
#[must_use]
pub fn ulaw_decode_slice(codes: &[u8]) -> Vec<i16> {
    codes.iter().map(|&c| ulaw_decode(c)).collect()
}

/// Encodes samples as A-law, one byte each.
#[must_use]
pub fn alaw_encode_slice(samples: &[i16]) -> Vec<u8> {
    samples.iter().map(|&s| alaw_encode(s)).collect()
}

/// Decodes A-law bytes to samples.
#[must_use]
pub fn alaw_decode_slice(codes: &[u8]) -> Vec<i16> {
    codes.iter().map(|&c| alaw_decode(c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes() {
        // Spot values from audioop, so a broken table fails here with a readable message
        // before the exhaustive golden test runs.
        assert_eq!(ulaw_encode(0), 0xFF);
        assert_eq!(ulaw_encode(-1), 0x7E);
        assert_eq!(ulaw_encode(i16::MAX), 0x80);
        assert_eq!(ulaw_encode(i16::MIN), 0x00);
        assert_eq!(alaw_encode(0), 0xD5);
        assert_eq!(alaw_encode(-1), 0x55);
        assert_eq!(alaw_encode(i16::MAX), 0xAA);
        assert_eq!(alaw_encode(i16::MIN), 0x2A);
        assert_eq!(ulaw_decode(0x00), -32124);
        assert_eq!(ulaw_decode(0x80), 32124);
        assert_eq!(alaw_decode(0xD5), 8);
        assert_eq!(alaw_decode(0x2A), -32256);
    }

    #[test]
    fn decode_then_encode_is_identity_on_codes() {
        for code in 0..=255u8 {
            assert_eq!(alaw_encode(alaw_decode(code)), code, "A-law {code:#04x}");
            // µ-law has two zeros (0x7F and 0xFF); both decode to 0 which encodes as 0xFF.
            if code != 0x7F {
                assert_eq!(ulaw_encode(ulaw_decode(code)), code, "µ-law {code:#04x}");
            }
        }
    }
}
