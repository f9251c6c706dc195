"""§5.1–5.2 classification and bidirectional RNNs: forward and backward states, [h^f_T; h^b_1],
a linear layer, softmax and cross-entropy, checked against torch.nn.RNN(bidirectional=True)."""

import torch
from fastapi import APIRouter

from app.bodies import BodyRoute
from app.rnn_inputs import put_given, sequence_input
from app.schemas.bidirectional import BidirectionalRequest, BidirectionalResponse
from app.tensors import encode_tensor
from engine.rnn import bidirectional as bi
from engine.rnn.weights import Layer

router = APIRouter(prefix="/api/rnn", tags=["bidirectional"], route_class=BodyRoute)

MEANING = {
    "W_xh": "(hidden_size, input_size)",
    "W_hh": "(hidden_size, hidden_size)",
    "b_h": "(hidden_size,)",
    "W_out": "(classes, 2·hidden_size)",
    "b_out": "(classes,)",
}


def resolve(req: BidirectionalRequest) -> tuple[torch.Tensor, bi.BiWeights]:
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
        weights, given, bi.shapes(n_in, hidden, k), sizes, meaning=lambda name: MEANING[name.split(".")[-1]]
    )
    return x, bi.from_dict(weights)


def weights_out(w: bi.BiWeights, encoding: str) -> dict:
    """BiWeights in the request's own names."""

    def direction(la: Layer) -> dict:
        return {k: encode_tensor(getattr(la, k), encoding) for k in ("W_xh", "W_hh", "b_h")}

    return {
        "forward": direction(w.forward),
        "backward": direction(w.backward),
        "W_out": encode_tensor(w.W_out, encoding),
        "b_out": encode_tensor(w.b_out, encoding),
    }


@router.post("/bidirectional", response_model=BidirectionalResponse)
def bidirectional(req: BidirectionalRequest) -> BidirectionalResponse:
    """Run the forward cell left to right and the backward cell right to left over the sequence,
    join their final states into [h^f_T; h^b_1], and classify it: logits, softmax, and the
    cross-entropy −log p_target. Every step's state of both directions is returned with the weights
    used, beside torch.nn.RNN(bidirectional=True)'s output and h_n for the same weights.

    Limits: T ≤ 200, input_size ≤ 64 (alphabet ≤ 64), hidden_size ≤ 256, classes 2–32."""
    x, w = resolve(req)
    tr = bi.forward(x, w, req.target)
    output, h_n, loss = bi.with_torch(x, w, req.target)
    diff = max(
        (torch.cat([tr.hf, tr.hb], dim=1) - output).abs().max().item(),
        (torch.stack([tr.hf[-1], tr.hb[0]]) - h_n).abs().max().item(),
        abs(tr.loss.item() - loss.item()),
    )
    e = req.encoding
    return BidirectionalResponse(
        steps=x.shape[0],
        input_size=w.input_size,
        hidden_size=w.hidden_size,
        classes=w.classes,
        target=req.target,
        seed=req.seed,
        tokens=list(req.word) if req.word is not None else None,
        alphabet=req.alphabet if req.word is not None else None,
        x=encode_tensor(x, e),
        weights=weights_out(w, e),
        h_forward=encode_tensor(tr.hf, e),
        h_backward=encode_tensor(tr.hb, e),
        hidden=encode_tensor(tr.hidden, e),
        logits=tr.logits.tolist(),
        probabilities=tr.probs.tolist(),
        loss=tr.loss.item(),
        torch={"output": encode_tensor(output, e), "h_n": encode_tensor(h_n, e), "loss": loss.item()},
        max_difference=diff,
    )
