#!/usr/bin/env python3
"""Hand-built torch.save archives for tests/data/malformed/pytorch (no torch
needed: the pickle is written opcode by opcode). stop_on_mark.pt is not made
here: it is the input tests/fuzz/fuzz_pytorch found, kept as it was."""
import os
import struct
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))


def long1(v):
    n = (v.bit_length() + 8) // 8  # room for the sign bit
    return b"\x8a" + bytes([n]) + v.to_bytes(n, "little", signed=True)


def text(s):
    b = s.encode()
    return b"\x8c" + bytes([len(b)]) + b


def tensor_pickle(name, shape, strides, numel):
    p = b"\x80\x02}" + text(name)
    p += b"ctorch._utils\n_rebuild_tensor_v2\n("
    p += b"(" + text("storage") + b"ctorch\nFloatStorage\n" + text("0") + text("cpu") + long1(numel) + b"tQ"
    p += b"K\x00"
    p += b"(" + b"".join(long1(d) for d in shape) + b"t"
    p += b"(" + b"".join(long1(s) for s in strides) + b"t"
    p += b"\x89ccollections\nOrderedDict\n)R"
    p += b"tRs."
    return p


def write(name, pickle, storage=b""):
    with zipfile.ZipFile(os.path.join(HERE, name), "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pickle)
        z.writestr("archive/byteorder", "little")
        z.writestr("archive/data/0", storage)


# Zero elements, but the leading dimensions' product overflows 64 bits.
write("empty_tensor_huge_dims.pt", tensor_pickle("w", [1 << 40, 1 << 40, 0], [0, 0, 1], 0))
