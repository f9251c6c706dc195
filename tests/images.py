"""Image bytes made in memory for tests."""

import io
import struct
import zlib

from PIL import Image


def png_bytes(img: Image.Image, fmt: str = "PNG", **save: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **save)
    return buf.getvalue()


def huge_png_header(width: int, height: int) -> bytes:
    """A PNG that declares width×height pixels but carries almost no data: a decompression bomb's
    header, refused before any decoding."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )
