#!/usr/bin/python3
"""whisper.cpp model files (ggml) made by whisper.cpp's own converter from a tiny Hugging Face Whisper, and what
the real transformers v4.36.2 computes for that folder.

    /usr/bin/python3 tests/interop/make_ggml_fixtures.py WHISPERCPP OPENAI_WHISPER [DEST] [OUTDIR]

WHISPERCPP and OPENAI_WHISPER are git directories of github.com/ggml-org/whisper.cpp and github.com/openai/whisper
(a bare clone or mirror is enough: models/convert-h5-to-ggml.py and whisper/assets/mel_filters.npz are read with
`git show`); DEST is the laid transformers copy (default .hf-reference, see ../shared/hf-reference/README.md),
OUTDIR the fixtures folder (default tests/data/ggml). Writes OUTDIR/tiny/:

    ggml-tiny-f16.bin   convert-h5-to-ggml.py's default output (matrices float16, vectors, the conv biases and
                        the position tables float32)
    ggml-tiny-f32.bin   the same with its use-f32 argument (every tensor float32)
    audio.wav           tests/data/audio/features/chirp-80mel-30s/audio.wav (2.5 s at 16 kHz)
    expected.json       the decode, per step the fed token, the chosen token and its log-probability; the ids;
                        the converted folder's text; the vocabulary; how the file's mel filters compare with
                        transformers' computed Slaney filters
    expected-features.f32        WhisperFeatureExtractor's features with the file's mel filters (80 x 3000, <f4)
    expected-cross-attention.f32 [step][layer][head][source] (1500 sources), <f4

The folder converted is a WhisperForConditionalGeneration with the real multilingual layout, because the converter
and whisper.cpp derive the special tokens from n_vocab: 51865 rows, <|endoftext|> 50257, <|startoftranscript|>
50258, 99 languages, <|transcribe|> 50359, <|notimestamps|> 50363, timestamps from 50364. To keep the files small,
d_model is 8 (2 heads, one layer each side) and vocab.json holds only a small byte-level BPE (256 byte symbols, then
its merges in rank order, as GPT-2's vocabulary is laid out); whisper.cpp names the rows between as extra tokens,
and those rows of the token embedding are zero. The weights are rounded to float16 before the folder is written:
the converter rounds every tensor through float16 even for its float32 output, so the folder, the f32 and the f16
files then hold the same numbers, and transformers' decode of the folder is what both files must give.

The decode is greedy under whisper.cpp's default rules (whisper_full without timestamps): the prompt
<|startoftranscript|> <|en|> <|transcribe|> <|notimestamps|>; <|notimestamps|>, the timestamps, <|startoftranscript|>,
the task tokens, <|startoflm|>, <|startofprev|>, <|nospeech|> and every language token suppressed at every step;
" " and <|endoftext|> at the first free step. generate() with those suppress_tokens / begin_suppress_tokens must
give the same ids. Run from the project root; the same inputs give the same bytes."""
import io
import os
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if len(sys.argv) < 3:
    raise SystemExit(__doc__.split("\n\n")[1])
WHISPERCPP, OPENAI = sys.argv[1], sys.argv[2]
DEST = sys.argv[3] if len(sys.argv) > 3 else os.path.join(ROOT, ".hf-reference")
OUT = sys.argv[4] if len(sys.argv) > 4 else os.path.join(ROOT, "tests", "data", "ggml")
sys.argv = [sys.argv[0], DEST]  # make_whisper_model_fixtures reads DEST from argv when imported
sys.path.insert(0, os.path.join(ROOT, "..", "shared", "hf-reference"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hfref  # noqa: E402

T = hfref.setup(DEST)
import numpy as np  # noqa: E402
import torch  # noqa: E402

import bytebpe  # noqa: E402
sys.path.insert(0, os.path.join(ROOT, "bench"))
import whisper_cpp  # noqa: E402
from make_whisper_model_fixtures import AUDIO, SENTENCES, step_by_hand  # noqa: E402

N_VOCAB = 51865
EOT, SOT = 50257, 50258
LANGUAGES = 99
TRANSLATE, TRANSCRIBE, SOLM, PREV, NOSP, NOT, BEG = range(50358, 50365)
STEPS = 10


def main():
    out = os.path.join(OUT, "tiny")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    work = tempfile.mkdtemp()
    folder = os.path.join(work, "hf")
    os.makedirs(folder)

    # vocab.json: the 256 byte symbols in byte order, then the merges in rank order (ids are ranks, as in GPT-2's).
    merges = bytebpe.learn_merges(SENTENCES, 120)
    byte_map = bytebpe.byte_map()
    vocab = {}
    for b in range(256):
        vocab[byte_map[b]] = len(vocab)
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    bytebpe.write_files(folder, vocab, merges)
    specials = {"<|endoftext|>": EOT, "<|startoftranscript|>": SOT, "<|en|>": SOT + 1, "<|translate|>": TRANSLATE,
                "<|transcribe|>": TRANSCRIBE, "<|notimestamps|>": NOT}
    hfref.write_json(os.path.join(folder, "added_tokens.json"), specials)
    space = vocab[byte_map[32]]
    suppress = [NOT] + list(range(BEG, N_VOCAB)) + [SOT, NOSP, SOLM, TRANSLATE, TRANSCRIBE, PREV]
    suppress += list(range(SOT + 1, SOT + 1 + LANGUAGES))
    begin_suppress = [EOT, space]
    prompt = [SOT + 1, TRANSCRIBE, NOT]

    cfg = T.WhisperConfig(vocab_size=N_VOCAB, num_mel_bins=80, encoder_layers=1, decoder_layers=1,
                          encoder_attention_heads=2, decoder_attention_heads=2, d_model=8, encoder_ffn_dim=16,
                          decoder_ffn_dim=16, max_source_positions=1500, max_target_positions=448,
                          pad_token_id=EOT, bos_token_id=EOT, eos_token_id=EOT, decoder_start_token_id=SOT,
                          suppress_tokens=suppress, begin_suppress_tokens=begin_suppress,
                          forced_decoder_ids=[[i + 1, t] for i, t in enumerate(prompt)],
                          dropout=0.0, attention_dropout=0.0, activation_dropout=0.0)
    torch.manual_seed(7)
    model = T.WhisperForConditionalGeneration(cfg)
    model.generation_config.max_length = STEPS + 1

    # Features with the mel filters the converter writes (openai/whisper's mel_filters.npz).
    with np.load(io.BytesIO(whisper_cpp.git_show(OPENAI, "whisper/assets/mel_filters.npz"))) as f:
        file_filters = f["mel_80"]
    fe = T.WhisperFeatureExtractor(feature_size=80, chunk_length=30)
    computed = fe.mel_filters.T.copy()  # (80, 201), what transformers builds
    fe.mel_filters = file_filters.T.astype(np.float64)
    samples, rate = hfref.read_wav(AUDIO)
    np_features = fe(samples, sampling_rate=rate, return_tensors="np").input_features
    features = torch.from_numpy(np_features)

    used = len(vocab)
    for seed in range(3000):
        hfref.redraw_weights(model, seed)
        with torch.no_grad():
            model.model.decoder.embed_tokens.weight[used:EOT] = 0
            for p in model.parameters():  # what the converter keeps of every tensor
                p.copy_(p.half().float())
        fed, chosen, logprobs, cross = step_by_hand(model, features, prompt, STEPS, suppress, begin_suppress)
        tokens = [c for c, _ in chosen]
        free = tokens[len(prompt):]
        if (len(free) == STEPS - len(prompt) and min(m for _, m in chosen) > 0.05 and len(set(free)) >= 4
                and all(t < used for t in free)):
            break
    else:
        raise SystemExit("make_ggml_fixtures: no seed gave a varied, unambiguous decode in the BPE's vocabulary")
    with torch.no_grad():
        generated = model.generate(features)[0].tolist()
    if generated != [SOT] + tokens:
        raise SystemExit(f"generate() gave {generated}, the loop {[SOT] + tokens}")

    model.save_pretrained(folder, safe_serialization=True)
    # The real converter, run as its users run it (bench/whisper_cpp.py runs it for the benchmark too).
    whisper_cpp.convert(WHISPERCPP, OPENAI, folder, out, names=("ggml-tiny-f16.bin", "ggml-tiny-f32.bin"))
    shutil.copy(AUDIO, os.path.join(out, "audio.wav"))
    np_features[0].astype("<f4").tofile(os.path.join(out, "expected-features.f32"))
    torch.stack(cross).numpy().astype("<f4").tofile(os.path.join(out, "expected-cross-attention.f32"))

    from transformers.models.gpt2.tokenization_gpt2 import bytes_to_unicode
    decoder = {v: k for k, v in bytes_to_unicode().items()}
    pieces = {i: t for t, i in vocab.items()}
    text = b"".join(bytes(decoder[c] for c in pieces[t]) for t in tokens[len(prompt):]).decode("utf-8", "replace")
    hfref.write_json(os.path.join(out, "expected.json"), {
        "transformers_version": T.__version__, "torch_version": torch.__version__, "weights_seed": seed,
        "converter": "whisper.cpp models/convert-h5-to-ggml.py", "audio": "audio.wav",
        "n_vocab": N_VOCAB, "vocabulary_in_file": used, "d_model": 8, "heads": 2, "layers": 1,
        "eot": EOT, "sot": SOT, "transcribe": TRANSCRIBE, "notimestamps": NOT, "space": space,
        "prompt": [SOT] + prompt, "generated_ids": tokens,
        "steps": [{"input_token_id": fed[i], "token_id": tokens[i], "log_prob": round(float(logprobs[i][tokens[i]]), 6)}
                  for i in range(len(tokens))],
        "text": text,
        "mel_filters_max_abs_difference_vs_computed": float(np.abs(file_filters.astype(np.float64) - computed).max()),
        "features_file": "expected-features.f32 [mel][frame] <f4, 80 x 3000, with the file's mel filters",
        "cross_attention_file": "expected-cross-attention.f32 [step][layer][head][source] <f4",
    })
    shutil.rmtree(work)
    print(f"tiny: seed {seed}, tokens {tokens}, text {text!r}, "
          + ", ".join(f"{n} {os.path.getsize(os.path.join(out, n))} bytes" for n in sorted(os.listdir(out))))


if __name__ == "__main__":
    main()
