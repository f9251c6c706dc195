"""Your own classes: data sets of drawn or photographed examples, the `custom` training job, and
predictions of the nets it trains."""

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from app.datasets import MAX_CLASSES, MAX_LABEL, MAX_NAME, MAX_PER_CLASS
from app.schemas.common import RequestModel, TensorOut
from app.schemas.overview import StageOut
from engine.models.custom import MODES

ID = r"^[0-9a-f]{32}$"
InputKind = Literal["drawing", "photo"]
Mode = Literal[MODES]  # type: ignore[valid-type]


class CreateDatasetRequest(RequestModel):
    name: str = Field("my classes", min_length=1, max_length=MAX_NAME, description="the set's name")
    input: InputKind = Field(
        description="drawing: 28×28 digits-style pictures (MNIST preprocessing); photo: 64×64 colour"
    )
    classes: list[str] = Field(
        default_factory=list,
        max_length=MAX_CLASSES,
        description=f"names of its first classes (1–{MAX_LABEL} characters each); more can be added",
    )


class AddClassRequest(RequestModel):
    label: str = Field(min_length=1, max_length=4 * MAX_LABEL, description=f"1–{MAX_LABEL} characters")


class ClassInfo(BaseModel):
    label: str = Field(description="the class name, as the learner typed it (escape it when showing it)")
    count: int
    examples: list[str] = Field(description="example ids, oldest first")


class Limits(BaseModel):
    max_classes: int = MAX_CLASSES
    max_per_class: int = MAX_PER_CLASS
    max_label: int = MAX_LABEL
    max_bytes: int = Field(description="the set's byte cap")


class DatasetResponse(BaseModel):
    id: str = Field(description="128-bit random id: whoever holds it may use the set")
    name: str
    input: InputKind
    created: float = Field(description="Unix time")
    bytes: int = Field(description="bytes its examples take")
    classes: list[ClassInfo]
    limits: Limits


class AddedExample(BaseModel):
    id: str = Field(description="the new example's id")
    label: str
    dataset: DatasetResponse


class AugmentedExample(BaseModel):
    example_id: str
    label: str
    original: TensorOut = Field(description="(28, 28) or (64, 64, 3) uint8: the stored example")
    augmented: TensorOut = Field(description="(n, 28, 28) or (n, 64, 64, 3) uint8: as training sees it")


class AugmentedResponse(BaseModel):
    input: InputKind
    examples: list[AugmentedExample] = Field(description="the first example of each class, augmented")


class JitterOut(BaseModel):
    degrees: float = Field(description="each copy turned by an angle drawn from ±degrees")
    scale: list[float] = Field(description="[low, high]: each copy zoomed by a factor drawn from this range")
    shift: float = Field(description="each copy moved by up to ±shift of the side, on each axis")


class ExampleClass(BaseModel):
    label: str = Field(description="circle, triangle or cross")
    examples: TensorOut = Field(description="(per_class, 28, 28) uint8: its drawings, as a set stores them")
    augmented: TensorOut = Field(description="(n, 28, 28) uint8: the first drawing as training sees it")


class ExampleSetResponse(BaseModel):
    input: InputKind = Field(description="drawing: the example set is drawn")
    jitter: JitterOut = Field(description="the ranges every training copy is drawn from")
    classes: list[ExampleClass]


class InitialKernelsResponse(BaseModel):
    input: InputKind
    mode: Mode  # type: ignore[valid-type]
    kernels: TensorOut = Field(description="(C_out, C_in, k, k) the first convolution before any training")
    frozen: bool = Field(description="true when training leaves them as they are (transfer)")


class PredictRequest(RequestModel):
    """Ask a finished `custom` job's net about one picture: one of the set's examples, or an image
    uploaded to /api/images (for a new drawing or photo, POST …/predict/upload sends the file)."""

    job: str = Field(pattern=ID, description="the id of a finished custom job trained on this set")
    example_id: str | None = Field(None, pattern=r"^[0-9a-f]{16}$", description="an example of this set")
    image_id: str | None = Field(
        None, pattern=r"^[a-z0-9-]{1,32}$", description="an uploaded image's id or a sample's name"
    )

    @model_validator(mode="after")
    def _one_source(self) -> "PredictRequest":
        if (self.example_id is None) == (self.image_id is None):
            raise ValueError("give exactly one of example_id and image_id")
        return self


class PredictResponse(BaseModel):
    """The shape of the home page's stage outputs (POST /api/overview/digits), so the same drawing
    shows a net trained on your classes; plus the picture's preprocessing and the first kernels."""

    job: str
    mode: Mode  # type: ignore[valid-type]
    input_kind: InputKind
    classes: list[str] = Field(description="the class names the net was trained on, in output order")
    prediction: int = Field(description="index of the most probable class")
    label: str = Field(description="the most probable class's name")
    probabilities: list[float] = Field(description="softmax of the logits, one per class")
    logits: list[float]
    input: TensorOut = Field(description="(28, 28) or (64, 64, 3) uint8: what the net read (exact)")
    stages: list[StageOut] = Field(description="every stage of the net, input side first (maps as q8)")
    flatten: TensorOut = Field(description="(F,) the last maps as one vector, the FC layer's input (q8)")
    preprocessing: dict[str, TensorOut] = Field(
        description="how a picture became the input: a drawing's gray, ink, cropped, fitted and centred "
        "(uint8); empty for a photo and for a stored example"
    )
    kernels: TensorOut = Field(description="(C_out, C_in, k, k) the first convolution's learned kernels")


class CustomParams(RequestModel):
    """Train a net on one of your data sets: from scratch, or from the digit model (transfer)."""

    dataset: str = Field("0" * 32, pattern=ID, description="the data set's id (POST /api/datasets)")
    mode: Mode = Field(  # type: ignore[valid-type]
        "transfer",
        description="scratch: every weight trained; transfer: the shipped digit model's convolutions "
        "frozen, a new fully connected layer trained",
    )
    epochs: int = Field(8, ge=1, le=50, description="passes, each of at least 256 augmented pictures")
    batch_size: int = Field(32, ge=4, le=256, description="examples per update, 4–256")
    lr: float = Field(0.01, gt=0, le=1, description="Adam's learning rate")
    augment: bool = Field(True, description="turn (±15°), scale (0.85–1.15) and move (±10 %) each copy")
    seed: int = Field(
        0, ge=0, le=2**31 - 1, description="draws the first weights, the batches and the augmentation"
    )


class CustomJobRequest(RequestModel):
    kind: Literal["custom"] = Field(description="train a net on your own classes")
    params: CustomParams = Field(default_factory=CustomParams, description="what to train and how")
