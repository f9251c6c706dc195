"""§1.2 the convolution layer: B kernel groups × (C channels × one convolution)."""

import math

from fastapi import APIRouter, Response

from app.bodies import BodyRoute
from app.deps import ImageStoreDep
from app.errors import IMAGE_NOT_FOUND, field_error, request_fields
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
from engine.cnn.channels import patch
from engine.cnn.conv import ConvSettings, check_group, conv_layer, layer, multiplications
from engine.cnn.kernels import KERNEL_NAMES, kernel
from engine.cnn.trace import patch_corner, trace_conv, trace_conv_patch

router = APIRouter(prefix="/api/cnn", tags=["convolution"], route_class=BodyRoute)

MAX_MULTIPLICATIONS = 1_000_000_000
MAX_OUTPUT = 1 << 23
MAX_TRACE_PRODUCTS = 20_000


def _settings(req: ConvLayer) -> ConvSettings:
    return ConvSettings(req.stride, req.padding, req.dilation)


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
    field = "kernels" if req.kernels is not None else "weight"
    with request_fields(weight=field, kernel=field, group="partials_group"):
        la = layer(x, req.kernels or req.weight.to_torch(), req.bias, _settings(req))  # type: ignore[union-attr]
        mults, out_shape = la.multiplications(tuple(x.shape)), la.output_shape(tuple(x.shape))
        if mults > MAX_MULTIPLICATIONS:
            raise field_error(field, "conv_multiplications", n=mults, most=MAX_MULTIPLICATIONS)
        if math.prod(out_shape) > MAX_OUTPUT:
            raise field_error(field, "conv_output", shape=list(out_shape), most=MAX_OUTPUT)
        maps = conv_layer(x, la, req.partials_group)
    w, y, parts, s = la.weight, maps.output, maps.partials, la.settings
    body = ConvResponse(
        input_shape=list(x.shape),
        weight_shape=list(w.shape),
        output_shape=list(y.shape),
        kernels=req.kernels,
        weight=encode_tensor(w, req.encoding),
        bias=la.bias.tolist(),
        stride=s.stride,
        padding=s.padding,
        dilation=s.dilation,
        multiplications=mults,
        output=encode_tensor(y, req.encoding),
        partials_group=req.partials_group,
        partials=None if parts is None else encode_tensor(parts, req.encoding),
    )
    # pydantic writes the megabytes of base64 ~5× faster than FastAPI's generic JSON encoder
    return Response(body.model_dump_json(), media_type="application/json")


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
        top, left = patch_corner(x.shape[1], x.shape[2], req.top, req.left, req.size, req.stride)
        xin = patch(x, top, left, req.size)  # (C, size, size), less in a tiny image
    else:
        xin = x  # the traced input: the patch, or the whole typed matrix
    field = "kernels" if req.kernels is not None else "weight"
    with request_fields(weight=field, kernel=field):
        la = layer(xin, req.kernels or req.weight.to_torch(), req.bias, _settings(req))  # type: ignore[union-attr]
        check_group(la.weight, req.group)
        c, _, a, _ = la.weight.shape
        products = multiplications(tuple(xin.shape), (1, c, a, a), la.settings)  # H'·W'·C·a²
        if products > MAX_TRACE_PRODUCTS:
            raise field_error("input", "trace_products", n=products, most=MAX_TRACE_PRODUCTS)
        if top is None:
            tr = trace_conv(x, la.weight, la.bias, req.group, la.settings)
        else:
            tr = trace_conv_patch(x, la.weight, la.bias, req.group, la.settings, top, left, req.size)
    wt, s = la.weight, la.settings
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
