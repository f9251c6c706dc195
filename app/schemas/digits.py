"""Digit recognition with the course's trained CNNs (§1.5), and training them as a job (§3)."""

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from app.errors import Invalid
from app.schemas.common import EncodingOption, Optimizer, RequestModel, Schedule, Tensor, TensorOut
from engine.models.digits import MODELS

ModelName = Literal[tuple(MODELS)]  # type: ignore[valid-type]
MAX_SIDE = 512  # a picture's largest side, drawn or uploaded


class PredictRequest(EncodingOption):
    """A picture of one digit: gray levels 0–255 as an (H, W) array (8 ≤ H, W ≤ 512, any ink colour),
    or a stored image's id. It is preprocessed as MNIST was made before the model reads it."""

    pixels: Tensor | None = Field(None, description="(H, W) gray levels 0–255, e.g. a 28×28 digit")
    image_id: str | None = Field(
        None,
        pattern=r"^[a-z0-9-]{1,32}$",
        description="instead of pixels: an uploaded image's id or a sample's name",
    )
    model: ModelName | None = Field(None, description="a shipped model; the default one when omitted")

    @model_validator(mode="after")
    def _one_source(self) -> "PredictRequest":
        if (self.pixels is None) == (self.image_id is None):
            raise Invalid("exactly_one", a="pixels", b="image_id")
        return self


class Stages(BaseModel):
    gray: TensorOut = Field(description="(H, W) the picture in gray levels")
    ink: TensorOut = Field(description="(H, W) ink bright on dark")
    cropped: TensorOut = Field(description="(h, w) the ink's bounding box")
    fitted: TensorOut = Field(description="(h', w') longer side scaled to 20")
    centred: TensorOut = Field(description="(28, 28) centred by mass: the model's input")
    inverted: bool = Field(description="the paper was light, so the picture was inverted")
    box: tuple[int, int, int, int] = Field(description="top, left, bottom, right of the ink")
    offset: tuple[int, int] = Field(description="where the fitted digit sits in 28×28 (row, column)")


class Layer(BaseModel):
    name: str
    output: TensorOut = Field(description="this layer's output for the one digit (batch axis dropped)")


class PredictResponse(BaseModel):
    model: str
    prediction: int
    probabilities: list[float] = Field(description="softmax of the logits, classes 0–9")
    logits: list[float]
    stages: Stages
    layers: list[Layer] = Field(description="every stage of the model in order, input to logits")
    fc_weight: TensorOut = Field(description="(10, F) the fully connected layer's weight")
    fc_bias: list[float]


class ModelInfo(BaseModel):
    name: str
    default: bool
    parameters: int
    held_out_accuracy: float | None = Field(description="shipped weights on the 2,000 held-out digits")
    training: dict | None = Field(description="how the shipped weights were trained")
    layers: list[tuple[str, list[int]]] = Field(description="each layer's output shape for one digit")


class Misread(BaseModel):
    index: int = Field(description="index into the 10,000 shipped MNIST digits")
    label: int
    predicted: int


class Evaluation(BaseModel):
    model: str
    held_out_accuracy: float
    confusion: list[list[int]] = Field(description="10×10: row = true digit, column = predicted")
    misread_count: int
    misread: list[Misread] = Field(description="the first 24 misread digits")
    misread_images: TensorOut = Field(description="(M, 28, 28) uint8 pixels of those digits")


class HeldOutDigit(BaseModel):
    index: int = Field(description="0–1999 within the held-out split")
    mnist_index: int = Field(description="index into the 10,000 shipped MNIST digits")
    label: int
    pixels: TensorOut = Field(description="(28, 28) gray levels 0–255, white digit on black")


class DigitsParams(RequestModel):
    """Train one of the course's digit CNNs on the 8,000 training digits; evaluate on the 2,000 held out."""

    model: ModelName = Field("basic", description="which practice net")
    epochs: int = Field(3, ge=1, le=30, description="passes over the training digits, 1–30")
    batch_size: int = Field(64, ge=8, le=1024, description="digits per update, 8–1024")
    lr: float = Field(0.01, gt=0, le=1, description="learning rate (the peak one with onecycle)")
    optimizer: Optimizer = Field("adam", description="how the weights are updated from their gradients")
    schedule: Schedule = Field(
        "onecycle", description="the learning rate over the run: constant, or one cycle up then down"
    )
    augment: bool = Field(True, description="shift each training digit by up to 1 pixel")
    train_size: int = Field(8000, ge=100, le=8000, description="how many training digits to use")
    seed: int = Field(
        0, ge=0, le=2**31 - 1, description="draws the first weights, the shuffle and the shifts"
    )


class DigitsJobRequest(RequestModel):
    kind: Literal["digits"] = Field(description="train a course digit CNN")
    params: DigitsParams = Field(default_factory=DigitsParams, description="what to train and how")
