"""§5.3 GRU: gradient flow through a plain RNN and a GRU, and the gates of a GRU step by step."""

from functools import lru_cache

import torch
from fastapi import APIRouter

from app.bodies import BodyRoute
from app.errors import field_error
from app.rnn_inputs import f64
from app.schemas.gru import (
    GatesRequest,
    GatesResponse,
    GradientFlowRequest,
    GradientFlowResponse,
    LanguageOut,
)
from app.schemas.rnn import MAX_HIDDEN
from app.tensors import encode_tensor
from engine.data.names import BadName, encode_name, names_split, normalise_name
from engine.models.names import NameClassifier, load_pretrained, predict
from engine.rnn.gradient_flow import flow, reference, scaled, setup, spectral_radius
from engine.rnn.gru import GRUTrace, GRUWeights, gru

router = APIRouter(prefix="/api/rnn", tags=["gru"], route_class=BodyRoute)

SWEEP = [round(0.5 + 0.05 * i, 2) for i in range(21)]  # λ = 0.5, 0.55, …, 1.5


@router.post("/gradient-flow", response_model=GradientFlowResponse)
def gradient_flow(req: GradientFlowRequest) -> GradientFlowResponse:
    """‖∂L/∂h_t‖ for t = 0 … T (L = uᵀ·h_T, so ‖∂L/∂h_T‖ = 1) for a tanh RNN, a linear RNN and a
    GRU sharing one W_hh of spectral radius λ, read from autograd in float64; the λ^(T−t) line;
    and, with sweep, ‖∂L/∂h_0‖ against λ. Limits: T ≤ 200, hidden_size ≤ 256."""
    H = req.hidden_size
    W_given = None
    if req.W_hh is not None:
        W_given = f64(req.W_hh)
        if tuple(W_given.shape) != (H, H):
            raise field_error(
                "W_hh", f"must have shape [{H}, {H}] = (hidden_size, hidden_size), got {list(W_given.shape)}"
            )
    try:
        s = setup(
            H, req.steps, req.seed, input_scale=req.input_scale, update_bias=req.update_bias, W_hh=W_given
        )
    except ValueError as e:
        raise field_error("W_hh", str(e)) from None
    lam = req.spectral_radius
    radii = [lam] + (SWEEP if req.sweep else [])
    flows = {kind: flow(s, radii, kind) for kind in req.cells}
    W_hh = scaled(s.W, lam)
    z = flows["gru"].z_mean if "gru" in flows else None
    sweep = None
    if req.sweep:
        sweep = {
            "radii": SWEEP,
            "norms": {k: f.norms[1:, 0].tolist() for k, f in flows.items()},
            "reference": [r**req.steps for r in SWEEP],
        }
    return GradientFlowResponse(
        spectral_radius=lam,
        measured_radius=spectral_radius(W_hh),
        steps=req.steps,
        hidden_size=H,
        input_size=s.x.shape[1],
        seed=req.seed,
        input_scale=req.input_scale,
        update_bias=req.update_bias,
        t=list(range(req.steps + 1)),
        norms={k: f.norms[0].tolist() for k, f in flows.items()},
        reference=reference(lam, req.steps).tolist(),
        z_mean=None if z is None else z[0].item(),
        sweep=sweep,
        W_hh=encode_tensor(W_hh, req.encoding) if req.include_weights else None,
    )


@lru_cache(maxsize=1)
def _model() -> NameClassifier:
    return load_pretrained()


@lru_cache(maxsize=1)
def _languages() -> list[str]:
    return names_split().languages


def _explicit(req: GatesRequest) -> tuple[torch.Tensor, GRUWeights]:
    """The sequence (T, I) and one layer's weights, or a 422 naming the field that does not fit."""
    x = f64(req.sequence)  # type: ignore[arg-type]
    x = x[:, None] if x.ndim == 1 else x  # (T,) → (T, 1)
    w_hh = f64(req.weight_hh)  # type: ignore[arg-type]
    if w_hh.ndim != 2 or w_hh.shape[0] != 3 * w_hh.shape[1] or not 1 <= w_hh.shape[1] <= MAX_HIDDEN:
        raise field_error(
            "weight_hh", f"must have shape [3H, H] with 1 ≤ H ≤ {MAX_HIDDEN}, got {list(w_hh.shape)}"
        )
    H, In = w_hh.shape[1], x.shape[1]
    want = {"weight_ih": (3 * H, In), "bias_ih": (3 * H,), "bias_hh": (3 * H,)}
    got = {k: f64(getattr(req, k)) for k in want}
    for k, shape in want.items():
        if tuple(got[k].shape) != shape:
            raise field_error(
                k,
                f"must have shape {list(shape)} (hidden_size {H} from weight_hh, "
                f"input_size {In} from sequence), got {list(got[k].shape)}",
            )
    return x, GRUWeights(got["weight_ih"], w_hh, got["bias_ih"], got["bias_hh"])


@router.post("/gru", response_model=GatesResponse)
def gru_gates(req: GatesRequest) -> GatesResponse:
    """The reset gate r_t, update gate z_t, candidate n_t and state h_t of every step, layer and
    direction (torch.nn.GRU's equations, computed step by step), for a name read by the trained
    name → language model (with its prediction) or for a sequence and one layer's explicit weights.
    Limits: name ≤ 40 characters; sequence T ≤ 200, I ≤ 64; H ≤ 256."""
    e = req.encoding
    name = tokens = prediction = None
    if req.name is not None:
        try:
            name = normalise_name(req.name)
        except BadName as err:
            raise field_error("name", str(err)) from None
        try:
            model = _model()
        except ValueError as err:
            raise field_error("name", f"the trained name model is not available: {err}", 503) from None
        with torch.no_grad():
            x = model.embedding(torch.tensor([encode_name(name)]))[0]  # (T, E)
            tr: GRUTrace = gru(x[None], torch.tensor([len(name)]), model.gru_weights())
            _, _, probs = predict(model, name)
        order = probs.argsort(descending=True).tolist()
        prediction = [LanguageOut(language=_languages()[i], probability=probs[i].item()) for i in order]
        tokens = list(name)
    else:
        x, w = _explicit(req)
        with torch.no_grad():
            tr = gru(x[None], torch.tensor([x.shape[0]]), [[w]])
    L, D, _, _, H = tr.z.shape
    gates = {k: encode_tensor(getattr(tr, k)[:, :, 0], e) for k in ("r", "z", "n", "h")}  # (L, D, T, H)
    return GatesResponse(
        source="trained" if req.name is not None else "explicit",
        name=name,
        tokens=tokens,
        input_size=x.shape[1],
        hidden_size=H,
        num_layers=L,
        directions=D,
        x=encode_tensor(x, e),
        **gates,
        output=encode_tensor(tr.output[0], e),
        prediction=prediction,
    )
