#!/usr/bin/python3
"""Vision parity fixtures, computed by the real transformers v4.36.2 ViTImageProcessor (with Debian's Pillow).

    /usr/bin/python3 tests/interop/make_vision_fixtures.py [DEST] [OUTDIR]

DEST is the laid transformers copy (default .hf-reference, see ../shared/hf-reference/README.md), OUTDIR the
fixtures folder (default tests/data/vision). Writes OUTDIR/pixels/:

    NAME.png            a small made-up picture of an odd size (RGB, RGBA or grey)
    NAME.rgb            the same picture as transformers' load_image gives it (.convert("RGB")), 8-bit, row-major
    NAME.f32            ViTImageProcessor's pixel_values for it, little-endian float32 [3][H][W]
    expected.json       per case: the files, the picture's size, the processor's settings

and OUTDIR/vit-gpt2/, a VisionEncoderDecoderModel folder as save_pretrained writes it:

    config.json, generation_config.json   a tiny random ViT (32 x 32 pictures, patches of 8, d 24, 2 layers,
                                          3 heads) + GPT-2 (d 32, 2 layers, 4 heads, cross-attention), so
                                          enc_to_dec_proj maps 24 -> 32; max_length 9 (8 new tokens)
    model.safetensors, pytorch_model.bin  float32
    vocab.json, merges.txt, ...           a GPT2Tokenizer: byte-level BPE learnt here, <|endoftext|>
    preprocessor_config.json              ViTImageProcessor at 32 x 32 (bilinear, mean = std = 0.5)
    picture.png                           a 45 x 37 RGBA picture (shrunk to 32 x 32)
    picture.rgb                           the same as load_image gives it (.convert("RGB")), 8-bit, row-major
    pixel-values.f32                      ViTImageProcessor's pixel_values for it, float32 [3][32][32]
    picture.jpg                           the same picture as a JPEG (quality 90), for the command line
    expected.json                         the greedy decode with the KV cache (per step the fed token, the
                                          chosen token, log_softmax of the logits, every layer's and head's
                                          cross-attention over [CLS] + 16 patches), the caption, ViT's output

and OUTDIR/hostile/, pictures --image must refuse in one line: huge.png (a valid header claiming
100000 x 100000 pixels, a few bytes of pixels), truncated.png and truncated.jpg (the picture cut after 60 % of its bytes).

Run from the project root; the same DEST gives the same bytes."""
import json
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "..", "shared", "hf-reference"))
import hfref  # noqa: E402

DEST = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".hf-reference")
OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "tests", "data", "vision")
T = hfref.setup(DEST)
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

STEPS = 8
# name, picture size (w, h), PIL mode, processor settings
PIXEL_CASES = [
    ("rgb-up-bilinear", (13, 9), "RGB", {"size": {"height": 20, "width": 24}}),
    ("rgba-down-bilinear", (57, 41), "RGBA", {"size": {"height": 12, "width": 16}}),
    ("grey-mixed-bilinear", (31, 23), "L", {"size": {"height": 28, "width": 20}}),
    ("rgb-down-bicubic", (37, 29), "RGB", {"size": {"height": 16, "width": 16}, "resample": 3,
                                            "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225]}),
    ("rgb-down-lanczos", (37, 29), "RGB", {"size": {"height": 15, "width": 17}, "resample": 1}),
    ("rgb-up-hamming", (11, 7), "RGB", {"size": {"height": 16, "width": 16}, "resample": 5}),
    ("rgb-down-box", (37, 29), "RGB", {"size": {"height": 10, "width": 9}, "resample": 4}),
    ("rgb-nearest", (37, 29), "RGB", {"size": {"height": 13, "width": 50}, "resample": 0}),
    ("rgb-no-normalize", (13, 9), "RGB", {"size": 16, "do_normalize": False, "rescale_factor": 0.5}),
]


def picture(size, mode, seed):
    """Noise over gradients and a hard-edged block, so that every filter tap matters."""
    w, h = size
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([255 * x / max(1, w - 1), 255 * y / max(1, h - 1), 127 + 120 * np.sin(x * 0.9 + y * 0.4)], -1)
    base[h // 3: 2 * h // 3, w // 4: w // 2] = [250, 10, 200]
    noisy = np.clip(base + rng.normal(0, 40, base.shape), 0, 255).astype(np.uint8)
    if mode == "RGB":
        return Image.fromarray(noisy, "RGB")
    if mode == "L":
        return Image.fromarray(noisy[..., 0], "L")
    alpha = rng.integers(0, 256, (h, w), dtype=np.uint8)
    return Image.fromarray(np.dstack([noisy, alpha]), "RGBA")


def vit_gpt2_fixture():
    """A tiny random ViT + GPT-2 whose greedy caption of picture.png is a good test (see decode_for_fixture)."""
    import torch
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import bytebpe
    import make_hf_model_fixtures as hfm  # the shared sentences and generation settings

    folder = os.path.join(OUT, "vit-gpt2")
    os.makedirs(folder, exist_ok=True)
    merges = bytebpe.learn_merges(hfm.SENTENCES, 80)
    byte_map = bytebpe.byte_map()
    vocab = {byte_map[b]: b for b in range(256)}
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    vocab["<|endoftext|>"] = len(vocab)
    tok_dir = os.path.join(folder, ".tokenizer")
    tok = T.GPT2Tokenizer(*bytebpe.write_files(tok_dir, vocab, merges))
    end = tok.convert_tokens_to_ids("<|endoftext|>")
    enc = T.ViTConfig(image_size=32, patch_size=8, hidden_size=24, num_hidden_layers=2, num_attention_heads=3,
                      intermediate_size=40)
    dec = T.GPT2Config(vocab_size=len(vocab), n_positions=64, n_embd=32, n_layer=2, n_head=4,
                       add_cross_attention=True, is_decoder=True, bos_token_id=end, eos_token_id=end)
    cfg = T.VisionEncoderDecoderConfig.from_encoder_decoder_configs(enc, dec)
    cfg.decoder_start_token_id = cfg.pad_token_id = cfg.eos_token_id = end
    model = T.VisionEncoderDecoderModel(config=cfg, **hfref.ved_parts(cfg))
    model.generation_config = T.GenerationConfig(decoder_start_token_id=end, bos_token_id=end, eos_token_id=end,
                                                 pad_token_id=end, max_length=STEPS + 1)
    processor = T.ViTImageProcessor(size={"height": 32, "width": 32})
    pic = picture((45, 37), "RGBA", 99)
    pic.save(os.path.join(folder, "picture.png"))
    pic.convert("RGB").save(os.path.join(folder, "picture.jpg"), quality=90)
    rgb = Image.open(os.path.join(folder, "picture.png")).convert("RGB")
    with open(os.path.join(folder, "picture.rgb"), "wb") as f:
        f.write(np.asarray(rgb, dtype=np.uint8).tobytes())
    pixels = processor(rgb, return_tensors="np").pixel_values
    with open(os.path.join(folder, "pixel-values.f32"), "wb") as f:
        f.write(pixels[0].astype("<f4").tobytes())
    for seed in range(2000):
        hfref.redraw_weights(model, seed)
        r = hfref.greedy_with_cross_attention(model, STEPS, stop_at_eos=True, pixel_values=pixels)
        top2 = r["logits"].topk(2).values
        if (len(r["tokens"]) == STEPS and end not in r["tokens"] and len(set(r["tokens"])) >= 5
                and float((top2[:, 0] - top2[:, 1]).min()) >= 0.02):
            break
    else:
        raise SystemExit("make_vision_fixtures: no seed gave a varied, unambiguous caption")
    for f in os.listdir(folder):
        if f.endswith((".safetensors", ".bin")):
            os.remove(os.path.join(folder, f))
    hfref.save_folder(model, [tok, processor], folder)
    shutil.rmtree(tok_dir)
    hfref.write_json(os.path.join(folder, "expected.json"), {
        "transformers_version": T.__version__, "torch_version": torch.__version__, "weights_seed": seed,
        "decoder_start_token_id": end, "pixel_shape": list(pixels.shape[1:]),
        "generated_ids": r["tokens"], "generated_tokens": tok.convert_ids_to_tokens(r["tokens"]),
        "decoded_text": tok.decode(r["tokens"], skip_special_tokens=True),
        "steps": [{"step": i, "input_token_id": r["input_token_ids"][i], "token_id": r["tokens"][i],
                   "log_probs": torch.log_softmax(r["logits"][i].double(), -1).float(),
                   "cross_attention": r["cross_attention"][i]} for i in range(len(r["tokens"]))],
        "encoder_last_hidden_state": r["encoder_last_hidden_state"]})
    print(f"vit-gpt2: seed {seed}, {len(r['tokens'])} steps, {sum(p.numel() for p in model.parameters())} parameters,"
          f" caption {tok.decode(r['tokens'], skip_special_tokens=True)!r}")


def hostile_fixtures():
    import struct
    import zlib
    folder = os.path.join(OUT, "hostile")
    os.makedirs(folder, exist_ok=True)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
    with open(os.path.join(folder, "huge.png"), "wb") as f:
        # One row's worth of pixel data: a reader that trusts the header goes on to allocate 30 GB.
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(301)))
                + chunk(b"IEND", b""))
    for name in ("picture.png", "picture.jpg"):
        data = open(os.path.join(OUT, "vit-gpt2", name), "rb").read()
        with open(os.path.join(folder, "truncated" + os.path.splitext(name)[1]), "wb") as f:
            f.write(data[: len(data) * 6 // 10])


def pixel_fixtures():
    folder = os.path.join(OUT, "pixels")
    os.makedirs(folder, exist_ok=True)
    cases = []
    for seed, (name, size, mode, settings) in enumerate(PIXEL_CASES):
        pic = picture(size, mode, seed)
        pic.save(os.path.join(folder, name + ".png"))
        rgb = Image.open(os.path.join(folder, name + ".png")).convert("RGB")  # as transformers' load_image
        with open(os.path.join(folder, name + ".rgb"), "wb") as f:
            f.write(np.asarray(rgb, dtype=np.uint8).tobytes())
        processor = T.ViTImageProcessor(**settings)
        pixels = processor(rgb, return_tensors="np").pixel_values[0].astype("<f4")
        with open(os.path.join(folder, name + ".f32"), "wb") as f:
            f.write(pixels.tobytes())
        config = json.loads(processor.to_json_string())
        cases.append({"name": name, "mode": mode, "width": size[0], "height": size[1],
                      "pixel_shape": list(pixels.shape), "preprocessor_config": config})
    hfref.write_json(os.path.join(folder, "expected.json"), {"cases": cases})


if __name__ == "__main__":
    pixel_fixtures()
    vit_gpt2_fixture()
    hostile_fixtures()
