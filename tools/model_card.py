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
ORDER = ["additive", "dot", "general", "concat", "scaled-dot", "location", "local-p", "transformer"]
SEED = "The cat sat on the mat"


def cli(build, *args):
    exe = os.path.join(build, "app", "alignscope-cli")
    return subprocess.run([exe, *args], check=True, capture_output=True, text=True, cwd=ROOT).stdout


def argmax(w):
    return max(range(len(w)), key=w.__getitem__)


def seed_step(build, name):
    """Translation of the seed sentence and the source word with the largest
    weight at "chat"; for a model with heads, which heads put it there."""
    trace = json.loads(cli(build, "translate", "--json", "--model", name, SEED))
    focus = "-"
    for step in trace["steps"]:
        if step["token"] == "chat":
            focus = trace["source_tokens"][argmax(step["weights"])]
            stack = step["cross_attention"]
            if len(stack) * len(stack[0]) > 1:
                heads = [f"{l + 1}.{h + 1}" for l, layer in enumerate(stack) for h, w in enumerate(layer)
                         if trace["source_tokens"][argmax(w)] == "cat"]
                focus += f" (last layer's mean; heads on \"cat\": {', '.join(heads) or 'none'})"
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
        m = json.loads(cli(build, "eval", "--model", name, "--task", "en-fr", "--split", "test", "--json",
                           "--per-head"))
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
    multi = [(name, m["per_head"]) for name, _, _, _, _, m, _, _ in rows if m["per_head"]["heads"] * m["per_head"]["layers"] > 1]
    if multi:
        out += ["", "For models with several heads the AER and entropy columns score the last layer's mean",
                "over heads (what the window shows first); `eval --per-head` scores each head alone:", ""]
        for name, ph in multi:
            best = ph["best"]
            grid = "; ".join(f"layer {l + 1}: " + ", ".join(f"{a:.3f}" for a in row) for l, row in enumerate(ph["aer"]))
            out += [f"- **{name}**: per-head AER {grid}. Best: layer {best['layer']}, head {best['head']} "
                    f"(AER {best['aer']:.3f})."]
    out += ["", "## Commands", ""]
    for name, command, *_ in rows:
        out += [f"- **{name}**: `{command}`"]
    out += ["", "Regenerate all of them with `tools/train_bundled.sh` and this card with",
            "`tools/model_card.py`. Architectures: `additive` is the seed document's variant 1",
            "(bidirectional GRU encoder, Bahdanau decoder with deep output); `dot`, `general`,",
            "`concat`, `scaled-dot` and `location` are variant 2 (GRU encoder, Luong decoder with",
            "input feeding); `local-p` is Luong's local-p attention (window D = 5, Gaussian σ = D/2)",
            "over the general score, reading a bidirectional GRU encoder. Location attention has no content term, so its alignments",
            "are positional by construction. `transformer` is a small T5-style encoder–decoder (2 + 2",
            "layers, 4 heads, d 64, pre-norm RMSNorm, T5's relative position buckets, ReLU feed-forward",
            "of 256, tied output) trained with Adam at a peak rate of 1e-3 after 500 warm-up steps,",
            "inverse-square-root decay, label smoothing 0.1 and dropout 0.1; it keeps biases and the",
            "1/√d_k scale that T5 itself drops.", ""]
    out += scenes_section(build)
    out += speech_section(build)
    open(os.path.join(MODELS, "README.md"), "w").write("\n".join(out))


def scenes_section(build):
    """The image captioner: its own task, so its own table."""
    path = os.path.join(MODELS, "scenes.safetensors")
    if not os.path.exists(path):
        return []
    command, seconds, params = log_facts("scenes")
    m = json.loads(cli(build, "eval", "--model", "scenes", "--task", "scenes", "--split", "test", "--json"))
    # Where it looks: testscenes measures it on the bundled model and prints it.
    test = subprocess.run([os.path.join(build, "tests", "core", "testscenes")], capture_output=True, text=True,
                          cwd=ROOT).stdout
    looks = [re.sub(r"^.*\) scenes: ", "", line) for line in test.splitlines() if "QINFO" in line]
    return ["## Image captioner", "",
            "`scenes` was trained by AlignScope on its own scenes task (`--task scenes`: 32 × 32 pictures of one",
            "to three coloured shapes that AlignScope draws, captioned from left to right; 20,000 training,",
            "500 dev and 500 test scenes, seed 1, no scene in two splits). Scores are on the test split,",
            "reproduced by `alignscope-cli eval --model scenes --task scenes --split test`. Where it looks",
            "when it names a shape is measured by `testscenes` (`ctest -R testscenes -V` prints it): the",
            "mean share of the last layer's mean cross-attention on the patches the named shape covers.", "",
            "| model | parameters | file | train time | BLEU | exact match |",
            "|---|---|---|---|---|---|",
            f"| scenes | {params:,} | {os.path.getsize(path) / 1e6:.2f} MB | {seconds // 60} min {seconds % 60} s | "
            f"{m['bleu']:.2f} | {100 * m['exact_match']:.1f}% |", "",
            "Measured by `testscenes`: " + "; ".join(looks) + ".", "",
            f"- **scenes**: `{command}` (stops early once the dev loss stops falling)", "",
            "A ViT-style encoder (4 × 4 pixel patches: an 8 × 8 grid, linear patch embedding, [CLS], learned",
            "positions, pre-norm) and a Transformer decoder, 2 + 2 layers, 4 heads, d 64, trained with Adam",
            "after warm-up, inverse-square-root decay, label smoothing 0.1 and dropout 0.1.", ""]


def speech_section(build):
    """The transcriber: a speech corpus made by tools/make-speech-corpus.py (the one
    tools/train_bundled.sh makes in BUILD_DIR/speech-corpus, or $ALIGNSCOPE_SPEECH_CORPUS)."""
    path = os.path.join(MODELS, "speech.safetensors")
    if not os.path.exists(path):
        return []
    corpus = os.environ.get("ALIGNSCOPE_SPEECH_CORPUS", os.path.join(build, "speech-corpus", "manifest.tsv"))
    command, seconds, params = log_facts("speech")
    m = json.loads(cli(build, "eval", "--model", "speech", "--task", corpus, "--format", "audio-tsv", "--split", "test",
                       "--json"))
    heard = cli(build, "translate", "--model", "speech", "--audio",
                os.path.join("tests", "data", "audio", "the-cat-sat-on-the-mat.wav")).strip()
    test = subprocess.run([os.path.join(build, "tests", "core", "testspeechmodel")], capture_output=True, text=True,
                          cwd=ROOT).stdout
    looks = [re.sub(r"^.*\) speech: ", "", line) for line in test.splitlines() if "QINFO" in line and "speech:" in line]
    return ["## Speech", "",
            "`speech` was trained by AlignScope on English speech synthesised by espeak-ng: the first 12,000",
            "English training sentences of the en-fr task (\"the cat sat on the mat\" left out), each spoken once",
            "by one of 15 English voices and variants at 130–210 words a minute and pitch 25–75, with white",
            "noise mixed in at 10–35 dB SNR (`tools/make-speech-corpus.py`, seed 20; `tools/train_bundled.sh`",
            "makes the corpus). The manifest is split 90/5/5 by a seeded shuffle; scores are on its 600-clip",
            "test split, reproduced by `alignscope-cli eval --model speech --task CORPUS/manifest.tsv --format",
            "audio-tsv --split test`.", "",
            "| model | parameters | file | train time | BLEU | exact match | \"The cat sat on the mat\" (espeak-ng) |",
            "|---|---|---|---|---|---|---|",
            f"| speech | {params:,} | {os.path.getsize(path) / 1e6:.2f} MB | {seconds // 60} min {seconds % 60} s | "
            f"{m['bleu']:.2f} | {100 * m['exact_match']:.1f}% | {heard} |", "",
            "Measured by `testspeechmodel` on the seed sentence's clip (`tests/data/audio`): " + "; ".join(looks) + ".",
            "",
            f"- **speech**: `{command}` (stopped early after 25 of its 30 epochs, the dev loss no longer falling enough)", "",
            "A Whisper-style audio encoder (40 log-mel bins at each clip's own length up to 10 s, two",
            "convolutions with GELU, the second of stride 2: one encoder frame per 20 ms, learned positions,",
            "pre-norm) and a Transformer decoder over words, 2 + 2 layers, 4 heads, d 96, feed-forward 384,",
            "trained with Adam at a peak rate of 2e-3 after 500 warm-up steps, inverse-square-root decay,",
            "label smoothing 0.1 and dropout 0.1.", ""]


if __name__ == "__main__":
    main()
