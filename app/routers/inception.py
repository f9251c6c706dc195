"""§2.1 the Inception block: four branches on one input, joined along the channels."""

from fastapi import APIRouter, Response

from app.bodies import BodyRoute
from app.deps import ImageStoreDep
from app.errors import IMAGE_NOT_FOUND, field_error, request_fields
from app.inputs import resolve_input
from app.schemas.inception import (
    BranchOut,
    BranchWidths,
    InceptionRequest,
    InceptionResponse,
    LayerOut,
)
from app.tensors import encode_tensor
from engine.cnn.inception import BRANCH_NAMES, block_costs, fit_side, run_block, seeded_block
from engine.models.digits import first_inception_block, shipped_model

router = APIRouter(prefix="/api/cnn", tags=["inception"], route_class=BodyRoute)

MAX_MULTIPLICATIONS = 1_000_000_000
MAX_OUTPUT = 1 << 21
TRAINED_MODEL = "inception"


@router.post("/inception", response_model=InceptionResponse, responses=IMAGE_NOT_FOUND)
def inception(req: InceptionRequest, store: ImageStoreDep) -> Response:
    """Each branch's maps and their concatenation along the channels, with every layer's shape,
    multiplications and parameters. padding=false shows what breaks: the shapes each branch then
    has, and the error torch.cat raises.

    Limits: widths 1–256, inputs scaled to max_side ≤ 128, at most 10⁹ multiplications and 2²¹
    output numbers."""
    field = "input" if req.input is not None else "image_id"
    x = resolve_input(req, store)  # (C, H, W)
    digit = None
    if req.weights == "trained":
        if req.widths != BranchWidths():
            raise field_error("widths", "inception_trained_widths")
        try:
            net = shipped_model(TRAINED_MODEL)
        except ValueError:
            raise field_error("weights", "inception_no_weights", 503) from None
        with request_fields(x=field, gray=field):
            trained = first_inception_block(net, x)  # type: ignore[arg-type]
        digit, xin, block = trained.digit, trained.input, trained.block
    else:
        xin = fit_side(x, req.max_side)
        block = seeded_block(xin.shape[0], req.seed, **req.widths.model_dump())
    c, h, w = xin.shape
    costs = block_costs(block, c, h, w, padded=req.padding)
    mults = sum(ly.multiplications for br in costs for ly in br)
    if mults > MAX_MULTIPLICATIONS:
        raise field_error("widths", "inception_multiplications", n=mults, most=MAX_MULTIPLICATIONS)
    if block.out_channels * h * w > MAX_OUTPUT:
        raise field_error("widths", "inception_output", shape=[block.out_channels, h, w], most=MAX_OUTPUT)
    run = run_block(block, xin, req.padding)
    branches = [
        BranchOut(
            name=name,
            output_shape=list(o.shape),
            output=encode_tensor(o, req.encoding),
            channels=None if run.channels is None else list(run.channels[i]),
            layers=[LayerOut(**{**vars(ly), "output_shape": list(ly.output_shape)}) for ly in layer_costs],
        )
        for i, (name, o, layer_costs) in enumerate(zip(BRANCH_NAMES, run.branches, costs, strict=True))
    ]
    y = run.output
    res = InceptionResponse(
        weights=req.weights,
        seed=req.seed if req.weights == "seed" else None,
        model=TRAINED_MODEL if req.weights == "trained" else None,
        widths=req.widths,
        padding=req.padding,
        original_shape=list(x.shape),
        input_shape=list(xin.shape),
        input=encode_tensor(xin, req.encoding),
        digit=None if digit is None else encode_tensor(digit, req.encoding),
        branches=branches,
        output_shape=None if y is None else list(y.shape),
        output=None if y is None else encode_tensor(y, req.encoding),
        cat_error=run.cat_error,
        multiplications=mults,
        parameters=sum(ly.parameters for br in costs for ly in br),
    )
    # pydantic writes the base64 maps faster than FastAPI's generic JSON encoder
    return Response(res.model_dump_json(), media_type="application/json")
