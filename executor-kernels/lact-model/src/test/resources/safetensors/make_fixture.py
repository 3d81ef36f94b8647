#!/usr/bin/env python3
"""Writes fixture.safetensors next to this script, for SafetensorsFixtureTest.

The file is built with the standard library only (struct and json), independently of the Java
writer, so the Java reader is checked against a second implementation of the format. Values are
chosen to be exact in their dtype, so the test can compare with ==. Run it again only if the
test's expected values change with it:

    python3 make_fixture.py
"""
import json
import pathlib
import struct


def bf16(values):
    # bfloat16 is the upper half of a float32; every value here is exact in bfloat16
    out = b""
    for v in values:
        bits = struct.unpack("<I", struct.pack("<f", v))[0]
        assert bits & 0xFFFF == 0, v
        out += struct.pack("<H", bits >> 16)
    return out


# (name, dtype, shape, little-endian bytes), in the order of the byte buffer
TENSORS = [
    ("model.embed.weight", "F32", [2, 3], struct.pack("<6f", 0.1, 1.5, -3.25, 0.0, 1e-45, 65504.0)),
    ("model.norm.weight", "BF16", [4], bf16([1.0, -2.0, 0.5, 3.140625])),
    # struct's "e" is IEEE binary16: 2**-24 is the smallest subnormal, -0.0 keeps its sign
    ("lm_head.bias", "F16", [2, 2], struct.pack("<4e", 1.0, -2.5, 2.0 ** -24, -0.0)),
]


def main():
    header = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, dtype, shape, data in TENSORS:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    # keys sorted, so the header's order differs from the byte buffer's and the reader must sort
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    out = pathlib.Path(__file__).resolve().parent / "fixture.safetensors"
    out.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(t[3] for t in TENSORS))


if __name__ == "__main__":
    main()
