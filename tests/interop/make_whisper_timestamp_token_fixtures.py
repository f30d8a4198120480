#!/usr/bin/python3
"""Timestamp-token parity fixtures, computed by the real transformers v4.36.2 (WhisperForConditionalGeneration).

    /usr/bin/python3 tests/interop/make_whisper_timestamp_token_fixtures.py [DEST]

DEST is the laid transformers copy (default .hf-reference, see ../shared/hf-reference/README.md). Reads the tiny
Whisper fixture tests/data/hf/whisper/tiny (make_whisper_model_fixtures.py) and writes its timestamp-tokens.json:

    cases    generate(features, return_timestamps=True, ...) on the folder's audio.wav, greedy and beam: the ids it
             returns (WhisperTimeStampLogitsProcessor's rules at work: timestamps in pairs, never decreasing, the first
             at most max_initial_timestamp_index in, a timestamp whenever their summed probability beats every text
             token), the smallest gap between the best and second-best processed score of a greedy case's free steps
             (so a test knows the choices are not ties), the tokenizer's decode(decode_with_timestamps=True) and its
             decode(output_offsets=True) segments

Run from the project root; the same DEST gives the same bytes."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_whisper_timestamp_fixtures import FOLDER, T, hfref, load_tiny, torch  # noqa: E402  (lays DEST too)

CASES = [  # name, generate() keyword arguments (return_timestamps=True added)
    ("default", {"max_length": 40}),
    ("french-translate", {"language": "fr", "task": "translate", "max_length": 32}),
    ("beam", {"num_beams": 2, "max_length": 32}),
    ("beam-french-translate", {"num_beams": 2, "language": "fr", "task": "translate", "max_length": 32}),
]


def main():
    model, _, _, features = load_tiny()
    tok = T.WhisperTokenizer.from_pretrained(FOLDER)
    begin = model.generation_config.no_timestamps_token_id + 1
    cases = []
    for name, kwargs in CASES:
        with torch.no_grad():
            out = model.generate(features, return_timestamps=True, return_dict_in_generate=True, output_scores=True,
                                 **kwargs)
        ids = out["sequences"][0].tolist()
        margin = None
        if kwargs.get("num_beams", 1) == 1:
            gaps = []
            for s in out["scores"]:
                top = torch.topk(s[0], 2).values
                if torch.isfinite(top[1]):  # a step with one choice left (forced) has no runner-up
                    gaps.append(float(top[0] - top[1]))
            margin = min(gaps)
        times = [i for i in ids if i >= begin]
        offsets = tok.decode(ids, output_offsets=True)["offsets"]
        cases.append({"name": name, "generate_kwargs": kwargs, "ids": ids, "timestamps": len(times),
                      "min_margin": margin,
                      "decoded_with_timestamps": tok.decode(ids, decode_with_timestamps=True),
                      "decoded_text": tok.decode(ids, skip_special_tokens=True),
                      "offsets": [{"text": o["text"], "start": o["timestamp"][0], "end": o["timestamp"][1]}
                                  for o in offsets]})
        if len(times) < 2:
            raise SystemExit(f"{name}: generate() gave {len(times)} timestamps; the rules would not be tested")
    hfref.write_json(os.path.join(FOLDER, "timestamp-tokens.json"), {
        "transformers_version": T.__version__, "torch_version": torch.__version__, "audio": "audio.wav",
        "timestamp_begin": begin,
        "max_initial_timestamp_index": model.generation_config.max_initial_timestamp_index, "cases": cases})
    print("timestamp-tokens.json: " + ", ".join(
        f"{c['name']} {len(c['ids'])} ids, {c['timestamps']} timestamps, margin {c['min_margin']}" for c in cases))


if __name__ == "__main__":
    main()
