"""Schemas shared by every topic: tensors in and out (TensorOut lives with the tensor forms, in
app/tensors.py), the image-or-tensor input."""

from typing import Annotated, Any, ClassVar, Literal

import torch
from pydantic import BaseModel, BeforeValidator, Field, model_validator
from typing_extensions import TypeAliasType

from app.tensors import Encoding
from app.tensors import TensorOut as TensorOut  # re-exported: the schemas take it from here

MAX_TENSOR_ELEMENTS = 1 << 20
MAX_ABS_VALUE = 1e6  # keeps every computation of the lessons far from float32's overflow
Nested = TypeAliasType("Nested", "float | list[Nested]")


class TensorIn(BaseModel):
    """A tensor sent by the client: {"shape": [...], "data": nested lists}, a bare nested list, or a
    number. The shape, when given, must match the data."""

    shape: list[Annotated[int, Field(ge=0, le=100_000)]] | None = Field(None, max_length=6)
    data: Nested

    @model_validator(mode="after")
    def _check(self) -> "TensorIn":
        t = self.to_torch()  # raises ValueError for ragged lists
        if t.numel() > MAX_TENSOR_ELEMENTS:
            raise ValueError(f"at most {MAX_TENSOR_ELEMENTS} numbers, got {t.numel()}")
        if self.shape is not None and list(t.shape) != self.shape:
            raise ValueError(f"data has shape {list(t.shape)} but shape says {self.shape}")
        if t.numel() and not (t.isfinite().all() and t.abs().max() <= MAX_ABS_VALUE):
            raise ValueError(f"numbers must be finite and within ±{MAX_ABS_VALUE:g}")
        return self

    def to_torch(self) -> torch.Tensor:
        try:
            return torch.tensor(self.data, dtype=torch.float32)
        except (ValueError, TypeError) as e:
            raise ValueError(f"not a rectangular array of numbers ({e})") from None


def _wrap_bare(v: Any) -> Any:
    return v if isinstance(v, dict) else {"data": v}


Tensor = Annotated[TensorIn, BeforeValidator(_wrap_bare)]


class EncodingOption(BaseModel):
    encoding: Encoding = Field(
        "auto",
        description='"auto": nested lists up to 4,096 numbers, base64 float16 up to 2**20, base64 q8 '
        '(8-bit, value = offset + scale·byte) beyond; "list", "f16", "f32", "q8" force a form',
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
            raise ValueError("give exactly one of image_id and input")
        return self


def _in_range(lo: int, hi: int) -> BeforeValidator:
    """A message that states the whole range (pydantic's own names only the bound crossed)."""

    def check(v: Any) -> Any:
        if isinstance(v, int) and not isinstance(v, bool) and not lo <= v <= hi:
            raise ValueError(f"must be an integer from {lo} to {hi}, got {v:,}")
        return v

    return BeforeValidator(check)


def bounded_int(lo: int, hi: int) -> Any:
    # Field first: the OpenAPI schema then shows minimum/maximum; the validator still runs first.
    return Annotated[int, Field(ge=lo, le=hi), _in_range(lo, hi)]
