"""§4.2 backpropagation through time: each shared weight's gradient, one term per time step."""

from fastapi import APIRouter

from app.bodies import BodyRoute
from app.errors import field_error
from app.rnn_inputs import f64, resolve, unrolled, weights_out
from app.schemas.bptt import BPTTRequest, BPTTResponse
from app.tensors import encode_tensor
from engine.rnn.bptt import as_target, bptt_report, term_count

router = APIRouter(prefix="/api/rnn", tags=["bptt"], route_class=BodyRoute)

MAX_TERM_NUMBERS = 1 << 21


@router.post("/bptt", response_model=BPTTResponse)
def rnn_bptt(req: BPTTRequest) -> BPTTResponse:
    """The loss, ∂L/∂h_t at every step, and the gradient of every shared weight split into one term
    per time step (the step-t use of the weight), with their sums beside torch autograd's gradient.

    Limits: as /api/rnn/forward, and the per-step terms (T · H · (I + H + 1) per layer) may hold
    at most 2,097,152 numbers."""
    x, w, h0 = resolve(req)
    n_terms = term_count(w, x.shape[0])
    if n_terms > MAX_TERM_NUMBERS:
        raise field_error("hidden_size", "bptt_terms", n=n_terms, most=MAX_TERM_NUMBERS)
    target = as_target(None if req.target is None else f64(req.target), req.loss, x.shape[0], w.output_size)
    r = bptt_report(x, w, target, req.loss, h0)
    b, e = r.terms, req.encoding
    return BPTTResponse(
        **unrolled(req, w, r.trace),
        y=encode_tensor(r.trace.y, e),
        loss_mode=req.loss,
        target=encode_tensor(target, e),
        loss=b.loss.item(),
        step_losses=b.step_losses.tolist(),
        dy=encode_tensor(b.dy, e),
        dh=encode_tensor(b.dh, e),
        dh_norm=b.dh_norm.tolist(),
        delta=encode_tensor(b.delta, e),
        terms=[{k: encode_tensor(getattr(t, k), e) for k in ("W_xh", "W_hh", "b_h")} for t in b.layers],
        terms_W_hy=encode_tensor(b.W_hy, e),
        terms_b_y=encode_tensor(b.b_y, e),
        sums=weights_out(r.sums, e),
        autograd=weights_out(r.autograd, e),
        autograd_loss=r.autograd_loss,
        max_difference=r.max_difference,
    )
