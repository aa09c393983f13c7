#!/usr/bin/env python3
"""Generate the G.711 golden files that switchboard-audio is tested against.

The reference is CPython's `audioop` (removed in Python 3.13, so run this with Python 3.11 or
3.12). Files written under crates/audio/tests/data/g711/:

  ulaw_encode.bin  65,536 bytes: byte i = audioop.lin2ulaw(sample, 2) where sample is i read as
                   a u16 and reinterpreted as i16 (so index 0xFFFF is -1)
  alaw_encode.bin  the same for audioop.lin2alaw
  ulaw_decode.bin  256 little-endian i16: entry c = audioop.ulaw2lin(bytes([c]), 2)
  alaw_decode.bin  the same for audioop.alaw2lin

Usage:
  scripts/gen-g711-golden.py           regenerate the files
  scripts/gen-g711-golden.py --check   regenerate in memory; exit 1 if the checked-in files differ
"""

import argparse
import pathlib
import struct
import sys
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import audioop
    except ImportError:
        sys.exit("gen-g711-golden: needs the audioop module (Python 3.11 or 3.12)")

OUT_DIR = pathlib.Path(__file__).resolve().parent.parent / "crates/audio/tests/data/g711"


def golden_files() -> dict[str, bytes]:
    # Every 16-bit pattern in index order: little-endian u16 i is the i16 sample with those bits.
    all_samples = b"".join(struct.pack("<H", i) for i in range(1 << 16))
    all_codes = bytes(range(256))
    return {
        "ulaw_encode.bin": audioop.lin2ulaw(all_samples, 2),
        "alaw_encode.bin": audioop.lin2alaw(all_samples, 2),
        # audioop emits native-endian samples; normalise to little-endian.
        "ulaw_decode.bin": to_le(audioop.ulaw2lin(all_codes, 2)),
        "alaw_decode.bin": to_le(audioop.alaw2lin(all_codes, 2)),
    }


def to_le(native: bytes) -> bytes:
    if sys.byteorder == "little":
        return native
    return audioop.byteswap(native, 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="verify the checked-in files instead of writing"
    )
    args = parser.parse_args()

    files = golden_files()
    if args.check:
        stale = []
        for name, expected in files.items():
            path = OUT_DIR / name
            if not path.is_file() or path.read_bytes() != expected:
                stale.append(name)
        if stale:
            print(
                f"gen-g711-golden: out of date: {', '.join(stale)} "
                "(run scripts/gen-g711-golden.py)",
                file=sys.stderr,
            )
            return 1
        print(f"gen-g711-golden: {len(files)} files match audioop")
        return 0

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (OUT_DIR / name).write_bytes(data)
        print(f"wrote {OUT_DIR / name} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
