"""§4.3 update modes: one sample at a time vs mini-batches. The training itself runs as a job
(POST /api/jobs with kind "batching"); this endpoint shows what one batch looks like."""

from fastapi import APIRouter

from app.bodies import BodyRoute
from app.errors import field_error
from app.schemas.batching import LayoutRequest, LayoutResponse
from app.tensors import encode_tensor
from engine.rnn.batching import epoch_batches, sine_task, time_first, updates_per_epoch

router = APIRouter(prefix="/api/rnn", tags=["batching"], route_class=BodyRoute)


@router.post("/batching/layout", response_model=LayoutResponse)
def batch_layout(req: LayoutRequest) -> LayoutResponse:
    """The waves of one batch of the first epoch as the (T, B, 1) tensor torch.nn.RNN reads
    (batch_first=False), which samples it holds, and the updates per epoch of both modes.

    Limits: N ≤ 1024, T ≤ 60, B ≤ 256."""
    n, b = req.samples, req.batch_size
    batches = epoch_batches(n, b, req.seed)
    if req.batch >= len(batches):
        raise field_error(
            "batch", f"must be below ceil(N / B) = {len(batches)} (batches per epoch), got {req.batch}"
        )
    task = sine_task(n, req.seq_len, req.seed)
    idx = batches[req.batch]
    return LayoutResponse(
        samples=n,
        seq_len=req.seq_len,
        batch_size=b,
        seed=req.seed,
        batch=req.batch,
        batches=len(batches),
        last_batch_size=len(batches[-1]),
        updates_per_epoch={"one": updates_per_epoch(n, 1), "mini": updates_per_epoch(n, b)},
        indices=idx.tolist(),
        x=encode_tensor(time_first(task.x[idx]), req.encoding),  # (T, b, 1)
        y=task.y[idx, 0].tolist(),
    )
