#!/usr/bin/python3
"""Regenerates tests/data/transformer/parity/: Transformer models and what
the independent PyTorch implementation (tools/alignscope_transformer_torch.py)
computes with them, for testtransformerparity.

  /usr/bin/python3 tests/interop/make_transformer_parity_fixtures.py build/app/alignscope-cli

Writes
  * small random models made by `alignscope-cli init --encoder transformer`
    with different choices (norm kind and place, positions, activation,
    gating), seed 7, each decoded by PyTorch on two sentences;
  * the bundled `transformer` model decoded on three sentences (by name:
    the fixture refers to resources/models/transformer.safetensors);
  * buckets.json: T5's relative-position buckets for key − query from −300
    to 300, bidirectional and causal, for two bucket settings.
Each case holds the source tokens, and per step the chosen token, its log
probability, the whole log-softmax (first three steps), every layer's and
head's cross-attention; and the encoder's self-attention.
"""

import json
import os
import subprocess
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import alignscope_transformer_torch as ref  # noqa: E402

OUT = os.path.join(ROOT, "tests", "data", "transformer", "parity")
SPECIALS = ["<pad>", "<sos>", "<eos>", "<unk>"]
SOURCE = SPECIALS + "the cat sat on mat a dog saw small river".split()
TARGET = SPECIALS + "le chat assis sur tapis un chien vu petit rivière".split()

RANDOM_MODELS = {
    "post-sinusoidal-relu": ["--norm", "post", "--positions", "sinusoidal", "--activation", "relu"],
    "pre-learned-gated-silu": ["--norm", "pre", "--positions", "learned", "--activation", "silu", "--gated-ffn"],
    "t5-rms-relative-gelu-tanh": ["--norm", "pre", "--norm-kind", "rms", "--positions", "relative",
                                  "--activation", "gelu-tanh", "--gated-ffn"],
}
SENTENCES = [["the", "cat", "sat", "on", "the", "mat"], ["a", "small", "dog", "saw", "the", "cat"]]
BUNDLED_SENTENCES = [["the", "cat", "sat", "on", "the", "mat"],
                     ["the", "zebras", "quickly", "saw", "a", "small", "dog", "near", "the", "river"],
                     "the big dog and the small cat saw the old man who sat on the mat near the river".split()]


def decode_case(path, tokens):
    model, config, src, tgt = ref.load(path, torch.float32)
    out = ref.greedy(model, config, src, tgt, tokens)
    for i, s in enumerate(out["steps"]):
        if i >= 3:
            del s["log_probs"]
    out["source_tokens"] = tokens
    return out


def main():
    cli = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "app", "alignscope-cli")
    os.makedirs(OUT, exist_ok=True)
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, vocab in (("source", SOURCE), ("target", TARGET)):
            with open(os.path.join(tmp, name + ".txt"), "w") as f:
                f.write("\n".join(vocab) + "\n")
        for name, options in RANDOM_MODELS.items():
            model = os.path.join(OUT, name + ".safetensors")
            subprocess.run([cli, "init", "--encoder", "transformer", "--layers", "2", "--heads", "2", "--d-model", "16",
                            "--ffn", "24", *options, "--seed", "7", "--source-vocab", os.path.join(tmp, "source.txt"),
                            "--target-vocab", os.path.join(tmp, "target.txt"), "--out", model],
                           check=True, capture_output=True)
            for tokens in SENTENCES:
                cases.append({"model": os.path.relpath(model, ROOT), "forced": True, **decode_case(model, tokens)})
    bundled = os.path.join(ROOT, "resources", "models", "transformer.safetensors")
    for tokens in BUNDLED_SENTENCES:
        cases.append({"model": "transformer", "forced": False, **decode_case(bundled, tokens)})
    with open(os.path.join(OUT, "decodes.json"), "w") as f:
        json.dump(cases, f)
    rel = torch.arange(-300, 301)
    buckets = {"relative": rel.tolist()}
    for nb, md in ((32, 128), (8, 16)):
        for bidir in (True, False):
            key = f"{nb}_{md}_{'bidirectional' if bidir else 'causal'}"
            buckets[key] = ref.relative_bucket(rel, bidir, nb, md).tolist()
    with open(os.path.join(OUT, "buckets.json"), "w") as f:
        json.dump(buckets, f)
    print("wrote", os.path.relpath(OUT, ROOT), len(cases), "decodes")


if __name__ == "__main__":
    main()
