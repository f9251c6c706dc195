"""§4.3 update modes: one sample at a time vs mini-batches. The training itself runs as a job
(POST /api/jobs with kind "batching"); this endpoint shows what one batch looks like."""

from fastapi import APIRouter

from app.bodies import BodyRoute
from app.schemas.batching import LayoutRequest, LayoutResponse
from app.tensors import encode_tensor
from engine.rnn.batching import batch_layout, updates_per_epoch

router = APIRouter(prefix="/api/rnn", tags=["batching"], route_class=BodyRoute)


@router.post("/batching/layout", response_model=LayoutResponse)
def layout(req: LayoutRequest) -> LayoutResponse:
    """The waves of one batch of the first epoch as the (T, B, 1) tensor torch.nn.RNN reads
    (batch_first=False), which samples it holds, and the updates per epoch of both modes.

    Limits: N ≤ 1024, T ≤ 60, B ≤ 256."""
    n, b = req.samples, req.batch_size
    lay = batch_layout(n, req.seq_len, b, req.seed, req.batch)
    return LayoutResponse(
        samples=n,
        seq_len=req.seq_len,
        batch_size=b,
        seed=req.seed,
        batch=req.batch,
        batches=lay.batches,
        last_batch_size=lay.last_batch_size,
        updates_per_epoch={"one": updates_per_epoch(n, 1), "mini": updates_per_epoch(n, b)},
        indices=lay.indices,
        x=encode_tensor(lay.x, req.encoding),  # (T, b, 1)
        y=lay.y.tolist(),
    )
