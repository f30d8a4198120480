#!/usr/bin/python3
"""Parity fixtures for Hugging Face folders, computed by the real transformers v4.36.2.

    /usr/bin/python3 tests/interop/make_hf_model_fixtures.py [DEST] [OUTDIR]

DEST is the laid transformers copy (default .hf-reference, see ../shared/hf-reference/README.md), OUTDIR the
fixtures folder (default tests/data/hf/models). Each tiny random model is written as save_pretrained writes it
(model.safetensors + pytorch_model.bin + the tokenizer's files; some sharded, some float16 / bfloat16) with an
expected.json: the source's input ids, transformers' greedy decode with the KV cache (tokens, logits,
cross-attention of every layer and head at every step), the encoder's output and the decoded text. Run from the
project root; the same DEST gives the same bytes."""
import copy
import io
import json
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "..", "shared", "hf-reference"))
import hfref  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bytebpe  # noqa: E402

DEST = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".hf-reference")
OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "tests", "data", "hf", "models")
T = hfref.setup(DEST)
import sentencepiece as spm  # noqa: E402
import torch  # noqa: E402

SENTENCES = """the lighthouse keeper lit the lamp at dusk
seven kites drifted over the harbour wall
a violinist tuned her strings before the concert
the orchard smelled of apples after the first frost
my grandfather repairs bicycles in a narrow shed
snowflakes melted on the window of the night bus
the astronomer counted moons around a distant planet
a heron waited patiently beside the reeds
they carried lanterns up the winding mountain path
the library closes early on thursday evenings
le gardien du phare alluma la lampe au crépuscule
sept cerfs-volants dérivaient au-dessus du mur du port
une violoniste accorda ses cordes avant le concert
le verger sentait les pommes après la première gelée""".split("\n")
SOURCE = "the heron waited beside the lighthouse at dusk"
STEPS = 8


def train_spm(vocab_size, **special):
    proto = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(SENTENCES), model_writer=proto, vocab_size=vocab_size,
                                   model_type="unigram", character_coverage=1.0, num_threads=1, minloglevel=2,
                                   normalization_rule_name="identity", **special)
    return proto.getvalue()


def t5_tokenizer(folder):
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "spiece.model")
    with open(path, "wb") as f:
        f.write(train_spm(96, pad_id=0, eos_id=1, unk_id=2, bos_id=-1))
    return T.T5Tokenizer(path, extra_ids=4, legacy=True)


def bart_tokenizer(folder):
    """A small byte-level BPE learnt here from SENTENCES (GPT-2's byte map and pattern), as BartTokenizer reads it."""
    merges = bytebpe.learn_merges(SENTENCES, 120)
    byte_map = bytebpe.byte_map()
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for c in sorted(set(byte_map.values())):
        vocab.setdefault(c, len(vocab))
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    vocab["<mask>"] = len(vocab)
    return T.BartTokenizer(*bytebpe.write_files(folder, vocab, merges))


def marian_tokenizer(folder):
    os.makedirs(folder, exist_ok=True)
    pieces = {}
    for name, size in (("source.spm", 80), ("target.spm", 72)):
        blob = train_spm(size, unk_id=0, bos_id=-1, eos_id=-1, pad_id=-1)
        with open(os.path.join(folder, name), "wb") as f:
            f.write(blob)
        sp = spm.SentencePieceProcessor(model_proto=blob)
        for i in range(sp.get_piece_size()):
            pieces.setdefault(sp.id_to_piece(i), None)
    vocab = {"</s>": 0, "<unk>": 1}
    for p in pieces:
        vocab.setdefault(p, len(vocab))
    vocab["<pad>"] = len(vocab)
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    return T.MarianTokenizer(os.path.join(folder, "source.spm"), os.path.join(folder, "target.spm"),
                             os.path.join(folder, "vocab.json"))


def saved(tok, folder):
    """The tokenizer's files, written once into `folder` (remembered as tok.saved_in)."""
    files = os.path.join(folder, "saved")
    os.makedirs(files, exist_ok=True)
    tok.save_pretrained(files)
    tok.saved_in = files
    return tok


def decode_for_fixture(model, ids, steps):
    """Redraws weights until the greedy decode is a good test: at least 5 distinct tokens, no top-1/top-2 logit
    margin under 0.02 (float rounding in a port could flip it), no EOS before the last step."""
    eos = model.generation_config.eos_token_id
    for seed in range(2000):
        buffers = ("final_logits_bias",) if hasattr(model, "final_logits_bias") else ()
        hfref.redraw_weights(model, seed, buffers=buffers)
        r = hfref.greedy_with_cross_attention(model, steps, stop_at_eos=True, input_ids=[ids])
        top2 = r["logits"].topk(2).values
        if (len(r["tokens"]) == steps and eos not in r["tokens"] and len(set(r["tokens"])) >= 5
                and float((top2[:, 0] - top2[:, 1]).min()) >= 0.02):
            return seed, r
    raise SystemExit("make_hf_model_fixtures: no seed gave a varied, unambiguous decode")


def expected(model, tok, ids, seed, r, extra=None):
    return {"transformers_version": T.__version__, "torch_version": torch.__version__,
            "architecture": type(model).__name__, "source_text": SOURCE, "input_ids": ids,
            "source_tokens": tok.convert_ids_to_tokens(ids), "weights_seed": seed,
            "decoder_start_token_id": model.generation_config.decoder_start_token_id,
            "generated_ids": r["tokens"], "generated_tokens": tok.convert_ids_to_tokens(r["tokens"]),
            "decoded_text": tok.decode(r["tokens"], skip_special_tokens=True),
            "steps": [{"step": i, "input_token_id": r["input_token_ids"][i], "token_id": r["tokens"][i],
                       "log_probs": torch.log_softmax(r["logits"][i].double(), -1).float(),
                       "cross_attention": r["cross_attention"][i]} for i in range(len(r["tokens"]))],
            "encoder_last_hidden_state": r["encoder_last_hidden_state"], **(extra or {})}


GENERATE_CASES = [
    {"max_length": 6},
    {"max_length": 7, "forced_bos_token_id": 5, "forced_eos_token_id": "eos"},
    {"max_new_tokens": 9, "no_repeat_ngram_size": 2},
    {"max_new_tokens": 7, "no_repeat_ngram_size": 1},
    {"max_length": 8, "suppress_tokens": "top"},
    {"max_length": 9, "num_beams": 3},
    {"max_length": 9, "num_beams": 4, "length_penalty": 0.5, "early_stopping": True},
    {"max_length": 9, "num_beams": 2, "length_penalty": 2.0, "no_repeat_ngram_size": 2},
    {"max_length": 9, "min_length": 9, "bad_words_ids": "top"},
    {"max_new_tokens": 6, "min_new_tokens": 5, "num_beams": 3},
]


def generate_cases(model, ids):
    """transformers' own generate() with settings a generation_config.json may hold: the ids it returns (after the
    decoder start token). "eos" and "top" stand for the model's EOS and for its greedy first two tokens."""
    m = model.float() if next(model.parameters()).dtype != torch.float32 else model
    m = copy.deepcopy(m)
    plain_generation(m)
    eos = m.generation_config.eos_token_id
    first = hfref.greedy_with_cross_attention(m, 2, stop_at_eos=False, verify=False, input_ids=[ids])["tokens"]
    cases = []
    for case in GENERATE_CASES:
        def value(k, v):
            if v == "eos":
                return eos
            if v == "top":  # suppress_tokens: the greedy first two; bad_words_ids: the second after the first, and EOS
                return [[first[0], first[1]], [eos]] if k == "bad_words_ids" else list(first)
            return v
        kw = {k: value(k, v) for k, v in case.items()}
        with torch.no_grad():
            out = m.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                             do_sample=False, **kw)
        cases.append({"settings": kw, "tokens": out[0, 1:].tolist()})
    return cases


def plain_generation(model):
    """Greedy without processors, as the decode above: no forced BOS/EOS, room for the steps."""
    gc = model.generation_config
    gc.forced_bos_token_id = None
    gc.forced_eos_token_id = None
    gc.max_length = 64
    gc.num_beams = 1
    gc.no_repeat_ngram_size = 0


def write(name, model, tok, ids, seed, r, *, shard=None, dtype=None):
    """The folder as save_pretrained writes it; `shard` splits the weights, `dtype` stores them in half precision
    (the expected numbers are then the float32 model with the rounded weights, which is what a loader computes)."""
    folder = os.path.join(OUT, name)
    shutil.rmtree(folder, ignore_errors=True)
    if dtype is not None:
        model = copy.deepcopy(model).to(dtype)
    if shard is None:
        hfref.save_folder(model, None, folder)
    else:
        model.save_pretrained(folder, safe_serialization=shard == "safetensors", max_shard_size="20KB")
    # The tokenizer was saved once (a second save_pretrained of the same slow tokenizer fails here); its files join.
    for f in sorted(os.listdir(tok.saved_in)):
        shutil.copy(os.path.join(tok.saved_in, f), folder)
    if dtype is not None:
        # What a user gets: the folder loaded back in float32 (buffers that are not stored, such as Marian's
        # sinusoidal positions, computed anew in float32).
        reference = hfref.load_folder(folder)
        plain_generation(reference)
        r = hfref.greedy_with_cross_attention(reference, STEPS, stop_at_eos=True, input_ids=[ids])
        model = reference
    hfref.write_json(os.path.join(folder, "expected.json"), expected(model, tok, ids, seed, r,
                                                                     {"generate": generate_cases(model, ids)}))
    print(f"{name}: {len(r['tokens'])} steps, {sum(p.numel() for p in model.parameters())} parameters")


def t5_models():
    base = os.path.join(OUT, ".tokenizers", "t5")
    tok = saved(t5_tokenizer(base), base)
    ids = tok(SOURCE).input_ids
    # t5 v1.0: ReLU, tied output (d^-1/2 rescale); an odd head count and d_kv != d_model / heads.
    cfg = T.T5Config(vocab_size=len(tok), d_model=24, d_kv=10, d_ff=40, num_layers=2, num_decoder_layers=2,
                     num_heads=3, feed_forward_proj="relu", dropout_rate=0.0, relative_attention_num_buckets=8,
                     relative_attention_max_distance=20, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
    torch.manual_seed(1)
    model = T.T5ForConditionalGeneration(cfg)
    plain_generation(model)
    seed, r = decode_for_fixture(model, ids, STEPS)
    write("t5-relu-tied", model, tok, ids, seed, r)
    write("t5-relu-tied-sharded", model, tok, ids, seed, r, shard="safetensors")
    # t5 v1.1 / flan-t5: gated GELU (tanh form), untied output, more decoder layers than encoder layers.
    cfg = T.T5Config(vocab_size=len(tok), d_model=32, d_kv=8, d_ff=48, num_layers=2, num_decoder_layers=3,
                     num_heads=4, feed_forward_proj="gated-gelu", tie_word_embeddings=False, dropout_rate=0.0,
                     pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
    torch.manual_seed(2)
    model = T.T5ForConditionalGeneration(cfg)
    plain_generation(model)
    seed, r = decode_for_fixture(model, ids, STEPS)
    write("t5-gated-untied", model, tok, ids, seed, r)
    write("t5-gated-untied-bf16", model, tok, ids, seed, r, dtype=torch.bfloat16)
    shutil.rmtree(os.path.join(OUT, ".tokenizers"))


def bart_models():
    base = os.path.join(OUT, ".tokenizers", "bart")
    tok = saved(bart_tokenizer(base), base)
    ids = tok(SOURCE).input_ids
    for name, heads, d, scale in (("bart", 3, 24, False), ("bart-scaled", 4, 32, True)):
        cfg = T.BartConfig(vocab_size=len(tok), d_model=d, encoder_layers=2, decoder_layers=2,
                           encoder_attention_heads=heads, decoder_attention_heads=heads, encoder_ffn_dim=40,
                           decoder_ffn_dim=40, max_position_embeddings=64, scale_embedding=scale, dropout=0.0,
                           attention_dropout=0.0, activation_dropout=0.0, pad_token_id=1, bos_token_id=0,
                           eos_token_id=2, decoder_start_token_id=2, forced_eos_token_id=None)
        torch.manual_seed(3)
        model = T.BartForConditionalGeneration(cfg)
        plain_generation(model)
        seed, r = decode_for_fixture(model, ids, STEPS)
        write(name, model, tok, ids, seed, r)
        if name == "bart":
            write("bart-sharded-bin", model, tok, ids, seed, r, shard="bin")
    shutil.rmtree(os.path.join(OUT, ".tokenizers"))


def marian_models():
    base = os.path.join(OUT, ".tokenizers", "marian")
    tok = saved(marian_tokenizer(base), base)
    ids = tok(SOURCE).input_ids
    pad = tok.pad_token_id
    cfg = T.MarianConfig(vocab_size=len(tok), d_model=32, encoder_layers=2, decoder_layers=2,
                         encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_dim=48, decoder_ffn_dim=48,
                         max_position_embeddings=64, scale_embedding=True, activation_function="swish", dropout=0.0,
                         attention_dropout=0.0, activation_dropout=0.0, pad_token_id=pad, eos_token_id=0,
                         decoder_start_token_id=pad, forced_eos_token_id=None)
    torch.manual_seed(4)
    model = T.MarianMTModel(cfg)
    plain_generation(model)
    seed, r = decode_for_fixture(model, ids, STEPS)
    write("marian", model, tok, ids, seed, r)
    write("marian-f16", model, tok, ids, seed, r, dtype=torch.float16)
    shutil.rmtree(os.path.join(OUT, ".tokenizers"))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    t5_models()
    bart_models()
    marian_models()
