#!/usr/bin/python3
"""whisper.cpp's side of the Whisper benchmark (BENCHMARKS.md, "Whisper folders"): its own converter turns a
Hugging Face Whisper folder into the ggml files whisper.cpp users have.

    /usr/bin/python3 bench/whisper_cpp.py WHISPERCPP OPENAI_WHISPER FOLDER OUTDIR

WHISPERCPP and OPENAI_WHISPER are git directories of github.com/ggml-org/whisper.cpp and github.com/openai/whisper (a
bare clone or mirror is enough: models/convert-h5-to-ggml.py and whisper/assets/mel_filters.npz are read with
`git show`). Writes OUTDIR/ggml-f16.bin (the converter's default: matrices float16) and OUTDIR/ggml-f32.bin (its
use-f32 argument). whisper.cpp itself is built from the same checkout, outside this project's tree, and timed with
its own bench tool:

    git --git-dir=WHISPERCPP archive HEAD | tar -x -C /tmp/whispercpp
    cmake -S /tmp/whispercpp -B /tmp/whispercpp/build -DCMAKE_BUILD_TYPE=Release && cmake --build ... -j 2
    /tmp/whispercpp/build/bin/whisper-bench -m OUTDIR/ggml-f16.bin -t 2

Needs the laid transformers copy (.hf-reference, see ../shared/hf-reference/README.md): the converter imports it."""
import contextlib
import io
import os
import runpy
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def git_show(gitdir, path):
    return subprocess.run(["git", "--git-dir", gitdir, "show", "HEAD:" + path], check=True, capture_output=True).stdout


def convert(whispercpp, openai, folder, out, names=("ggml-f16.bin", "ggml-f32.bin")):
    """Runs whisper.cpp's models/convert-h5-to-ggml.py as its users run it (model dir, openai/whisper checkout, output
    dir [, use-f32]) on FOLDER, twice: its default file (matrices float16) and its use-f32 file, written to OUT under
    `names`. Needs the laid transformers copy on sys.path already (hfref.setup)."""
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        whisper_dir = os.path.join(work, "whisper")
        os.makedirs(os.path.join(whisper_dir, "whisper", "assets"))
        with open(os.path.join(whisper_dir, "whisper", "assets", "mel_filters.npz"), "wb") as f:
            f.write(git_show(openai, "whisper/assets/mel_filters.npz"))
        converter = os.path.join(work, "convert-h5-to-ggml.py")
        with open(converter, "wb") as f:
            f.write(git_show(whispercpp, "models/convert-h5-to-ggml.py"))
        for extra, written, name in (([], "ggml-model.bin", names[0]), (["use-f32"], "ggml-model-f32.bin", names[1])):
            saved = sys.argv
            sys.argv = [converter, folder, whisper_dir, work] + extra
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    runpy.run_path(converter, run_name="__main__")
            finally:
                sys.argv = saved
            shutil.move(os.path.join(work, written), os.path.join(out, name))
            print("wrote", os.path.join(out, name), file=sys.stderr)


def main():
    if len(sys.argv) != 5:
        raise SystemExit(__doc__.split("\n\n")[1])
    whispercpp, openai, folder, out = sys.argv[1:]
    sys.path.insert(0, os.path.join(ROOT, "..", "shared", "hf-reference"))
    import hfref  # noqa: E402
    hfref.setup(os.path.join(ROOT, ".hf-reference"))
    convert(whispercpp, openai, folder, out)


if __name__ == "__main__":
    main()
