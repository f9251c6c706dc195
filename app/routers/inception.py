"""§2.1 the Inception block: four branches on one input, joined along the channels."""

from functools import lru_cache

import torch
import torch.nn.functional as F
from fastapi import APIRouter, Response

from app.bodies import BodyRoute
from app.deps import ImageStoreDep
from app.errors import IMAGE_NOT_FOUND, field_error
from app.inputs import resolve_input
from app.schemas.inception import (
    BranchOut,
    BranchWidths,
    InceptionRequest,
    InceptionResponse,
    LayerOut,
)
from app.tensors import encode_tensor
from engine.cnn.channels import grayscale
from engine.cnn.cost import block_costs, seed_conv_weights, without_padding
from engine.cnn.inception import BRANCH_NAMES, InceptionBlock
from engine.data.mnist import standardise
from engine.data.preprocess import mnist_style
from engine.models.digits import DigitNet, load_pretrained

router = APIRouter(prefix="/api/cnn", tags=["inception"], route_class=BodyRoute)

MAX_MULTIPLICATIONS = 1_000_000_000
MAX_OUTPUT = 1 << 21
TRAINED_MODEL = "inception"


@lru_cache
def trained_model() -> DigitNet:
    return load_pretrained(TRAINED_MODEL)


def _fit(x: torch.Tensor, max_side: int) -> torch.Tensor:
    """(C, H, W) → (C, H', W'), scaled down by area averaging so that max(H', W') ≤ max_side."""
    h, w = x.shape[1:]
    if max(h, w) <= max_side:
        return x
    scale = max_side / max(h, w)
    size = (max(1, round(h * scale)), max(1, round(w * scale)))
    return F.interpolate(x[None], size=size, mode="area")[0]  # (C, H', W')


def _trained_block(x: torch.Tensor, field: str) -> tuple[torch.Tensor, torch.Tensor, InceptionBlock]:
    """The picture read as a digit: (28, 28) MNIST-style pixels, the block's input (10, 12, 12) =
    the model's conv1 → pool → ReLU, and the model's first Inception block."""
    if x.shape[0] not in (1, 3):
        raise field_error(field, f"a digit must have 1 or 3 channels, got {x.shape[0]}")
    gray = grayscale(x) if x.shape[0] == 3 else x  # (1, H, W)
    try:
        s = mnist_style(gray[0])
    except ValueError as e:
        raise field_error(field, f"{e} (weights=trained reads the picture as a digit)") from None
    try:
        net = trained_model()
    except ValueError:
        raise field_error(
            "weights",
            "the trained Inception digit model is not available on this server "
            "(no shipped weights yet): use weights=seed",
            503,
        ) from None
    with torch.no_grad():
        trace = net.forward_trace(standardise(s.centred[None]))  # {stage: (1, ...)}
    return s.centred, trace["relu1"][0], net.inception1  # type: ignore[return-value]


@router.post("/inception", response_model=InceptionResponse, responses=IMAGE_NOT_FOUND)
def inception(req: InceptionRequest, store: ImageStoreDep) -> Response:
    """Each branch's maps and their concatenation along the channels, with every layer's shape,
    multiplications and parameters. padding=false shows what breaks: the shapes each branch then
    has, and the error torch.cat raises.

    Limits: widths 1–256, inputs scaled to max_side ≤ 128, at most 10⁹ multiplications and 2²¹
    output numbers."""
    field = "input" if req.input is not None else "image_id"
    x = resolve_input(req, store)  # (C, H, W)
    original = list(x.shape)
    digit = None
    if req.weights == "trained":
        if req.widths != BranchWidths():
            raise field_error(
                "widths",
                "the trained block has the course's widths (16; 16, 24; 16, 24; "
                "24): leave widths out, or use weights=seed to change them",
            )
        digit, x, block = _trained_block(x, field)
    else:
        x = _fit(x, req.max_side)
        with torch.device("meta"):
            block = InceptionBlock(x.shape[0], **req.widths.model_dump())
        block = seed_conv_weights(block, req.seed)
    c, h, w = x.shape
    try:
        costs = block_costs(block, c, h, w, padded=req.padding)
    except ValueError as e:
        raise field_error(
            "padding", f"without padding the branches need H, W ≥ 5, the input is {h}×{w} ({e})"
        ) from None
    mults = sum(ly.multiplications for br in costs for ly in br)
    if mults > MAX_MULTIPLICATIONS:
        raise field_error(
            "widths",
            f"this block needs {mults:,} multiplications, at most "
            f"{MAX_MULTIPLICATIONS:,}: use narrower branches or a smaller max_side",
        )
    if block.out_channels * h * w > MAX_OUTPUT:
        raise field_error(
            "widths",
            f"the output ({block.out_channels}, {h}, {w}) would hold more than "
            f"{MAX_OUTPUT:,} numbers: use narrower branches or a smaller max_side",
        )
    run = block if req.padding else without_padding(block)
    with torch.no_grad():
        batched = run.branches(x[None]).as_tuple()  # 4 × (1, C_k, H', W')
        try:  # exactly what the block's forward does, so the error is torch's own
            y, cat_error = torch.cat(batched, dim=1)[0], None  # (Σ C_k, H, W)
        except RuntimeError as e:
            y, cat_error = None, str(e)
    outs = [o[0] for o in batched]  # 4 × (C_k, H', W')
    starts = [0]
    for o in outs:
        starts.append(starts[-1] + o.shape[0])
    branches = [
        BranchOut(
            name=name,
            output_shape=list(o.shape),
            output=encode_tensor(o, req.encoding),
            channels=[starts[i], starts[i + 1]] if y is not None else None,
            layers=[LayerOut(**{**vars(ly), "output_shape": list(ly.output_shape)}) for ly in layer_costs],
        )
        for i, (name, o, layer_costs) in enumerate(zip(BRANCH_NAMES, outs, costs, strict=True))
    ]
    res = InceptionResponse(
        weights=req.weights,
        seed=req.seed if req.weights == "seed" else None,
        model=TRAINED_MODEL if req.weights == "trained" else None,
        widths=req.widths,
        padding=req.padding,
        original_shape=original,
        input_shape=list(x.shape),
        input=encode_tensor(x, req.encoding),
        digit=None if digit is None else encode_tensor(digit, req.encoding),
        branches=branches,
        output_shape=None if y is None else list(y.shape),
        output=None if y is None else encode_tensor(y, req.encoding),
        cat_error=cat_error,
        multiplications=mults,
        parameters=sum(ly.parameters for br in costs for ly in br),
    )
    # pydantic writes the base64 maps faster than FastAPI's generic JSON encoder
    return Response(res.model_dump_json(), media_type="application/json")
