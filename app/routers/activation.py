"""§1.4 activation: feature maps before and after a nonlinearity; the gradient through a stack of them."""

from dataclasses import asdict

from fastapi import APIRouter

from app.bodies import BodyRoute
from app.deps import ImageStoreDep
from app.errors import IMAGE_NOT_FOUND, request_fields
from app.inputs import resolve_input
from app.schemas.activation import (
    ActivationRequest,
    ActivationResponse,
    ChainOut,
    CurveOut,
    DepthRequest,
    DepthResponse,
    HistogramOut,
    UnderflowOut,
)
from app.tensors import encode_tensor
from engine.cnn.activation import (
    SATURATION,
    Curve,
    Histogram,
    apply,
    chains,
    curve,
    kernel_stack,
    sigmoid_underflow,
)

router = APIRouter(prefix="/api/cnn", tags=["activation"], route_class=BodyRoute)


def _hist(h: Histogram) -> HistogramOut:
    return HistogramOut(edges=h.edges.tolist(), counts=h.counts.tolist())


def _curve(c: Curve) -> CurveOut:
    return CurveOut(x=c.x.tolist(), y=c.y.tolist(), dydx=c.dydx.tolist())


@router.post("/activation", response_model=ActivationResponse, responses=IMAGE_NOT_FOUND)
def activation(req: ActivationRequest, store: ImageStoreDep) -> ActivationResponse:
    """Feature maps (the input convolved with named kernels) before and after the activation, their
    histograms, the share of zeros (and of saturated outputs), and f, f' over a grid."""
    x = resolve_input(req, store)  # (C, H, W)
    scale = 1 / 255 if req.image_id is not None and req.normalize else 1.0
    with request_fields(x="input" if req.input is not None else "image_id"):
        res = apply(x, req.function, list(req.kernels), req.bins, req.negative_slope, scale)
    return ActivationResponse(
        function=req.function,
        negative_slope=req.negative_slope,
        kernels=req.kernels,
        weights=kernel_stack(req.kernels).tolist() if req.kernels else [],
        normalize=req.normalize,
        input_shape=list(x.shape),
        before=encode_tensor(res.before, req.encoding),
        after=encode_tensor(res.after, req.encoding),
        hist_before=_hist(res.hist_before),
        hist_after=_hist(res.hist_after),
        negative_share=res.negative_share,
        zero_share_before=res.zero_share_before,
        zero_share=res.zero_share,
        saturated_share=res.saturated_share,
        saturation_threshold=SATURATION,
        sigmoid_underflow=UnderflowOut(**asdict(sigmoid_underflow())) if req.function == "sigmoid" else None,
        curve=_curve(curve(req.function, req.x_max, req.points, req.negative_slope)),
    )


@router.post("/activation/depth", response_model=DepthResponse)
def activation_depth(req: DepthRequest) -> DepthResponse:
    """For each function: f and f' over a grid, its largest slope, and the gradient d hₙ/dx through
    n = 1 … depth stacked copies hₙ = f(hₙ₋₁), h₀ = x0, found by autograd through the real chain."""
    out = [
        ChainOut(
            function=c.name, max_slope=c.max_slope, gradient=c.gradient, bound=c.bound, curve=_curve(c.curve)
        )
        for c in chains(list(req.functions), req.depth, req.x0, req.negative_slope, req.x_max, req.points)
    ]
    return DepthResponse(depth=req.depth, x0=req.x0, negative_slope=req.negative_slope, chains=out)
