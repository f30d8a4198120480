#!/usr/bin/python3
"""transformers' side of the Hugging Face folder benchmark (BENCHMARKS.md, "Hugging Face folders").

    /usr/bin/python3 bench/hf_reference.py make OUTDIR
        random models of real shape, written by save_pretrained (model.safetensors): OUTDIR/t5-small,
        OUTDIR/opus-mt-en-fr, OUTDIR/bart-base, OUTDIR/vit-gpt2 (ViT-base/16 at 224 + GPT-2 small),
        OUTDIR/whisper-tiny, OUTDIR/whisper-base. Speed does not depend on the weights' values; the tokenizer files are
        the small ones of the parity fixtures (tests/data/hf/models), which is all the benchmark's text needs.
    /usr/bin/python3 bench/hf_reference.py time FOLDER [--steps 32] [--runs 5] [--threads 1]
        medians of: from_pretrained, the encoder on a 20-token source (a vision folder: the image processor and the
        encoder on a 640 x 480 picture; a Whisper folder: the feature extractor and the encoder on a 30 s clip),
        and one decoder step per token with the KV cache
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
    make_vision(T, torch, os.path.join(outdir, "vit-gpt2"))
    for name, shape in WHISPER_SHAPES.items():
        make_whisper(T, torch, os.path.join(outdir, name), shape)
    for name, (fixture, cls, cfg) in shapes.items():
        torch.manual_seed(0)
        model = cls(cfg).eval()
        folder = os.path.join(outdir, name)
        os.makedirs(folder, exist_ok=True)
        model.save_pretrained(folder, safe_serialization=True)
        tokenizer_files(fixture, folder)
        print(f"{folder}: {sum(p.numel() for p in model.parameters())} parameters")


def make_vision(T, torch, folder):
    """ViT-base/16 at 224 x 224 with a GPT-2-small decoder (the shape of nlpconnect/vit-gpt2-image-captioning),
    with the vision fixture's small GPT-2 tokenizer and a 224 x 224 ViTImageProcessor."""
    fixture = os.path.join(ROOT, "tests", "data", "vision", "vit-gpt2")
    tok = T.GPT2Tokenizer.from_pretrained(fixture)
    end = tok.convert_tokens_to_ids("<|endoftext|>")
    enc = T.ViTConfig(image_size=224, patch_size=16, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                      intermediate_size=3072)
    dec = T.GPT2Config(vocab_size=50257, n_positions=1024, n_embd=768, n_layer=12, n_head=12,
                       add_cross_attention=True, is_decoder=True, bos_token_id=end, eos_token_id=end)
    cfg = T.VisionEncoderDecoderConfig.from_encoder_decoder_configs(enc, dec)
    cfg.decoder_start_token_id = cfg.pad_token_id = cfg.eos_token_id = end
    torch.manual_seed(0)
    model = T.VisionEncoderDecoderModel(config=cfg, **hfref.ved_parts(cfg)).eval()
    model.generation_config = T.GenerationConfig(decoder_start_token_id=end, bos_token_id=end, eos_token_id=end,
                                                 pad_token_id=end)
    os.makedirs(folder, exist_ok=True)
    hfref.save_folder(model, T.ViTImageProcessor(size={"height": 224, "width": 224}), folder)
    for f in ("vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(os.path.join(fixture, f), folder)  # the fixture's files as they are
    print(f"{folder}: {sum(p.numel() for p in model.parameters())} parameters")


WHISPER_FIXTURE = os.path.join(ROOT, "tests", "data", "hf", "whisper", "tiny")
WHISPER_SHAPES = {  # openai/whisper-tiny and whisper-base: (d_model, layers, heads, feed-forward)
    "whisper-tiny": (384, 4, 6, 1536),
    "whisper-base": (512, 6, 8, 2048),
}


def make_whisper(T, torch, folder, shape):
    """A random Whisper of a real shape (80 mels, 1500 encoder and 448 decoder positions, 51,865 tokens), with the
    tiny fixture's tokenizer, generation settings and feature extractor (their token ids are the config's)."""
    import json
    d, layers, heads, ffn = shape
    fixture = json.load(open(os.path.join(WHISPER_FIXTURE, "config.json")))
    cfg = T.WhisperConfig(vocab_size=51865, d_model=d, encoder_layers=layers, decoder_layers=layers,
                          encoder_attention_heads=heads, decoder_attention_heads=heads, encoder_ffn_dim=ffn,
                          decoder_ffn_dim=ffn, num_mel_bins=80, max_source_positions=1500, max_target_positions=448,
                          **{k: fixture[k] for k in ("decoder_start_token_id", "eos_token_id", "pad_token_id",
                                                     "bos_token_id", "forced_decoder_ids", "suppress_tokens",
                                                     "begin_suppress_tokens") if k in fixture})
    torch.manual_seed(0)
    model = T.WhisperForConditionalGeneration(cfg).eval()
    os.makedirs(folder, exist_ok=True)
    model.save_pretrained(folder, safe_serialization=True)
    for f in os.listdir(WHISPER_FIXTURE):
        if f.endswith(".json") and f not in ("config.json", "expected.json", "timestamps.json") or f == "merges.txt":
            shutil.copy(os.path.join(WHISPER_FIXTURE, f), folder)
    print(f"{folder}: {sum(p.numel() for p in model.parameters())} parameters")


def clip():
    """The 30 s clip AlignScope's bench feeds a Whisper folder: a rising tone over a little deterministic noise."""
    import numpy as np
    i = np.arange(16000 * 30, dtype=np.int64)
    t = i / 16000.0
    return (0.1 * np.sin(2 * np.pi * (200.0 + 10.0 * t) * t) + 0.01 * (((i * 7919) % 2001) / 1000.0 - 1.0)).astype(
        np.float32)


def time_whisper(T, torch, folder, steps, runs):
    import json
    open_ms = median_ms(runs, lambda: T.WhisperForConditionalGeneration.from_pretrained(folder))
    model = T.WhisperForConditionalGeneration.from_pretrained(folder).eval()
    extractor = T.WhisperFeatureExtractor.from_pretrained(folder)
    audio = clip()
    prepare_ms = median_ms(runs, lambda: extractor(audio, sampling_rate=16000, return_tensors="pt"))
    features = extractor(audio, sampling_rate=16000, return_tensors="pt").input_features
    # The prompt generate() forces, then the text: as many steps as AlignScope's forced decode.
    # (A language the model picks, None there, is read as English: the step costs the same.)
    english = getattr(model.generation_config, "lang_to_id", {}).get("<|en|>", model.config.eos_token_id)
    prompt = [english if t is None else t for _, t in sorted(model.generation_config.forced_decoder_ids or [])]
    text = T.WhisperTokenizer.from_pretrained(folder)(TEXT, add_special_tokens=False).input_ids
    forced = (prompt + text)[:steps]
    encoder = model.get_encoder()
    with torch.no_grad():
        encode_ms = median_ms(runs, lambda: encoder(input_features=features, return_dict=True))
        enc = encoder(input_features=features, return_dict=True)
        per_token = per_token_ms(torch, model, enc, model.config.decoder_start_token_id, forced, runs)
    print(json.dumps({"folder": folder, "threads": torch.get_num_threads(), "open_ms": open_ms,
                      "prepare_audio_ms": prepare_ms, "encode_30s_ms": encode_ms, "steps": len(forced),
                      "per_token_ms": per_token}))


def picture():
    """The 640 x 480 gradient AlignScope's bench feeds a vision folder (byte i of the RGB data is (7i/3) % 251)."""
    import numpy as np
    from PIL import Image
    i = np.arange(640 * 480 * 3, dtype=np.int64)
    return Image.fromarray(((i * 7 // 3) % 251).astype(np.uint8).reshape(480, 640, 3), "RGB")


def load_vision(T, torch, folder):
    """The folder's model as from_pretrained builds it: config, the ViT and GPT-2 parts (hfref.ved_parts: only they
    are laid), then the weights of pytorch_model.bin. (from_pretrained itself, given those parts, stops on a config
    it cannot write in this transformers copy.)"""
    config = T.VisionEncoderDecoderConfig.from_pretrained(folder)
    model = T.VisionEncoderDecoderModel(config=config, **hfref.ved_parts(config))
    model.load_state_dict(torch.load(os.path.join(folder, "pytorch_model.bin")))
    return model.eval()


def time_vision(T, torch, folder, steps, runs):
    import json
    open_ms = median_ms(runs, lambda: load_vision(T, torch, folder))
    model = load_vision(T, torch, folder)
    processor = T.ViTImageProcessor.from_pretrained(folder)
    image = picture()
    prepare_ms = median_ms(runs, lambda: processor(image, return_tensors="pt"))
    pixels = processor(image, return_tensors="pt").pixel_values
    forced = T.GPT2Tokenizer.from_pretrained(folder)(TEXT).input_ids[:steps]
    with torch.no_grad():
        encode_ms = median_ms(runs, lambda: model.encoder(pixel_values=pixels, return_dict=True))
        enc = model.encoder(pixel_values=pixels, return_dict=True)

        per_token = per_token_ms(torch, model, enc, model.config.decoder_start_token_id, forced, runs)
    print(json.dumps({"folder": folder, "threads": torch.get_num_threads(), "open_ms": open_ms,
                      "prepare_image_ms": prepare_ms, "encode_image_ms": encode_ms, "steps": len(forced),
                      "per_token_ms": per_token}))


def per_token_ms(torch, model, enc, start, forced, runs):
    """One decoder step per forced token after `start`, with the KV cache and every head's attention (eager)."""
    def decode():
        past, cur = None, start
        for token in forced:
            out = model(encoder_outputs=enc, decoder_input_ids=torch.tensor([[cur]]), past_key_values=past,
                        use_cache=True, output_attentions=True, return_dict=True)
            past, cur = out.past_key_values, token
    return median_ms(runs, decode) / len(forced)


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
    if config["model_type"] == "vision-encoder-decoder":
        return time_vision(T, torch, folder, steps, runs)
    if config["model_type"] == "whisper":
        return time_whisper(T, torch, folder, steps, runs)
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

        per_token = per_token_ms(torch, model, enc, model.generation_config.decoder_start_token_id, forced, runs)
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
