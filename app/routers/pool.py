"""§1.3 pooling, padding and stride: pool an image's maps; the output size of conv and pool."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from app.bodies import BodyRoute
from app.deps import ImageStoreDep
from app.errors import IMAGE_NOT_FOUND, request_fields
from app.inputs import resolve_input
from app.schemas.pool import TRACE_MAX_SIDE, OutputSizeResponse, PoolRequest, PoolResponse, PoolTrace
from app.tensors import encode_tensor
from engine.cnn import pool as engine
from engine.cnn import shape
from engine.cnn.shape import OPS

router = APIRouter(prefix="/api/cnn", tags=["pooling"], route_class=BodyRoute)


@router.post("/pool", response_model=PoolResponse, responses=IMAGE_NOT_FOUND)
def pool(req: PoolRequest, store: ImageStoreDep) -> PoolResponse:
    """Max or average pooling of the image's channels (or of its feature maps under the named
    kernels), with the window behind each output cell for inputs up to 32×32."""
    x = resolve_input(req, store)  # (C, H, W)
    with request_fields(kernel="kernel_size"):
        res = engine.pool_maps(
            x, req.kind, req.kernel_size, req.stride, req.padding, list(req.kernels), TRACE_MAX_SIDE
        )
    tr = res.trace
    return PoolResponse(
        output=encode_tensor(res.output, req.encoding),
        input=encode_tensor(res.maps, req.encoding),
        weight=None if res.weight is None else encode_tensor(res.weight, "list"),
        kind=req.kind,
        kernel_size=req.kernel_size,
        stride=res.stride,
        padding=req.padding,
        kernels=list(req.kernels),
        color=req.color,
        input_shape=list(res.maps.shape),
        output_shape=list(res.output.shape),
        trace=None
        if tr is None
        else PoolTrace(
            rows=tr.rows,
            cols=tr.cols,
            argmax=None if tr.argmax is None else encode_tensor(tr.argmax, "list"),
            divisor=tr.divisor,
        ),
    )


@router.get("/output-size", response_model=OutputSizeResponse)
def output_size(
    size: Annotated[int, Query(ge=1, le=1024, description="input side A, 1–1024")],
    kernel: Annotated[int, Query(ge=1, le=11, description="kernel or window side a, 1–11")],
    padding: Annotated[
        int, Query(ge=0, le=10, description="cells added on each side p, 0–10 (pool: at most kernel // 2)")
    ] = 0,
    stride: Annotated[int, Query(ge=1, le=8, description="step s between windows, 1–8")] = 1,
    dilation: Annotated[
        int, Query(ge=1, le=4, description="spacing d of the kernel's taps, 1–4 (pool: max pooling only)")
    ] = 1,
    op: Annotated[Literal[OPS], Query(description="conv2d or max_pool2d")] = "conv",  # type: ignore[valid-type]
) -> OutputSizeResponse:
    """The output side ⌊(A + 2p − d·(a − 1) − 1)/s⌋ + 1 that torch gives, where every window
    lands, and whether the course's shortcut A − 2·(a//2) gives the same number."""
    out = shape.explain(size, kernel, padding, stride, dilation, op)
    win = out.windows
    return OutputSizeResponse(
        op=op,
        size=size,
        kernel=kernel,
        padding=padding,
        stride=stride,
        dilation=dilation,
        output_size=win.output_size,
        formula=out.formula,
        seed_rule=out.seed_rule,
        seed_rule_agrees=out.seed_rule_agrees,
        seed_rule_holds=out.seed_rule_holds,
        effective_kernel=win.span,
        padded_size=win.padded_size,
        starts=win.starts,
        coverage=win.coverage,
        unused=win.unused,
    )
