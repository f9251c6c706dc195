"""Uploaded images: decoded in memory under a byte and pixel cap, stored as PNG under the data folder.

The store is bounded in bytes and count; past either, the uploads used least recently go first
(every read of an image counts as a use), so an image a learner is still working with stays while
forgotten ones make room. Anything else kept on disk for visitors can use the same rule:
`mark_used(marker)` on each use and `least_recently_used(held, max_bytes, max_count)` to choose what
goes. Sample images ship with the app and are looked up by name; uploads get a random hex id.
Neither ever becomes a path without matching a strict pattern first.
"""

import contextlib
import io
import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from app.i18n import translate

FORMATS = {"PNG", "JPEG", "WEBP", "BMP", "GIF"}
ORIENTATION = 0x0112  # the EXIF tag
UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
SAMPLE_ID = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
SIXTEEN_BIT_GRAY = {"I", "I;16", "I;16B", "I;16L", "I;16N"}  # modes of a 16-bit grayscale PNG
ROTATED = {5, 6, 7, 8}  # EXIF orientations that swap width and height


class ImageError(ValueError):
    """The upload is not an image we accept: `code` names the message (api.<code> of the catalogs,
    in English here) that says why, for the client."""

    def __init__(self, code: str, status_code: int = 422, **values: object) -> None:
        super().__init__(translate("en", f"api.{code}", **values))
        self.code, self.values, self.status_code = code, values, status_code


@dataclass
class Decoded:
    image: Image.Image  # RGB, longer side ≤ max_side
    original_size: tuple[int, int]  # (width, height) as uploaded, after EXIF rotation
    format: str


def decode_upload(raw: bytes, *, max_pixels: int, max_side: int) -> Decoded:
    if not raw:
        raise ImageError("image_empty")
    try:
        img = Image.open(io.BytesIO(raw))  # reads the header only
    except Image.DecompressionBombError:
        raise ImageError("image_pixels", 413, most=max_pixels) from None
    except (OSError, ValueError, SyntaxError):
        raise ImageError("not_an_image", 415) from None
    if img.format not in FORMATS:
        raise ImageError("image_format", 415, format=img.format)
    fmt = str(img.format)
    w, h = img.size
    if w * h > max_pixels:
        raise ImageError("image_size", 413, w=w, h=h, n=w * h, most=max_pixels)
    if w < 1 or h < 1:
        raise ImageError("image_no_pixels")
    try:
        img.seek(0)  # first frame of an animation
        if img.format == "JPEG":
            img.draft("RGB", (max_side, max_side))  # decode big JPEGs at a reduced scale (1/2…1/8)
        img.load()
        original = (h, w) if img.getexif().get(ORIENTATION) in ROTATED else (w, h)  # as displayed
        img = ImageOps.exif_transpose(img)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ImageError("image_corrupt") from None
    img = flatten_on_white(to_8_bits(img))
    if max(img.size) > max_side:
        scale = max_side / max(img.size)
        size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
        img = img.resize(size, Image.Resampling.LANCZOS)
    return Decoded(image=img, original_size=original, format=fmt)


def to_8_bits(img: Image.Image) -> Image.Image:
    """A 16-bit grayscale image scaled to 0–255 (Pillow's convert clips it: 99.6 % white)."""
    if img.mode not in SIXTEEN_BIT_GRAY:
        return img
    levels = np.asarray(img, dtype=np.float64)  # 0–65535
    return Image.fromarray(np.clip(np.rint(levels / 257), 0, 255).astype(np.uint8), "L")


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
        _write_atomic(self.root / f"{image_id}.json", json.dumps(meta).encode())  # its mtime: last use
        self._evict()
        return image_id

    def path(self, image_id: str) -> Path | None:
        """The image's file (an upload's read counts as a use), or None."""
        if UPLOAD_ID.match(image_id):
            p = self.root / f"{image_id}.png"
            if p.is_file():
                mark_used(p.with_suffix(".json"))
                return p
            return None
        if SAMPLE_ID.match(image_id):
            p = self.samples_dir / f"{image_id}.png"
            return p if p.is_file() else None
        return None

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
        held = [h for p in self.root.glob("*.png") if (h := _held(p, p.with_suffix(".json"))) is not None]
        for h in least_recently_used(held, self.max_bytes, self.max_count):
            h.path.unlink(missing_ok=True)
            h.path.with_suffix(".json").unlink(missing_ok=True)


@dataclass(frozen=True)
class Held:
    """Something kept on disk for a visitor: its size and when it was last used (Unix time)."""

    path: Path
    size: int
    used: float


def mark_used(marker: Path) -> None:
    """Record a use now, as the marker file's mtime (seen by every process sharing the folder)."""
    with contextlib.suppress(FileNotFoundError):  # evicted meanwhile
        os.utime(marker)


def least_recently_used(held: list[Held], max_bytes: int, max_count: int) -> list[Held]:
    """What must go so that the rest fits `max_bytes` and `max_count`: the least recently used."""
    total, count, out = sum(h.size for h in held), len(held), []
    for h in sorted(held, key=lambda h: h.used):
        if total <= max_bytes and count <= max_count:
            break
        out.append(h)
        total, count = total - h.size, count - 1
    return out


def _held(path: Path, marker: Path) -> Held | None:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None  # evicted by another process meanwhile
    try:
        used = marker.stat().st_mtime
    except FileNotFoundError:
        used = time.time()  # being written right now
    return Held(path, size, used)


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
