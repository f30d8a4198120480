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

Cases: a 2.5 s chirp + noise under Whisper's 30 s / 80-mel settings (zero-padded to 3000 frames), a 12 s clip
of tones, a glide and noise under 10 s / 128-mel settings (trimmed to 1000 frames), and a 1.5 s stereo clip at
44.1 kHz (80 mels, 30 s): transformers takes 16 kHz mono only, so the script mixes it (the mean of the channels,
in float32) and resamples it with libsoxr (ctypes over libsoxr.so.0, the library AlignScope links, at the same
high-quality setting) as AlignScope's reader does, and feeds transformers those samples. Run from the project
root; the same DEST gives the same bytes (seeded noise)."""
import ctypes
import os
import sys
import wave

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


def write_stereo_wav(path, left, right, rate):
    """16-bit stereo PCM WAV, rounded and clipped as hfref.write_wav does."""
    pcm = np.clip(np.round(np.stack([left, right], axis=1) * 32767), -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def read_as_alignscope(path):
    """16-bit PCM WAV -> 16 kHz mono float32 as core/src/audio reads it: int16 / 32768, the mean of the channels
    (summed in float32, times 1 / channels), libsoxr SOXR_HQ on one thread."""
    with wave.open(path, "rb") as w:
        channels, rate = w.getnchannels(), w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, channels)
    x = pcm.astype(np.float32) / np.float32(32768)
    mono = x[:, 0].copy()
    for c in range(1, channels):
        mono += x[:, c]
    mono *= np.float32(1.0 / channels)
    return soxr_hq(mono, rate, RATE)


class IoSpec(ctypes.Structure):
    _fields_ = [("itype", ctypes.c_int), ("otype", ctypes.c_int), ("scale", ctypes.c_double),
                ("e", ctypes.c_void_p), ("flags", ctypes.c_ulong)]


class QualitySpec(ctypes.Structure):
    _fields_ = [("precision", ctypes.c_double), ("phase_response", ctypes.c_double),
                ("passband_end", ctypes.c_double), ("stopband_begin", ctypes.c_double),
                ("e", ctypes.c_void_p), ("flags", ctypes.c_ulong)]


class RuntimeSpec(ctypes.Structure):
    _fields_ = [("log2_min_dft_size", ctypes.c_uint), ("log2_large_dft_size", ctypes.c_uint),
                ("coef_size_kbytes", ctypes.c_uint), ("num_threads", ctypes.c_uint),
                ("e", ctypes.c_void_p), ("flags", ctypes.c_ulong)]


def soxr_hq(samples, from_rate, to_rate):
    lib = ctypes.CDLL("libsoxr.so.0")
    lib.soxr_io_spec.restype = IoSpec
    lib.soxr_quality_spec.restype = QualitySpec
    lib.soxr_quality_spec.argtypes = [ctypes.c_ulong, ctypes.c_ulong]
    lib.soxr_runtime_spec.restype = RuntimeSpec
    lib.soxr_runtime_spec.argtypes = [ctypes.c_uint]
    lib.soxr_oneshot.restype = ctypes.c_char_p
    lib.soxr_oneshot.argtypes = [ctypes.c_double, ctypes.c_double, ctypes.c_uint, ctypes.c_void_p, ctypes.c_size_t,
                                 ctypes.POINTER(ctypes.c_size_t), ctypes.c_void_p, ctypes.c_size_t,
                                 ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(IoSpec),
                                 ctypes.POINTER(QualitySpec), ctypes.POINTER(RuntimeSpec)]
    io, quality, runtime = lib.soxr_io_spec(0, 0), lib.soxr_quality_spec(4, 0), lib.soxr_runtime_spec(1)  # FLOAT32_I, HQ
    x = np.ascontiguousarray(samples, dtype=np.float32)
    out = np.zeros(int(len(x) * to_rate / from_rate) + 1024, dtype=np.float32)
    done = ctypes.c_size_t(0)
    error = lib.soxr_oneshot(from_rate, to_rate, 1, x.ctypes.data, len(x), None, out.ctypes.data, len(out),
                             ctypes.byref(done), ctypes.byref(io), ctypes.byref(quality), ctypes.byref(runtime))
    if error:
        raise SystemExit(f"soxr: {error.decode()}")
    return out[:done.value]


def write_f32(path, matrix):
    np.ascontiguousarray(matrix, dtype="<f4").tofile(path)


def make_case(name, samples, feature_size, chunk_length, stereo_rate=None):
    out = os.path.join(OUT, name)
    os.makedirs(out, exist_ok=True)
    wav = os.path.join(out, "audio.wav")
    if stereo_rate:
        write_stereo_wav(wav, samples[0], samples[1], stereo_rate)
        read, rate = read_as_alignscope(wav), RATE
    else:
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
        "samples_note": "audio.wav int16 / 32768" + (", channels averaged, libsoxr HQ to 16 kHz" if stereo_rate else ""),
        "features": "features.f32", "features_shape": list(feats.shape),
        "mel_filters": "mel_filters.f32", "mel_filters_shape": list(fe.mel_filters.T.shape),
        "layout": "little-endian float32, row-major"})
    print(f"{name}: {len(read) / rate:.2f} s -> features {feats.shape}, range [{feats.min():.4f}, {feats.max():.4f}]")


def main():
    make_case("chirp-80mel-30s", chirp_with_noise(2.5, seed=1), feature_size=80, chunk_length=30)
    make_case("tones-128mel-10s", tones_glide_noise(12.0, seed=2), feature_size=128, chunk_length=10)
    t = np.arange(3 * 44100 // 2) / 44100
    left = 0.3 * np.sin(2 * np.pi * 523.25 * t) * (np.sin(2 * np.pi * 2 * t) > 0)
    right = 0.2 * np.sin(2 * np.pi * (300 * t + 400 * t * t)) + 0.02 * np.random.RandomState(3).standard_normal(t.size)
    make_case("stereo44k-80mel-30s", (left, right), feature_size=80, chunk_length=30, stereo_rate=44100)


if __name__ == "__main__":
    main()
