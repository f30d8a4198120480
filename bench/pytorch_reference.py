#!/usr/bin/python3
"""PyTorch baseline for BENCHMARKS.md, on the same weights and architecture
as AlignScope (tools/alignscope_torch.py). Prints JSON lines.

  make-data --out DIR [--pairs 4000] [--source-vocab 500] [--target-vocab 600]
      [--vocab-from MODEL]
      writes DIR/source.vocab, DIR/target.vocab (for `alignscope-cli init`)
      and DIR/corpus.tsv: synthetic pairs, 8-12 source and 8-14 target tokens
      (alignscope-cli cannot export its corpora yet).
  decode --model FILE --sentence TEXT [--runs 30] [--threads N]
      batch-1 greedy decode, eager, torch.no_grad; median of the runs.
  train --model FILE --tsv FILE [--batch 32] [--steps 30] [--threads N]
      target tokens/s (incl. <eos>, as AlignScope counts) of Adam steps with
      teacher forcing, dropout and gradient clipping as AlignScope's trainer
      (lr 2e-3, clip 5); the model file gives the architecture, vocabularies
      and starting weights.

Best conditions: OpenBLAS with its own CPU detection, threads explicit:
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/pytorch_reference.py ...
--threads sets torch.set_num_threads and (unless --blas-threads) OpenBLAS's
thread count alike. On a loaded machine 2 + 2 threads can oversubscribe the
cores; try --blas-threads 1 and OMP_WAIT_POLICY=PASSIVE.
The first line printed describes the BLAS torch loaded.
"""

import argparse
import ctypes
import json
import os
import pathlib
import random
import statistics
import sys
import time

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tools"))
import alignscope_torch as ast  # noqa: E402
import alignscope_transformer_torch as att  # noqa: E402


def emit(obj):
    print(json.dumps(obj), flush=True)


def loaded_blas():
    """Paths of the BLAS/LAPACK libraries mapped into this process."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            if any(k in path for k in ("blas", "lapack", "mkl")):
                libs.add(path)
    return sorted(libs)


def openblas(libs):
    for path in libs:
        if "openblas" in path:
            try:
                return ctypes.CDLL(path)
            except OSError:
                pass
    return None


def set_threads(n, blas_threads):
    torch.set_num_threads(n)
    lib = openblas(loaded_blas())
    if lib is not None:
        lib.openblas_set_num_threads(ctypes.c_int(blas_threads))


def describe_environment(threads, blas_threads):
    # A tiny matmul makes torch load its BLAS before we look.
    a = torch.randn(64, 64)
    (a @ a).sum().item()
    set_threads(threads, blas_threads)
    libs = loaded_blas()
    info = {"bench": "environment", "torch": torch.__version__, "threads": torch.get_num_threads(),
            "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"), "blas_libraries": libs, "torch_config": torch.__config__.show()}
    lib = openblas(libs)
    if lib is not None:
        lib.openblas_get_config.restype = ctypes.c_char_p
        lib.openblas_get_corename.restype = ctypes.c_char_p
        info["openblas_config"] = lib.openblas_get_config().decode()
        info["openblas_core"] = lib.openblas_get_corename().decode()
        info["openblas_threads"] = lib.openblas_get_num_threads()
    emit(info)


# ---- data ------------------------------------------------------------------

def make_data(args):
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    specials = ["<pad>", "<sos>", "<eos>", "<unk>"]
    src_words = [f"s{i}" for i in range(args.source_vocab - len(specials))]
    tgt_words = [f"t{i}" for i in range(args.target_vocab - len(specials))]
    if args.vocab_from:  # words of an existing model, so its vocabularies cover the corpus
        _, meta = ast.read_safetensors(args.vocab_from)
        src_words = [w for w in json.loads(meta["alignscope.source_vocab"]) if w not in specials]
        tgt_words = [w for w in json.loads(meta["alignscope.target_vocab"]) if w not in specials]
    (out / "source.vocab").write_text("\n".join(specials + src_words) + "\n")
    (out / "target.vocab").write_text("\n".join(specials + tgt_words) + "\n")
    with open(out / "corpus.tsv", "w") as f:
        for _ in range(args.pairs):
            # Zipf-like word choice, as in natural text.
            src = [src_words[min(int(rng.paretovariate(1.0)) - 1, len(src_words) - 1)]
                   for _ in range(rng.randint(8, 12))]
            tgt = [tgt_words[min(int(rng.paretovariate(1.0)) - 1, len(tgt_words) - 1)]
                   for _ in range(rng.randint(8, 14))]
            f.write(" ".join(src) + "\t" + " ".join(tgt) + "\n")
    emit({"bench": "make-data", "dir": str(out), "pairs": args.pairs,
          "source_vocab": len(src_words) + len(specials), "target_vocab": len(tgt_words) + len(specials)})


def read_pairs(path):
    pairs = []
    with open(path) as f:
        for line in f:
            if "\t" in line:
                s, t = line.rstrip("\n").split("\t")[:2]
                pairs.append((s.split(), t.split()))
    return pairs


# ---- benchmarks ------------------------------------------------------------

def is_transformer(path):
    _, meta = ast.read_safetensors(path)
    return json.loads(meta["alignscope.config"]).get("architecture") == "transformer"


def bench_decode(args):
    tokens = args.sentence.split()
    if is_transformer(args.model):  # greedy with a key/value cache, recording every head's cross-attention
        model, config, src, tgt = att.load(args.model)
        run = lambda: att.greedy(model, config, src, tgt, tokens, full_log_probs=False)["steps"]  # noqa: E731
    else:
        rnn = ast.AlignScopeModel.from_file(args.model).eval()
        run = lambda: rnn.decode(tokens, record=False)["steps"]  # noqa: E731
    with torch.no_grad():
        for _ in range(args.warmup):
            steps = run()
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            steps = run()
            times.append(time.perf_counter() - start)
    median = statistics.median(times)
    emit({"bench": "decode", "impl": "pytorch-eager", "model": args.model, "threads": torch.get_num_threads(),
          "source_tokens": len(tokens) + 1, "steps": len(steps), "runs": args.runs,
          "median_ms": median * 1e3, "min_ms": min(times) * 1e3, "max_ms": max(times) * 1e3,
          "median_ms_per_step": median * 1e3 / len(steps)})


def batch_tensors(model, pairs):
    """Padded (B, S) sources with lengths, (B, T) targets ending in <eos> padded with -100."""
    srcs = [model.source_ids(s) for s, _ in pairs]
    tgts = [model.target_ids(t) + [model.tgt_special["eos"]] for _, t in pairs]
    S, T = max(map(len, srcs)), max(map(len, tgts))
    pad = model.src_special["pad"]
    src = torch.tensor([s + [pad] * (S - len(s)) for s in srcs], dtype=torch.long)
    tgt = torch.tensor([t + [-100] * (T - len(t)) for t in tgts], dtype=torch.long)
    return src, torch.tensor([len(s) for s in srcs]), tgt, torch.tensor([len(t) for t in tgts])


def timed_adam_steps(args, params, steps):
    """Runs `steps` (callables returning a batch's loss and its target tokens)
    as Adam updates with gradient clipping, times each from zeroing the
    gradients to the update, and prints the rate after `args.warmup` steps."""
    optimiser = torch.optim.Adam(params, lr=args.lr)
    rates, tokens_total, seconds_total, losses = [], 0, 0.0, []
    for i, step in enumerate(steps):
        start = time.perf_counter()
        optimiser.zero_grad(set_to_none=True)
        loss, tokens = step()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, args.clip)
        optimiser.step()
        elapsed = time.perf_counter() - start
        losses.append(loss.item())
        if i < args.warmup:
            continue
        rates.append(tokens / elapsed)
        tokens_total += tokens
        seconds_total += elapsed
    emit({"bench": "train", "impl": "pytorch-eager", "model": args.model, "threads": torch.get_num_threads(),
          "batch": args.batch, "steps": args.steps, "median_tokens_per_s": statistics.median(rates),
          "tokens_per_s": tokens_total / seconds_total, "mean_target_tokens_per_batch": tokens_total / args.steps,
          "first_loss": losses[0], "last_loss": losses[-1]})


def transformer_steps(args, pairs):
    """A Transformer's steps on padded batches: label smoothing 0.1, dropout 0.1,
    as AlignScope's Transformer recipe (the batch is built inside the timed step)."""
    model, config, src_vocab, tgt_vocab = att.load(args.model)
    params = list(model.p.values())
    for t in params:
        t.requires_grad_(True)
    si = {w: i for i, w in enumerate(src_vocab)}
    ti = {w: i for i, w in enumerate(tgt_vocab)}
    ss, ts = config["special"]["source"], config["special"]["target"]
    encode = lambda ws, index, sp: [index.get(w, sp["unk"]) for w in ws]  # noqa: E731
    data = [(encode(s, si, ss) + [ss["eos"]], encode(t, ti, ts) + [ts["eos"]]) for s, t in pairs]

    def step(i):
        batch = [data[(i * args.batch + k) % len(data)] for k in range(args.batch)]
        return lambda: att.batch_loss(model, [b[0] for b in batch], [b[1] for b in batch], ts["sos"], ss["pad"])

    return params, [step(i) for i in range(args.warmup + args.steps)]


def rnn_steps(args, pairs):
    """An RNN's steps with teacher forcing and dropout as AlignScope's trainer
    (the batches are built before timing)."""
    model = ast.AlignScopeModel.from_file(args.model).train()
    need = (args.warmup + args.steps) * args.batch
    batches = [batch_tensors(model, [pairs[(i + k) % len(pairs)] for k in range(args.batch)])
               for i in range(0, need, args.batch)]
    step = lambda b: lambda: (model.loss(*b), int(b[3].sum()))  # noqa: E731
    return list(model.parameters()), [step(b) for b in batches]


def bench_train(args):
    pairs = read_pairs(args.tsv)
    if not pairs:
        raise SystemExit(f"{args.tsv}: no tab-separated sentence pairs")
    random.Random(args.seed).shuffle(pairs)
    params, steps = (transformer_steps if is_transformer(args.model) else rnn_steps)(args, pairs)
    timed_adam_steps(args, params, steps)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    d = sub.add_parser("make-data")
    d.add_argument("--out", required=True)
    d.add_argument("--pairs", type=int, default=4000)
    d.add_argument("--source-vocab", type=int, default=500)
    d.add_argument("--target-vocab", type=int, default=600)
    d.add_argument("--seed", type=int, default=1)
    d.add_argument("--vocab-from", help="draw the words from this model file's vocabularies")
    for name in ("decode", "train"):
        p = sub.add_parser(name)
        p.add_argument("--model", required=True)
        p.add_argument("--threads", type=int, default=1)
        p.add_argument("--blas-threads", type=int, default=0,
                       help="OpenBLAS threads (default: --threads); torch's own kernels use --threads")
        p.add_argument("--seed", type=int, default=1)
    dec, tr = sub.choices["decode"], sub.choices["train"]
    dec.add_argument("--sentence", required=True, help="source tokens separated by spaces")
    dec.add_argument("--runs", type=int, default=30)
    dec.add_argument("--warmup", type=int, default=3)
    tr.add_argument("--tsv", required=True)
    tr.add_argument("--batch", type=int, default=32)
    tr.add_argument("--steps", type=int, default=30)
    tr.add_argument("--warmup", type=int, default=3)
    tr.add_argument("--lr", type=float, default=2e-3)
    tr.add_argument("--clip", type=float, default=5.0)
    args = ap.parse_args(argv)
    if args.command == "make-data":
        make_data(args)
        return 0
    torch.manual_seed(args.seed)
    describe_environment(args.threads, args.blas_threads or args.threads)
    (bench_decode if args.command == "decode" else bench_train)(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
