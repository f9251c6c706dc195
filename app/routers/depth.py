"""§2.3 vanishing gradients and ResNet: gradient norms layer by layer, plain vs residual."""

import math

from fastapi import APIRouter

from app.bodies import BodyRoute
from app.errors import field_error
from app.schemas.depth import GradientNormsRequest, GradientNormsResponse
from engine.cnn.depth import StackConfig, build, digit_batch, gradient_norms

router = APIRouter(prefix="/api/cnn", tags=["vanishing gradients"], route_class=BodyRoute)


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None


@router.post("/gradient-norms", response_model=GradientNormsResponse)
def gradient_norms_by_layer(req: GradientNormsRequest) -> GradientNormsResponse:
    """The norm of ∂L/∂W and ∂L/∂h for every layer after one backward pass on a batch of digits."""
    if req.batch_norm and req.batch < 2:
        raise field_error("batch", f"must be at least 2 with batch_norm (1–256 without), got {req.batch}")
    cfg = StackConfig(
        depth=req.depth,
        residual=req.residual,
        activation=req.activation,
        init=req.init,
        batch_norm=req.batch_norm,
        width=req.width,
    )
    x, y = digit_batch(req.batch, req.seed)  # (B, 1, 28, 28), (B,)
    g = gradient_norms(build(cfg, req.seed), x, y)
    ratio = g.weight[0] / g.weight[-1] if g.weight[-1] else math.nan
    return GradientNormsResponse(
        settings=req,
        layers=list(range(1, req.depth + 1)),
        weight_norms=[_finite(v) for v in g.weight],
        output_norms=[_finite(v) for v in g.output],
        stem_norm=_finite(g.stem),
        head_norm=_finite(g.head),
        first_over_last=_finite(ratio),
        loss=_finite(g.loss),
        labels=y.tolist(),
    )
