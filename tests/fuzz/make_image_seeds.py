#!/usr/bin/python3
"""Seed corpus of fuzz_image (tests/fuzz/corpus/image): tiny valid PNGs and
JPEGs written by Pillow (each colour type the reader converts: RGB, palette
with transparency and interlacing, 16-bit grey, grey + alpha; baseline,
progressive and grey JPEG) and a JPEG whose header claims 65500 x 65500.
The lying PNG header and the truncated JPEG are copies of
tests/data/vision/hostile. Run from the repository root with /usr/bin/python3."""
import random
import shutil
import struct

from PIL import Image

OUT = "tests/fuzz/corpus/image/"
random.seed(21)

im = Image.new("RGB", (3, 2))
im.putdata([(255, 0, 0), (0, 255, 0), (0, 0, 255), (9, 9, 9), (200, 100, 50), (1, 2, 3)])
im.save(OUT + "rgb-3x2.png")
im = Image.new("P", (5, 4))
im.putpalette([i % 256 for i in range(768)])
im.putdata([i % 7 for i in range(20)])
im.save(OUT + "palette-interlaced.png", interlace=1, transparency=3)
im = Image.new("I;16", (4, 3))
im.putdata([i * 4000 for i in range(12)])
im.save(OUT + "grey16-4x3.png")
im = Image.new("LA", (2, 2))
im.putdata([(10, 255), (20, 0), (30, 128), (40, 64)])
im.save(OUT + "grey-alpha.png")

im = Image.new("RGB", (8, 6))
im.putdata([tuple(random.randrange(256) for _ in range(3)) for _ in range(48)])
im.save(OUT + "rgb-8x6.jpg", quality=80)
im.save(OUT + "progressive-8x6.jpg", quality=60, progressive=True)
im.convert("L").save(OUT + "grey-8x6.jpg")

# The baseline JPEG with its SOF0 frame header's height and width set to 65500.
data = bytearray(open(OUT + "rgb-8x6.jpg", "rb").read())
sof = data.index(b"\xff\xc0")
data[sof + 5:sof + 9] = struct.pack(">HH", 65500, 65500)
open(OUT + "lying-header.jpg", "wb").write(bytes(data))

shutil.copy("tests/data/vision/hostile/huge.png", OUT + "lying-header.png")
shutil.copy("tests/data/vision/hostile/truncated.jpg", OUT + "truncated.jpg")
