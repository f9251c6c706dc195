"""One set of RNN parameters, shared by every time step: seeded or explicit, with shape checks.

Layer l maps its input (x_t for l = 0, the layer below's h_t otherwise) and its own h_{t-1} to h_t:
    h_t = tanh(W_xh · in_t + W_hh · h_{t-1} + b_h)
and the top layer's h_t gives the output y_t = W_hy · h_t + b_y.

torch.nn.RNN keeps two biases per layer, b_ih and b_hh, that are only ever added together: our
b_h is their sum (copy b_h into b_ih and zeros into b_hh)."""

from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class Layer:
    W_xh: torch.Tensor  # (H, I_l): I_0 = input_size, I_l = H above
    W_hh: torch.Tensor  # (H, H)
    b_h: torch.Tensor  # (H,)


@dataclass
class RNNWeights:
    layers: list[Layer]
    W_hy: torch.Tensor  # (O, H)
    b_y: torch.Tensor  # (O,)

    @property
    def input_size(self) -> int:
        return self.layers[0].W_xh.shape[1]

    @property
    def hidden_size(self) -> int:
        return self.layers[0].W_hh.shape[0]

    @property
    def output_size(self) -> int:
        return self.W_hy.shape[0]

    @property
    def num_layers(self) -> int:
        return len(self.layers)

    def tensors(self) -> list[torch.Tensor]:
        """Every parameter, layer by layer, then W_hy and b_y."""
        return [t for la in self.layers for t in (la.W_xh, la.W_hh, la.b_h)] + [self.W_hy, self.b_y]


def shapes(input_size: int, hidden_size: int, output_size: int, num_layers: int) -> dict[str, tuple]:
    """The expected shape of every parameter, keyed "W_xh", "W_hh", "b_h" (layer 0),
    "layers.l.W_xh" … (layers l ≥ 1), "W_hy" and "b_y"."""
    h = hidden_size
    out: dict[str, tuple] = {"W_xh": (h, input_size), "W_hh": (h, h), "b_h": (h,)}
    for layer in range(1, num_layers):
        out |= {f"layers.{layer}.W_xh": (h, h), f"layers.{layer}.W_hh": (h, h), f"layers.{layer}.b_h": (h,)}
    return out | {"W_hy": (output_size, h), "b_y": (output_size,)}


def seeded_rnn_weights(
    input_size: int,
    hidden_size: int,
    output_size: int = 1,
    num_layers: int = 1,
    seed: int = 0,
    decimals: int | None = 2,
    dtype: torch.dtype = torch.float64,
) -> RNNWeights:
    """Weights drawn uniformly from ±1/√H (torch.nn.RNN's own range), rounded to `decimals` so a
    learner can read them and type them back."""
    for name, v in (
        ("input_size", input_size),
        ("hidden_size", hidden_size),
        ("output_size", output_size),
        ("num_layers", num_layers),
    ):
        if v < 1:
            raise ValueError(f"{name} must be at least 1, got {v}")
    gen = torch.Generator().manual_seed(seed)
    k = hidden_size**-0.5
    drawn = {}
    for name, shape in shapes(input_size, hidden_size, output_size, num_layers).items():
        w = (torch.rand(shape, generator=gen, dtype=torch.float64) * 2 - 1) * k
        drawn[name] = (w.round(decimals=decimals) if decimals is not None else w).to(dtype)
    return from_dict(drawn)


def from_dict(d: dict[str, torch.Tensor]) -> RNNWeights:
    """RNNWeights from the flat names of `shapes` (all present)."""
    layers = [Layer(d["W_xh"], d["W_hh"], d["b_h"])]
    while f"layers.{len(layers)}.W_hh" in d:
        p = f"layers.{len(layers)}."
        layers.append(Layer(d[p + "W_xh"], d[p + "W_hh"], d[p + "b_h"]))
    return RNNWeights(layers, d["W_hy"], d["b_y"])


def to_dict(w: RNNWeights) -> dict[str, torch.Tensor]:
    """The inverse of `from_dict`."""
    d = {"W_xh": w.layers[0].W_xh, "W_hh": w.layers[0].W_hh, "b_h": w.layers[0].b_h}
    for i, la in enumerate(w.layers[1:], start=1):
        d |= {f"layers.{i}.W_xh": la.W_xh, f"layers.{i}.W_hh": la.W_hh, f"layers.{i}.b_h": la.b_h}
    return d | {"W_hy": w.W_hy, "b_y": w.b_y}


def fit(name: str, t: torch.Tensor, shape: tuple) -> torch.Tensor:
    """`t` as `shape`: it must have that shape, or be a single number when the shape holds one."""
    if tuple(t.shape) == tuple(shape):
        return t
    if t.numel() == 1 and torch.Size(shape).numel() == 1:
        return t.reshape(shape)
    raise ValueError(f"{name} must have shape {list(shape)}, got {list(t.shape)}")


def check(w: RNNWeights) -> None:
    """ValueError naming the first parameter whose shape does not fit the others."""
    expected = shapes(w.input_size, w.hidden_size, w.output_size, w.num_layers)
    for name, t in to_dict(w).items():
        fit(name, t, expected[name])


def torch_rnn(w: RNNWeights) -> nn.RNN:
    """torch.nn.RNN (tanh, sequence first) holding the same weights: b_ih = b_h, b_hh = 0."""
    rnn = nn.RNN(w.input_size, w.hidden_size, num_layers=w.num_layers, dtype=w.W_hy.dtype)
    with torch.no_grad():
        for i, la in enumerate(w.layers):
            getattr(rnn, f"weight_ih_l{i}").copy_(la.W_xh)
            getattr(rnn, f"weight_hh_l{i}").copy_(la.W_hh)
            getattr(rnn, f"bias_ih_l{i}").copy_(la.b_h)
            getattr(rnn, f"bias_hh_l{i}").zero_()
    return rnn
