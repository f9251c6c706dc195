"""Draw the sample images that ship in app/samples/ (deterministic: run it again, get the same PNGs).

python scripts/make_samples.py
"""

import gzip
import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "app" / "samples"


def shapes() -> Image.Image:
    """Flat shapes on grey: straight, slanted and curved edges for edge kernels."""
    img = Image.new("RGB", (256, 256), (128, 128, 128))
    d = ImageDraw.Draw(img)
    d.rectangle((24, 24, 112, 112), fill=(255, 255, 255))
    d.ellipse((140, 30, 230, 120), fill=(20, 20, 20))
    d.polygon([(40, 230), (128, 140), (216, 230)], fill=(235, 235, 235))
    d.line((150, 140, 240, 220), fill=(0, 0, 0), width=6)
    return img


def gradient() -> Image.Image:
    """Red grows left to right, blue top to bottom, green along the diagonal."""
    y, x = np.mgrid[0:192, 0:256].astype(np.float32)
    r = x / 255 * 255
    b = y / 191 * 255
    g = (x / 255 + y / 191) / 2 * 255
    return Image.fromarray(np.stack([r, g, b], -1).round().astype(np.uint8))


def digit() -> Image.Image:
    """A real handwritten digit: the first 7 of the MNIST test set, 28×28, white ink on black."""
    raw = gzip.decompress((ROOT / "data" / "mnist" / "t10k-images-idx3-ubyte.gz").read_bytes())
    labels = gzip.decompress((ROOT / "data" / "mnist" / "t10k-labels-idx1-ubyte.gz").read_bytes())
    i = labels[8:].index(7)
    pixels = np.frombuffer(raw[16 + i * 784 : 16 + (i + 1) * 784], dtype=np.uint8).reshape(28, 28)
    return Image.fromarray(pixels).convert("RGB")


def scene() -> Image.Image:
    """A colourful landscape: sky, sun, hills, a house and a tree, softened to look photographed."""
    w, h = 320, 240
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    sky = (1 - y) * np.array([70, 130, 220]) + y * np.array([200, 225, 250])
    img = Image.fromarray(np.broadcast_to(sky, (h, w, 3)).astype(np.uint8))
    d = ImageDraw.Draw(img)
    d.ellipse((236, 24, 290, 78), fill=(255, 214, 60))
    hill = [(x, 150 + 25 * math.sin(x / 40)) for x in range(0, w + 1, 8)]
    d.polygon([(0, h), *hill, (w, h)], fill=(70, 150, 60))
    d.polygon([(0, h), *[(x, yy + 40) for x, yy in hill], (w, h)], fill=(40, 110, 45))
    d.rectangle((60, 130, 140, 190), fill=(200, 70, 50))
    d.polygon([(52, 132), (100, 92), (148, 132)], fill=(120, 50, 40))
    d.rectangle((88, 155, 108, 190), fill=(90, 60, 30))
    d.rectangle((118, 142, 134, 158), fill=(180, 220, 255))
    d.rectangle((208, 140, 218, 200), fill=(100, 70, 40))
    d.ellipse((186, 100, 240, 154), fill=(30, 120, 50))
    noise = np.random.default_rng(0).normal(0, 6, (h, w, 3))
    arr = np.asarray(img.filter(ImageFilter.GaussianBlur(0.8)), dtype=np.float32) + noise
    return Image.fromarray(arr.clip(0, 255).round().astype(np.uint8))


def checker() -> Image.Image:
    """A 16×16 board of 4×4 squares with one bright diagonal: small enough to read every number."""
    y, x = np.mgrid[0:16, 0:16]
    v = np.where(((x // 4) + (y // 4)) % 2 == 0, 200, 40).astype(np.uint8)
    v[np.arange(16), np.arange(16)] = 255
    return Image.fromarray(v).convert("RGB")


SAMPLES = {"shapes": shapes, "gradient": gradient, "digit": digit, "scene": scene, "checker": checker}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, draw in SAMPLES.items():
        draw().save(OUT / f"{name}.png", optimize=True)


if __name__ == "__main__":
    main()
