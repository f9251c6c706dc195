"""§5.3 GRU: how much gradient reaches earlier steps (RNN vs GRU), and a GRU's gates step by step."""

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, field_validator, model_validator

from app.errors import Invalid
from app.schemas.common import EncodingOption, Tensor, TensorOut, bounded_int
from app.schemas.names import MAX_NAME
from app.schemas.rnn import MAX_HIDDEN, MAX_INPUT, MAX_STEPS, Sequence
from engine.rnn.gradient_flow import CellKind


def _float(lo: float, hi: float) -> Any:
    """A float in [lo, hi] whose error message states the whole range."""

    def check(v: Any) -> Any:
        if isinstance(v, int | float) and not isinstance(v, bool) and not lo <= v <= hi:
            raise Invalid("number_range", lo=lo, hi=hi, v=v)
        return v

    return Annotated[float, Field(ge=lo, le=hi, allow_inf_nan=False), BeforeValidator(check)]


class GradientFlowRequest(EncodingOption):
    """One seeded setup shared by every cell: W_hh (rescaled to spectral radius λ), the inputs x_t and
    the loss L = uᵀ·h_T. The GRU uses the same W_hh as its candidate matrix W_hn."""

    spectral_radius: _float(0.5, 1.5) = Field(0.9, description="λ, the largest |eigenvalue| of W_hh: 0.5–1.5")
    steps: bounded_int(1, MAX_STEPS) = Field(100, description=f"T, time steps: 1–{MAX_STEPS}")
    hidden_size: bounded_int(1, MAX_HIDDEN) = Field(64, description=f"H: 1–{MAX_HIDDEN}")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="draws W_hh, the input weights, x_t and u")
    cells: list[CellKind] = Field(
        ["rnn", "linear", "gru"],
        min_length=1,
        max_length=3,
        description='which cells to run: "rnn" (tanh), "linear" (no '
        'activation: exactly W_hhᵀ to the power T − t), "gru"',
    )
    input_scale: _float(0.0, 2.0) = Field(
        0.3, description="input strength: scales the input weights, 0–2 (strong inputs saturate tanh)"
    )
    update_bias: _float(-5.0, 8.0) = Field(
        3.0, description="b_z of the GRU's update gate (torch's z, the share of h_{t−1} kept): −5 to 8"
    )
    sweep: bool = Field(True, description="also ‖∂L/∂h_0‖ for λ = 0.5, 0.55, …, 1.5")
    W_hh: Tensor | None = Field(
        None,
        description="(H, H) your own recurrent matrix instead of the seeded "
        "one; it is rescaled to spectral radius λ",
    )
    include_weights: bool = Field(False, description="return the rescaled W_hh")

    @field_validator("cells")
    @classmethod
    def _unique(cls, v: list[CellKind]) -> list[CellKind]:
        if len(set(v)) != len(v):
            raise Invalid("cells_twice", cells=v)
        return v


class SweepOut(BaseModel):
    radii: list[float] = Field(description="λ values")
    norms: dict[str, list[float]] = Field(description="per cell: ‖∂L/∂h_0‖ at each λ")
    reference: list[float] = Field(description="λ^T at each λ")


class GradientFlowResponse(BaseModel):
    spectral_radius: float
    measured_radius: float = Field(description="the largest |eigenvalue| of the rescaled W_hh, computed")
    steps: int
    hidden_size: int
    input_size: int
    seed: int
    input_scale: float
    update_bias: float
    t: list[int] = Field(description="0 … T (h_0 is the initial state)")
    norms: dict[str, list[float]] = Field(
        description="per cell: ‖∂L/∂h_t‖ for t = 0 … T, read from autograd; ‖∂L/∂h_T‖ = ‖u‖ = 1"
    )
    reference: list[float] = Field(description="λ^(T−t) for t = 0 … T")
    z_mean: float | None = Field(description="the GRU's update gate z averaged over steps and units")
    sweep: SweepOut | None
    W_hh: TensorOut | None = Field(description="(H, H) when include_weights")


def _name(v: Any) -> Any:
    if isinstance(v, str) and not 1 <= len(v.strip()) <= MAX_NAME:
        raise Invalid("name_length", most=MAX_NAME, n=len(v.strip()))
    return v


class GatesRequest(EncodingOption):
    """Either a name (read by the trained name → language model: every layer and direction) or an
    input sequence with explicit weights of one GRU layer in torch's layout ([r; z; n] stacked)."""

    name: Annotated[str | None, BeforeValidator(_name)] = Field(
        None, description=f"a surname, 1–{MAX_NAME} characters (accents are spelled in ASCII)"
    )
    sequence: Sequence = Field(
        None, description=f"(T, I) or (T,) input vectors; 1 ≤ T ≤ {MAX_STEPS}, 1 ≤ I ≤ {MAX_INPUT}"
    )
    weight_ih: Tensor | None = Field(None, description="(3H, I) [W_ir; W_iz; W_in], torch's weight_ih_l0")
    weight_hh: Tensor | None = Field(None, description=f"(3H, H) [W_hr; W_hz; W_hn], H ≤ {MAX_HIDDEN}")
    bias_ih: Tensor | None = Field(None, description="(3H,) [b_ir; b_iz; b_in]")
    bias_hh: Tensor | None = Field(None, description="(3H,) [b_hr; b_hz; b_hn]")

    @model_validator(mode="after")
    def _one_source(self) -> "GatesRequest":
        if (self.name is None) == (self.sequence is None):
            raise Invalid("gates_source")
        weights = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        if self.sequence is not None and any(getattr(self, w) is None for w in weights):
            missing = [w for w in weights if getattr(self, w) is None]
            raise Invalid("gates_weights", missing=", ".join(missing))
        return self


class LanguageOut(BaseModel):
    language: str
    probability: float


class GatesResponse(BaseModel):
    source: str = Field(description='"trained" (the name model) or "explicit"')
    name: str | None = Field(description="the name as the model reads it: lower-case ASCII")
    tokens: list[str] | None = Field(description="one character per time step")
    codes: list[int] | None = Field(
        description="the name's codes as the model reads them: 1–29, one per step"
    )
    alphabet: str | None = Field(description="code c stands for alphabet[c − 1] (the name model's alphabet)")
    input_size: int
    hidden_size: int
    num_layers: int
    directions: int = Field(description="2 for a bidirectional GRU: 0 forward, 1 backward")
    x: TensorOut = Field(description="(T, I) the first layer's input: the name's embeddings")
    r: TensorOut = Field(description="(L, D, T, H) reset gate, in reading position order")
    z: TensorOut = Field(description="(L, D, T, H) update gate, torch's: the share of h_{t−1} kept")
    n: TensorOut = Field(description="(L, D, T, H) candidate state")
    h: TensorOut = Field(description="(L, D, T, H) h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}")
    output: TensorOut = Field(description="(T, D·H) the top layer's [h_t^f; h_t^b], nn.GRU's output")
    prediction: list[LanguageOut] | None = Field(
        description="the trained model's languages, most likely first"
    )
