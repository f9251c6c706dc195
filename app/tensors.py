"""Tensors in answers, in JSON or in binary.

JSON (what any client gets):

    {"shape": [2, 2], "data": [[1.0, 2.0], [3.0, 4.0]]}                                  list
    {"shape": [...], "dtype": "float16", "encoding": "base64", "data": "…"}              f16, f32
    {"shape": [...], "dtype": "uint8", "encoding": "base64", "data": "…"}                pixels
    {"shape": [...], "dtype": "uint8", "encoding": "base64", "offset": o, "scale": s, "data": "…"}

The last is the "q8" form: value ≈ offset + scale · byte, within scale / 2. "auto" picks lists up
to 4,096 numbers, float16 up to 2**20 numbers, and q8 beyond (a 8×512×512 map is 2.8 MB, not the
5.6 MB of float16); "list", "f16" and "f32" force a form, for exact values.

Binary (a client that sends `Accept: application/vnd.naturally.tensors`, as the pages do): the same
answer, the same forms, but every base64 tensor's bytes move to a binary tail and its `data` says
where they are, `"encoding": "binary", "data": {"start": 0, "length": 307200}`. The body is laid
out like a safetensors file:

    8 bytes    n, the JSON header's length (unsigned little-endian)
    n bytes    the answer's JSON (UTF-8, padded with spaces to a multiple of 8)
    the tail   each tensor's little-endian numbers, starting at a multiple of 8 (zeros between)

so a browser views each tensor in place as a typed array. An answer without such tensors stays
plain JSON. `read_answer(body)` turns either into a dict, and `decode_tensor` reads its tensors.

Which form an answer takes is decided when it is written, not when `encode_tensor` runs, so an
encoded tensor kept for later (a cached report) is written right for every client.

One answer's tensors may hold at most `answer_max_bytes` (32 MB by default; app/middleware.py opens
an answer_budget for every request): past it, encode_tensor() raises a 422 naming `encoding` and the
compact forms. Lists are what this stops: 2²³ numbers as lists were 160 MB of JSON and 3 CPU
seconds, during which the server answered no one."""

import base64
import json
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch
from pydantic import BaseModel, Field, PrivateAttr, SerializerFunctionWrapHandler, model_serializer

from app.errors import field_error

Encoding = Literal["auto", "list", "f16", "f32", "q8"]
BINARY = "application/vnd.naturally.tensors"

LIST_MAX_ELEMENTS = 4096
F16_MAX_ELEMENTS = 1 << 20
ALIGN = 8
NP_DTYPES = {"float32": "<f4", "float16": "<f2", "uint8": "u1"}
ANSWER_MAX_BYTES = 32 << 20
# Bytes per number in each form, as JSON: a float as text ("-0.123456789012345," up to 20), base64
# of 4, 2 or 1 byte (a binary answer carries 3/4 of that).
BYTES_PER_NUMBER = {"list": 20.0, "float32": 16 / 3, "float16": 8 / 3, "uint8": 4 / 3}


@dataclass
class AnswerBudget:
    max_bytes: int
    spent: float = 0.0  # the estimated bytes of the tensors encoded so far


_BUDGET: ContextVar[AnswerBudget | None] = ContextVar("answer_budget", default=None)


@contextmanager
def answer_budget(max_bytes: int) -> Iterator[AnswerBudget]:
    """Every encode_tensor() inside (the request's threads too: they copy the context) counts
    against one budget of `max_bytes`."""
    budget = AnswerBudget(max_bytes)
    token = _BUDGET.set(budget)
    try:
        yield budget
    finally:
        _BUDGET.reset(token)


def _spend(n: int, form: str, encoding: str) -> None:
    """Count n numbers written in `form` against the request's answer budget (without one, against
    ANSWER_MAX_BYTES for this tensor alone), or a 422 naming `encoding`."""
    budget = _BUDGET.get() or AnswerBudget(ANSWER_MAX_BYTES)
    budget.spent += n * BYTES_PER_NUMBER[form]
    if budget.spent > budget.max_bytes:
        mb, most = round(budget.spent / 1e6), round(budget.max_bytes / 1e6)
        raise field_error("encoding", "answer_too_big", mb=mb, encoding=encoding, most=most)


class Tail:
    """The binary tail of one answer: tensors' bytes, each starting at a multiple of ALIGN."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.size = 0
        self.sealed = False  # the answer has started: later tensors go as base64
        self._refs: dict[int, dict] = {}  # id(bytes) → where they are (a tensor written twice is stored once)

    def add(self, raw: bytes) -> dict:
        if id(raw) not in self._refs:
            self._refs[id(raw)] = {"start": self.size, "length": len(raw)}
            pad = -len(raw) % ALIGN
            self.chunks += [raw, bytes(pad)] if pad else [raw]
            self.size += len(raw) + pad
        return self._refs[id(raw)]


_TAIL: ContextVar[Tail | None] = ContextVar("tensor_tail", default=None)


@contextmanager
def binary_answer() -> Iterator[Tail]:
    """Within it (and in the worker threads it starts), tensors are written into the yielded tail."""
    tail = Tail()
    token = _TAIL.set(tail)
    try:
        yield tail
    finally:
        _TAIL.reset(token)


def _open_tail() -> Tail | None:
    tail = _TAIL.get()
    return tail if tail is not None and not tail.sealed else None


class TensorOut(BaseModel):
    """A tensor in an answer: nested lists; or little-endian numbers as base64 (JSON) or as a slice
    of the answer's binary tail (asked for with `Accept: application/vnd.naturally.tensors`)."""

    shape: list[int]
    dtype: Literal["float16", "float32", "uint8"] | None = Field(
        None, description="the numbers' type; null for nested lists"
    )
    encoding: Literal["base64", "binary"] | None = Field(None, description="null for nested lists")
    offset: float | None = Field(None, description='"q8" only: value ≈ offset + scale · byte')
    scale: float | None = Field(None, description='"q8" only: value ≈ offset + scale · byte')
    data: Any = Field(
        description='nested lists; a base64 string ("base64"); or {"start", "length"}: where the bytes '
        'are in the binary tail, counted from its first byte ("binary")'
    )
    _raw: bytes | None = PrivateAttr(None)

    # No return annotation: with one, /docs would show TensorOut as any object instead of its fields.
    @model_serializer(mode="wrap")
    def _write(self, handler: SerializerFunctionWrapHandler):
        if self._raw is None:  # as the JSON was before binary came: null dtype and encoding for lists
            return {k: v for k, v in handler(self).items() if v is not None or k not in ("offset", "scale")}
        out: dict[str, Any] = {"shape": self.shape, "dtype": self.dtype}
        if self.scale is not None:
            out |= {"offset": self.offset, "scale": self.scale}
        tail = _open_tail()
        if tail is None:
            return out | {"encoding": "base64", "data": base64.b64encode(self._raw).decode()}
        return out | {"encoding": "binary", "data": tail.add(self._raw)}


def encode_tensor(t: torch.Tensor, encoding: Encoding = "auto") -> dict | TensorOut:
    """The tensor in the form `encoding` asks for: a JSON dict, or (while a binary answer is being
    made) a TensorOut that keeps its bytes until the answer is written."""
    t = t.detach().cpu()
    shape = list(t.shape)
    n = t.numel()
    if encoding == "list" or (encoding == "auto" and n <= LIST_MAX_ELEMENTS):
        _spend(n, "list", encoding)
        return {"shape": shape, "data": t.tolist()}
    if t.dtype == torch.uint8:  # pixels: exact, one byte each
        _spend(n, "uint8", encoding)
        return _packed(shape, "uint8", t.numpy())
    if encoding == "q8" or (encoding == "auto" and n > F16_MAX_ELEMENTS):
        _spend(n, "uint8", encoding)
        return _q8(shape, t.float())
    if encoding == "f32":
        _spend(n, "float32", encoding)
        return _packed(shape, "float32", t.float().numpy().astype("<f4", copy=False))
    _spend(n, "float16", encoding)
    return _packed(shape, "float16", t.float().numpy().astype("<f2"))


def _packed(shape: list[int], dtype: str, arr: np.ndarray, **q8: float) -> dict | TensorOut:
    raw = np.ascontiguousarray(arr).tobytes()
    if _open_tail() is None:
        data = base64.b64encode(raw).decode()
        return {"shape": shape, "dtype": dtype, "encoding": "base64", **q8, "data": data}
    out = TensorOut.model_construct(shape=shape, dtype=dtype, encoding="binary", data=None, **q8)
    out._raw = raw
    return out


def _q8(shape: list[int], t: torch.Tensor) -> dict | TensorOut:
    """Affine 8-bit quantisation over the tensor's range."""
    lo, hi = (float(v) for v in torch.aminmax(t)) if t.numel() else (0.0, 0.0)
    scale = (hi - lo) / 255 or 1.0
    q = ((t - lo) / scale).round_().clamp_(0, 255).to(torch.uint8)
    return _packed(shape, "uint8", q.numpy(), offset=lo, scale=scale)


def frame(header: bytes, tail: Tail) -> list[bytes]:
    """A binary answer's body, in chunks: the length of the JSON header, the header, the tail."""
    header += b" " * (-(8 + len(header)) % ALIGN)
    return [struct.pack("<Q", len(header)) + header, *tail.chunks]


def read_answer(body: bytes, content_type: str = BINARY) -> dict:
    """An answer's JSON, from a JSON body or a binary one; a binary tensor's `data` then holds its
    bytes (a memoryview) for `decode_tensor`."""
    if not content_type.startswith(BINARY):
        return json.loads(body)
    (n,) = struct.unpack_from("<Q", body)
    tail = memoryview(body)[8 + n :]

    def resolve(v: Any) -> Any:
        if isinstance(v, dict):
            if v.get("encoding") == "binary":
                return v | {"data": tail[v["data"]["start"] : v["data"]["start"] + v["data"]["length"]]}
            return {k: resolve(x) for k, x in v.items()}
        return [resolve(x) for x in v] if isinstance(v, list) else v

    return resolve(json.loads(body[8 : 8 + n]))


def decode_tensor(obj: dict) -> torch.Tensor:
    """The inverse of `encode_tensor` (for tests and for clients written in Python): a tensor of any
    form, binary ones as `read_answer` gives them."""
    if obj.get("encoding") not in ("base64", "binary"):
        return torch.tensor(obj["data"], dtype=torch.float32).reshape(obj["shape"])
    raw = base64.b64decode(obj["data"]) if obj["encoding"] == "base64" else obj["data"]
    arr = np.frombuffer(raw, dtype=NP_DTYPES[obj["dtype"]]).astype(np.float32)
    t = torch.from_numpy(arr).reshape(obj["shape"])
    return t * obj["scale"] + obj["offset"] if "scale" in obj else t
