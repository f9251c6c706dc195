"""§1.3 pooling, padding and stride: pool an image's maps; the output size of conv and pool."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from app.bodies import BodyRoute
from app.deps import ImageStoreDep
from app.errors import IMAGE_NOT_FOUND, field_error
from app.inputs import resolve_input
from app.schemas.pool import TRACE_MAX_SIDE, OutputSizeResponse, PoolRequest, PoolResponse, PoolTrace
from app.tensors import encode_tensor
from engine.cnn import pool as engine
from engine.cnn import shape

router = APIRouter(prefix="/api/cnn", tags=["pooling"], route_class=BodyRoute)


@router.post("/pool", response_model=PoolResponse, responses=IMAGE_NOT_FOUND)
def pool(req: PoolRequest, store: ImageStoreDep) -> PoolResponse:
    """Max or average pooling of the image's channels (or of its feature maps under the named
    kernels), with the window behind each output cell for inputs up to 32×32."""
    x = resolve_input(req, store)  # (C, H, W)
    k, s, p = req.kernel_size, req.stride or req.kernel_size, req.padding
    if 2 * p > k:
        raise field_error(
            "padding", f"must be ≤ kernel_size // 2 = {k // 2} for pooling (torch's rule), got {p}"
        )
    side = min(x.shape[1:]) + 2 * p
    if k > side:
        raise field_error("kernel_size", f"must be ≤ the padded input's side {side}, got {k}")
    maps, w = engine.feature_maps(x, list(req.kernels)) if req.kernels else (x, None)  # (B, H, W)
    y = engine.pool2d(maps, req.kind, k, s, p)  # (C, H', W')
    trace = None
    if max(maps.shape[1:]) <= TRACE_MAX_SIDE:
        tr = engine.trace_pool(maps, req.kind, k, s, p)
        argmax = None if tr.argmax is None else encode_tensor(tr.argmax.float(), "list")
        trace = PoolTrace(rows=tr.rows, cols=tr.cols, argmax=argmax, divisor=tr.divisor)
    return PoolResponse(
        output=encode_tensor(y, req.encoding),
        input=encode_tensor(maps, req.encoding),
        weight=None if w is None else encode_tensor(w, "list"),
        kind=req.kind,
        kernel_size=k,
        stride=s,
        padding=p,
        kernels=list(req.kernels),
        color=req.color,
        input_shape=list(maps.shape),
        output_shape=list(y.shape),
        trace=trace,
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
    op: Annotated[Literal["conv", "pool"], Query(description="conv2d or max_pool2d")] = "conv",
) -> OutputSizeResponse:
    """The output side ⌊(A + 2p − d·(a − 1) − 1)/s⌋ + 1 that torch gives, where every window
    lands, and whether the course's shortcut A − 2·(a//2) gives the same number."""
    if op == "pool" and 2 * padding > kernel:
        raise field_error(
            "padding",
            f"must be ≤ kernel // 2 = {kernel // 2} for pooling (torch's rule), got {padding}",
            where="query",
        )
    span, padded = shape.effective_kernel(kernel, dilation), size + 2 * padding
    if span > padded:
        raise field_error(
            "kernel",
            f"the kernel spans d·(a − 1) + 1 = {span} cells, more than the "
            f"padded input's A + 2p = {padded}; must be ≤ {padded}",
            where="query",
        )
    win = shape.windows(size, kernel, padding, stride, dilation)
    top = size + 2 * padding - dilation * (kernel - 1) - 1
    formula = (
        f"⌊({size} + 2·{padding} − {dilation}·({kernel} − 1) − 1) / {stride}⌋ + 1 "
        f"= ⌊{top} / {stride}⌋ + 1 = {win.output_size}"
    )
    seed = shape.seed_rule(size, kernel)
    return OutputSizeResponse(
        op=op,
        size=size,
        kernel=kernel,
        padding=padding,
        stride=stride,
        dilation=dilation,
        output_size=win.output_size,
        formula=formula,
        seed_rule=seed,
        seed_rule_agrees=seed == win.output_size,
        seed_rule_holds=shape.seed_rule_holds(kernel, padding, stride, dilation),
        effective_kernel=win.span,
        padded_size=win.padded_size,
        starts=win.starts,
        coverage=win.coverage,
        unused=win.unused,
    )
