"""§5.1–5.2 A bidirectional RNN that classifies a whole sequence.

Two cells with their own weights read the same sequence x_1 … x_T:

    forward   h^f_t = tanh(W^f_xh · x_t + W^f_hh · h^f_{t-1} + b^f_h)    t = 1 … T,  h^f_0 = 0
    backward  h^b_t = tanh(W^b_xh · x_t + W^b_hh · h^b_{t+1} + b^b_h)    t = T … 1,  h^b_{T+1} = 0

Each direction's last state has read the whole sequence: h^f_T (left to right) and h^b_1 (right
to left). Joined, they are the sequence's summary, which a linear layer turns into class scores:

    hidden = [h^f_T; h^b_1]  (2H,)     logits = W_out · hidden + b_out  (K,)
    p = softmax(logits)              loss = −log p_target  (cross-entropy)

torch.nn.RNN(bidirectional=True) returns output (T, 2H) with output[t] = [h^f_t; h^b_t] (both
directions' states at position t), and h_n (2, H) = [h^f_T, h^b_1]: h_n[1] is output[0, H:],
not output[-1, H:]."""

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from engine.rnn.cell import step
from engine.rnn.weights import Layer, fit


@dataclass
class BiWeights:
    forward: Layer  # W_xh (H, I), W_hh (H, H), b_h (H,)
    backward: Layer  # the same shapes, its own numbers
    W_out: torch.Tensor  # (K, 2H): columns 0 … H−1 read h^f_T, columns H … 2H−1 read h^b_1
    b_out: torch.Tensor  # (K,)

    @property
    def input_size(self) -> int:
        return self.forward.W_xh.shape[1]

    @property
    def hidden_size(self) -> int:
        return self.forward.W_hh.shape[0]

    @property
    def classes(self) -> int:
        return self.W_out.shape[0]


@dataclass
class BiTrace:
    x: torch.Tensor  # (T, I)
    hf: torch.Tensor  # (T, H) h^f_t, computed t = 1 … T
    hb: torch.Tensor  # (T, H) h^b_t, computed t = T … 1 (row t − 1 holds h^b_t)
    hidden: torch.Tensor  # (2H,) [h^f_T; h^b_1]
    logits: torch.Tensor  # (K,)
    probs: torch.Tensor  # (K,)
    loss: torch.Tensor  # () −log probs[target]


def shapes(input_size: int, hidden_size: int, classes: int) -> dict[str, tuple]:
    """Every parameter's shape, keyed as the API names them."""
    h = hidden_size
    per_direction = {"W_xh": (h, input_size), "W_hh": (h, h), "b_h": (h,)}
    return (
        {f"forward.{k}": s for k, s in per_direction.items()}
        | {f"backward.{k}": s for k, s in per_direction.items()}
        | {"W_out": (classes, 2 * h), "b_out": (classes,)}
    )


def seeded_bi_weights(
    input_size: int,
    hidden_size: int,
    classes: int,
    seed: int = 0,
    decimals: int | None = 2,
    dtype: torch.dtype = torch.float64,
) -> dict[str, torch.Tensor]:
    """Weights drawn uniformly from ±1/√H (the linear layer: ±1/√(2H), torch's own ranges), rounded
    to `decimals` so they can be read and typed back; keyed as `shapes`."""
    for name, v in (("input_size", input_size), ("hidden_size", hidden_size), ("classes", classes)):
        if v < 1:
            raise ValueError(f"{name} must be at least 1, got {v}")
    gen = torch.Generator().manual_seed(seed)
    out = {}
    for name, shape in shapes(input_size, hidden_size, classes).items():
        k = (2 * hidden_size if name in ("W_out", "b_out") else hidden_size) ** -0.5
        w = (torch.rand(shape, generator=gen, dtype=torch.float64) * 2 - 1) * k
        out[name] = (w.round(decimals=decimals) if decimals is not None else w).to(dtype)
    return out


def from_dict(d: dict[str, torch.Tensor]) -> BiWeights:
    """BiWeights from the names of `shapes`, checking every shape against forward.W_xh and W_out."""
    h, i = d["forward.W_xh"].shape if d["forward.W_xh"].ndim == 2 else (0, 0)
    want = shapes(i, h, d["W_out"].shape[0] if d["W_out"].ndim == 2 else 0)
    w = {name: fit(name, d[name], shape) for name, shape in want.items()}
    fwd, bwd = (Layer(w[f"{p}.W_xh"], w[f"{p}.W_hh"], w[f"{p}.b_h"]) for p in ("forward", "backward"))
    return BiWeights(fwd, bwd, w["W_out"], w["b_out"])


def to_dict(w: BiWeights) -> dict[str, torch.Tensor]:
    """The inverse of `from_dict`."""
    d = {"W_out": w.W_out, "b_out": w.b_out}
    for p, la in (("forward", w.forward), ("backward", w.backward)):
        d |= {f"{p}.W_xh": la.W_xh, f"{p}.W_hh": la.W_hh, f"{p}.b_h": la.b_h}
    return d


def run_direction(x: torch.Tensor, la: Layer, reverse: bool) -> torch.Tensor:
    """(T, I) → (T, H): the states of one direction, row t − 1 holding h_t whichever way it ran."""
    T = x.shape[0]
    h = x.new_zeros(1, la.W_hh.shape[0])  # (1, H) the state before the first step read
    states: list[torch.Tensor] = [x.new_empty(0)] * T
    for t in reversed(range(T)) if reverse else range(T):
        h = step(x[t : t + 1], h, la.W_xh, la.W_hh, la.b_h)[3]  # (1, H)
        states[t] = h[0]
    return torch.stack(states)  # (T, H)


def forward(x: torch.Tensor, w: BiWeights, target: int) -> BiTrace:
    """Both directions over x (T, I), the joined final state, class probabilities and the loss."""
    if x.ndim != 2 or x.shape[0] < 1:
        raise ValueError(f"x must be (T, I) with T ≥ 1, got shape {list(x.shape)}")
    if x.shape[1] != w.input_size:
        raise ValueError(f"x has {x.shape[1]} features per step but W_xh expects {w.input_size}")
    if not 0 <= target < w.classes:
        raise ValueError(f"target must be a class from 0 to {w.classes - 1}, got {target}")
    hf = run_direction(x, w.forward, reverse=False)  # (T, H)
    hb = run_direction(x, w.backward, reverse=True)  # (T, H)
    hidden = torch.cat([hf[-1], hb[0]])  # (2H,) [h^f_T; h^b_1]
    logits = w.W_out @ hidden + w.b_out  # (K,)
    probs = torch.softmax(logits, dim=0)
    return BiTrace(x, hf, hb, hidden, logits, probs, -torch.log_softmax(logits, dim=0)[target])


def torch_rnn(w: BiWeights) -> nn.RNN:
    """torch.nn.RNN(bidirectional=True) with the same weights: the backward direction's parameters
    end in `_reverse`; b_ih = b_h, b_hh = 0 (only their sum counts)."""
    rnn = nn.RNN(w.input_size, w.hidden_size, bidirectional=True, dtype=w.W_out.dtype)
    with torch.no_grad():
        for suffix, la in (("", w.forward), ("_reverse", w.backward)):
            getattr(rnn, f"weight_ih_l0{suffix}").copy_(la.W_xh)
            getattr(rnn, f"weight_hh_l0{suffix}").copy_(la.W_hh)
            getattr(rnn, f"bias_ih_l0{suffix}").copy_(la.b_h)
            getattr(rnn, f"bias_hh_l0{suffix}").zero_()
    return rnn


@torch.no_grad()
def with_torch(x: torch.Tensor, w: BiWeights, target: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """torch's own answer: output (T, 2H), h_n (2, H) and F.cross_entropy on the joined h_n."""
    output, h_n = torch_rnn(w)(x)  # (T, 2H), (2, H)
    logits = h_n.reshape(-1) @ w.W_out.T + w.b_out  # h_n flattened = [h^f_T; h^b_1]
    return output, h_n, F.cross_entropy(logits[None], torch.tensor([target]))


@dataclass
class TorchCheck:
    """torch.nn.RNN(bidirectional=True)'s own answer for the same weights, beside ours."""

    output: torch.Tensor  # (T, 2H)
    h_n: torch.Tensor  # (2, H)
    loss: torch.Tensor  # ()
    max_difference: float  # the largest |ours − torch's| over output, h_n and the loss


def check_with_torch(x: torch.Tensor, w: BiWeights, target: int, tr: BiTrace) -> TorchCheck:
    """Our trace `tr` of x against torch's bidirectional RNN: every state and the loss."""
    output, h_n, loss = with_torch(x, w, target)
    diff = max(
        (torch.cat([tr.hf, tr.hb], dim=1) - output).abs().max().item(),  # output[t] = [h^f_t; h^b_t]
        (torch.stack([tr.hf[-1], tr.hb[0]]) - h_n).abs().max().item(),  # h_n = [h^f_T, h^b_1]
        abs(tr.loss.item() - loss.item()),
    )
    return TorchCheck(output, h_n, loss, diff)


def forward_beside_torch(x: torch.Tensor, w: BiWeights, target: int) -> tuple[BiTrace, TorchCheck]:
    """Our trace of x (forward) and torch's bidirectional RNN on the same weights, compared."""
    tr = forward(x, w, target)
    return tr, check_with_torch(x, w, target, tr)
