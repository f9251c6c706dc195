"""§2.3 vanishing gradients and ResNet: gradient norms layer by layer, plain vs residual."""

import math

from fastapi import APIRouter

from app.bodies import BodyRoute
from app.schemas.depth import GradientNormsRequest, GradientNormsResponse
from engine.cnn.depth import StackConfig, digit_gradient_norms

router = APIRouter(prefix="/api/cnn", tags=["vanishing gradients"], route_class=BodyRoute)


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None


@router.post("/gradient-norms", response_model=GradientNormsResponse)
def gradient_norms_by_layer(req: GradientNormsRequest) -> GradientNormsResponse:
    """The norm of ∂L/∂W and ∂L/∂h for every layer after one backward pass on a batch of digits."""
    cfg = StackConfig(
        depth=req.depth,
        residual=req.residual,
        activation=req.activation,
        init=req.init,
        batch_norm=req.batch_norm,
        width=req.width,
    )
    g, labels = digit_gradient_norms(cfg, req.batch, req.seed)
    return GradientNormsResponse(
        settings=req,
        layers=list(range(1, req.depth + 1)),
        weight_norms=[_finite(v) for v in g.weight],
        output_norms=[_finite(v) for v in g.output],
        stem_norm=_finite(g.stem),
        head_norm=_finite(g.head),
        first_over_last=_finite(g.first_over_last),
        loss=_finite(g.loss),
        labels=labels.tolist(),
    )
