"""Tensors as JSON: nested lists for small ones, base64 of little-endian numbers for large ones.

    {"shape": [2, 2], "data": [[1.0, 2.0], [3.0, 4.0]]}                                  list
    {"shape": [...], "dtype": "float16", "encoding": "base64", "data": "…"}              f16, f32
    {"shape": [...], "dtype": "uint8", "encoding": "base64", "data": "…"}                pixels
    {"shape": [...], "dtype": "uint8", "encoding": "base64", "offset": o, "scale": s, "data": "…"}

The last is the "q8" form: value ≈ offset + scale · byte, within scale / 2. "auto" picks lists up
to 4,096 numbers, float16 up to 2**20 numbers, and q8 beyond (a 8×512×512 map is 2.8 MB, not the
5.6 MB of float16); "list", "f16" and "f32" force a form, for exact values."""

import base64
from typing import Literal

import numpy as np
import torch

Encoding = Literal["auto", "list", "f16", "f32", "q8"]

LIST_MAX_ELEMENTS = 4096
F16_MAX_ELEMENTS = 1 << 20


def encode_tensor(t: torch.Tensor, encoding: Encoding = "auto") -> dict:
    t = t.detach().cpu()
    shape = list(t.shape)
    n = t.numel()
    if encoding == "list" or (encoding == "auto" and n <= LIST_MAX_ELEMENTS):
        return {"shape": shape, "data": t.tolist()}
    if t.dtype == torch.uint8:  # pixels: exact, one byte each
        return _b64(shape, "uint8", t.numpy())
    if encoding == "q8" or (encoding == "auto" and n > F16_MAX_ELEMENTS):
        return _q8(shape, t.float())
    if encoding == "f32":
        return _b64(shape, "float32", t.float().numpy().astype("<f4", copy=False))
    return _b64(shape, "float16", t.float().numpy().astype("<f2"))


def _b64(shape: list[int], dtype: str, arr: np.ndarray, **extra: float) -> dict:
    data = base64.b64encode(np.ascontiguousarray(arr).tobytes()).decode()
    return {"shape": shape, "dtype": dtype, "encoding": "base64", **extra, "data": data}


def _q8(shape: list[int], t: torch.Tensor) -> dict:
    """Affine 8-bit quantisation over the tensor's range."""
    lo, hi = (float(t.min()), float(t.max())) if t.numel() else (0.0, 0.0)
    scale = (hi - lo) / 255 or 1.0
    q = ((t - lo) / scale).round_().clamp_(0, 255).to(torch.uint8)
    return _b64(shape, "uint8", q.numpy(), offset=lo, scale=scale)


def decode_tensor(obj: dict) -> torch.Tensor:
    """The inverse of `encode_tensor` (for tests and for clients written in Python)."""
    if obj.get("encoding") != "base64":
        return torch.tensor(obj["data"], dtype=torch.float32).reshape(obj["shape"])
    np_dtype = {"float32": "<f4", "float16": "<f2", "uint8": "u1"}[obj["dtype"]]
    arr = np.frombuffer(base64.b64decode(obj["data"]), dtype=np_dtype).astype(np.float32)
    t = torch.from_numpy(arr.copy()).reshape(obj["shape"])
    return t * obj["scale"] + obj["offset"] if "scale" in obj else t
