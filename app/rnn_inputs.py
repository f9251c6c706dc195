"""Turn a request's sequence and weights into the tensors the RNN engine takes (and back).

Shared by the RNN routers, as app/inputs.py is by the CNN ones."""

from collections.abc import Callable

import torch

from app.errors import field_error
from app.schemas.bidirectional import BidirectionalRequest
from app.schemas.common import TensorIn
from app.schemas.rnn import RNNSpec, WordOrSequence
from app.tensors import encode_tensor
from engine.rnn import bidirectional as bi
from engine.rnn.cell import Trace, one_hot
from engine.rnn.weights import Layer, RNNWeights, fit, from_dict, seeded_rnn_weights, shapes, to_dict

# what each dimension of a weight means, for error messages
MEANING = {
    "W_xh": "(hidden_size, input_size)",
    "W_hh": "(hidden_size, hidden_size)",
    "b_h": "(hidden_size,)",
    "W_hy": "(output_size, hidden_size)",
    "b_y": "(output_size,)",
    "W_out": "(classes, 2·hidden_size)",
    "b_out": "(classes,)",
}


def f64(t: TensorIn) -> torch.Tensor:
    """A client tensor in float64, so that typed numbers such as 0.1 stay exactly what was typed."""
    return torch.tensor(t.data, dtype=torch.float64)


def sequence_of(t: TensorIn) -> torch.Tensor:
    """A client sequence as x (T, I) in float64: (T,) numbers become (T, 1)."""
    x = f64(t)
    return x[:, None] if x.ndim == 1 else x


def sequence_input(req: WordOrSequence) -> torch.Tensor:
    """The request's word (one-hot over its alphabet) or numbers as x (T, I)."""
    return one_hot(req.word, req.alphabet) if req.word is not None else sequence_of(req.sequence)  # type: ignore[arg-type]


def put_given(
    weights: dict[str, torch.Tensor],
    given: dict[str, TensorIn | None],
    expected: dict[str, tuple[int, ...]],
    sizes: str,
    meaning: Callable[[str], str],
    field: Callable[[str], str] = str,
) -> None:
    """Put each weight the client gave over the seeded one, or raise a 422 naming its request field
    (`field(name)`) with the shape it must have, what the shape means and the sizes in use."""
    for name, t in given.items():
        if t is None:
            continue
        try:
            weights[name] = fit(name, f64(t), expected[name])
        except ValueError:
            raise field_error(
                field(name),
                "weight_shape",
                want=list(expected[name]),
                meaning=meaning(name),
                sizes=sizes,
                shape=list(t.to_torch().shape),
            ) from None


def _meaning(name: str) -> str:
    return "(hidden_size, hidden_size)" if name.startswith("layers.") else MEANING[name.split(".")[-1]]


def _api_name(name: str) -> str:
    """Engine name → request field: "layers.1.W_xh" (layer 2) is upper_layers.0.W_xh."""
    if not name.startswith("layers."):
        return name
    _, layer, weight = name.split(".")
    return f"upper_layers.{int(layer) - 1}.{weight}"


def resolve(req: RNNSpec) -> tuple[torch.Tensor, RNNWeights, torch.Tensor | None]:
    """The input x (T, I), the weights (given ones over seeded ones) and h0 (L, H), or a 422 naming
    the field that does not fit."""
    x = sequence_input(req)  # (T, I)
    n_in, hidden, layers = x.shape[1], req.hidden_size, req.num_layers
    if len(req.upper_layers) > layers - 1:
        raise field_error(
            "upper_layers", "upper_layers", n=len(req.upper_layers), layers=layers, room=layers - 1
        )
    w_hy = req.W_hy.to_torch() if req.W_hy is not None else None
    n_out = w_hy.shape[0] if w_hy is not None and w_hy.ndim == 2 else req.output_size
    given = {"W_xh": req.W_xh, "W_hh": req.W_hh, "b_h": req.b_h, "W_hy": req.W_hy, "b_y": req.b_y}
    for i, la in enumerate(req.upper_layers, start=1):
        given |= {f"layers.{i}.W_xh": la.W_xh, f"layers.{i}.W_hh": la.W_hh, f"layers.{i}.b_h": la.b_h}
    weights = to_dict(seeded_rnn_weights(n_in, hidden, n_out, layers, req.seed))
    sizes = f"input_size {n_in}, hidden_size {hidden}, output_size {n_out}"
    put_given(weights, given, shapes(n_in, hidden, n_out, layers), sizes, meaning=_meaning, field=_api_name)
    h0 = None
    if req.h0 is not None:
        try:
            h0 = fit("h0", f64(req.h0), (layers, hidden))
        except ValueError:
            raise field_error(
                "h0", "h0_shape", want=[layers, hidden], shape=list(req.h0.to_torch().shape)
            ) from None
    return x, from_dict(weights), h0


def weights_out(w: RNNWeights, encoding: str) -> dict:
    """RNNWeights in the request's own names."""
    first = w.layers[0]
    return {
        "W_xh": encode_tensor(first.W_xh, encoding),
        "W_hh": encode_tensor(first.W_hh, encoding),
        "b_h": encode_tensor(first.b_h, encoding),
        "W_hy": encode_tensor(w.W_hy, encoding),
        "b_y": encode_tensor(w.b_y, encoding),
        "upper_layers": [
            {k: encode_tensor(getattr(la, k), encoding) for k in ("W_xh", "W_hh", "b_h")}
            for la in w.layers[1:]
        ],
    }


def unrolled(req: RNNSpec, w: RNNWeights, tr: Trace) -> dict:
    """The fields every RNN response shares: sizes, input, weights and every step's values."""
    e = req.encoding
    return {
        "steps": tr.steps,
        "input_size": w.input_size,
        "hidden_size": w.hidden_size,
        "output_size": w.output_size,
        "num_layers": w.num_layers,
        "seed": req.seed,
        "tokens": list(req.word) if req.word is not None else None,
        "alphabet": req.alphabet if req.word is not None else None,
        "x": encode_tensor(tr.x, e),
        "h0": encode_tensor(tr.h0, e),
        "weights": weights_out(w, e),
        "xw": encode_tensor(tr.xw, e),
        "hw": encode_tensor(tr.hw, e),
        "a": encode_tensor(tr.a, e),
        "h": encode_tensor(tr.h, e),
    }


def resolve_bidirectional(req: BidirectionalRequest) -> tuple[torch.Tensor, bi.BiWeights]:
    """The input x (T, I) and the weights (given ones over seeded ones), or a 422 naming the field."""
    x = sequence_input(req)  # (T, I)
    n_in, hidden, k = x.shape[1], req.hidden_size, req.classes
    weights = bi.seeded_bi_weights(n_in, hidden, k, req.seed)
    given = {"W_out": req.W_out, "b_out": req.b_out}
    for p in ("forward", "backward"):
        d = getattr(req, p)
        given |= {f"{p}.W_xh": d.W_xh, f"{p}.W_hh": d.W_hh, f"{p}.b_h": d.b_h}
    sizes = f"input_size {n_in}, hidden_size {hidden}, classes {k}"
    put_given(
        weights,
        given,
        bi.shapes(n_in, hidden, k),
        sizes,
        meaning=_meaning,
    )
    return x, bi.from_dict(weights)


def bi_weights_out(w: bi.BiWeights, encoding: str) -> dict:
    """BiWeights in the request's own names."""

    def direction(la: Layer) -> dict:
        return {k: encode_tensor(getattr(la, k), encoding) for k in ("W_xh", "W_hh", "b_h")}

    return {
        "forward": direction(w.forward),
        "backward": direction(w.backward),
        "W_out": encode_tensor(w.W_out, encoding),
        "b_out": encode_tensor(w.b_out, encoding),
    }
