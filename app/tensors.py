"""Tensors as JSON: nested lists for small ones, base64 of little-endian floats for large ones."""

import base64
from typing import Literal

import numpy as np
import torch

Encoding = Literal["auto", "list", "f16", "f32"]

# "auto" sends nested lists up to this many elements, float16 base64 above it.
LIST_MAX_ELEMENTS = 4096


def encode(t: torch.Tensor, encoding: Encoding = "auto") -> dict:
    """{"shape", "data"} with data nested lists, or {"shape", "dtype", "encoding": "base64", "data"}.

    dtype is "float16" (or "float32" when asked), and "uint8" for uint8 tensors such as pixels."""
    t = t.detach().cpu()
    shape = list(t.shape)
    if encoding == "list" or (encoding == "auto" and t.numel() <= LIST_MAX_ELEMENTS):
        return {"shape": shape, "data": t.tolist()}
    if t.dtype == torch.uint8:  # pixels: exact and four times smaller than float32
        np_dtype, name = "u1", "uint8"
    elif encoding == "f32":
        np_dtype, name = "<f4", "float32"
    else:
        np_dtype, name = "<f2", "float16"
    raw = t.numpy().astype(np_dtype, copy=False).tobytes()
    return {"shape": shape, "dtype": name, "encoding": "base64", "data": base64.b64encode(raw).decode()}


def decode(obj: dict) -> torch.Tensor:
    """The inverse of `encode` (used by tests and by clients written in Python)."""
    if obj.get("encoding") == "base64":
        np_dtype = {"float32": "<f4", "float16": "<f2", "uint8": "u1"}[obj["dtype"]]
        arr = np.frombuffer(base64.b64decode(obj["data"]), dtype=np_dtype).astype(np.float32)
        return torch.from_numpy(arr.copy()).reshape(obj["shape"])
    return torch.tensor(obj["data"], dtype=torch.float32).reshape(obj["shape"])
