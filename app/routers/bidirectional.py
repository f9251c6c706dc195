"""§5.1–5.2 classification and bidirectional RNNs: forward and backward states, [h^f_T; h^b_1],
a linear layer, softmax and cross-entropy, checked against torch.nn.RNN(bidirectional=True)."""

from fastapi import APIRouter

from app.bodies import BodyRoute
from app.rnn_inputs import bi_weights_out, resolve_bidirectional
from app.schemas.bidirectional import BidirectionalRequest, BidirectionalResponse
from app.tensors import encode_tensor
from engine.rnn import bidirectional as bi

router = APIRouter(prefix="/api/rnn", tags=["bidirectional"], route_class=BodyRoute)


@router.post("/bidirectional", response_model=BidirectionalResponse)
def bidirectional(req: BidirectionalRequest) -> BidirectionalResponse:
    """Run the forward cell left to right and the backward cell right to left over the sequence,
    join their final states into [h^f_T; h^b_1], and classify it: logits, softmax, and the
    cross-entropy −log p_target. Every step's state of both directions is returned with the weights
    used, beside torch.nn.RNN(bidirectional=True)'s output and h_n for the same weights.

    Limits: T ≤ 200, input_size ≤ 64 (alphabet ≤ 64), hidden_size ≤ 256, classes 2–32."""
    x, w = resolve_bidirectional(req)
    tr, check = bi.forward_beside_torch(x, w, req.target)
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
        weights=bi_weights_out(w, e),
        h_forward=encode_tensor(tr.hf, e),
        h_backward=encode_tensor(tr.hb, e),
        hidden=encode_tensor(tr.hidden, e),
        logits=tr.logits.tolist(),
        probabilities=tr.probs.tolist(),
        loss=tr.loss.item(),
        torch={
            "output": encode_tensor(check.output, e),
            "h_n": encode_tensor(check.h_n, e),
            "loss": check.loss.item(),
        },
        max_difference=check.max_difference,
    )
