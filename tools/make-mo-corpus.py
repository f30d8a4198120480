#!/usr/bin/python3
"""Builds an EN->FR TSV corpus (source<TAB>target) from the French message
catalogues (.mo) installed on a Debian machine: software interface strings
and their translations. For measuring training on real text (issue #22);
the output is not redistributable as a whole, so keep it out of the tree.

  tools/make-mo-corpus.py [--lang fr] [DIR...] > corpus.tsv

DIRs default to /usr/share/locale/LANG/LC_MESSAGES and LibreOffice's
/usr/lib/libreoffice/program/resource/LANG/LC_MESSAGES. Every catalogue is
read with Python's gettext parser; accelerator marks (& _ ~), markup and
line breaks are cleaned, pairs without letters, longer than 300 characters
or left untranslated are dropped, and a source string keeps its first
translation (files in name order). Pair count goes to stderr.
"""
import argparse
import gettext
import pathlib
import re
import sys

TAG = re.compile(r"<[^>]{1,40}>")
SPACE = re.compile(r"\s+")
ACCEL = re.compile(r"[&_~](?=\w)")


def clean(text):
    text = TAG.sub(" ", text)
    text = ACCEL.sub("", text)
    return SPACE.sub(" ", text).strip()


def pairs(path):
    try:
        with open(path, "rb") as f:
            catalog = gettext.GNUTranslations(f)._catalog
    except Exception as e:  # a damaged or unusual catalogue: skip it, say so
        print(f"{path}: skipped ({e})", file=sys.stderr)
        return
    for key, target in catalog.items():
        if isinstance(key, tuple):  # plural forms: (msgid, n); keep the singular
            if key[1] != 0:
                continue
            key = key[0]
        source = key.split("\x04")[-1]  # drop a msgctxt
        source = source.split("\x00")[0]
        yield clean(source), clean(target)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lang", default="fr")
    ap.add_argument("dirs", nargs="*")
    a = ap.parse_args()
    dirs = a.dirs or [f"/usr/share/locale/{a.lang}/LC_MESSAGES",
                      f"/usr/lib/libreoffice/program/resource/{a.lang}/LC_MESSAGES"]
    seen = {}
    files = sorted(p for d in dirs if pathlib.Path(d).is_dir() for p in pathlib.Path(d).rglob("*.mo"))
    for path in files:
        for source, target in pairs(path):
            if not source or not target or source == target or source in seen:
                continue
            if len(source) > 300 or len(target) > 300 or not re.search(r"[A-Za-z]{2}", source):
                continue
            seen[source] = target
    out = sys.stdout
    for source, target in seen.items():
        out.write(f"{source}\t{target}\n")
    print(f"{len(seen)} pairs from {len(files)} catalogues", file=sys.stderr)


if __name__ == "__main__":
    main()
