"""Schemas shared by every topic: tensors in and out (TensorOut lives with the tensor forms, in
app/tensors.py), the image-or-tensor input."""

from typing import Annotated, Any, ClassVar, Literal

import numpy as np
import torch
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator, model_validator
from typing_extensions import TypeAliasType

from app.errors import Invalid
from app.tensors import Encoding
from app.tensors import TensorOut as TensorOut  # re-exported: the schemas take it from here
from engine.cnn.kernels import KERNEL_NAMES
from engine.train import OPTIMIZERS, SCHEDULES

MAX_TENSOR_ELEMENTS = 1 << 20
MAX_ABS_VALUE = 1e6  # keeps every computation of the lessons far from float32's overflow
Nested = TypeAliasType("Nested", "float | list[Nested]")
KernelName = Literal[KERNEL_NAMES]  # type: ignore[valid-type]  # the library of named 3×3 kernels
Optimizer = Literal[OPTIMIZERS]  # type: ignore[valid-type]
Schedule = Literal[SCHEDULES]  # type: ignore[valid-type]


class RequestModel(BaseModel):
    """The base of every request body: strict types, so that JSON `true` is not the number 1 nor
    "3" the number 3 (pydantic's default, lax mode takes both), and booleans stay booleans."""

    model_config = ConfigDict(strict=True)


def _as_array(data: Any) -> np.ndarray:
    """Nested lists of numbers (or one number) as a float64 array (typed numbers such as 0.1 stay
    what was typed), checked at C speed: numpy lays the leaves out in an object array (a ragged list
    leaves lists among them), their types must all be int or float (not bool, str, None), then they
    become floats. pydantic's own recursive check of the same 2²⁰ numbers took ≈ 1 s, holding the
    lock that every thread of the server needs."""
    leaves = np.array(data, dtype=object)
    if leaves.size > MAX_TENSOR_ELEMENTS:
        raise Invalid("tensor_size", most=MAX_TENSOR_ELEMENTS, n=leaves.size)
    found = set(map(type, leaves.ravel()))
    if not found <= {int, float}:
        others = ", ".join(sorted(t.__name__ for t in found - {int, float}))
        raise Invalid("tensor_ragged", detail=f"it holds {others}")
    try:
        arr = leaves.astype(np.float64)
    except OverflowError:
        arr = np.full(leaves.shape, np.inf)  # an integer beyond float's range
    if arr.size and not (np.isfinite(arr).all() and np.abs(arr).max() <= MAX_ABS_VALUE):
        raise Invalid("tensor_values", most=MAX_ABS_VALUE)
    arr.setflags(write=False)
    return arr


class TensorIn(RequestModel):
    """A tensor sent by the client: {"shape": [...], "data": nested lists}, a bare nested list, or a
    number. The shape, when given, must match the data."""

    shape: list[Annotated[int, Field(ge=0, le=100_000)]] | None = Field(
        None, max_length=6, description="the tensor's shape, ≤ 6 axes; checked against data when given"
    )
    data: Annotated[Nested, PlainValidator(_as_array, json_schema_input_type=Nested)] = Field(
        description="the numbers as nested lists (a bare number for a 0-d tensor)"
    )

    @model_validator(mode="after")
    def _check(self) -> "TensorIn":
        if self.shape is not None and list(self.data.shape) != self.shape:
            raise Invalid("tensor_shape", shape=list(self.data.shape), said=self.shape)
        return self

    def to_torch(self) -> torch.Tensor:
        """A float32 tensor of its own (the request's array stays as sent)."""
        return torch.from_numpy(self.data.astype(np.float32))


def _wrap_bare(v: Any) -> Any:
    return v if isinstance(v, dict) else {"data": v}


Tensor = Annotated[TensorIn, BeforeValidator(_wrap_bare)]


class EncodingOption(RequestModel):
    encoding: Encoding = Field(
        "auto",
        description='"auto": nested lists up to 4,096 numbers, base64 float16 up to 2**20, base64 q8 '
        '(8-bit, value = offset + scale·byte) beyond; "list", "f16", "f32", "q8" force a form (one '
        "answer holds at most answer_max_bytes, 32 MB, of tensors: past it, a 422)",
    )


class ImageOrTensor(EncodingOption):
    """The input of every CNN endpoint: a stored image by id, or an explicit (C, H, W) tensor."""

    MAX_CHANNELS: ClassVar[int] = 16
    MAX_SIDE: ClassVar[int] = 1024

    image_id: str | None = Field(
        None, pattern=r"^[a-z0-9-]{1,32}$", description="an uploaded image's id or a sample's name"
    )
    input: Tensor | None = Field(None, description="(C, H, W) or (H, W), C ≤ 16, H and W ≤ 1024")
    color: Literal["rgb", "gray"] = Field("rgb", description="an image enters as 3 channels or 1")

    @model_validator(mode="after")
    def _one_source(self) -> "ImageOrTensor":
        if (self.image_id is None) == (self.input is None):
            raise Invalid("exactly_one", a="image_id", b="input")
        return self


FiniteFloat = Annotated[float, Field(allow_inf_nan=False, ge=-MAX_ABS_VALUE, le=MAX_ABS_VALUE)]


def _in_range(lo: int, hi: int) -> BeforeValidator:
    """A message that states the whole range (pydantic's own names only the bound crossed)."""

    def check(v: Any) -> Any:
        if isinstance(v, int) and not isinstance(v, bool) and not lo <= v <= hi:
            raise Invalid("int_range", lo=lo, hi=hi, v=v)
        return v

    return BeforeValidator(check)


def bounded_int(lo: int, hi: int) -> Any:
    # Field first: the OpenAPI schema then shows minimum/maximum; the validator still runs first.
    return Annotated[int, Field(ge=lo, le=hi), _in_range(lo, hi)]
