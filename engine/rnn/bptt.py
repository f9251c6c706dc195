"""§4.2 Backpropagation through time: the gradient of a shared weight is one term per time step.

W_hh is used at every step, so its gradient adds up the contribution of each use:

    ∂L/∂W_hh = Σ_t δ_t · h_{t-1}ᵀ        ∂L/∂W_xh = Σ_t δ_t · x_tᵀ        ∂L/∂b_h = Σ_t δ_t
    δ_t = ∂L/∂a_t = ∂L/∂h_t ⊙ (1 − h_t²)                                     (tanh' = 1 − tanh²)

where ∂L/∂h_t is the whole gradient reaching h_t, gathered backwards from the last step:

    ∂L/∂h_t = W_hyᵀ · ∂L/∂y_t + W_hhᵀ · δ_{t+1}

(in a stack of layers, a lower layer gets W_xhᵀ · δ_t of the layer above instead of W_hyᵀ · ∂L/∂y_t).
The loss is the squared error ½‖y − target‖²: on the last output only ("last", many-to-one) or
summed over every step ("every", many-to-many); with a batch it is summed over the batch too."""

from dataclasses import dataclass
from typing import Literal

import torch

from engine.errors import FieldError
from engine.rnn.cell import Trace, forward
from engine.rnn.weights import Layer, RNNWeights, torch_rnn

LossMode = Literal["last", "every"]  # on the last output only (many-to-one), or on every step
LOSS_MODES: tuple[LossMode, ...] = ("last", "every")


@dataclass
class LayerTerms:
    W_xh: torch.Tensor  # (T, H, I_l) the step-t use of W_xh: δ_t · in_tᵀ
    W_hh: torch.Tensor  # (T, H, H) δ_t · h_{t-1}ᵀ
    b_h: torch.Tensor  # (T, H) δ_t


@dataclass
class BPTT:
    step_losses: torch.Tensor  # (T,) L_t; for "last" only the last is non-zero
    dy: torch.Tensor  # (T, [B,] O) ∂L/∂y_t
    dh: torch.Tensor  # (L, T, [B,] H) ∂L/∂h_t through every later step
    delta: torch.Tensor  # (L, T, [B,] H) ∂L/∂a_t
    layers: list[LayerTerms]
    W_hy: torch.Tensor  # (T, O, H) ∂L/∂y_t · h_tᵀ
    b_y: torch.Tensor  # (T, O)

    @property
    def loss(self) -> torch.Tensor:
        return self.step_losses.sum()

    @property
    def dh_norm(self) -> torch.Tensor:
        """(L, T, [B]) ‖∂L/∂h_t‖."""
        return self.dh.norm(dim=-1)

    def totals(self) -> RNNWeights:
        """Every parameter's gradient: its per-step terms added up."""
        return RNNWeights(
            [Layer(t.W_xh.sum(0), t.W_hh.sum(0), t.b_h.sum(0)) for t in self.layers],
            self.W_hy.sum(0),
            self.b_y.sum(0),
        )


def squared_error(y: torch.Tensor, target: torch.Tensor, mode: LossMode) -> torch.Tensor:
    """(T,) the per-step losses L_t = ½‖y_t − target_t‖² (summed over a batch); y is (T, [B,] O).

    target is y's shape for "every", or y[-1]'s shape for "last" (then only L_T is non-zero)."""
    if mode not in ("last", "every"):
        raise ValueError(f"loss mode must be 'last' or 'every', got {mode!r}")
    want = y.shape if mode == "every" else y.shape[1:]
    if target.shape != want:
        raise ValueError(f"target must have shape {list(want)} for loss {mode!r}, got {list(target.shape)}")
    err = y - target if mode == "every" else y[-1:] - target  # (T or 1, [B,] O)
    per_step = 0.5 * (err**2).reshape(len(err), -1).sum(1)
    return per_step if mode == "every" else torch.cat([per_step.new_zeros(len(y) - 1), per_step])


def output_grad(y: torch.Tensor, target: torch.Tensor, mode: LossMode) -> torch.Tensor:
    """(T, [B,] O) ∂L/∂y_t = y_t − target_t where the loss looks at y_t, else 0."""
    if mode == "every":
        return y - target
    dy = torch.zeros_like(y)
    dy[-1] = y[-1] - target
    return dy


def bptt(tr: Trace, w: RNNWeights, target: torch.Tensor, mode: LossMode) -> BPTT:
    """The loss's gradient, split into one term per time step for every shared parameter."""
    step_losses = squared_error(tr.y, target, mode)
    dy = output_grad(tr.y, target, mode)  # (T, [B,] O)
    batched = tr.x.ndim == 3
    lift = (lambda t: t) if batched else (lambda t: t.unsqueeze(-2))  # add B = 1 where absent
    h, h0 = lift(tr.h), lift(tr.h0)  # (L, T, B, H), (L, B, H)
    T, L = tr.steps, w.num_layers
    dh, delta = torch.zeros_like(h), torch.zeros_like(h)
    from_above = lift(dy) @ w.W_hy  # (T, B, H): W_hyᵀ · ∂L/∂y_t, for the top layer
    for layer in reversed(range(L)):
        p = w.layers[layer]
        later = torch.zeros_like(h0[layer])  # (B, H) W_hhᵀ · δ_{t+1}, none after the last step
        for t in reversed(range(T)):
            dh[layer, t] = from_above[t] + later
            delta[layer, t] = dh[layer, t] * (1 - h[layer, t] ** 2)
            later = delta[layer, t] @ p.W_hh
        from_above = delta[layer] @ p.W_xh  # (T, B, I_l): what this layer sends to the one below
    terms = []
    for layer in range(L):
        inp = lift(tr.x) if layer == 0 else h[layer - 1]  # (T, B, I_l)
        prev = torch.cat([h0[layer][None], h[layer, :-1]])  # (T, B, H): h_{t-1}
        d = delta[layer]
        terms.append(
            LayerTerms(torch.einsum("tbh,tbi->thi", d, inp), torch.einsum("tbh,tbk->thk", d, prev), d.sum(1))
        )
    w_hy = torch.einsum("tbo,tbh->toh", lift(dy), h[-1])
    unlift = (lambda t: t) if batched else (lambda t: t.squeeze(-2))
    return BPTT(step_losses, dy, unlift(dh), unlift(delta), terms, w_hy, lift(dy).sum(1))


def autograd(
    x: torch.Tensor, w: RNNWeights, target: torch.Tensor, mode: LossMode, h0: torch.Tensor | None = None
) -> tuple[torch.Tensor, RNNWeights]:
    """The loss and every gradient as torch computes them: torch.nn.RNN and loss.backward()."""
    rnn = torch_rnn(w)
    W_hy, b_y = w.W_hy.clone().requires_grad_(), w.b_y.clone().requires_grad_()
    out, _ = rnn(x, h0)  # (T, [B,] H) the top layer's h_t
    loss = squared_error(out @ W_hy.T + b_y, target, mode).sum()
    loss.backward()
    grads = [
        Layer(*(getattr(rnn, f"{name}_l{i}").grad for name in ("weight_ih", "weight_hh", "bias_ih")))
        for i in range(w.num_layers)
    ]
    return loss.detach(), RNNWeights(grads, W_hy.grad, b_y.grad)


def term_count(w: RNNWeights, steps: int) -> int:
    """How many numbers the per-step terms of every parameter hold: T · (Σ_l H·(I_l + H + 1) + O·(H + 1))."""
    h = w.hidden_size
    per_step = sum(h * (la.W_xh.shape[1] + h + 1) for la in w.layers) + w.output_size * (h + 1)
    return steps * per_step


def as_target(target: torch.Tensor | None, mode: LossMode, steps: int, n_out: int) -> torch.Tensor:
    """The target the loss needs: (O,) for "last", (T, O) for "every"; zeros when none is given, and a
    bare number or (T,) accepted where it fits (a FieldError "target" otherwise)."""
    want = (n_out,) if mode == "last" else (steps, n_out)
    if target is None:
        return torch.zeros(want, dtype=torch.float64)
    fits = target.numel() == torch.Size(want).numel() and (
        target.ndim == 0 or (target.ndim == 1 and n_out == 1)
    )
    if fits:
        return target.reshape(want)
    if tuple(target.shape) != want:
        raise FieldError(
            "target",
            "target_shape",
            "must have shape {want} = {meaning} for loss {mode!r}, got {shape}",
            want=list(want),
            meaning="(output_size,)" if mode == "last" else "(T, output_size)",
            mode=mode,
            shape=list(target.shape),
        )
    return target


@dataclass
class BPTTReport:
    """§4.2's answer: the forward pass, the per-step terms, and autograd's gradients beside them."""

    trace: Trace
    target: torch.Tensor
    terms: BPTT
    sums: RNNWeights  # the per-step terms added up
    autograd_loss: float
    autograd: RNNWeights  # torch.nn.RNN + loss.backward()
    max_difference: float  # the largest |sum of terms − autograd| over every parameter


def bptt_report(
    x: torch.Tensor, w: RNNWeights, target: torch.Tensor, mode: LossMode, h0: torch.Tensor | None = None
) -> BPTTReport:
    """The loss of x (T, I) split into one term per step for every weight, checked against autograd."""
    tr = forward(x, w, h0)
    b = bptt(tr, w, target, mode)
    loss, grads = autograd(x, w, target, mode, h0)
    sums = b.totals()
    diff = max((s - g).abs().max().item() for s, g in zip(sums.tensors(), grads.tensors(), strict=True))
    return BPTTReport(tr, target, b, sums, loss.item(), grads, diff)
