#!/usr/bin/env python3
"""Writes resources/models/README.md (the model card) from the training logs
and fresh `alignscope-cli eval` / `translate` runs, so every number in the
card is reproducible with the commands it quotes.

Usage: tools/model_card.py [BUILD_DIR]   (python3 standard library only)
"""
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, "resources", "models")
ORDER = ["additive", "dot", "general", "concat", "scaled-dot", "location", "local-p"]
SEED = "The cat sat on the mat"


def cli(build, *args):
    exe = os.path.join(build, "app", "alignscope-cli")
    return subprocess.run([exe, *args], check=True, capture_output=True, text=True, cwd=ROOT).stdout


def seed_step(build, name):
    """Translation of the seed sentence and the source word with the largest weight at "chat"."""
    trace = json.loads(cli(build, "translate", "--json", "--model", name, SEED))
    focus = "-"
    for step in trace["steps"]:
        if step["token"] == "chat":
            w = step["weights"]
            focus = trace["source_tokens"][max(range(len(w)), key=w.__getitem__)]
    return trace["translation"], focus


def log_facts(name):
    text = open(os.path.join(MODELS, "logs", name + ".log")).read()
    command = text.splitlines()[0]
    command = re.sub(r"^\S*alignscope-cli", "alignscope-cli", command)
    seconds = int(re.search(r"wall seconds: (\d+)", text).group(1))
    params = int(re.search(r"(\d+) parameters", text).group(1))
    return command, seconds, params


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build")
    rows = []
    for name in ORDER:
        path = os.path.join(MODELS, name + ".safetensors")
        if not os.path.exists(path):
            continue
        command, seconds, params = log_facts(name)
        m = json.loads(cli(build, "eval", "--model", name, "--task", "en-fr", "--split", "test", "--json"))
        translation, focus = seed_step(build, name)
        rows.append((name, command, seconds, params, os.path.getsize(path), m, translation, focus))

    out = ["# Bundled models: model card", "",
           "Every model here was trained by AlignScope's own engine on the built-in EN→FR task",
           "(`--task en-fr`: a synchronous grammar with gold word alignments; 30,000 training pairs,",
           "500 dev and 500 test pairs, seed 1). The held-out seed sentence",
           f"\"{SEED}\" never occurs in training. Scores are on the 500-pair test split,",
           "reproduced by `alignscope-cli eval --model NAME --task en-fr --split test`; AER compares",
           "the argmax of the attention on the forced reference with the gold links (Och & Ney);",
           "entropy is the mean attention entropy in nats. Training ran on a shared 2-core machine",
           "with other builds running, so the times are upper bounds.", "",
           "| model | parameters | file | train time | BLEU | exact match | AER | entropy | seed translation | largest weight at \"chat\" |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for name, command, seconds, params, size, m, translation, focus in rows:
        aer = "n/a" if m["aer"] is None else f"{m['aer']:.3f}"
        out.append(f"| {name} | {params:,} | {size / 1e6:.2f} MB | {seconds // 60} min {seconds % 60} s | "
                   f"{m['bleu']:.2f} | {100 * m['exact_match']:.1f}% | {aer} | {m['entropy']:.3f} | "
                   f"{translation} | {focus} |")
    out += ["", "## Commands", ""]
    for name, command, *_ in rows:
        out += [f"- **{name}**: `{command}`"]
    out += ["", "Regenerate all of them with `tools/train_bundled.sh` and this card with",
            "`tools/model_card.py`. Architectures: `additive` is the seed document's variant 1",
            "(bidirectional GRU encoder, Bahdanau decoder with deep output); `dot`, `general`,",
            "`concat`, `scaled-dot` and `location` are variant 2 (GRU encoder, Luong decoder with",
            "input feeding); `local-p` is Luong's local-p attention (window D = 5, Gaussian σ = D/2)",
            "over the general score, reading a bidirectional GRU encoder. Location attention has no content term, so its alignments",
            "are positional by construction.", ""]
    open(os.path.join(MODELS, "README.md"), "w").write("\n".join(out))


if __name__ == "__main__":
    main()
