"""§5.3 and §6 The GRU written out step by step, in torch.nn.GRU's own equations:

    r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)          reset gate
    z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)          update gate
    n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))  candidate state
    h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}

(The course writes h_t = (1 − z)·h_{t−1} + z·h̃ and applies r before the matrix product; the two
forms are the same family with z and 1 − z swapped.) torch stacks the three input matrices as
weight_ih_l{k}{_reverse} = [W_ir; W_iz; W_in], (3H, I), and likewise weight_hh, bias_ih, bias_hh.

Batches of different lengths run as torch runs a PackedSequence: a sequence only moves while
t < its length, so the forward direction stops at its last element and the backward direction
starts there. Every gate of every step, layer and direction is kept (zeros past a sequence's end)."""

from dataclasses import dataclass

import torch
from torch import nn

from engine.errors import FieldError


@dataclass
class GRUWeights:
    """One layer and direction of a GRU: torch's stacked [r; z; n] matrices and biases."""

    w_ih: torch.Tensor  # (3H, I)
    w_hh: torch.Tensor  # (3H, H)
    b_ih: torch.Tensor  # (3H,)
    b_hh: torch.Tensor  # (3H,)

    @property
    def hidden_size(self) -> int:
        return self.w_hh.shape[1]

    def gate(self, name: str) -> dict[str, torch.Tensor]:
        """{"W_i", "W_h", "b_i", "b_h"} of gate "r", "z" or "n"."""
        k = "rzn".index(name)
        s = slice(k * self.hidden_size, (k + 1) * self.hidden_size)
        return {"W_i": self.w_ih[s], "W_h": self.w_hh[s], "b_i": self.b_ih[s], "b_h": self.b_hh[s]}


@dataclass
class GRUTrace:
    """Every gate of a (possibly bidirectional, multi-layer) GRU over a padded batch.

    Gate tensors are (L, D, B, T, H): layer, direction (0 forward, 1 backward), sequence, time step
    (in reading order of the sequence's own positions), unit; zero where t ≥ the sequence's length."""

    r: torch.Tensor
    z: torch.Tensor
    n: torch.Tensor
    h: torch.Tensor
    output: torch.Tensor  # (B, T, D·H) the top layer's [h_t^f; h_t^b], torch's padded output
    h_n: torch.Tensor  # (L·D, B, H) the last state of each layer and direction, torch's order


def weights_of(gru: nn.GRU, layer: int, reverse: bool = False) -> GRUWeights:
    """The weights of one layer and direction of an nn.GRU."""
    if not 0 <= layer < gru.num_layers or (reverse and not gru.bidirectional):
        raise ValueError(
            f"the GRU has {gru.num_layers} layers (bidirectional={gru.bidirectional}); "
            f"got layer {layer}, reverse={reverse}"
        )
    sfx = f"l{layer}{'_reverse' if reverse else ''}"
    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    return GRUWeights(*(getattr(gru, f"{p}_{sfx}").detach() for p in names))


def all_weights(gru: nn.GRU) -> list[list[GRUWeights]]:
    """[layer][direction] weights of an nn.GRU."""
    dirs = (False, True) if gru.bidirectional else (False,)
    return [[weights_of(gru, k, rev) for rev in dirs] for k in range(gru.num_layers)]


def cell(x_t: torch.Tensor, h_prev: torch.Tensor, w: GRUWeights) -> tuple[torch.Tensor, ...]:
    """One GRU step for a batch: x_t (B, I), h_prev (B, H) → r, z, n, h, each (B, H)."""
    gi = x_t @ w.w_ih.T + w.b_ih  # (B, 3H): W_i· x + b_i· for r, z, n
    gh = h_prev @ w.w_hh.T + w.b_hh  # (B, 3H): W_h· h + b_h· for r, z, n
    i_r, i_z, i_n = gi.chunk(3, dim=1)
    h_r, h_z, h_n = gh.chunk(3, dim=1)
    r = torch.sigmoid(i_r + h_r)
    z = torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    h = (1 - z) * n + z * h_prev
    return r, z, n, h


def direction(
    x: torch.Tensor, lengths: torch.Tensor, w: GRUWeights, reverse: bool = False
) -> tuple[torch.Tensor, ...]:
    """One direction of one layer over a padded batch x (B, T, I) → r, z, n, h (B, T, H), h_last (B, H).

    Forward reads t = 0, 1, …; backward reads t = T−1, …, 0, and a sequence only moves while
    t < its length, so its backward pass starts from h = 0 at its own last element."""
    b, t_max, _ = x.shape
    hid = w.hidden_size
    h = x.new_zeros(b, hid)  # (B, H)
    out = [x.new_zeros(b, t_max, hid) for _ in range(4)]  # r, z, n, h
    steps = range(t_max - 1, -1, -1) if reverse else range(t_max)
    for t in steps:
        running = (t < lengths)[:, None]  # (B, 1)
        gates = cell(x[:, t], h, w)
        h = torch.where(running, gates[3], h)
        for k, g in enumerate(gates):
            out[k][:, t] = torch.where(running, g, 0.0)
    return (*out, h)


def gru(x: torch.Tensor, lengths: torch.Tensor, weights: list[list[GRUWeights]]) -> GRUTrace:
    """A stacked, optionally bidirectional GRU over a padded batch x (B, T, I) with lengths (B,);
    layer k+1 reads [h_t^f; h_t^b] of layer k. Equals nn.GRU on the packed batch (eval mode)."""
    if x.ndim != 3 or len(lengths) != x.shape[0]:
        raise ValueError(f"x must be (B, T, I) with B = {len(lengths)}, got {tuple(x.shape)}")
    gates: list[list[tuple[torch.Tensor, ...]]] = []
    h_n = []
    inp = x
    for layer in weights:
        per_dir = [direction(inp, lengths, w, reverse=d == 1) for d, w in enumerate(layer)]
        gates.append([g[:4] for g in per_dir])
        h_n += [g[4] for g in per_dir]
        inp = torch.cat([g[3] for g in per_dir], dim=2)  # (B, T, D·H)
    stack = [torch.stack([torch.stack([d[k] for d in layer]) for layer in gates]) for k in range(4)]
    return GRUTrace(*stack, output=inp, h_n=torch.stack(h_n))


def one_layer(
    x: torch.Tensor,
    weight_ih: torch.Tensor,
    weight_hh: torch.Tensor,
    bias_ih: torch.Tensor,
    bias_hh: torch.Tensor,
    max_hidden: int,
) -> GRUWeights:
    """One layer's weights in torch's layout, checked against a sequence x (T, I): FieldErrors name
    the weight whose shape does not fit (H comes from weight_hh (3H, H), 1 ≤ H ≤ max_hidden)."""
    if (
        weight_hh.ndim != 2
        or weight_hh.shape[0] != 3 * weight_hh.shape[1]
        or not 1 <= weight_hh.shape[1] <= max_hidden
    ):
        raise FieldError(
            "weight_hh",
            "gru_weight_hh",
            "must have shape [3H, H] with 1 ≤ H ≤ {most}, got {shape}",
            most=max_hidden,
            shape=list(weight_hh.shape),
        )
    H, In = weight_hh.shape[1], x.shape[1]
    given = {"weight_ih": weight_ih, "bias_ih": bias_ih, "bias_hh": bias_hh}
    for name, want in (("weight_ih", (3 * H, In)), ("bias_ih", (3 * H,)), ("bias_hh", (3 * H,))):
        if tuple(given[name].shape) != want:
            raise FieldError(
                name,
                "gru_weight",
                "must have shape {want} (hidden_size {h} from weight_hh, input_size {i} from sequence), "
                "got {shape}",
                want=list(want),
                h=H,
                i=In,
                shape=list(given[name].shape),
            )
    return GRUWeights(weight_ih, weight_hh, bias_ih, bias_hh)


@torch.no_grad()
def layer_gates(x: torch.Tensor, w: GRUWeights) -> GRUTrace:
    """Every gate of one GRU layer over one sequence x (T, I) (a batch of one, L = D = 1)."""
    return gru(x[None], torch.tensor([x.shape[0]]), [[w]])
