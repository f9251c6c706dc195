"""§5.1–5.2 classification with a bidirectional RNN: two directions, one joined state, softmax."""

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field, ValidationInfo, field_validator, model_validator

from app.schemas.common import EncodingOption, Tensor, TensorIn, TensorOut
from app.schemas.rnn import MAX_HIDDEN, MAX_INPUT, MAX_STEPS, bounded_int, numbers_only
from engine.rnn.cell import ALPHABET

MAX_CLASSES = 32


class DirectionIn(BaseModel):
    W_xh: Tensor | None = Field(None, description="(H, I) input → hidden")
    W_hh: Tensor | None = Field(None, description="(H, H) this direction's previous state → new state")
    b_h: Tensor | None = Field(None, description="(H,) (torch's b_ih + b_hh)")


class BidirectionalRequest(EncodingOption):
    """A sequence, both directions' weights and a linear layer; any weight left out is drawn from
    `seed`, and a weight of size 1 may be a bare number."""

    sequence: Annotated[Tensor | None, BeforeValidator(numbers_only)] = Field(
        None, description=f"(T,) numbers (input_size 1) or (T, I) vectors, time first; 1 ≤ T ≤ "
                          f"{MAX_STEPS}, 1 ≤ I ≤ {MAX_INPUT}. Give this or word")
    alphabet: str = Field(ALPHABET, min_length=1, max_length=MAX_INPUT,
                          description=f"the characters a word may use, ≤ {MAX_INPUT}, no repeats: "
                                      "input_size = len(alphabet)")
    word: str | None = Field(None, min_length=1, max_length=MAX_STEPS,
                             description=f"instead of sequence: 1–{MAX_STEPS} characters of the "
                                         "alphabet, each becoming a one-hot vector")
    hidden_size: bounded_int(1, MAX_HIDDEN) = Field(3,
                                                    description=f"H, numbers per direction: 1–{MAX_HIDDEN}")
    classes: bounded_int(2, MAX_CLASSES) = Field(3, description=f"K, classes: 2–{MAX_CLASSES}")
    target: bounded_int(0, MAX_CLASSES - 1) = Field(0, description="the true class: 0 … classes − 1")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="draws the weights not given, uniform in "
                                                         "±1/√H (±1/√(2H) for the linear layer), 2 decimals")
    forward: DirectionIn = Field(default_factory=DirectionIn, description="the left-to-right cell")
    backward: DirectionIn = Field(default_factory=DirectionIn, description="the right-to-left cell")
    W_out: Tensor | None = Field(None, description="(K, 2H) the linear layer on [h^f_T; h^b_1]")
    b_out: Tensor | None = Field(None, description="(K,)")

    @field_validator("alphabet")
    @classmethod
    def _unique(cls, v: str) -> str:
        repeated = sorted({c for c in v if v.count(c) > 1})
        if repeated:
            raise ValueError(f"repeats {''.join(repeated)!r}; each character may appear once")
        return v

    @field_validator("word")
    @classmethod
    def _in_alphabet(cls, v: str | None, info: ValidationInfo) -> str | None:
        alphabet = info.data.get("alphabet")
        missing = sorted({c for c in v or "" if alphabet is not None and c not in alphabet})
        if missing:
            raise ValueError(f"characters {''.join(missing)!r} are not in the alphabet {alphabet!r}")
        return v

    @field_validator("sequence")
    @classmethod
    def _sequence_shape(cls, v: TensorIn | None) -> TensorIn | None:
        if v is None:
            return v
        shape = list(v.to_torch().shape)
        if len(shape) not in (1, 2):
            raise ValueError(f"must be (T,) numbers or (T, I) vectors, got shape {shape}")
        if not 1 <= shape[0] <= MAX_STEPS:
            raise ValueError(f"must hold 1 to {MAX_STEPS} time steps, got {shape[0]}")
        if len(shape) == 2 and not 1 <= shape[1] <= MAX_INPUT:
            raise ValueError(f"vectors must hold 1 to {MAX_INPUT} numbers (input_size), got {shape[1]}")
        return v

    @field_validator("target")
    @classmethod
    def _a_class(cls, v: int, info: ValidationInfo) -> int:
        k = info.data.get("classes")
        if k is not None and v >= k:
            raise ValueError(f"must be a class from 0 to classes − 1 = {k - 1}, got {v}")
        return v

    @model_validator(mode="after")
    def _one_source(self) -> "BidirectionalRequest":
        if (self.sequence is None) == (self.word is None):
            raise ValueError("give exactly one of sequence and word")
        return self


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
    output: TensorOut = Field(description="(T, 2H) nn.RNN(bidirectional=True)'s output: row t − 1 = "
                                          "[h^f_t; h^b_t]")
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
    h_backward: TensorOut = Field(description="(T, H) h^b_t, computed right to left (t = T … 1); "
                                              "row t − 1 holds h^b_t")
    hidden: TensorOut = Field(description="(2H,) [h^f_T; h^b_1], the joined final state")
    logits: list[float] = Field(description="(K,) W_out · hidden + b_out")
    probabilities: list[float] = Field(description="(K,) softmax(logits)")
    loss: float = Field(description="−log probabilities[target] (cross-entropy)")
    torch: TorchCheck = Field(description="the same computed by torch.nn.RNN(bidirectional=True)")
    max_difference: float = Field(description="largest |ours − torch's| over output, h_n and the loss")

