"""Uploaded images: decoded in memory under a byte and pixel cap, stored as PNG under the data folder.

The store is bounded in count and bytes (oldest evicted). Sample images ship with the app and are
looked up by name; uploads get a random hex id. Neither ever becomes a path without matching a
strict pattern first.
"""

import io
import json
import os
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

FORMATS = {"PNG", "JPEG", "WEBP", "BMP", "GIF"}
UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
SAMPLE_ID = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
SAMPLES_DIR = Path(__file__).resolve().parent / "samples"


class ImageError(ValueError):
    """The upload is not an image we accept; the message says why, for the client."""

    def __init__(self, msg: str, status_code: int = 422) -> None:
        super().__init__(msg)
        self.status_code = status_code


@dataclass
class Decoded:
    image: Image.Image  # RGB, longer side ≤ max_side
    original_size: tuple[int, int]  # (width, height) as uploaded, after EXIF rotation
    format: str


def decode_upload(raw: bytes, *, max_pixels: int, max_side: int) -> Decoded:
    if not raw:
        raise ImageError("the file is empty")
    try:
        img = Image.open(io.BytesIO(raw))  # reads the header only
    except Image.DecompressionBombError:
        raise ImageError(f"the image has more than {max_pixels:,} pixels", 413) from None
    except (OSError, ValueError, SyntaxError):
        raise ImageError("not an image (PNG, JPEG, WebP, BMP or GIF expected)", 415) from None
    if img.format not in FORMATS:
        raise ImageError(f"format {img.format} not accepted (PNG, JPEG, WebP, BMP or GIF)", 415)
    fmt = str(img.format)
    w, h = img.size
    if w * h > max_pixels:
        raise ImageError(f"the image is {w}×{h} = {w * h:,} pixels; at most {max_pixels:,}", 413)
    if w < 1 or h < 1:
        raise ImageError("the image has no pixels")
    try:
        img.seek(0)  # first frame of an animation
        if img.format == "JPEG":
            img.draft("RGB", (max_side, max_side))  # decode big JPEGs at a reduced scale
        img.load()
        img = ImageOps.exif_transpose(img)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ImageError("the image data is truncated or corrupt") from None
    original = img.size
    img = flatten_on_white(img)
    if max(img.size) > max_side:
        scale = max_side / max(img.size)
        size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
        img = img.resize(size, Image.Resampling.LANCZOS)
    return Decoded(image=img, original_size=original, format=fmt)


def flatten_on_white(img: Image.Image) -> Image.Image:
    """RGB; any transparency composited over white paper."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return img.convert("RGB")


def is_valid_id(image_id: str) -> bool:
    return bool(UPLOAD_ID.match(image_id) or SAMPLE_ID.match(image_id))


class ImageStore:
    """PNG files and their metadata under `root`; samples read-only from `samples_dir`."""

    def __init__(self, root: Path, *, max_count: int, max_bytes: int, samples_dir: Path = SAMPLES_DIR):
        self.root = root
        self.samples_dir = samples_dir
        self.max_count = max_count
        self.max_bytes = max_bytes
        root.mkdir(parents=True, exist_ok=True)

    def put(self, img: Image.Image, meta: dict) -> str:
        image_id = secrets.token_hex(16)
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        _write_atomic(self.root / f"{image_id}.png", buf.getvalue())
        _write_atomic(self.root / f"{image_id}.json", json.dumps(meta).encode())
        self._evict()
        return image_id

    def path(self, image_id: str) -> Path | None:
        if UPLOAD_ID.match(image_id):
            p = self.root / f"{image_id}.png"
        elif SAMPLE_ID.match(image_id):
            p = self.samples_dir / f"{image_id}.png"
        else:
            return None
        return p if p.is_file() else None

    def get(self, image_id: str) -> Image.Image | None:
        pixels = self.pixels(image_id)
        return None if pixels is None else Image.fromarray(pixels)

    def pixels(self, image_id: str) -> np.ndarray | None:
        """(H, W, 3) uint8, read-only; decoded once and kept while the file is unchanged."""
        p = self.path(image_id)
        return None if p is None else _decoded(p, p.stat().st_mtime_ns)

    def samples(self) -> list[str]:
        return sorted(p.stem for p in self.samples_dir.glob("*.png") if SAMPLE_ID.match(p.stem))

    def _evict(self) -> None:
        pngs = sorted(self.root.glob("*.png"), key=lambda p: p.stat().st_mtime)
        sizes = [p.stat().st_size for p in pngs]
        total = sum(sizes)
        while pngs and (len(pngs) > self.max_count or total > self.max_bytes):
            oldest = pngs.pop(0)
            total -= sizes.pop(0)
            oldest.unlink(missing_ok=True)
            oldest.with_suffix(".json").unlink(missing_ok=True)


@lru_cache(maxsize=64)
def _decoded(path: Path, mtime_ns: int) -> np.ndarray:
    with Image.open(path) as img:
        pixels = np.asarray(img.convert("RGB"))
    pixels.setflags(write=False)
    return pixels


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
