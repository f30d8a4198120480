#!/usr/bin/python3
"""Quantised whisper.cpp files (q4_0, q4_1, q5_0, q5_1, q8_0) made by whisper.cpp's own converter and quantize tool,
and what ggml's own dequantize_row_* functions make of every quantised tensor in them.

    /usr/bin/python3 tests/interop/make_ggml_quant_fixtures.py WHISPERCPP OPENAI_WHISPER WHISPERCPP_BUILD [DEST] [OUTDIR]

WHISPERCPP and OPENAI_WHISPER are git directories of github.com/ggml-org/whisper.cpp and github.com/openai/whisper
(bench/whisper_cpp.py runs the converter from them); WHISPERCPP_BUILD is a build of that checkout (cmake, target
whisper-quantize) with bin/whisper-quantize and bin/libggml-base.so; DEST is the laid transformers copy (default
.hf-reference), OUTDIR the fixtures folder (default tests/data/ggml/quant). Writes:

    ggml-q4_0.bin ... ggml-q8_0.bin   `whisper-quantize ggml-f32.bin OUT TYPE` of one small random Whisper
                                      (d_model 32, so every matrix row is one block of 32 values; 2 heads, one layer
                                      each side, ffn 64, the real 51,865-row multilingual vocabulary layout with a
                                      vocab.json of the 256 byte symbols): matrices quantised, vectors, the conv
                                      weights and the position tables float32, as the tool leaves them
    expected.json                     per file and per quantised tensor: its ggml type, the float64 sum and sum of
                                      squares of ggml's dequantize_row_<type> of it, and 64 of its values (at every
                                      elements/64-th place), computed by libggml-base.so itself through ctypes

The converted float32 file is not kept (6.6 MB). Run from the project root; the same inputs give the same bytes."""
import ctypes
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if len(sys.argv) < 4:
    raise SystemExit(__doc__.split("\n\n")[1])
WHISPERCPP, OPENAI, BUILD = sys.argv[1:4]
DEST = sys.argv[4] if len(sys.argv) > 4 else os.path.join(ROOT, ".hf-reference")
OUT = sys.argv[5] if len(sys.argv) > 5 else os.path.join(ROOT, "tests", "data", "ggml", "quant")
sys.path.insert(0, os.path.join(ROOT, "..", "shared", "hf-reference"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hfref  # noqa: E402

T = hfref.setup(DEST)
import numpy as np  # noqa: E402
import torch  # noqa: E402

import bytebpe  # noqa: E402

N_VOCAB, EOT, SOT = 51865, 50257, 50258
TYPES = {"q4_0": 2, "q4_1": 3, "q5_0": 6, "q5_1": 7, "q8_0": 8}
BLOCK_BYTES = {2: 18, 3: 20, 6: 22, 7: 24, 8: 34}


def tensors(path):
    """(name, ggml type, element count, data bytes) of every tensor in a whisper.cpp file."""
    data = open(path, "rb").read()
    at = 4 + 11 * 4
    mels, bins = struct.unpack_from("<ii", data, at)
    at += 8 + mels * bins * 4
    (count,) = struct.unpack_from("<i", data, at)
    at += 4
    for _ in range(count):
        (n,) = struct.unpack_from("<i", data, at)
        at += 4 + n
    out = []
    while at < len(data):
        dims, name_len, ttype = struct.unpack_from("<iii", data, at)
        at += 12
        ne = struct.unpack_from("<%di" % dims, data, at)
        at += 4 * dims
        name = data[at:at + name_len].decode()
        at += name_len
        elements = int(np.prod(ne))
        size = elements * 4 if ttype == 0 else elements * 2 if ttype == 1 else elements // 32 * BLOCK_BYTES[ttype]
        out.append((name, ttype, elements, data[at:at + size]))
        at += size
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    work = tempfile.mkdtemp()
    folder = os.path.join(work, "hf")
    byte_map = bytebpe.byte_map()
    bytebpe.write_files(folder, {byte_map[b]: b for b in range(256)}, [])
    hfref.write_json(os.path.join(folder, "added_tokens.json"), {"<|endoftext|>": EOT, "<|startoftranscript|>": SOT})
    cfg = T.WhisperConfig(vocab_size=N_VOCAB, num_mel_bins=80, encoder_layers=1, decoder_layers=1,
                          encoder_attention_heads=2, decoder_attention_heads=2, d_model=32, encoder_ffn_dim=64,
                          decoder_ffn_dim=64, max_source_positions=1500, max_target_positions=448,
                          pad_token_id=EOT, bos_token_id=EOT, eos_token_id=EOT, decoder_start_token_id=SOT)
    torch.manual_seed(11)
    T.WhisperForConditionalGeneration(cfg).save_pretrained(folder, safe_serialization=True)
    subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "whisper_cpp.py"), WHISPERCPP, OPENAI, folder, work],
                   check=True)
    ggml = ctypes.CDLL(os.path.join(BUILD, "bin", "libggml-base.so"))
    expected = {"source": "whisper.cpp models/convert-h5-to-ggml.py use-f32, then examples/quantize", "files": {}}
    for name, code in TYPES.items():
        out = os.path.join(OUT, "ggml-%s.bin" % name)
        subprocess.run([os.path.join(BUILD, "bin", "whisper-quantize"), os.path.join(work, "ggml-f32.bin"), out, name],
                       check=True, capture_output=True)
        dequantize = getattr(ggml, "dequantize_row_" + name)
        dequantize.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
        quantised = {}
        for tname, ttype, elements, raw in tensors(out):
            if ttype < 2:
                continue
            if ttype != code:
                raise SystemExit("%s: tensor %s is type %d, not %d" % (out, tname, ttype, code))
            values = np.zeros(elements, dtype=np.float32)
            source = ctypes.create_string_buffer(raw, len(raw))
            dequantize(ctypes.addressof(source), values.ctypes.data, elements)
            v64 = values.astype(np.float64)
            step = elements // 64
            quantised[tname] = {"type": ttype, "elements": elements, "sum": float(v64.sum()),
                                "sum_of_squares": float((v64 * v64).sum()), "step": step,
                                "values": [float(x) for x in values[::step][:64]]}
        if "decoder.token_embedding.weight" not in quantised:
            raise SystemExit(out + ": the token embedding was not quantised")
        expected["files"]["ggml-%s.bin" % name] = quantised
    hfref.write_json(os.path.join(OUT, "expected.json"), expected)
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
