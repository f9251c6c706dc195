"""§1.2 the convolution layer: B kernel groups × (C channels × one convolution)."""

import torch
from fastapi import APIRouter, Response

from app.bodies import BodyRoute
from app.deps import ImageStoreDep
from app.errors import IMAGE_NOT_FOUND, field_error
from app.inputs import resolve_input
from app.schemas.conv import (
    ConvLayer,
    ConvRequest,
    ConvResponse,
    KernelsResponse,
    TraceRequest,
    TraceResponse,
    TraceStep,
)
from app.tensors import encode_tensor
from engine.cnn.conv import ConvSettings, conv, multiplications, output_size, partial_maps
from engine.cnn.kernels import KERNEL_NAMES, kernel, weight
from engine.cnn.trace import trace_conv, trace_conv_patch

router = APIRouter(prefix="/api/cnn", tags=["convolution"], route_class=BodyRoute)

MAX_MULTIPLICATIONS = 1_000_000_000
MAX_OUTPUT = 1 << 23
MAX_TRACE_PRODUCTS = 20_000


def _layer(req: ConvLayer, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, ConvSettings]:
    """The weight (B, C, a, a), bias (B,) and settings for input x (C, H, W), or a 4xx naming the
    field that does not fit."""
    c = x.shape[0]
    field = "kernels" if req.kernels is not None else "weight"
    if req.kernels is not None:
        w = weight(list(req.kernels), c)  # (B, C, 3, 3)
    else:
        w = req.weight.to_torch()  # type: ignore[union-attr]
        if w.shape[1] != c:
            raise field_error(
                "weight",
                f"has C = {w.shape[1]} channels but the input has {c}: the weight must be (B, {c}, a, a)",
            )
    b = w.shape[0]
    if req.bias is not None and len(req.bias) != b:
        raise field_error("bias", f"must hold B = {b} numbers, one per kernel group; got {len(req.bias)}")
    bias = torch.tensor(req.bias, dtype=torch.float32) if req.bias is not None else torch.zeros(b)
    s = ConvSettings(req.stride, req.padding, req.dilation)
    try:
        for n in x.shape[1:]:
            output_size(n, w.shape[2], s)
    except ValueError as e:
        raise field_error(
            field, f"{e}: the kernel span d·(a − 1) + 1 must be ≤ H + 2·padding and ≤ W + 2·padding"
        ) from None
    return w, bias, s


@router.get("/kernels", response_model=KernelsResponse)
def kernels() -> KernelsResponse:
    """The library of named 3×3 kernels that `kernels` accepts."""
    return KernelsResponse(names=list(KERNEL_NAMES), kernels={n: kernel(n).tolist() for n in KERNEL_NAMES})


@router.post("/conv", response_model=ConvResponse, responses=IMAGE_NOT_FOUND)
def convolution(req: ConvRequest, store: ImageStoreDep) -> Response:
    """The layer on a whole image or tensor: B output maps, optionally one group's C partial maps.

    Limits: B ≤ 64, a ≤ 11, stride 1–8, padding 0–10, dilation 1–4, at most 10⁹ multiplications
    and 2²³ output numbers."""
    x = resolve_input(req, store)  # (C, H, W)
    w, bias, s = _layer(req, x)
    field = "kernels" if req.kernels is not None else "weight"
    mults = multiplications(tuple(x.shape), tuple(w.shape), s)
    if mults > MAX_MULTIPLICATIONS:
        raise field_error(
            field,
            f"this layer needs {mults:,} multiplications; at most "
            f"{MAX_MULTIPLICATIONS:,}: use fewer groups, a smaller kernel or "
            "a larger stride",
        )
    shape = [w.shape[0], *(output_size(n, w.shape[2], s) for n in x.shape[1:])]
    if shape[0] * shape[1] * shape[2] > MAX_OUTPUT:
        raise field_error(field, f"the output {shape} holds more than {MAX_OUTPUT:,} numbers")
    if req.partials_group is not None and req.partials_group >= w.shape[0]:
        raise field_error(
            "partials_group", f"must be 0–{w.shape[0] - 1} (B = {w.shape[0]}), got {req.partials_group}"
        )
    y = conv(x, w, bias, s)  # (B, H', W')
    parts = None if req.partials_group is None else partial_maps(x, w, req.partials_group, s)
    res = ConvResponse(
        input_shape=list(x.shape),
        weight_shape=list(w.shape),
        output_shape=list(y.shape),
        kernels=req.kernels,
        weight=encode_tensor(w, req.encoding),
        bias=bias.tolist(),
        stride=s.stride,
        padding=s.padding,
        dilation=s.dilation,
        multiplications=mults,
        output=encode_tensor(y, req.encoding),
        partials_group=req.partials_group,
        partials=None if parts is None else encode_tensor(parts, req.encoding),
    )
    # pydantic writes the megabytes of base64 ~5× faster than FastAPI's generic JSON encoder
    return Response(res.model_dump_json(), media_type="application/json")


@router.post("/conv/trace", response_model=TraceResponse, responses=IMAGE_NOT_FOUND)
def conv_trace(req: TraceRequest, store: ImageStoreDep) -> TraceResponse:
    """One kernel group sliding over a small input (≤ 4 channels, ≤ 16×16, or a patch of an image):
    every step's window, products, their sum, the bias and the output value.

    A typed input is padded with zeros. A patch keeps the image's own pixels as its padding ring
    (zeros only beyond the image's edge), so every step is the whole image's output at
    (first_row + row, first_col + col); its corner is moved inside the image and down to a
    multiple of the stride."""
    x = resolve_input(req, store)  # (C, H, W)
    top = left = None
    if req.image_id is not None:
        top = max(0, min(req.top, x.shape[1] - req.size))  # keep the whole patch inside the image
        left = max(0, min(req.left, x.shape[2] - req.size))
        top, left = top - top % req.stride, left - left % req.stride  # on the image's output grid
        xin = x[:, top : top + req.size, left : left + req.size]  # (C, size, size), less in a tiny image
    else:
        xin = x
    c, h, w = xin.shape  # the traced input: the patch, or the whole typed matrix
    wt, bias, s = _layer(req, xin)
    if req.group >= wt.shape[0]:
        raise field_error("group", f"must be 0–{wt.shape[0] - 1} (B = {wt.shape[0]}), got {req.group}")
    a = wt.shape[2]
    n_steps = output_size(h, a, s) * output_size(w, a, s)
    if n_steps * c * a * a > MAX_TRACE_PRODUCTS:
        raise field_error(
            "input",
            f"the trace would hold {n_steps * c * a * a:,} products; at "
            f"most {MAX_TRACE_PRODUCTS:,}: use a smaller input, kernel or padding",
        )
    if top is None:
        tr = trace_conv(x, wt, bias, req.group, s)
    else:
        tr = trace_conv_patch(x, wt, bias, req.group, s, top, left, req.size)
    steps = [
        TraceStep(
            row=st.row,
            col=st.col,
            top=st.top,
            left=st.left,
            window=st.window.tolist(),
            products=st.products.tolist(),
            channel_sums=st.channel_sums.tolist(),
            sum=st.total,
            bias=st.bias,
            value=st.value,
        )
        for st in tr.steps
    ]
    return TraceResponse(
        input_shape=list(xin.shape),
        top=top,
        left=left,
        first_row=tr.first_row,
        first_col=tr.first_col,
        padded=encode_tensor(tr.padded, "list"),
        weight_shape=list(wt.shape),
        group=req.group,
        kernel=encode_tensor(tr.kernel, "list"),
        bias=tr.bias,
        stride=s.stride,
        padding=s.padding,
        dilation=s.dilation,
        output=encode_tensor(tr.output, "list"),
        steps=steps,
    )
