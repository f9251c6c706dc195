"""§4.1 the RNN forward pass: the cell unrolled over a sequence, one shared set of weights."""

from fastapi import APIRouter

from app.bodies import BodyRoute
from app.rnn_inputs import resolve, unrolled
from app.schemas.rnn_forward import ForwardRequest, ForwardResponse
from app.tensors import encode_tensor
from engine.rnn.cell import forward

router = APIRouter(prefix="/api/rnn", tags=["rnn forward"], route_class=BodyRoute)


@router.post("/forward", response_model=ForwardResponse)
def rnn_forward(req: ForwardRequest) -> ForwardResponse:
    """Unroll h_t = tanh(W_xh·x_t + W_hh·h_{t−1} + b_h), y_t = W_hy·h_t + b_y over the sequence and
    return every step's values with the weights used (the same ones at every step).

    Limits: T ≤ 200, input_size ≤ 64 (alphabet ≤ 64), hidden_size ≤ 256, output_size ≤ 64,
    num_layers ≤ 4."""
    x, w, h0 = resolve(req)
    tr = forward(x, w, h0)
    y = tr.outputs(req.outputs)  # (T, O) or (1, O)
    return ForwardResponse(**unrolled(req, w, tr), outputs=req.outputs, y=encode_tensor(y, req.encoding))
