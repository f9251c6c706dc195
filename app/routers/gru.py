"""§5.3 GRU: gradient flow through a plain RNN and a GRU, and the gates of a GRU step by step."""

from fastapi import APIRouter

from app.bodies import BodyRoute
from app.errors import field_error
from app.rnn_inputs import f64, sequence_of
from app.schemas.gru import (
    GatesRequest,
    GatesResponse,
    GradientFlowRequest,
    GradientFlowResponse,
    LanguageOut,
)
from app.schemas.rnn import MAX_HIDDEN
from app.tensors import encode_tensor
from engine.data.names import ALPHABET
from engine.models.names import name_gates, shipped_model
from engine.rnn.gradient_flow import SWEEP, flow_report, setup
from engine.rnn.gru import layer_gates, one_layer

router = APIRouter(prefix="/api/rnn", tags=["gru"], route_class=BodyRoute)


@router.post("/gradient-flow", response_model=GradientFlowResponse)
def gradient_flow(req: GradientFlowRequest) -> GradientFlowResponse:
    """‖∂L/∂h_t‖ for t = 0 … T (L = uᵀ·h_T, so ‖∂L/∂h_T‖ = 1) for a tanh RNN, a linear RNN and a
    GRU sharing one W_hh of spectral radius λ, read from autograd in float64; the λ^(T−t) line;
    and, with sweep, ‖∂L/∂h_0‖ against λ. Limits: T ≤ 200, hidden_size ≤ 256."""
    s = setup(
        req.hidden_size,
        req.steps,
        req.seed,
        input_scale=req.input_scale,
        update_bias=req.update_bias,
        W_hh=None if req.W_hh is None else f64(req.W_hh),
    )
    r = flow_report(s, req.spectral_radius, list(req.cells), req.sweep)
    sweep = None
    if r.sweep_norms is not None:
        sweep = {"radii": SWEEP, "norms": r.sweep_norms, "reference": r.sweep_reference}
    return GradientFlowResponse(
        spectral_radius=req.spectral_radius,
        measured_radius=r.measured_radius,
        steps=req.steps,
        hidden_size=req.hidden_size,
        input_size=s.x.shape[1],
        seed=req.seed,
        input_scale=req.input_scale,
        update_bias=req.update_bias,
        t=list(range(req.steps + 1)),
        norms=r.norms,
        reference=r.reference,
        z_mean=r.z_mean,
        sweep=sweep,
        W_hh=encode_tensor(r.W_hh, req.encoding) if req.include_weights else None,
    )


@router.post("/gru", response_model=GatesResponse)
def gru_gates(req: GatesRequest) -> GatesResponse:
    """The reset gate r_t, update gate z_t, candidate n_t and state h_t of every step, layer and
    direction (torch.nn.GRU's equations, computed step by step), for a name read by the trained
    name → language model (with its prediction) or for a sequence and one layer's explicit weights.
    Limits: name ≤ 30 characters; sequence T ≤ 200, I ≤ 64; H ≤ 256."""
    e = req.encoding
    name = tokens = codes = alphabet = prediction = None
    if req.name is not None:
        try:
            model = shipped_model()
        except ValueError:
            raise field_error("name", "names_no_weights", 503) from None
        g = name_gates(model, req.name)
        x, tr, name, tokens, codes, alphabet = g.x, g.trace, g.name, list(g.name), g.codes, ALPHABET
        prediction = [LanguageOut(language=lang, probability=p) for lang, p in g.prediction]
    else:
        x = sequence_of(req.sequence)  # type: ignore[arg-type]
        w = one_layer(
            x, f64(req.weight_ih), f64(req.weight_hh), f64(req.bias_ih), f64(req.bias_hh), MAX_HIDDEN
        )  # type: ignore[arg-type]
        tr = layer_gates(x, w)
    L, D, _, _, H = tr.z.shape
    gates = {k: encode_tensor(getattr(tr, k)[:, :, 0], e) for k in ("r", "z", "n", "h")}  # (L, D, T, H)
    return GatesResponse(
        source="trained" if req.name is not None else "explicit",
        name=name,
        tokens=tokens,
        codes=codes,
        alphabet=alphabet,
        input_size=x.shape[1],
        hidden_size=H,
        num_layers=L,
        directions=D,
        x=encode_tensor(x, e),
        **gates,
        output=encode_tensor(tr.output[0], e),
        prediction=prediction,
    )
