#!/usr/bin/python3
"""Speaks English sentences with espeak-ng into a speech corpus AlignScope trains on.

The bundled `speech` model's corpus was made by this script from the
built-in en-fr task's English sentences:

  alignscope-cli task --task en-fr --train-size 12000 | cut -f1 > sentences.txt
  tools/make-speech-corpus.py sentences.txt --out corpus/        # writes corpus/manifest.tsv
  alignscope-cli train --task corpus/manifest.tsv --format audio-tsv ... --out speech.safetensors

Each sentence is spoken once, by a voice, rate and pitch drawn from a seeded
generator, then mixed with white noise at a random signal-to-noise ratio, and
written as a 16-bit WAV at espeak-ng's 22,050 Hz. The manifest lists
`clip<TAB>transcript`, the clip relative to the manifest's folder.

  tools/make-speech-corpus.py --say "The cat sat on the mat" --out cat.wav

speaks one sentence in the default voice without noise (the test fixture).

Needs espeak-ng and python3-numpy (Debian packages).
"""

import argparse
import concurrent.futures
import io
import os
import random
import subprocess
import sys
import wave

import numpy as np

# espeak-ng's English voices and variants: accents, men's and women's voices.
VOICES = ["en", "en-us", "en-gb-x-rp", "en-gb-scotland", "en-gb-x-gbclan", "en-029",
          "en+f2", "en+f3", "en+f4", "en+m2", "en+m3", "en+m4", "en-us+f2", "en-us+m3", "en+klatt"]


def speak(text, voice="en", rate=175, pitch=50):
    """espeak-ng's WAV of `text`: (samples as float in [-1, 1], sample rate)."""
    out = subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate), "-p", str(pitch), "--stdout", text],
                         check=True, capture_output=True).stdout
    with wave.open(io.BytesIO(out)) as w:
        rate_hz = w.getframerate()
        frames = w.readframes(w.getnframes())
    # espeak-ng's stdout header states no length; the bytes are the samples.
    samples = np.frombuffer(frames[: len(frames) // 2 * 2], dtype="<i2").astype(np.float32) / 32768.0
    return samples, rate_hz


def write_wav(path, samples, rate_hz):
    pcm = np.clip(np.round(samples * 32767.0), -32768, 32767).astype("<i2")
    tmp = path + ".part"
    with wave.open(tmp, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate_hz)
        w.writeframes(pcm.tobytes())
    os.replace(tmp, path)


def make_clip(job):
    index, text, seed, folder = job
    rng = random.Random(seed)
    voice = rng.choice(VOICES)
    rate, pitch = rng.randint(130, 210), rng.randint(25, 75)
    samples, rate_hz = speak(text, voice, rate, pitch)
    snr_db = rng.uniform(10.0, 35.0)
    signal = float(np.sqrt(np.mean(samples ** 2))) if samples.size else 0.0
    noise = np.random.default_rng(seed).standard_normal(samples.size).astype(np.float32)
    samples = samples + noise * signal / (10.0 ** (snr_db / 20.0))
    name = "clip%06d.wav" % index
    write_wav(os.path.join(folder, name), samples, rate_hz)
    return name, text


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sentences", nargs="?", help="one sentence per line")
    ap.add_argument("--out", required=True, help="the corpus folder (manifest.tsv and the clips), or with --say a WAV file")
    ap.add_argument("--say", help="speak this one sentence in the default voice, without noise")
    ap.add_argument("--exclude", action="append", default=[], help="a sentence to leave out (repeatable)")
    ap.add_argument("--seed", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()
    if a.say:
        samples, rate_hz = speak(a.say)
        write_wav(a.out, samples, rate_hz)
        return 0
    if not a.sentences:
        ap.error("give a sentences file, or --say TEXT")
    excluded = {s.strip().lower() for s in a.exclude}
    with open(a.sentences, encoding="utf-8") as f:
        lines = [line.strip() for line in f]
    seen, sentences = set(), []
    for line in lines:
        if line and line.lower() not in excluded and line not in seen:
            seen.add(line)
            sentences.append(line)
    os.makedirs(a.out, exist_ok=True)
    master = random.Random(a.seed)
    jobs = [(i, s, master.getrandbits(32), a.out) for i, s in enumerate(sentences)]
    rows = []
    with concurrent.futures.ProcessPoolExecutor(a.jobs) as pool:
        for done, row in enumerate(pool.map(make_clip, jobs, chunksize=32), 1):
            rows.append(row)
            if done % 1000 == 0:
                print("%d / %d clips" % (done, len(jobs)), file=sys.stderr)
    manifest = os.path.join(a.out, "manifest.tsv")
    with open(manifest + ".part", "w", encoding="utf-8") as f:
        for name, text in rows:
            f.write("%s\t%s\n" % (name, text))
    os.replace(manifest + ".part", manifest)
    print("wrote %d clips and %s" % (len(rows), manifest), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
