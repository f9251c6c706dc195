"""The home page's overview: every stage of the shipped digit and name models in one answer each."""

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from app.errors import Invalid
from app.schemas.common import RequestModel, Tensor, TensorOut
from app.schemas.digits import ModelName
from app.schemas.names import Name
from engine.data.mnist import N_HELD_OUT

MAX_STAGE_NAME = 40


class DigitsOverviewRequest(RequestModel):
    """One digit: a picture's gray levels (preprocessed as MNIST was made, as /api/digits/predict
    does), or a held-out digit by index (the same, on its pixels)."""

    pixels: Tensor | None = Field(
        None, description="(H, W) gray levels 0–255, 8 ≤ H, W ≤ 512, any ink colour: e.g. a drawing"
    )
    held_out: int | None = Field(
        None, ge=0, lt=N_HELD_OUT, description=f"a held-out digit, 0–{N_HELD_OUT - 1}"
    )
    model: ModelName | None = Field(None, description="a shipped model; the default one when omitted")

    @model_validator(mode="after")
    def _one_source(self) -> "DigitsOverviewRequest":
        if (self.pixels is None) == (self.held_out is None):
            raise Invalid("exactly_one", a="pixels", b="held_out")
        return self


class StageOut(BaseModel):
    name: str = Field(description='"conv1", "inception1.5x5", "residual1.add", …')
    column: str = Field(description="stages of one column are drawn side by side (an Inception block's four)")
    kind: Literal["conv", "pool", "relu", "add"] = Field(description="the stage's last operation")
    sources: list[str] = Field(description='the drawn stages it reads ("input" is the 28×28 digit)')
    via: str | None = Field(
        description="the block's undrawn step between the sources and this stage's last operation: "
        '"reduce" (1×1), "reduce_3x3" (1×1 then 3×3), "avg_pool" (3×3 average), "conv_relu" (3×3, ReLU)'
    )
    maps: TensorOut = Field(
        description="(C, H, W) the stage's maps as 8-bit data (q8): value ≈ offset + scale · byte"
    )


class DigitsOverviewResponse(BaseModel):
    model: str
    classes: list[str] = Field(description="the class names, in output order")
    prediction: int = Field(description="the most probable class")
    probabilities: list[float] = Field(description="softmax of the logits")
    logits: list[float]
    label: int | None = Field(description="a held-out digit's true label (None for a picture)")
    input: TensorOut = Field(description="(28, 28) the model's input, 0–255, white ink on black (exact)")
    stages: list[StageOut] = Field(description="every drawn stage, input side first")
    flatten: TensorOut = Field(description="(F,) the last maps as one vector, the FC layer's input (q8)")


class DigitMapRequest(RequestModel):
    """How one map of the overview was made: its input maps, its kernel, its exact values."""

    input: Tensor = Field(description="(28, 28) the model's input 0–255, as the overview returned it")
    model: ModelName | None = Field(None, description="a shipped model; the default one when omitted")
    stage: str = Field(
        min_length=1, max_length=MAX_STAGE_NAME, pattern=r"^[a-z0-9_.]+$", description='e.g. "conv2"'
    )
    channel: int = Field(ge=0, le=1023, description="which map of the stage, 0 = the first")


class DigitMapResponse(BaseModel):
    stage: str
    channel: int
    kind: str
    via: str | None = Field(description="see StageOut.via: what `inputs` are, when not the sources' maps")
    output: TensorOut = Field(description="(H, W) the map, float32")
    inputs: TensorOut = Field(
        description="conv: (C_in, H_in, W_in) every map it reads; pool, relu: (1, H_in, W_in) the same "
        "channel before; add: (2, H, W) x and F(x) (float32)"
    )
    kernel: TensorOut | None = Field(description="conv: (C_in, k, k) this map's kernels (float32)")
    bias: float | None
    padding: int = Field(description="zeros added around the inputs (conv)")
    stride: int
    window: int = Field(description="the side of the window one value reads: k for conv, 2 for pool, 1 else")


class NamesOverviewRequest(RequestModel):
    name: Name


class NamesOverviewResponse(BaseModel):
    name: str = Field(description="the name as the model reads it: normalised")
    codes: list[int] = Field(description="one code per letter, 1–29")
    embedded: TensorOut = Field(description="(T, E) the embedding row of each code (q8)")
    states: TensorOut = Field(
        description="(L, D, T, H) h_t of each GRU layer and direction at each letter (q8); the backward "
        "state at letter t has read letters t…T−1"
    )
    hidden: TensorOut = Field(description="(2H,) [h_N^f; h_N^b] of the top layer, the FC layer's input (q8)")
    classes: list[str] = Field(description="the 18 languages, in output order")
    prediction: int = Field(description="index of the most probable language")
    probabilities: list[float] = Field(description="softmax of the 18 logits")
