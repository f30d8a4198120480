#!/usr/bin/python3
"""Small audio files for tests/core/testaudio.cpp and the fuzz seed corpus.

    /usr/bin/python3 tests/data/audio/make_audio_fixtures.py

Run from the project root. Good files are written through libsndfile itself (ctypes over libsndfile.so.1, the
library AlignScope links; FLAC, Ogg Vorbis, Ogg Opus and MP3 (LAME) encoders come with Debian's libsndfile1),
hostile ones byte by byte with the struct module. The files are committed, so the tests need neither this
script nor an encoder. Ogg files carry a random stream serial number, so they differ run to run; the sound in
them does not.

Good: a 440 Hz tone, 0.5 s, amplitude 0.5, in each format and rate below; the stereo WAV has 0.6 on the left
and 0.2 on the right (mono mix: 0.4).
Hostile: text renamed .wav, a WAV with no frames, a truncated FLAC, WAV headers claiming a 3 Hz or a
4 GHz rate, 5000 channels, a data chunk longer than the file, and a header claiming 10 hours."""
import ctypes
import math
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(OUT, "..", "..", "fuzz", "corpus", "audio")

SF_WRITE = 0x20
WAV, FLAC, OGG, MPEG = 0x010000, 0x170000, 0x200000, 0x230000
PCM_16, VORBIS, OPUS, MP3 = 0x0002, 0x0060, 0x0064, 0x0082


class SfInfo(ctypes.Structure):
    _fields_ = [("frames", ctypes.c_int64), ("samplerate", ctypes.c_int), ("channels", ctypes.c_int),
                ("format", ctypes.c_int), ("sections", ctypes.c_int), ("seekable", ctypes.c_int)]


sf = ctypes.CDLL("libsndfile.so.1")
sf.sf_open.restype = ctypes.c_void_p
sf.sf_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(SfInfo)]
sf.sf_writef_float.restype = ctypes.c_int64
sf.sf_writef_float.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_float), ctypes.c_int64]
sf.sf_close.argtypes = [ctypes.c_void_p]
sf.sf_strerror.restype = ctypes.c_char_p
sf.sf_strerror.argtypes = [ctypes.c_void_p]


def tone(rate, seconds=0.5, gains=(0.5,), hz=440.0):
    """Interleaved frames of a sine, one gain per channel."""
    n = int(rate * seconds)
    return [g * math.sin(2 * math.pi * hz * i / rate) for i in range(n) for g in gains], n


def write_sndfile(name, rate, fmt, gains=(0.5,)):
    samples, frames = tone(rate, gains=gains)
    info = SfInfo(0, rate, len(gains), fmt, 0, 0)
    handle = sf.sf_open(os.path.join(OUT, name).encode(), SF_WRITE, ctypes.byref(info))
    if not handle:
        raise SystemExit(f"{name}: {sf.sf_strerror(None).decode()}")
    buffer = (ctypes.c_float * len(samples))(*samples)
    if sf.sf_writef_float(handle, buffer, frames) != frames:
        raise SystemExit(f"{name}: short write")
    sf.sf_close(handle)


def wav_bytes(rate, channels, pcm, data_size=None, frames_claim=None):
    """A 16-bit PCM WAV whose header may lie: data_size overrides the data chunk's length."""
    data_size = len(pcm) if data_size is None else data_size
    block = 2 * channels
    fmt = struct.pack("<HHIIHH", 1, channels, rate, (rate * block) & 0xFFFFFFFF, block & 0xFFFF, 16)
    riff = 4 + 8 + len(fmt) + 8 + data_size
    return (b"RIFF" + struct.pack("<I", riff & 0xFFFFFFFF) + b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
            + b"data" + struct.pack("<I", data_size & 0xFFFFFFFF) + pcm)


def pcm16(samples):
    return b"".join(struct.pack("<h", max(-32768, min(32767, round(s * 32767)))) for s in samples)


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def main():
    write_sndfile("tone-16k-mono.wav", 16000, WAV | PCM_16)
    write_sndfile("tone-44k-stereo.wav", 44100, WAV | PCM_16, gains=(0.6, 0.2))
    write_sndfile("tone-22k.flac", 22050, FLAC | PCM_16)
    write_sndfile("tone-48k.ogg", 48000, OGG | VORBIS)
    write_sndfile("tone-48k.opus", 48000, OGG | OPUS)
    write_sndfile("tone-44k.mp3", 44100, MPEG | MP3)

    pcm = pcm16(tone(8000, seconds=0.1)[0])
    write("not-audio.wav", b"This is a text file someone renamed to .wav\n" * 4)
    write("zero-length.wav", wav_bytes(16000, 1, b""))
    with open(os.path.join(OUT, "tone-22k.flac"), "rb") as f:
        flac = f.read()
    write("truncated.flac", flac[: len(flac) * 6 // 10])
    write("rate-3hz.wav", wav_bytes(3, 1, pcm))
    write("rate-4ghz.wav", wav_bytes(4_000_000_000, 1, pcm))
    write("channels-5000.wav", wav_bytes(8000, 5000, pcm[:20000]))
    write("data-longer-than-file.wav", wav_bytes(8000, 1, pcm, data_size=10 * len(pcm)))
    write("claims-10-hours.wav", wav_bytes(8000, 1, pcm, data_size=10 * 3600 * 8000 * 2))

    # The fuzzer's seeds: tiny good files (WAV, FLAC) and a truncated one.
    os.makedirs(CORPUS, exist_ok=True)
    with open(os.path.join(CORPUS, "tone-8k.wav"), "wb") as f:
        f.write(wav_bytes(8000, 1, pcm16(tone(8000, seconds=0.05)[0])))
    with open(os.path.join(CORPUS, "stereo-8k.wav"), "wb") as f:
        f.write(wav_bytes(8000, 2, pcm16(tone(8000, seconds=0.02, gains=(0.5, 0.1))[0])))
    with open(os.path.join(CORPUS, "tone.flac"), "wb") as f:
        f.write(flac[:])
    with open(os.path.join(CORPUS, "truncated.wav"), "wb") as f:
        f.write(wav_bytes(8000, 1, pcm[:300], data_size=4000))


if __name__ == "__main__":
    main()
