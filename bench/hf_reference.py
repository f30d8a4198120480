#!/usr/bin/python3
"""transformers' side of the Hugging Face folder benchmark (BENCHMARKS.md, "Hugging Face folders").

    /usr/bin/python3 bench/hf_reference.py make OUTDIR
        random models of real shape, written by save_pretrained (model.safetensors): OUTDIR/t5-small,
        OUTDIR/opus-mt-en-fr, OUTDIR/bart-base. Speed does not depend on the weights' values; the tokenizer files are
        the small ones of the parity fixtures (tests/data/hf/models), which is all the benchmark's text needs.
    /usr/bin/python3 bench/hf_reference.py time FOLDER [--steps 32] [--runs 5] [--threads 1]
        medians of: from_pretrained, the encoder on a 20-token source, and one decoder step per token with the KV cache
        and output_attentions=True (eager attention), fed the same tokens AlignScope's `bench --section folder` feeds.

Needs the laid transformers copy (.hf-reference, see ../shared/hf-reference/README.md). Run with OpenBLAS at its best:
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=N ... --threads N."""
import argparse
import os
import shutil
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "..", "shared", "hf-reference"))
import hfref  # noqa: E402

FIXTURES = os.path.join(ROOT, "tests", "data", "hf", "models")
TEXT = "the lighthouse keeper lit the lamp at dusk " * 40


def tokenizer_files(fixture, out):
    for f in os.listdir(os.path.join(FIXTURES, fixture)):
        if not (f.startswith("model") or f.startswith("pytorch_model") or f in ("config.json", "expected.json",
                                                                                  "generation_config.json")):
            shutil.copy(os.path.join(FIXTURES, fixture, f), out)


def make(T, torch, outdir):
    import json
    marian_vocab = json.load(open(os.path.join(FIXTURES, "marian", "vocab.json")))
    shapes = {
        "t5-small": ("t5-relu-tied", T.T5ForConditionalGeneration,
                     T.T5Config(vocab_size=32128, d_model=512, d_kv=64, d_ff=2048, num_layers=6, num_heads=8,
                                feed_forward_proj="relu", pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)),
        "opus-mt-en-fr": ("marian", T.MarianMTModel,
                          T.MarianConfig(vocab_size=59514, d_model=512, encoder_layers=6, decoder_layers=6,
                                         encoder_attention_heads=8, decoder_attention_heads=8, encoder_ffn_dim=2048,
                                         decoder_ffn_dim=2048, max_position_embeddings=512, scale_embedding=True,
                                         activation_function="swish", pad_token_id=marian_vocab["<pad>"],
                                         eos_token_id=0, decoder_start_token_id=marian_vocab["<pad>"])),
        "bart-base": ("bart", T.BartForConditionalGeneration,
                      T.BartConfig(vocab_size=50265, d_model=768, encoder_layers=6, decoder_layers=6,
                                   encoder_attention_heads=12, decoder_attention_heads=12, encoder_ffn_dim=3072,
                                   decoder_ffn_dim=3072, max_position_embeddings=1024)),
    }
    for name, (fixture, cls, cfg) in shapes.items():
        torch.manual_seed(0)
        model = cls(cfg).eval()
        folder = os.path.join(outdir, name)
        os.makedirs(folder, exist_ok=True)
        model.save_pretrained(folder, safe_serialization=True)
        tokenizer_files(fixture, folder)
        print(f"{folder}: {sum(p.numel() for p in model.parameters())} parameters")


def median_ms(runs, fn):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def time_folder(T, torch, folder, steps, runs):
    import json
    config = json.load(open(os.path.join(folder, "config.json")))
    cls = {"t5": T.T5ForConditionalGeneration, "bart": T.BartForConditionalGeneration,
           "marian": T.MarianMTModel}[config["model_type"]]
    tok = {"t5": lambda: T.T5Tokenizer.from_pretrained(folder),
           "bart": lambda: T.BartTokenizer.from_pretrained(folder),
           "marian": lambda: T.MarianTokenizer.from_pretrained(folder)}[config["model_type"]]()
    open_ms = median_ms(runs, lambda: cls.from_pretrained(folder))
    model = cls.from_pretrained(folder).eval()
    ids = tok(TEXT).input_ids
    source = torch.tensor([ids[:20]])
    forced = ids[:steps]
    encoder = model.get_encoder()
    with torch.no_grad():
        encode_ms = median_ms(runs, lambda: encoder(input_ids=source, return_dict=True))
        enc = encoder(input_ids=source, return_dict=True)

        def decode():
            past, cur = None, model.generation_config.decoder_start_token_id
            for token in forced:
                out = model(encoder_outputs=enc, decoder_input_ids=torch.tensor([[cur]]), past_key_values=past,
                            use_cache=True, output_attentions=True, return_dict=True)
                past, cur = out.past_key_values, token
        per_token = median_ms(runs, decode) / len(forced)
    print(json.dumps({"folder": folder, "threads": torch.get_num_threads(), "open_ms": open_ms,
                      "encode_20_tokens_ms": encode_ms, "steps": len(forced), "per_token_ms": per_token}))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["make", "time"])
    p.add_argument("path")
    p.add_argument("--steps", type=int, default=32)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--dest", default=os.path.join(ROOT, ".hf-reference"))
    a = p.parse_args()
    T = hfref.setup(a.dest)
    import torch
    torch.set_num_threads(a.threads)
    if a.command == "make":
        make(T, torch, a.path)
    else:
        time_folder(T, torch, a.path, a.steps, a.runs)


if __name__ == "__main__":
    main()
