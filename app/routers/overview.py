"""The home page's overview: one request per redraw returns every stage of a shipped model."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.bodies import BodyRoute
from app.deps import SettingsDep
from app.errors import NOT_AN_IMAGE, request_fields
from app.inputs import client_gray, upload_gray
from app.schemas.digits import MAX_SIDE, ModelName
from app.schemas.images import ImageFile
from app.schemas.overview import (
    DigitMapRequest,
    DigitMapResponse,
    DigitsOverviewRequest,
    DigitsOverviewResponse,
    NamesOverviewRequest,
    NamesOverviewResponse,
    StageOut,
)
from app.tensors import encode_tensor
from engine.data.mnist import held_out_digit
from engine.data.names import names_split
from engine.models.digit_stages import DigitStages, map_of, read_picture
from engine.models.digits import DEFAULT_MODEL
from engine.models.digits import shipped_model as digit_model
from engine.models.name_stages import read_name
from engine.models.names import shipped_model as name_model

router = APIRouter(prefix="/api/overview", tags=["overview"], route_class=BodyRoute)

DIGITS = [str(k) for k in range(10)]


def _digits_answer(r: DigitStages, name: str, label: int | None) -> DigitsOverviewResponse:
    return DigitsOverviewResponse(
        model=name,
        classes=DIGITS,
        prediction=r.prediction,
        probabilities=r.probabilities.tolist(),
        logits=r.logits.tolist(),
        label=label,
        input=encode_tensor(r.input, "list"),
        stages=[
            StageOut(
                name=s.name,
                column=s.column,
                kind=s.kind,
                sources=list(s.sources),
                via=s.via,
                maps=encode_tensor(s.output, "q8"),
            )
            for s in r.stages
        ],
        flatten=encode_tensor(r.flatten, "q8"),
    )


@router.post("/digits", response_model=DigitsOverviewResponse)
def digits(req: DigitsOverviewRequest) -> DigitsOverviewResponse:
    """Every stage of a shipped digit CNN for one digit: the 28×28 input, each stage's maps as
    8-bit data, the flattened vector, the logits and probabilities. The prediction equals
    /api/digits/predict's for the same pixels."""
    name = req.model or DEFAULT_MODEL
    if req.pixels is None:
        d = held_out_digit(req.held_out or 0)
        with request_fields(gray="held_out"):
            return _digits_answer(read_picture(digit_model(name), d.pixels), name, d.label)
    with request_fields(gray="pixels"):
        return _digits_answer(read_picture(digit_model(name), client_gray(req.pixels)), name, None)


@router.post("/digits/upload", response_model=DigitsOverviewResponse, responses=NOT_AN_IMAGE)
def digits_upload(
    file: ImageFile,
    settings: SettingsDep,
    model_name: Annotated[
        ModelName | None, Query(alias="model", description="a shipped model; the default one when omitted")
    ] = None,
) -> DigitsOverviewResponse:
    """The same for an uploaded picture (a canvas drawing or a photo, not stored)."""
    name = model_name or DEFAULT_MODEL
    with request_fields(gray="file"):
        return _digits_answer(
            read_picture(digit_model(name), upload_gray(file, settings, MAX_SIDE)), name, None
        )


@router.post("/digits/map", response_model=DigitMapResponse)
def digit_map(req: DigitMapRequest) -> DigitMapResponse:
    """How one map of the overview was made, in float32: the map, the maps it reads (or, inside an
    Inception or residual block, the block's undrawn step before it: `via`), its kernels and bias."""
    with request_fields(pixels="input"):
        stage, m = map_of(
            digit_model(req.model or DEFAULT_MODEL), req.input.to_torch(), req.stage, req.channel
        )
    return DigitMapResponse(
        stage=stage.name,
        channel=req.channel,
        kind=stage.kind,
        via=stage.via,
        output=encode_tensor(m.output, "f32"),
        inputs=encode_tensor(m.inputs, "f32"),
        kernel=None if m.kernel is None else encode_tensor(m.kernel, "f32"),
        bias=m.bias,
        padding=m.padding,
        stride=m.stride,
        window=m.window,
    )


@router.post("/names", response_model=NamesOverviewResponse)
def names(req: NamesOverviewRequest) -> NamesOverviewResponse:
    """Every stage of the shipped name model for one surname: codes, embedding rows, the forward
    and backward GRU states of both layers at each letter, [h_N^f; h_N^b] and the 18 probabilities.
    The probabilities equal /api/names/predict's."""
    r = read_name(name_model(), req.name)
    return NamesOverviewResponse(
        name=r.name,
        codes=r.codes,
        embedded=encode_tensor(r.embedded, "q8"),
        states=encode_tensor(r.states, "q8"),
        hidden=encode_tensor(r.hidden, "q8"),
        classes=names_split().languages,
        prediction=r.prediction,
        probabilities=r.probabilities.tolist(),
    )
