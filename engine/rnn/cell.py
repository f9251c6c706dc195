"""§4.1 The RNN unrolled in time: one cell, one set of weights, applied at every step.

    a_t = W_xh · x_t + W_hh · h_{t-1} + b_h      (the cell's pre-activation)
    h_t = tanh(a_t)
    y_t = W_hy · h_t + b_y

Every intermediate is kept so a page can show each step. Sequences are time first, like
torch.nn.RNN: x is (T, I) or, with a batch, (T, B, I)."""

from dataclasses import dataclass

import torch

from engine.rnn.weights import RNNWeights, check

OUTPUTS = ("many_to_many", "many_to_one")  # y_t at every step, or only the last

ALPHABET = "abcdefghijklmnopqrstuvwxyz"


@dataclass
class Trace:
    """Every value of the unrolled forward pass; the batch dimension B is absent when x had none."""

    x: torch.Tensor  # (T, [B,] I)
    h0: torch.Tensor  # (L, [B,] H) the state before step 1
    xw: torch.Tensor  # (L, T, [B,] H) W_xh · in_t, in_t = x_t for layer 0, the layer below's h_t above
    hw: torch.Tensor  # (L, T, [B,] H) W_hh · h_{t-1}
    a: torch.Tensor  # (L, T, [B,] H) xw + hw + b_h
    h: torch.Tensor  # (L, T, [B,] H) tanh(a)
    y: torch.Tensor  # (T, [B,] O) W_hy · h_t of the top layer, + b_y

    @property
    def steps(self) -> int:
        return self.x.shape[0]

    def outputs(self, mode: str) -> torch.Tensor:
        """y_t at every step ("many_to_many", (T, [B,] O)) or only y_T ("many_to_one", (1, [B,] O))."""
        if mode not in OUTPUTS:
            raise ValueError(f"outputs must be one of {OUTPUTS}, got {mode!r}")
        return self.y if mode == "many_to_many" else self.y[-1:]


def one_hot(word: str, alphabet: str = ALPHABET) -> torch.Tensor:
    """(T, len(alphabet)): row t is 1 at the position of the word's t-th character, 0 elsewhere."""
    if len(set(alphabet)) != len(alphabet):
        raise ValueError(f"alphabet {alphabet!r} repeats a character")
    index = {c: i for i, c in enumerate(alphabet)}
    missing = sorted({c for c in word if c not in index})
    if missing:
        raise ValueError(f"characters {''.join(missing)!r} are not in the alphabet {alphabet!r}")
    x = torch.zeros(len(word), len(alphabet), dtype=torch.float64)
    x[torch.arange(len(word)), [index[c] for c in word]] = 1.0
    return x


def step(
    x_t: torch.Tensor, h_prev: torch.Tensor, W_xh: torch.Tensor, W_hh: torch.Tensor, b_h: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """One cell: (B, I) and (B, H) → W_xh·x_t, W_hh·h_{t-1}, a_t, h_t, each (B, H)."""
    xw = x_t @ W_xh.T  # (B, H)
    hw = h_prev @ W_hh.T  # (B, H)
    a = xw + hw + b_h
    return xw, hw, a, torch.tanh(a)


def forward(x: torch.Tensor, w: RNNWeights, h0: torch.Tensor | None = None) -> Trace:
    """Unroll the RNN over x (T, I) or (T, B, I) from h0 (L, [B,] H), zeros if None."""
    check(w)
    batched = x.ndim == 3
    if x.ndim not in (2, 3):
        raise ValueError(f"x must be (T, I) or (T, B, I), got shape {list(x.shape)}")
    if x.shape[0] < 1:
        raise ValueError("the sequence must have at least one step")
    if x.shape[-1] != w.input_size:
        raise ValueError(f"x has {x.shape[-1]} features per step but W_xh expects {w.input_size}")
    xb = x if batched else x[:, None]  # (T, B, I)
    T, B, _ = xb.shape
    L, H = w.num_layers, w.hidden_size
    want = [L, B, H] if batched else [L, H]
    if h0 is not None and list(h0.shape) != want:
        raise ValueError(f"h0 must have shape {want}, got {list(h0.shape)}")
    h0 = xb.new_zeros(L, B, H) if h0 is None else h0.reshape(L, B, H)
    parts: list[list[torch.Tensor]] = [[], [], [], []]  # xw, hw, a, h: one (T, B, H) per layer
    inp = xb
    for layer, p in enumerate(w.layers):
        h_prev, per_step = h0[layer], []
        for t in range(T):
            out = step(inp[t], h_prev, p.W_xh, p.W_hh, p.b_h)
            per_step.append(out)
            h_prev = out[3]
        for k in range(4):
            parts[k].append(torch.stack([s[k] for s in per_step]))  # (T, B, H)
        inp = parts[3][-1]  # this layer's h_t feed the layer above
    xw, hw, a, h = (torch.stack(p) for p in parts)  # (L, T, B, H)
    y = h[-1] @ w.W_hy.T + w.b_y  # (T, B, O)
    if not batched:
        xw, hw, a, h = (t[:, :, 0] for t in (xw, hw, a, h))  # (L, T, H)
        h0, y = h0[:, 0], y[:, 0]
    return Trace(x, h0, xw, hw, a, h, y)
