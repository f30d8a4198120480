#!/usr/bin/python3
"""Regenerates tests/data/parity/: tiny random AlignScope models and what an
independent PyTorch implementation (tools/alignscope_torch.py) computes on
them. testparity.cpp decodes the same sentences with AlignScope and checks
tokens, scores, weights, contexts and log-probabilities against these files.

Run from the repository root after building the CLI:
  cmake -S . -B build-interop -DALIGNSCOPE_BUILD_UI=OFF
  cmake --build build-interop -j2 --target alignscope-cli
  /usr/bin/python3 tests/interop/make_parity_fixtures.py [--cli PATH] [--check]

Models come from `alignscope-cli init` (its random initialisation, scaled up
here so attention is far from uniform); configurations the CLI cannot make
(init zero/final, merge sum, no deep output, no input feeding) are derived by
editing the config and drawing the tensors the new config needs. PyTorch
decodes in float64 from the float32 weights, so the reference is exact up to
float64 rounding and the C++ float32 engine is expected within 1e-5.

Each model gets <name>.safetensors and <name>.json:
  {"model": file, "config": {...}, "cases": [{"sentence", "source_tokens",
   "greedy": {...}, "forced": {"target", ...}}]}
where a decode is {"tokens", "token_ids", "log_probs", "scores", "weights",
"context", "min_margin"} (rows per step; min_margin = smallest gap between
the best and second-best log-probability over the greedy steps, kept above
1e-4 so float rounding cannot flip an argmax).
With --check, also runs `alignscope-cli translate --json` and prints the
largest differences (a quick look before the C++ test is built).
"""

import argparse
import json
import pathlib
import subprocess
import sys

import numpy as np
import torch

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import alignscope_torch as ast  # noqa: E402

OUT = ROOT / "tests" / "data" / "parity"
SPECIALS = ["<pad>", "<sos>", "<eos>", "<unk>"]
SOURCE_WORDS = ("the cat dog sat on a mat red big small house garden saw my your his "
                "bird tree runs sleeps").split()
TARGET_WORDS = ("le la chat chien assis sur un une tapis rouge grand petit maison jardin "
                "vu mon ton son oiseau arbre court dort").split()
SENTENCES = [
    "the cat sat on the mat",
    "my big dog saw a red bird",
    "a small house",
    "the bird sleeps in his tree",  # "in" is not in the vocabulary: <unk>
    "your dog runs on the big red mat in my garden",
]
TARGETS = [
    "le chat assis sur le tapis",
    "mon grand chien vu un oiseau rouge",
    "une petite maison",
    "l oiseau dort dans son arbre",  # "l", "dans", "petite" are <unk>
    "ton chien court sur le grand tapis rouge dans mon jardin",
]

# name: (init arguments, config edits after init, sentence indices)
MODELS = {
    "bigru_bahdanau_additive": (dict(encoder="bigru", decoder="bahdanau", scorer="additive",
                                     embedding=6, hidden=8), {}, [0, 1, 3]),
    "gru_luong_dot": (dict(encoder="gru", decoder="luong", scorer="dot", embedding=6, hidden=8),
                      {}, [0, 2, 4]),
    "gru_luong_general": (dict(encoder="gru", decoder="luong", scorer="general", embedding=6, hidden=8),
                          {}, [1, 3]),
    "gru_luong_concat": (dict(encoder="gru", decoder="luong", scorer="concat", embedding=6, hidden=8),
                         {}, [0, 4]),
    "gru_luong_scaleddot": (dict(encoder="gru", decoder="luong", scorer="scaled-dot", embedding=6,
                                 hidden=8), {}, [1, 2]),
    "gru_bahdanau_location": (dict(encoder="gru", decoder="bahdanau", scorer="location", embedding=6,
                                   hidden=8, **{"max-source-length": 6}), {}, [0, 2, 4]),
    "gru_luong_general_localp": (dict(encoder="gru", decoder="luong", scorer="general", embedding=6,
                                      hidden=8, local="p", window=2), {}, [0, 4]),
    "gru_luong_dot_localm": (dict(encoder="gru", decoder="luong", scorer="dot", embedding=6, hidden=8,
                                  local="m", window=1), {}, [1, 2, 4]),
    "lstm_luong_general": (dict(encoder="lstm", decoder="luong", scorer="general", embedding=6,
                                hidden=8), {}, [0, 3]),
    "bilstm_bahdanau_additive": (dict(encoder="bilstm", decoder="bahdanau", scorer="additive",
                                      embedding=4, hidden=6), {}, [1, 4]),
    "bigru_bahdanau_additive_2layers": (dict(encoder="bigru", decoder="bahdanau", scorer="additive",
                                             embedding=6, hidden=8, layers=2), {}, [0, 3]),
    "lstm_luong_concat_2layers": (dict(encoder="lstm", decoder="luong", scorer="concat", embedding=6,
                                       hidden=8, layers=2), {}, [2, 4]),
    "gru_bahdanau_additive_odd": (dict(encoder="gru", decoder="bahdanau", scorer="additive",
                                       embedding=5, hidden=7), {}, [0, 1, 3]),
    "bigru_luong_general_odd": (dict(encoder="bigru", decoder="luong", scorer="general", embedding=5,
                                     hidden=7), {}, [2, 4]),
    # Derived configurations the CLI cannot make.
    "gru_luong_dot_zeroinit_nofeed": (dict(encoder="gru", decoder="luong", scorer="dot", embedding=6,
                                           hidden=8),
                                      {"decoder": {"init": "zero", "input_feeding": False}}, [0, 1]),
    "lstm_bahdanau_additive_final_2layers": (dict(encoder="lstm", decoder="bahdanau", scorer="additive",
                                                  embedding=6, hidden=8, layers=2),
                                             {"decoder": {"init": "final", "deep_output": False}}, [1, 4]),
    "bigru_bahdanau_concat_sum": (dict(encoder="bigru", decoder="bahdanau", scorer="concat", embedding=6,
                                       hidden=8),
                                  {"encoder": {"merge": "sum"}, "decoder": {"hidden": 8}}, [0, 3]),
}

# Spread of the weights after init: wide enough that attention is peaked and
# the argmax has clear winners, small enough to stay out of tanh saturation.
WEIGHT_SCALE = 2.5
ATTENTION_SCALE = 2.0  # on top, for decoder.attention.*: peaked weights


# Float32 rounding moves log-probabilities by ~1e-6; a greedy step whose best
# two candidates are closer than this could flip between implementations.
MIN_MARGIN = 1e-4


def write_vocabs(tmp):
    src, tgt = tmp / "source.vocab", tmp / "target.vocab"
    src.write_text("\n".join(SPECIALS + SOURCE_WORDS) + "\n")
    tgt.write_text("\n".join(SPECIALS + TARGET_WORDS) + "\n")
    return src, tgt


def cli_init(cli, args, vocabs, out, seed):
    cmd = [str(cli), "init", "--source-vocab", str(vocabs[0]), "--target-vocab", str(vocabs[1]),
           "--seed", str(seed), "--out", str(out)]
    for k, v in args.items():
        cmd += [f"--{k}", str(v)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def rewrite(path, edits, seed):
    """Scales the weights; applies config edits, drawing tensors the new config needs."""
    tensors, meta = ast.read_safetensors(path)
    config = json.loads(meta["alignscope.config"])
    for section, values in edits.items():
        config[section].update(values)
    model = ast.AlignScopeModel(config, json.loads(meta["alignscope.source_vocab"]),
                                json.loads(meta["alignscope.target_vocab"]))
    rng = np.random.default_rng(seed)
    wanted = model.file_tensors()
    out = {}
    for name, like in wanted.items():
        if name in tensors and tensors[name].shape == like.shape:
            arr = tensors[name]
        else:
            arr = rng.uniform(-0.3, 0.3, size=like.shape).astype(np.float32)
        scale = WEIGHT_SCALE * (ATTENTION_SCALE if name.startswith("decoder.attention.") else 1.0)
        out[name] = (arr * scale).astype(np.float32)
    meta = dict(meta)
    meta["alignscope.config"] = json.dumps(config, separators=(",", ":"))
    ast.write_safetensors(path, out, meta)


def rounded(values):
    """10 significant digits: far below the 1e-5 tolerance, a third of the file size."""
    return [float(f"{v:.10g}") for v in values]


def decode_record(model, tokens, forced=None):
    r = model.decode(tokens, forced=forced)
    steps = r["steps"]
    rec = {
        "tokens": [s["token"] for s in steps],
        "token_ids": [s["token_id"] for s in steps],
        "log_probs": rounded(s["log_prob"] for s in steps),
        "scores": [rounded(s["scores"]) for s in steps],
        "weights": [rounded(s["weights"]) for s in steps],
        "context": [rounded(s["context"]) for s in steps],
    }
    if forced is None:
        rec["min_margin"] = min(s["margin"] for s in steps)
    return r["source_tokens"], r["source_ids"], rec


def cli_tokens(cli, path, sentence):
    """AlignScope's own tokenisation (source_tokens of translate --json, <eos> dropped)."""
    out = subprocess.run([str(cli), "translate", "--model", str(path), "--json", sentence],
                         check=True, capture_output=True, text=True).stdout
    trace = json.loads(out)
    return trace


def compare(name, case, trace):
    """Largest |C++ - PyTorch| of the greedy decode (for --check)."""
    ref = case["greedy"]
    got_tokens = [s["token"] for s in trace["steps"]]
    worst = 0.0
    for key in ("scores", "weights", "context"):
        for a, b in zip(ref[key], (s[key] for s in trace["steps"])):
            worst = max(worst, float(np.max(np.abs(np.array(a) - np.array(b)))))
    same = got_tokens == ref["tokens"]
    print(f"  {name}: '{case['sentence']}' tokens {'equal' if same else 'DIFFER'}, "
          f"max |diff| {worst:.2e}" + ("" if same else f"\n    C++ {got_tokens}\n    torch {ref['tokens']}"))
    return same and worst < 1e-5


def main():
    ap = argparse.ArgumentParser()
    builds = [ROOT / b / "app" / "alignscope-cli" for b in ("build-interop", "build")]
    ap.add_argument("--cli", default=str(next((b for b in builds if b.exists()), builds[0])))
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--only", nargs="*")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    vocabs = write_vocabs(OUT)
    ok = True
    for index, (name, (init_args, edits, sentence_ids)) in enumerate(MODELS.items()):
        if args.only and name not in args.only:
            continue
        path = OUT / f"{name}.safetensors"
        seed = 100 + index
        cli_init(args.cli, init_args, vocabs, path, seed)
        rewrite(path, edits, seed)
        model = ast.AlignScopeModel.from_file(str(path), torch.float64)
        cases = []
        for i in sentence_ids:
            trace = cli_tokens(args.cli, path, SENTENCES[i])
            eos = trace["source_tokens"][-1]
            tokens = trace["source_tokens"][:-1] if model.config["append_source_eos"] else trace["source_tokens"]
            assert eos == "<eos>", trace["source_tokens"]
            shown, ids, greedy = decode_record(model, tokens)
            _, _, forced = decode_record(model, tokens, forced=TARGETS[i].split())
            if greedy["min_margin"] < MIN_MARGIN:
                print(f"warning: {name} '{SENTENCES[i]}' has a near tie ({greedy['min_margin']:.1e})")
                ok = False
            case = {"sentence": SENTENCES[i], "source_tokens": shown, "source_ids": ids,
                    "greedy": greedy, "forced": dict(target=TARGETS[i], **forced)}
            cases.append(case)
            if args.check:
                ok &= compare(name, case, trace)
        doc = {"model": path.name, "config": model.config, "generator": "tests/interop/make_parity_fixtures.py",
               "torch": torch.__version__, "dtype": "float64", "cases": cases}
        (OUT / f"{name}.json").write_text(json.dumps(doc, indent=1) + "\n")
        print("wrote", path.name, "and", f"{name}.json")
    for v in vocabs:
        v.unlink()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
