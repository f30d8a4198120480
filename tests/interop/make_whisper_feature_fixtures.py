#!/usr/bin/python3
"""Whisper log-mel parity fixtures, computed by the real transformers v4.36.2 WhisperFeatureExtractor.

    /usr/bin/python3 tests/interop/make_whisper_feature_fixtures.py [DEST] [OUTDIR]

DEST is the laid transformers copy (default .hf-reference, see ../shared/hf-reference/README.md), OUTDIR the
fixtures folder (default tests/data/audio/features). Each case is a folder:

    audio.wav                  16-bit mono PCM at 16 kHz (what both sides read: int16 / 32768)
    preprocessor_config.json   as save_pretrained writes it
    expected.json              shapes, sizes and the transformers version
    features.f32               the input_features, little-endian float32, row-major (feature_size, frames):
                               value (m, t) at byte offset 4 * (m * frames + t)
    mel_filters.f32            fe.mel_filters transposed to (feature_size, 1 + n_fft // 2), same layout

Cases: a 2.5 s chirp + noise under Whisper's 30 s / 80-mel settings (zero-padded to 3000 frames) and a 12 s clip
of tones, a glide and noise under 10 s / 128-mel settings (trimmed to 1000 frames). Run from the project root;
the same DEST gives the same bytes (seeded noise)."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "..", "shared", "hf-reference"))
import hfref  # noqa: E402

DEST = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".hf-reference")
OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "tests", "data", "audio", "features")
T = hfref.setup(DEST)
import numpy as np  # noqa: E402

RATE = 16000


def chirp_with_noise(seconds, seed):
    """A 200 -> 3000 Hz linear chirp with white noise, faded in and out."""
    t = np.arange(int(seconds * RATE)) / RATE
    f0, f1 = 200.0, 3000.0
    phase = 2 * np.pi * (f0 * t + (f1 - f0) * t * t / (2 * seconds))
    noise = np.random.RandomState(seed).standard_normal(t.size)
    fade = np.minimum(1.0, np.minimum(t, seconds - t) * 10)
    return (0.4 * np.sin(phase) + 0.03 * noise) * fade


def tones_glide_noise(seconds, seed):
    """Speech-like bursts: tones switched on and off, a falling glide, quiet noise throughout."""
    t = np.arange(int(seconds * RATE)) / RATE
    rng = np.random.RandomState(seed)
    bursts = (np.sin(2 * np.pi * 1.3 * t) > 0.2).astype(np.float64)
    tones = 0.25 * np.sin(2 * np.pi * 330 * t) + 0.15 * np.sin(2 * np.pi * 1250 * t) * bursts
    glide = 0.1 * np.sin(2 * np.pi * (4000 * t - 150 * t * t))
    return tones + glide + 0.02 * rng.standard_normal(t.size)


def write_f32(path, matrix):
    np.ascontiguousarray(matrix, dtype="<f4").tofile(path)


def make_case(name, samples, feature_size, chunk_length):
    out = os.path.join(OUT, name)
    os.makedirs(out, exist_ok=True)
    wav = os.path.join(out, "audio.wav")
    hfref.write_wav(wav, samples, RATE)
    read, rate = hfref.read_wav(wav)  # what a program reading the file sees
    fe = T.WhisperFeatureExtractor(feature_size=feature_size, sampling_rate=RATE, hop_length=160, n_fft=400,
                                   chunk_length=chunk_length)
    fe.save_pretrained(out)
    fe = T.WhisperFeatureExtractor.from_pretrained(out)  # as a user's folder is read
    feats = fe(read, sampling_rate=rate, return_tensors="np").input_features[0]  # (feature_size, frames) float32
    write_f32(os.path.join(out, "features.f32"), feats)
    write_f32(os.path.join(out, "mel_filters.f32"), fe.mel_filters.T)
    hfref.write_json(os.path.join(out, "expected.json"), {
        "transformers_version": T.__version__, "sampling_rate": rate, "n_samples_in_audio": len(read),
        "samples_note": "audio.wav int16 / 32768",
        "features": "features.f32", "features_shape": list(feats.shape),
        "mel_filters": "mel_filters.f32", "mel_filters_shape": list(fe.mel_filters.T.shape),
        "layout": "little-endian float32, row-major"})
    print(f"{name}: {len(read) / rate:.2f} s -> features {feats.shape}, range [{feats.min():.4f}, {feats.max():.4f}]")


def main():
    make_case("chirp-80mel-30s", chirp_with_noise(2.5, seed=1), feature_size=80, chunk_length=30)
    make_case("tones-128mel-10s", tones_glide_noise(12.0, seed=2), feature_size=128, chunk_length=10)


if __name__ == "__main__":
    main()
