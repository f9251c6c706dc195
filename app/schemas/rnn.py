"""What the RNN pages (§4.1–5.2) share: a sequence or word, the network and its weights in and out."""

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, field_validator, model_validator

from app.errors import Invalid
from app.schemas.common import EncodingOption, RequestModel, Tensor, TensorIn, TensorOut, bounded_int
from engine.rnn.cell import ALPHABET

MAX_STEPS = 200
MAX_HIDDEN = 256
MAX_INPUT = 64
MAX_OUTPUT = 64
MAX_LAYERS = 4


def numbers_only(v: Any) -> Any:
    """Name the first item of a sequence that is not a number (before pydantic's own union errors)."""

    def walk(item: Any, where: str) -> None:
        if isinstance(item, list):
            for i, sub in enumerate(item):
                walk(sub, f"{where}[{i}]")
        elif isinstance(item, bool) or not isinstance(item, int | float):
            raise Invalid("numbers_only", where=where, item=item)

    walk(v.get("data") if isinstance(v, dict) else v, "")
    return v


def sequence_shape(v: TensorIn | None) -> TensorIn | None:
    """(T,) numbers or (T, I) vectors, 1 ≤ T ≤ MAX_STEPS, 1 ≤ I ≤ MAX_INPUT."""
    if v is None:
        return v
    shape = list(v.to_torch().shape)
    if len(shape) not in (1, 2):
        raise Invalid("sequence_rank", shape=shape)
    if not 1 <= shape[0] <= MAX_STEPS:
        raise Invalid("sequence_steps", most=MAX_STEPS, n=shape[0])
    if len(shape) == 2 and not 1 <= shape[1] <= MAX_INPUT:
        raise Invalid("sequence_width", most=MAX_INPUT, n=shape[1])
    return v


Sequence = Annotated[Tensor | None, BeforeValidator(numbers_only), AfterValidator(sequence_shape)]


class LayerIn(RequestModel):
    W_xh: Tensor | None = Field(None, description="(H, H): this layer's input is the layer below's h_t")
    W_hh: Tensor | None = Field(None, description="(H, H)")
    b_h: Tensor | None = Field(None, description="(H,)")


class WordOrSequence(EncodingOption):
    """A sequence of numbers or vectors, or a word whose characters become one-hot vectors."""

    sequence: Sequence = Field(
        None,
        description=f"(T,) numbers (input_size 1) or (T, I) vectors, time first; 1 ≤ T ≤ "
        f"{MAX_STEPS}, 1 ≤ I ≤ {MAX_INPUT}. Give this or word",
    )
    alphabet: str = Field(
        ALPHABET,
        min_length=1,
        max_length=MAX_INPUT,
        description=f"the characters a word may use, ≤ {MAX_INPUT}, no repeats: input_size = len(alphabet)",
    )
    word: str | None = Field(
        None,
        min_length=1,
        max_length=MAX_STEPS,
        description=f"instead of sequence: 1–{MAX_STEPS} characters of the "
        "alphabet, each becoming a one-hot vector",
    )

    @field_validator("alphabet")
    @classmethod
    def _unique(cls, v: str) -> str:
        repeated = sorted({c for c in v if v.count(c) > 1})
        if repeated:
            raise Invalid("alphabet_repeats", chars="".join(repeated))
        return v

    @field_validator("word")
    @classmethod
    def _in_alphabet(cls, v: str | None, info: Any) -> str | None:
        alphabet = info.data.get("alphabet")
        missing = sorted({c for c in v or "" if alphabet is not None and c not in alphabet})
        if missing:
            raise Invalid("word_alphabet", chars="".join(missing), alphabet=alphabet)
        return v

    @model_validator(mode="after")
    def _one_source(self) -> "WordOrSequence":
        if (self.sequence is None) == (self.word is None):
            raise Invalid("exactly_one", a="sequence", b="word")
        return self


class RNNSpec(WordOrSequence):
    """The sequence and the network, shared by /forward and /bptt. Any weight left out is drawn from
    `seed`; a weight of size 1 may be a bare number."""

    hidden_size: bounded_int(1, MAX_HIDDEN) = Field(3, description=f"H, numbers in h_t: 1–{MAX_HIDDEN}")
    output_size: bounded_int(1, MAX_OUTPUT) = Field(
        1, description=f"O, numbers in y_t: 1–{MAX_OUTPUT}; a (O, H) W_hy sets it instead"
    )
    num_layers: bounded_int(1, MAX_LAYERS) = Field(1, description=f"stacked RNN layers, 1–{MAX_LAYERS}")
    seed: int = Field(
        0,
        ge=0,
        le=2**31 - 1,
        description="draws the weights not given, uniform in ±1/√H and rounded to 2 decimals",
    )
    W_xh: Tensor | None = Field(None, description="(H, I) input → hidden, layer 1")
    W_hh: Tensor | None = Field(None, description="(H, H) hidden → hidden, layer 1")
    b_h: Tensor | None = Field(None, description="(H,) hidden bias, layer 1 (torch's b_ih + b_hh)")
    W_hy: Tensor | None = Field(None, description="(O, H) hidden → output, on the top layer's h_t")
    b_y: Tensor | None = Field(None, description="(O,) output bias")
    upper_layers: list[LayerIn] = Field(
        [], max_length=MAX_LAYERS - 1, description="weights of layers 2 … num_layers, in order"
    )
    h0: Tensor | None = Field(None, description="(num_layers, H) the state before step 1; zeros if left out")


class LayerOut(BaseModel):
    W_xh: TensorOut
    W_hh: TensorOut
    b_h: TensorOut


class WeightsOut(BaseModel):
    """The same names a request takes, so the weights can be sent back as they are."""

    W_xh: TensorOut = Field(description="(H, I)")
    W_hh: TensorOut = Field(description="(H, H)")
    b_h: TensorOut = Field(description="(H,)")
    W_hy: TensorOut = Field(description="(O, H)")
    b_y: TensorOut = Field(description="(O,)")
    upper_layers: list[LayerOut] = Field(description="layers 2 … num_layers")


class Unrolled(BaseModel):
    steps: int = Field(description="T")
    input_size: int
    hidden_size: int
    output_size: int
    num_layers: int
    seed: int
    tokens: list[str] | None = Field(description="the word's characters, one per step")
    alphabet: str | None = Field(description="the one-hot positions, when a word was given")
    x: TensorOut = Field(description="(T, I) the input sequence")
    h0: TensorOut = Field(description="(L, H)")
    weights: WeightsOut
    xw: TensorOut = Field(description="(L, T, H) W_xh · x_t (the layer below's h_t above layer 1)")
    hw: TensorOut = Field(description="(L, T, H) W_hh · h_{t−1}")
    a: TensorOut = Field(description="(L, T, H) W_xh · x_t + W_hh · h_{t−1} + b_h")
    h: TensorOut = Field(description="(L, T, H) tanh(a)")
