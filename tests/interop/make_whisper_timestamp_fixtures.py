#!/usr/bin/python3
"""Token timestamp parity fixtures, computed by the real transformers v4.36.2 (WhisperForConditionalGeneration).

    /usr/bin/python3 tests/interop/make_whisper_timestamp_fixtures.py [DEST]

DEST is the laid transformers copy (default .hf-reference, see ../shared/hf-reference/README.md). Reads the tiny
Whisper fixture tests/data/hf/whisper/tiny (make_whisper_model_fixtures.py) and writes its timestamps.json:

    cases    generate(features, return_token_timestamps=True, ...) on the folder's audio.wav: the ids it returns
             and outputs["token_timestamps"] (seconds, one per id, sot's 0 first), with the folder's
             alignment_heads or others, the whole 30 s window or num_frames (the clip's frames) cropped
    dtw      modeling_whisper._dynamic_time_warping on small matrices (random, and integer-valued so that
             costs tie): text_indices, time_indices
    median   modeling_whisper._median_filter (width 7 and 3) along the last axis of small arrays

Run from the project root; the same DEST gives the same bytes."""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "..", "shared", "hf-reference"))
import hfref  # noqa: E402

DEST = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".hf-reference")
FOLDER = os.path.join(ROOT, "tests", "data", "hf", "whisper", "tiny")
T = hfref.setup(DEST)
import numpy as np  # noqa: E402
import torch  # noqa: E402
from transformers.models.whisper import modeling_whisper as mw  # noqa: E402

CASES = [  # name, generate() keyword arguments, alignment_heads (None: the folder's), crop to the clip
    ("default", {}, None, False),
    ("num-frames", {}, None, True),
    ("longer-other-heads", {"max_length": 24}, [[0, 1], [1, 1], [1, 3]], True),
    ("french-translate", {"language": "fr", "task": "translate"}, None, True),
]


def load_tiny():
    """The tiny fixture's model, feature extractor, clip samples and the clip's features."""
    model = hfref.load_folder(FOLDER)
    # The folder's generation_config.json says "_from_model_config": true, so from_pretrained drops its Whisper
    # fields (alignment_heads, lang_to_id, ...); set them as the file gives them, as AlignScope reads them.
    with open(os.path.join(FOLDER, "generation_config.json")) as f:
        for key, value in json.load(f).items():
            if not hasattr(model.generation_config, key):
                setattr(model.generation_config, key, value)
    fe = T.WhisperFeatureExtractor.from_pretrained(FOLDER)
    samples, rate = hfref.read_wav(os.path.join(FOLDER, "audio.wav"))
    features = torch.from_numpy(fe(samples, sampling_rate=rate, return_tensors="np").input_features)
    return model, fe, samples, features


def main():
    model, fe, samples, features = load_tiny()
    num_frames = len(samples) // fe.hop_length
    folder_heads = [list(h) for h in model.generation_config.alignment_heads]
    cases = []
    for name, kwargs, heads, crop in CASES:
        model.generation_config.alignment_heads = heads if heads is not None else folder_heads
        kw = dict(kwargs, return_token_timestamps=True)
        if crop:
            kw["num_frames"] = num_frames
        with torch.no_grad():
            out = model.generate(features, **kw)
        if hasattr(model.generation_config, "num_frames"):  # generate() keeps it on the config; the next case may not crop
            del model.generation_config.num_frames
        cases.append({"name": name, "generate_kwargs": kwargs, "alignment_heads": model.generation_config.alignment_heads,
                      "num_frames": num_frames if crop else None, "ids": out["sequences"][0].tolist(),
                      "token_timestamps": [float(x) for x in out["token_timestamps"][0]]})
    model.generation_config.alignment_heads = folder_heads

    rng = np.random.default_rng(20)
    dtw = []
    for rows, cols, integer in [(3, 5, False), (5, 12, False), (6, 6, True), (4, 9, True), (7, 3, False), (1, 4, True)]:
        m = rng.integers(-2, 3, size=(rows, cols)).astype(np.float64) if integer else rng.standard_normal((rows, cols))
        text, time = mw._dynamic_time_warping(m)
        dtw.append({"matrix": m.tolist(), "text_indices": text.tolist(), "time_indices": time.tolist()})
    median = []
    for width, shape in [(7, (2, 3, 10)), (3, (1, 2, 5)), (7, (1, 1, 3)), (7, (1, 2, 4))]:
        x = torch.from_numpy(rng.standard_normal(shape).astype(np.float32))
        median.append({"width": width, "input": x.tolist(), "output": mw._median_filter(x, width).tolist()})

    hfref.write_json(os.path.join(FOLDER, "timestamps.json"), {
        "transformers_version": T.__version__, "torch_version": torch.__version__, "audio": "audio.wav",
        "samples": len(samples), "median_filter_width": model.config.median_filter_width,
        "cases": cases, "dtw": dtw, "median": median})
    print("timestamps.json: " + ", ".join(f"{c['name']} {len(c['ids'])} ids" for c in cases))


if __name__ == "__main__":
    main()
