"""§4.2 backpropagation through time: the loss and each shared weight's gradient, one term per step."""

from pydantic import BaseModel, Field

from app.schemas.common import Tensor, TensorOut
from app.schemas.rnn import RNNSpec, Unrolled, WeightsOut
from engine.rnn.bptt import LossMode


class BPTTRequest(RNNSpec):
    loss: LossMode = Field(
        "last",
        description='"last": L = ½‖y_T − target‖² (many-to-one); "every": L = Σ_t ½‖y_t − '
        "target_t‖² (many-to-many)",
    )
    target: Tensor | None = Field(
        None,
        description='(O,) for "last", (T, O) for "every" ((T,) when O = '
        "1, a number for a single value); zeros if left out",
    )


class TermsOut(BaseModel):
    W_xh: TensorOut = Field(description="(T, H, I) step t's use: δ_t · x_tᵀ")
    W_hh: TensorOut = Field(description="(T, H, H) step t's use: δ_t · h_{t−1}ᵀ")
    b_h: TensorOut = Field(description="(T, H) δ_t")


class BPTTResponse(Unrolled):
    y: TensorOut = Field(description="(T, O)")
    loss_mode: str
    target: TensorOut
    loss: float
    step_losses: list[float] = Field(description='(T,) L_t; with loss "last" only L_T is non-zero')
    dy: TensorOut = Field(description="(T, O) ∂L/∂y_t")
    dh: TensorOut = Field(description="(L, T, H) ∂L/∂h_t, through every later step")
    dh_norm: list[list[float]] = Field(description="(L, T) ‖∂L/∂h_t‖")
    delta: TensorOut = Field(description="(L, T, H) δ_t = ∂L/∂a_t = ∂L/∂h_t ⊙ (1 − h_t²)")
    terms: list[TermsOut] = Field(description="per layer: one term per time step")
    terms_W_hy: TensorOut = Field(description="(T, O, H) ∂L/∂y_t · h_tᵀ")
    terms_b_y: TensorOut = Field(description="(T, O)")
    sums: WeightsOut = Field(description="the per-step terms added up")
    autograd: WeightsOut = Field(description="torch.nn.RNN + loss.backward(): the same gradients")
    autograd_loss: float
    max_difference: float = Field(description="largest |sum of terms − autograd| over all parameters")
