#!/usr/bin/python3
"""Whisper model parity fixtures, computed by the real transformers v4.36.2 WhisperForConditionalGeneration.

    /usr/bin/python3 tests/interop/make_whisper_model_fixtures.py [DEST] [OUTDIR]

DEST is the laid transformers copy (default .hf-reference, see ../shared/hf-reference/README.md), OUTDIR the
fixtures folder (default tests/data/hf/whisper). Writes OUTDIR/tiny/, a folder as save_pretrained writes it:

    config.json, generation_config.json   a tiny random Whisper (d_model 32, 2 + 2 layers, 4 heads, 80 mels,
                                          the real 1500 encoder positions) with Whisper's generation settings:
                                          config.json's forced_decoder_ids (<|en|> <|transcribe|> <|notimestamps|>,
                                          as openai/whisper-tiny has), generation_config.json's (1, None),
                                          (2, <|transcribe|>), suppress_tokens, begin_suppress_tokens, lang_to_id,
                                          task_to_id, no_timestamps_token_id, alignment_heads; max_length 12
                                          (real folders have 448) so that a decode stays small
    model.safetensors, pytorch_model.bin  float32
    vocab.json, merges.txt, tokenizer_config.json, special_tokens_map.json, added_tokens.json
                                          a WhisperTokenizer: byte-level BPE learnt here, <|endoftext|>, Whisper's
                                          special tokens (7 languages) and timestamps <|0.00|> .. <|2.00|>
    audio.wav                             tests/data/audio/features/chirp-80mel-30s/audio.wav (2.5 s at 16 kHz)
    preprocessor_config.json              WhisperFeatureExtractor (80 mels, 30 s)
    expected.json                         per case (generate()'s language / task): the ids generate() returns,
                                          the same decode stepped by hand with the KV cache (per step the fed
                                          token, the chosen token, log_softmax of the raw logits to 1e-6), the decoded
                                          text; tokenizer cases (ids -> text, text -> ids)
    expected-cross-attention.f32          the "default" case's cross-attention, little-endian float32,
                                          [step][layer][head][source] (1500 sources), row-major

Run from the project root; the same DEST gives the same bytes."""
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "..", "shared", "hf-reference"))
import hfref  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bytebpe  # noqa: E402

DEST = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".hf-reference")
OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "tests", "data", "hf", "whisper")
T = hfref.setup(DEST)
import numpy as np  # noqa: E402
import torch  # noqa: E402

AUDIO = os.path.join(ROOT, "tests", "data", "audio", "features", "chirp-80mel-30s", "audio.wav")
SENTENCES = """the lighthouse keeper lit the lamp at dusk
seven kites drifted over the harbour wall
a violinist tuned her strings before the concert
the orchard smelled of apples after the first frost
le gardien du phare alluma la lampe au crépuscule""".split("\n")
LANGS = ["en", "zh", "de", "es", "ru", "ko", "fr"]
MAX_LENGTH = 12
CASES = [  # generate() keyword arguments
    ("default", {}),
    ("french-translate", {"language": "fr", "task": "translate"}),
    ("task-only", {"task": "transcribe"}),
    ("language-name", {"language": "german"}),
]  # and "suppressed": suppress_tokens / begin_suppress_tokens that change the default decode (see suppressing())


def whisper_tokenizer(folder):
    """A small byte-level BPE learnt from SENTENCES, then Whisper's special tokens and timestamps as added tokens."""
    merges = bytebpe.learn_merges(SENTENCES, 100)
    byte_map = bytebpe.byte_map()
    vocab = {}
    for b in range(256):  # Whisper's vocab.json starts with the 256 byte symbols in byte order
        vocab[byte_map[b]] = len(vocab)
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    vocab["<|endoftext|>"] = len(vocab)
    vocab_path, merges_path = bytebpe.write_files(folder, vocab, merges)
    specials = (["<|endoftext|>", "<|startoftranscript|>"] + [f"<|{c}|>" for c in LANGS]
                + ["<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nocaptions|>",
                   "<|notimestamps|>"])
    tok = T.WhisperTokenizer(vocab_path, merges_path,
                             additional_special_tokens=specials, pad_token="<|endoftext|>")
    tok.add_tokens([T.AddedToken("<|%.2f|>" % (i * 0.02), lstrip=False, rstrip=False, normalized=False)
                    for i in range(101)])
    return tok


def redraw(model, seed):
    hfref.redraw_weights(model, seed)


def step_by_hand(model, features, prompt, steps, suppress, begin_suppress):
    """Greedy with the KV cache as generate() runs it: the forced prompt tokens (None: the model's choice),
    suppress_tokens at every step, begin_suppress_tokens at the first step after the prompt. Per step the fed
    token, the chosen token, log_softmax of the raw logits and the cross-attention of every layer and head."""
    model.eval()
    eos = model.generation_config.eos_token_id
    fed, chosen, logprobs, cross = [], [], [], []
    with torch.no_grad():
        enc = model.get_encoder()(input_features=features, return_dict=True)
        past, cur = None, model.generation_config.decoder_start_token_id
        for t in range(steps):
            out = model(encoder_outputs=enc, decoder_input_ids=torch.tensor([[cur]]), past_key_values=past,
                        use_cache=True, output_attentions=True, return_dict=True)
            past = out.past_key_values
            logits = out.logits[0, -1].clone()
            fed.append(cur)
            logprobs.append(torch.log_softmax(logits.double(), -1).float())
            cross.append(torch.stack([a[0, :, -1, :] for a in out.cross_attentions]))
            scores = logits.clone()
            scores[suppress] = -float("inf")
            if t == len(prompt):
                scores[begin_suppress] = -float("inf")
            forced = prompt[t] if t < len(prompt) else None
            cur = forced if forced is not None else int(torch.argmax(scores))
            if forced is None:
                top2 = torch.topk(scores, 2).values
                margin = float(top2[0] - top2[1])
            else:
                margin = float("inf")
            chosen.append((cur, margin))
            if cur == eos:
                break
    return fed, chosen, logprobs, cross


def main():
    folder = os.path.join(OUT, "tiny")
    shutil.rmtree(folder, ignore_errors=True)
    tmp = os.path.join(OUT, ".tokenizer")
    shutil.rmtree(tmp, ignore_errors=True)
    tok = whisper_tokenizer(tmp)
    ids = lambda t: tok.convert_tokens_to_ids(t)  # noqa: E731
    sot, eot, notimestamps = ids("<|startoftranscript|>"), ids("<|endoftext|>"), ids("<|notimestamps|>")
    transcribe, translate = ids("<|transcribe|>"), ids("<|translate|>")
    lang_to_id = {f"<|{c}|>": ids(f"<|{c}|>") for c in LANGS}
    space = ids("Ġ")
    suppress = [ids(c) for c in ("\"", "#", "(", ")", "*", "+", "/", ":", ";", "<", "=", ">", "@", "[", "\\", "]")]
    suppress += [ids("<|startoftranscript|>"), ids("<|startofprev|>"), ids("<|startoflm|>"), ids("<|nocaptions|>"),
                 translate, transcribe]
    begin_suppress = [space, eot]
    cfg = T.WhisperConfig(vocab_size=len(tok), num_mel_bins=80, encoder_layers=2, decoder_layers=2,
                          encoder_attention_heads=4, decoder_attention_heads=4, d_model=32, encoder_ffn_dim=48,
                          decoder_ffn_dim=48, max_source_positions=1500, max_target_positions=448,
                          pad_token_id=eot, bos_token_id=eot, eos_token_id=eot, decoder_start_token_id=sot,
                          suppress_tokens=suppress, begin_suppress_tokens=begin_suppress,
                          forced_decoder_ids=[[1, lang_to_id["<|en|>"]], [2, transcribe], [3, notimestamps]],
                          dropout=0.0, attention_dropout=0.0, activation_dropout=0.0)
    torch.manual_seed(5)
    model = T.WhisperForConditionalGeneration(cfg)
    gc = model.generation_config
    gc.forced_decoder_ids = [[1, None], [2, transcribe]]
    gc.lang_to_id = lang_to_id
    gc.task_to_id = {"transcribe": transcribe, "translate": translate}
    gc.no_timestamps_token_id = notimestamps
    gc.alignment_heads = [[1, 0], [1, 2], [1, 3]]
    gc.is_multilingual = True
    gc.max_initial_timestamp_index = 1
    gc.return_timestamps = False
    gc.max_length = MAX_LENGTH

    fe = T.WhisperFeatureExtractor(feature_size=80, chunk_length=30)
    samples, rate = hfref.read_wav(AUDIO)
    features = torch.from_numpy(fe(samples, sampling_rate=rate, return_tensors="np").input_features)

    def prompt_of(case):
        """The forced decoder ids generate() builds for this case, as a list by step (None: not forced)."""
        if not case:
            forced = dict(cfg.forced_decoder_ids)
        else:
            forced = {}
            lang = case.get("language")
            if lang is not None:
                code = lang if len(lang) == 2 else {"german": "de", "french": "fr"}[lang]
                forced[1] = lang_to_id[f"<|{code}|>"]
            else:
                forced[1] = None
            forced[2] = gc.task_to_id[case.get("task", "transcribe")]
            forced[3] = notimestamps
        return [forced.get(i + 1) for i in range(max(forced))]

    def suppressing(default_tokens):
        """A case where suppress_tokens and begin_suppress_tokens change the decode: the default case's first free
        token banned at the first free step, its most frequent later token banned everywhere."""
        free = default_tokens[3:]
        later = max(sorted(set(free[1:]) - {free[0]}), key=free[1:].count)
        return {"suppress_tokens": suppress + [later], "begin_suppress_tokens": begin_suppress + [free[0]]}

    for seed in range(3000):
        redraw(model, seed)
        ok, runs, extra = True, {}, []
        for name, case in CASES + [("suppressed", None)]:
            if case is None:
                case = suppressing(runs["default"][2])
                extra = [(name, case)]
            prompt = prompt_of({k: v for k, v in case.items() if k in ("language", "task")})
            fed, chosen, logprobs, cross = step_by_hand(model, features, prompt, MAX_LENGTH - 1,
                                                        case.get("suppress_tokens", suppress),
                                                        case.get("begin_suppress_tokens", begin_suppress))
            tokens = [c for c, _ in chosen]
            free = tokens[len(prompt):]
            if (min(m for _, m in chosen) < 0.05 or len(set(free)) < 4 or eot in free
                    or any(t >= notimestamps for t in free)):
                ok = False
                break
            runs[name] = (prompt, fed, tokens, logprobs, cross)
        if ok:
            break
    else:
        raise SystemExit("make_whisper_model_fixtures: no seed gave varied, unambiguous decodes")

    # What a user's generate() gives, under the folder's own settings: must be what the loop above chose.
    cases = []
    for name, case in CASES + extra:
        with torch.no_grad():
            g = model.generate(features, **case)
        prompt, fed, tokens, logprobs, cross = runs[name]
        got = g[0].tolist()
        if got != [sot] + tokens:
            raise SystemExit(f"{name}: generate() gave {got}, the loop {[sot] + tokens}")
        cases.append({"name": name, "generate_kwargs": case, "prompt": prompt, "generated_ids": got[1:],
                      "decoded_text": tok.decode(got, skip_special_tokens=True),
                      "decoded_with_specials": tok.decode(got, skip_special_tokens=False),
                      "steps": [{"input_token_id": fed[i], "token_id": tokens[i], "log_probs": [round(float(x), 6) for x in logprobs[i]]}
                                for i in range(len(tokens))]})
        if name == "default":
            default_cross = torch.stack(cross).numpy().astype("<f4")

    hfref.save_folder(model, [tok, fe], folder)
    shutil.copy(AUDIO, os.path.join(folder, "audio.wav"))
    shutil.rmtree(tmp)
    default_cross.tofile(os.path.join(folder, "expected-cross-attention.f32"))

    texts = ["the lamp at dusk", " seven kites", "<|fr|> la lampe<|0.02|>", "harbour <|notimestamps|>wall"]
    tokenizer_cases = [{"text": t, "ids": tok(t).input_ids} for t in texts]
    id_cases = [[sot, lang_to_id["<|en|>"], transcribe, notimestamps] + tok(" the lamp", add_special_tokens=False).input_ids
                + [ids("<|0.50|>"), eot],
                [sot, lang_to_id["<|fr|>"], translate, ids("<|0.00|>")] + tok("crépuscule", add_special_tokens=False).input_ids[:3]
                + [ids("<|1.24|>")] + tok(" wall", add_special_tokens=False).input_ids + [eot]]
    decode_cases = [{"ids": i, "skip_special": s, "text": tok.decode(i, skip_special_tokens=s)}
                    for i in id_cases for s in (True, False)]
    hfref.write_json(os.path.join(folder, "expected.json"), {
        "transformers_version": T.__version__, "torch_version": torch.__version__,
        "architecture": type(model).__name__, "weights_seed": seed, "audio": "audio.wav",
        "source_positions": int(default_cross.shape[-1]), "layers": cfg.decoder_layers,
        "heads": cfg.decoder_attention_heads, "vocab_size": len(tok),
        "decoder_start_token_id": sot, "eos_token_id": eot, "cases": cases,
        "cross_attention_file": "expected-cross-attention.f32 (the default case) [step][layer][head][source] <f4",
        "tokenizer": {"encode": tokenizer_cases, "decode": decode_cases},
    })
    print(f"tiny: seed {seed}, {sum(p.numel() for p in model.parameters())} parameters, "
          + ", ".join(f"{c['name']} {len(c['generated_ids'])} steps" for c in cases))


if __name__ == "__main__":
    main()
