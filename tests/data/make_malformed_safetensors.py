#!/usr/bin/env python3
"""Regenerates tests/data/malformed/safetensors: one hostile file per class
of defect the reader must reject, and expected.tsv mapping each file to a
substring of the error message the reader must give.

Usage: python3 tests/data/make_malformed_safetensors.py
Standard library only. The output is deterministic, so a change shows up as
a readable diff of expected.tsv and the files.
"""

import json
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "malformed", "safetensors")


def framed(header_bytes, data=b""):
    """Length prefix + header bytes + data, with no checks at all."""
    return struct.pack("<Q", len(header_bytes)) + header_bytes + data


def with_header(header, data=b""):
    """A file whose header is `header` (a dict, or raw JSON text)."""
    text = header if isinstance(header, str) else json.dumps(header, separators=(",", ":"))
    return framed(text.encode("utf-8"), data)


def f32(shape, begin, end, dtype="F32"):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


ZEROS = bytes(64)

# (file name, bytes, expected message substring)
CASES = [
    # framing
    ("empty.safetensors", b"", "file is empty (0 bytes)"),
    ("too_short.safetensors", b"\x05\x00\x00", "file is 3 bytes, too short for a safetensors header"),
    ("header_too_large.safetensors", struct.pack("<Q", 100_000_001) + b"{}",
     "header length 100000001 bytes exceeds the 100000000-byte limit"),
    ("header_length_huge.safetensors", b"\xff" * 8 + b"{}", "exceeds the 100000000-byte limit"),
    ("header_past_eof.safetensors", struct.pack("<Q", 1000) + b'{"a":1}',
     "header of 1000 bytes extends past the end of the file (15 bytes)"),
    ("header_empty.safetensors", framed(b""), "header is empty"),
    ("not_brace.safetensors", framed(b"[1, 2]"), "header does not start with '{'"),
    ("leading_space.safetensors", framed(b' {"__metadata__":{}}'), "header does not start with '{'"),
    # encoding and syntax
    ("bad_utf8.safetensors", framed(b'{"w\xff":1}'), "header is not valid UTF-8 (header byte 3)"),
    ("overlong_utf8.safetensors", framed(b'{"a\xc0\xaf":1}'), "header is not valid UTF-8"),
    ("surrogate_utf8.safetensors", framed(b'{"a\xed\xa0\x80":1}'), "header is not valid UTF-8"),
    ("truncated_json.safetensors", framed(b'{"w": {"dtype": "F32"'), "header is not valid JSON"),
    ("trailing_garbage.safetensors", framed(b"{} x"), "header is not valid JSON"),
    ("nul_in_header.safetensors", framed(b'{"w":\x00}'), "header contains a NUL byte (header byte 5)"),
    ("nul_after_json.safetensors", framed(b"{}\x00garbage"), "header contains a NUL byte (header byte 2)"),
    ("lone_surrogate_escape.safetensors", framed(b'{"\\ud800":1}'), "header is not valid JSON"),
    ("number_overflow.safetensors", framed(b'{"w":1e999}'), "header is not valid JSON (number overflow"),
    ("deep_nesting.safetensors", framed(b'{"w":' + b"[" * 200 + b"]" * 200 + b"}"),
     "header nests objects or arrays more than 128 levels deep"),
    ("deep_unclosed.safetensors", framed(b"{" + b'"a":[' * 100 + b"{" * 100),
     "header nests objects or arrays more than 128 levels deep"),
    ("nesting_at_limit.safetensors", framed(b'{"w":' + b"[" * 127 + b"]" * 127 + b"}"),
     'tensor "w": entry must be an object with "dtype", "shape" and "data_offsets", found an array'),
    # __metadata__
    ("metadata_not_object.safetensors", with_header({"__metadata__": [1, 2]}),
     '"__metadata__" must be an object of strings, found array'),
    ("metadata_value_number.safetensors", with_header({"__metadata__": {"epoch": 3}}),
     '"__metadata__" entry "epoch" must be a string, found number'),
    ("metadata_duplicate_key.safetensors", with_header('{"__metadata__":{"k":"a","k":"b"}}'),
     '"__metadata__": duplicate key "k"'),
    ("metadata_duplicate.safetensors", with_header('{"__metadata__":{},"__metadata__":{}}'),
     'duplicate "__metadata__"'),
    # one entry on its own
    ("entry_not_object.safetensors", with_header({"w": 5}),
     'tensor "w": entry must be an object with "dtype", "shape" and "data_offsets", found a number'),
    ("missing_dtype.safetensors", with_header({"w": {"shape": [1], "data_offsets": [0, 4]}}, ZEROS[:4]),
     'tensor "w": missing "dtype"'),
    ("missing_shape.safetensors", with_header({"w": {"dtype": "F32", "data_offsets": [0, 4]}}, ZEROS[:4]),
     'tensor "w": missing "shape"'),
    ("missing_offsets.safetensors", with_header({"w": {"dtype": "F32", "shape": [1]}}, ZEROS[:4]),
     'tensor "w": missing "data_offsets"'),
    ("dtype_not_string.safetensors", with_header({"w": {"dtype": 32, "shape": [1], "data_offsets": [0, 4]}}),
     'tensor "w": "dtype" must be a string, found a number'),
    ("shape_not_array.safetensors", with_header({"w": {"dtype": "F32", "shape": "2", "data_offsets": [0, 8]}}),
     'tensor "w": "shape" must be an array of integers, found a string'),
    ("shape_fraction.safetensors", with_header({"w": f32([2.5], 0, 8)}, ZEROS[:8]),
     'tensor "w": "shape" must be an array of integers, found a non-integer number in it'),
    ("shape_null_dim.safetensors", with_header({"w": f32([None], 0, 8)}, ZEROS[:8]),
     'tensor "w": "shape" must be an array of integers, found a null in it'),
    ("offsets_not_array.safetensors", with_header({"w": {"dtype": "F32", "shape": [1], "data_offsets": 4}}),
     'tensor "w": "data_offsets" must be [begin, end] with two non-negative integers'),
    ("offsets_one_value.safetensors", with_header({"w": {"dtype": "F32", "shape": [1], "data_offsets": [4]}}),
     'tensor "w": "data_offsets" must be [begin, end]'),
    ("offsets_negative.safetensors", with_header({"w": f32([1], -4, 0)}),
     'tensor "w": "data_offsets" must be [begin, end] with two non-negative integers'),
    ("offsets_strings.safetensors", with_header({"w": f32([1], "0", "4")}, ZEROS[:4]),
     'tensor "w": "data_offsets" must be [begin, end] with two non-negative integers'),
    ("unsupported_dtype_i64.safetensors", with_header({"w": f32([1], 0, 8, dtype="I64")}, ZEROS[:8]),
     'tensor "w": unsupported dtype "I64" (supported: F32, F64, F16, BF16)'),
    ("unknown_dtype.safetensors", with_header({"w": f32([1], 0, 4, dtype="f32")}, ZEROS[:4]),
     'tensor "w": unsupported dtype "f32"'),
    ("negative_dim.safetensors", with_header({"w": f32([2, -3], 0, 24)}, ZEROS[:24]),
     'tensor "w": shape [2, -3] has a negative dimension'),
    ("dim_beyond_int64.safetensors", with_header({"w": f32([2**64 - 1], 0, 4)}, ZEROS[:4]),
     'tensor "w": shape dimension 18446744073709551615 is too large'),
    ("shape_overflow.safetensors", with_header({"w": f32([2**32, 2**32, 16], 0, 4)}, ZEROS[:4]),
     'tensor "w": shape [4294967296, 4294967296, 16] of F32 has too many elements'),
    ("bytes_overflow.safetensors", with_header({"w": f32([2**62], 0, 4)}, ZEROS[:4]),
     "has too many elements (byte size overflows 64 bits)"),
    ("offsets_reversed.safetensors", with_header({"w": f32([0], 8, 4)}, ZEROS[:8]),
     'tensor "w": data_offsets [8, 4] end before they begin'),
    ("size_mismatch.safetensors", with_header({"decoder.out.weight": f32([2, 3], 0, 12)}, ZEROS[:12]),
     'tensor "decoder.out.weight": data_offsets [0, 12] hold 12 bytes but shape [2, 3] of F32 needs 24'),
    ("size_mismatch_f16.safetensors", with_header({"w": f32([4], 0, 16, dtype="F16")}, ZEROS[:16]),
     "data_offsets [0, 16] hold 16 bytes but shape [4] of F16 needs 8"),
    ("offsets_past_data.safetensors", with_header({"w": f32([100], 0, 400)}, ZEROS[:24]),
     'tensor "w": data_offsets [0, 400] run past the end of the data section (24 bytes)'),
    ("offsets_far_past_data.safetensors", with_header({"w": f32([0], 2**64 - 1, 2**64 - 1)}),
     "run past the end of the data section (0 bytes)"),
    # layout of all entries together
    ("overlap.safetensors", with_header({"a": f32([2], 0, 8), "b": f32([2], 4, 12)}, ZEROS[:12]),
     'tensor "b": starts at byte 4 but the previous tensor "a" ends at byte 8 (they overlap)'),
    ("same_offsets.safetensors", with_header({"a": f32([2], 0, 8), "b": f32([2], 0, 8)}, ZEROS[:8]),
     "(they overlap)"),
    ("gap.safetensors", with_header({"a": f32([2], 0, 8), "b": f32([2], 12, 20)}, ZEROS[:20]),
     'tensor "b": starts at byte 12 but the previous tensor "a" ends at byte 8 (a gap of 4 bytes)'),
    ("first_not_at_zero.safetensors", with_header({"a": f32([2], 4, 12)}, ZEROS[:12]),
     'tensor "a": starts at byte 4 but the first tensor must start at byte 0 (a gap of 4 bytes)'),
    ("trailing_data.safetensors", with_header({"a": f32([2], 0, 8)}, ZEROS[:16]),
     "data section is 16 bytes but the tensors cover only 8"),
    ("data_without_tensors.safetensors", with_header({}, ZEROS[:8]),
     "data section is 8 bytes but the tensors cover only 0"),
    # names: duplicates, and names that must not break the one-line message
    ("duplicate_tensor.safetensors",
     with_header('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
                 '"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', ZEROS[:8]),
     'duplicate tensor name "w"'),
    ("duplicate_field.safetensors",
     with_header('{"w":{"dtype":"F32","dtype":"I64","shape":[1],"data_offsets":[0,4]}}', ZEROS[:4]),
     'tensor "w": duplicate key "dtype"'),
    ("newline_in_name.safetensors", with_header({"a\nb": 5}),
     'tensor "a\\nb": entry must be an object'),
    ("long_name.safetensors", with_header({"x" * 500: 5}),
     'tensor "' + "x" * 80 + '...": entry must be an object'),
]


def main():
    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):
        if old.endswith(".safetensors"):
            os.remove(os.path.join(OUT, old))
    lines = ["# file\texpected error message substring (regenerate with make_malformed_safetensors.py)"]
    for name, data, expected in CASES:
        assert "\t" not in expected and "\n" not in expected, name
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        lines.append(f"{name}\t{expected}")
    with open(os.path.join(OUT, "expected.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(CASES)} files to {OUT}")


if __name__ == "__main__":
    main()
