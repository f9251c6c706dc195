"""Digits: the trained course models read a drawing, a photo or a 28×28 array."""

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.bodies import BodyRoute
from app.deps import ImageStoreDep, SettingsDep
from app.errors import IMAGE_NOT_FOUND, NOT_AN_IMAGE, request_fields
from app.inputs import client_gray, load_gray, upload_gray
from app.schemas.digits import (
    MAX_SIDE,
    Evaluation,
    HeldOutDigit,
    ModelInfo,
    ModelName,
    PredictRequest,
    PredictResponse,
)
from app.schemas.images import ImageFile
from app.tensors import Encoding, encode_tensor
from engine.cnn.channels import to_pixels
from engine.data.mnist import N_HELD_OUT, held_out_digit
from engine.models.digits import (
    DEFAULT_MODEL,
    MODELS,
    Reading,
    layer_shapes,
    parameter_count,
    read_digit,
    shipped_model,
    shipped_report,
    training_record,
)

router = APIRouter(prefix="/api/digits", tags=["digits"], route_class=BodyRoute)


def _predict(name: str, read: Reading, encoding: Encoding) -> PredictResponse:
    s, net = read.stages, shipped_model(name)
    return PredictResponse(
        model=name,
        prediction=read.prediction,
        probabilities=read.probabilities.tolist(),
        logits=read.logits.tolist(),
        stages={
            "gray": encode_tensor(to_pixels(s.gray), encoding),
            "ink": encode_tensor(to_pixels(s.ink), encoding),
            "cropped": encode_tensor(to_pixels(s.cropped), encoding),
            "fitted": encode_tensor(s.fitted, encoding),
            "centred": encode_tensor(s.centred, encoding),
            "inverted": s.inverted,
            "box": s.box,
            "offset": s.offset,
        },
        layers=[{"name": k, "output": encode_tensor(v, encoding)} for k, v in read.layers.items()],
        fc_weight=encode_tensor(net.fc.weight, encoding),
        fc_bias=net.fc.bias.tolist(),
    )


@router.post("/predict", response_model=PredictResponse, responses=IMAGE_NOT_FOUND)
def predict(req: PredictRequest, store: ImageStoreDep) -> PredictResponse:
    """Read one digit. Returns the preprocessing stages, every layer's output, the fully connected
    layer's weights, the logits and the softmax probabilities."""
    name = req.model or DEFAULT_MODEL
    if req.pixels is None:
        gray, field = load_gray(store, req.image_id or ""), "image_id"
    else:
        gray, field = client_gray(req.pixels), "pixels"
    with request_fields(gray=field):
        return _predict(name, read_digit(shipped_model(name), gray), req.encoding)


@router.post("/predict/upload", response_model=PredictResponse, responses=NOT_AN_IMAGE)
def predict_upload(
    file: ImageFile,
    settings: SettingsDep,
    model_name: Annotated[
        ModelName | None, Query(alias="model", description="a shipped model; the default one when omitted")
    ] = None,
) -> PredictResponse:
    """The same as /predict for an uploaded picture (a canvas drawing or a photo), not stored."""
    gray = upload_gray(file, settings, MAX_SIDE)
    name = model_name or DEFAULT_MODEL
    with request_fields(gray="file"):
        return _predict(name, read_digit(shipped_model(name), gray), "auto")


@router.get("/evaluation", response_model=Evaluation)
def evaluation(
    model_name: Annotated[
        ModelName | None, Query(alias="model", description="a shipped model; the default one when omitted")
    ] = None,
) -> Evaluation:
    """How a shipped model does on the 2,000 held-out digits: accuracy, confusion matrix (row = true
    digit, column = predicted) and the first misread digits with their pixels."""
    name = model_name or DEFAULT_MODEL
    r = shipped_report(name)
    return Evaluation(
        model=name,
        held_out_accuracy=r.accuracy,
        confusion=r.confusion.tolist(),
        misread_count=r.misread_count,
        misread=[asdict(m) for m in r.misread],
        misread_images=encode_tensor(r.misread_images),
    )


@router.get("/held-out/{index}", response_model=HeldOutDigit)
def held_out(
    index: Annotated[int, Path(ge=0, lt=N_HELD_OUT, description="0–1999 within the held-out split")],
) -> HeldOutDigit:
    """One of the 2,000 held-out digits (never trained on): its label and 28×28 pixels 0–255."""
    d = held_out_digit(index)
    return HeldOutDigit(
        index=index, mnist_index=d.mnist_index, label=d.label, pixels=encode_tensor(d.pixels, "list")
    )


@router.get("/models", response_model=list[ModelInfo])
def models() -> list[ModelInfo]:
    """The course's three practice nets, their size and the accuracy of the shipped weights."""
    out = []
    for name in MODELS:
        record = training_record(name)
        out.append(
            ModelInfo(
                name=name,
                default=name == DEFAULT_MODEL,
                parameters=parameter_count(shipped_model(name)),
                held_out_accuracy=record.get("held_out_accuracy"),
                training=record,
                layers=layer_shapes(shipped_model(name)),
            )
        )
    return out
