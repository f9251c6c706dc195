"""§4.2 backpropagation through time: each shared weight's gradient, one term per time step."""

import torch
from fastapi import APIRouter

from app.bodies import BodyRoute
from app.errors import field_error
from app.rnn_inputs import f64, resolve, unrolled, weights_out
from app.schemas.bptt import BPTTRequest, BPTTResponse
from app.tensors import encode_tensor
from engine.rnn.bptt import autograd, bptt
from engine.rnn.cell import forward

router = APIRouter(prefix="/api/rnn", tags=["bptt"], route_class=BodyRoute)

MAX_TERM_NUMBERS = 1 << 21


def _target(req: BPTTRequest, steps: int, n_out: int) -> torch.Tensor:
    """(O,) for loss "last", (T, O) for "every"; a bare (T,) or number is fine when it fits."""
    want = (n_out,) if req.loss == "last" else (steps, n_out)
    if req.target is None:
        return torch.zeros(want, dtype=torch.float64)
    t = f64(req.target)
    if t.numel() == torch.Size(want).numel() and (t.ndim == 0 or (t.ndim == 1 and n_out == 1)):
        return t.reshape(want)
    if tuple(t.shape) != want:
        meaning = "(output_size,)" if req.loss == "last" else "(T, output_size)"
        raise field_error(
            "target", f"must have shape {list(want)} = {meaning} for loss {req.loss!r}, got {list(t.shape)}"
        )
    return t


@router.post("/bptt", response_model=BPTTResponse)
def rnn_bptt(req: BPTTRequest) -> BPTTResponse:
    """The loss, ∂L/∂h_t at every step, and the gradient of every shared weight split into one term
    per time step (the step-t use of the weight), with their sums beside torch autograd's gradient.

    Limits: as /api/rnn/forward, and the per-step terms (T · H · (I + H + 1) per layer) may hold
    at most 2,097,152 numbers."""
    x, w, h0 = resolve(req)
    steps, hidden = x.shape[0], w.hidden_size
    n_terms = steps * (
        sum(hidden * (la.W_xh.shape[1] + hidden + 1) for la in w.layers) + w.output_size * (hidden + 1)
    )
    if n_terms > MAX_TERM_NUMBERS:
        raise field_error(
            "hidden_size",
            f"the per-step terms would hold {n_terms:,} numbers; at most "
            f"{MAX_TERM_NUMBERS:,}: shorten the sequence or lower hidden_size",
        )
    target = _target(req, steps, w.output_size)
    tr = forward(x, w, h0)
    b = bptt(tr, w, target, req.loss)
    loss, grads = autograd(x, w, target, req.loss, h0)
    sums = b.totals()
    diff = max((s - g).abs().max().item() for s, g in zip(sums.tensors(), grads.tensors(), strict=True))
    e = req.encoding
    return BPTTResponse(
        **unrolled(req, w, tr),
        y=encode_tensor(tr.y, e),
        loss_mode=req.loss,
        target=encode_tensor(target, e),
        loss=b.loss.item(),
        step_losses=b.step_losses.tolist(),
        dy=encode_tensor(b.dy, e),
        dh=encode_tensor(b.dh, e),
        dh_norm=b.dh.norm(dim=-1).tolist(),
        delta=encode_tensor(b.delta, e),
        terms=[{k: encode_tensor(getattr(t, k), e) for k in ("W_xh", "W_hh", "b_h")} for t in b.layers],
        terms_W_hy=encode_tensor(b.W_hy, e),
        terms_b_y=encode_tensor(b.b_y, e),
        sums=weights_out(sums, e),
        autograd=weights_out(grads, e),
        autograd_loss=loss.item(),
        max_difference=diff,
    )
