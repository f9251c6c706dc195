"""§2.3 vanishing gradients and ResNet: per-layer gradient norms, and the depth training job."""

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from app.errors import Invalid
from app.schemas.common import RequestModel
from engine.cnn.depth import ACTIVATIONS, INITS, MAX_DEPTH

Activation = Literal[tuple(ACTIVATIONS)]  # type: ignore[valid-type]
Init = Literal[INITS]  # type: ignore[valid-type]


class GradientNormsRequest(RequestModel):
    """One backward pass of cross-entropy through a stack of `depth` equal-width layers."""

    depth: int = Field(20, ge=2, le=MAX_DEPTH, description="equal-width layers between input and head")
    residual: bool = Field(False, description="add the identity around every layer: h + F(h)")
    activation: Activation = Field("sigmoid", description="the activation inside every layer")
    init: Init = Field("default", description="PyTorch's default, Xavier normal, or He normal")
    batch_norm: bool = Field(False, description="batch norm after each layer's linear map")
    width: int = Field(64, ge=2, le=256, description="units per layer")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="draws the weights and the batch of digits")
    batch: int = Field(32, ge=1, le=256, description="how many training digits in the batch")


class GradientNormsResponse(BaseModel):
    settings: GradientNormsRequest = Field(description="the request, defaults filled in")
    layers: list[int] = Field(description="layer index 1..depth (1 is nearest the input)")
    weight_norms: list[float | None] = Field(
        description="‖∂L/∂W_l‖ (Frobenius) per layer; null where it is not a finite number"
    )
    output_norms: list[float | None] = Field(description="‖∂L/∂h_l‖ per layer, over the whole batch")
    stem_norm: float | None = Field(description="‖∂L/∂W‖ of the input layer (784 → width)")
    head_norm: float | None = Field(description="‖∂L/∂W‖ of the classifier (width → 10)")
    first_over_last: float | None = Field(description="weight_norms[0] / weight_norms[-1]")
    loss: float | None = Field(description="cross-entropy of the batch")
    labels: list[int] = Field(description="the batch's digit labels")
    dtype: str = Field("float64", description="the precision the pass ran in")


class DepthParams(RequestModel):
    """Train plain and residual stacks of a shallow and a deep depth (ReLU, He init, batch norm,
    Adam with a one-cycle schedule) on the training digits, one after another."""

    shallow: int = Field(20, ge=2, le=MAX_DEPTH, description="the shallower depth")
    deep: int = Field(56, ge=2, le=MAX_DEPTH, description="the deeper depth")
    width: int = Field(64, ge=8, le=128, description="units per layer, 8–128")
    epochs: int = Field(4, ge=1, le=10, description="passes over the training digits, per run, 1–10")
    batch_size: int = Field(128, ge=16, le=512, description="digits per update, 16–512")
    lr: float = Field(0.003, gt=0, le=0.1, description="Adam's peak learning rate")
    train_size: int = Field(8000, ge=256, le=8000, description="how many training digits (fewer: quicker)")
    seed: int = Field(
        0, ge=0, le=2**31 - 1, description="draws the first weights and the batches of every run"
    )

    @model_validator(mode="after")
    def _order(self) -> "DepthParams":
        if self.deep <= self.shallow:
            raise Invalid("deep_shallow", deep=self.deep, shallow=self.shallow)
        return self


class DepthJobRequest(RequestModel):
    kind: Literal["depth"] = Field(description="train plain and residual stacks, shallow and deep")
    params: DepthParams = Field(default_factory=DepthParams, description="what to train and how")
