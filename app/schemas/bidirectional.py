"""§5.1–5.2 classification with a bidirectional RNN: two directions, one joined state, softmax."""

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from app.errors import Invalid
from app.schemas.common import RequestModel, Tensor, TensorOut, bounded_int
from app.schemas.rnn import MAX_HIDDEN, WordOrSequence

MAX_CLASSES = 32


class DirectionIn(RequestModel):
    W_xh: Tensor | None = Field(None, description="(H, I) input → hidden")
    W_hh: Tensor | None = Field(None, description="(H, H) this direction's previous state → new state")
    b_h: Tensor | None = Field(None, description="(H,) (torch's b_ih + b_hh)")


class BidirectionalRequest(WordOrSequence):
    """A sequence, both directions' weights and a linear layer; any weight left out is drawn from
    `seed`, and a weight of size 1 may be a bare number."""

    hidden_size: bounded_int(1, MAX_HIDDEN) = Field(
        3, description=f"H, numbers per direction: 1–{MAX_HIDDEN}"
    )
    classes: bounded_int(2, MAX_CLASSES) = Field(3, description=f"K, classes: 2–{MAX_CLASSES}")
    target: bounded_int(0, MAX_CLASSES - 1) = Field(0, description="the true class: 0 … classes − 1")
    seed: int = Field(
        0,
        ge=0,
        le=2**31 - 1,
        description="draws the weights not given, uniform in "
        "±1/√H (±1/√(2H) for the linear layer), 2 decimals",
    )
    forward: DirectionIn = Field(default_factory=DirectionIn, description="the left-to-right cell")
    backward: DirectionIn = Field(default_factory=DirectionIn, description="the right-to-left cell")
    W_out: Tensor | None = Field(None, description="(K, 2H) the linear layer on [h^f_T; h^b_1]")
    b_out: Tensor | None = Field(None, description="(K,)")

    @field_validator("target")
    @classmethod
    def _a_class(cls, v: int, info: ValidationInfo) -> int:
        k = info.data.get("classes")
        if k is not None and v >= k:
            raise Invalid("target_class", last=k - 1, v=v)
        return v


class DirectionOut(BaseModel):
    W_xh: TensorOut = Field(description="(H, I)")
    W_hh: TensorOut = Field(description="(H, H)")
    b_h: TensorOut = Field(description="(H,)")


class BiWeightsOut(BaseModel):
    """The same names a request takes, so the weights can be sent back as they are."""

    forward: DirectionOut
    backward: DirectionOut
    W_out: TensorOut = Field(description="(K, 2H)")
    b_out: TensorOut = Field(description="(K,)")


class TorchCheck(BaseModel):
    output: TensorOut = Field(
        description="(T, 2H) nn.RNN(bidirectional=True)'s output: row t − 1 = [h^f_t; h^b_t]"
    )
    h_n: TensorOut = Field(description="(2, H) its h_n: [h^f_T, h^b_1]")
    loss: float = Field(description="F.cross_entropy on W_out · h_n.flatten() + b_out")


class BidirectionalResponse(BaseModel):
    steps: int = Field(description="T")
    input_size: int
    hidden_size: int
    classes: int
    target: int
    seed: int
    tokens: list[str] | None = Field(description="the word's characters, one per step")
    alphabet: str | None = Field(description="the one-hot positions, when a word was given")
    x: TensorOut = Field(description="(T, I) the input sequence")
    weights: BiWeightsOut
    h_forward: TensorOut = Field(description="(T, H) h^f_t, computed left to right (t = 1 … T)")
    h_backward: TensorOut = Field(
        description="(T, H) h^b_t, computed right to left (t = T … 1); row t − 1 holds h^b_t"
    )
    hidden: TensorOut = Field(description="(2H,) [h^f_T; h^b_1], the joined final state")
    logits: list[float] = Field(description="(K,) W_out · hidden + b_out")
    probabilities: list[float] = Field(description="(K,) softmax(logits)")
    loss: float = Field(description="−log probabilities[target] (cross-entropy)")
    torch: TorchCheck = Field(description="the same computed by torch.nn.RNN(bidirectional=True)")
    max_difference: float = Field(description="largest |ours − torch's| over output, h_n and the loss")
