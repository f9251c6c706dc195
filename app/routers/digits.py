"""Digits: the trained course models read a drawing, a photo or a 28×28 array."""

from functools import lru_cache
from typing import Annotated

import torch
import torch.nn.functional as F
from fastapi import APIRouter, Path, Query, UploadFile

from app.bodies import BodyRoute
from app.deps import ImageStoreDep, SettingsDep
from app.errors import IMAGE_NOT_FOUND, NOT_AN_IMAGE, field_error
from app.inputs import load_image, upload_gray
from app.jobs.digits import held_out_report, split
from app.schemas.digits import Evaluation, HeldOutDigit, ModelInfo, ModelName, PredictRequest, PredictResponse
from app.tensors import Encoding, encode_tensor
from engine.cnn.channels import grayscale
from engine.data.mnist import N_HELD_OUT, load_digits, standardise
from engine.data.preprocess import mnist_style
from engine.models.digits import (
    DEFAULT_MODEL,
    MODELS,
    DigitNet,
    load_pretrained,
    parameter_count,
    training_record,
)

router = APIRouter(prefix="/api/digits", tags=["digits"], route_class=BodyRoute)

MAX_SIDE = 512


@lru_cache
def model(name: str) -> DigitNet:
    return load_pretrained(name)


def _predict(gray: torch.Tensor, name: str, encoding: Encoding, field: str) -> PredictResponse:
    try:
        s = mnist_style(gray)
    except ValueError as e:
        raise field_error(field, str(e)) from None
    net = model(name)
    with torch.no_grad():
        trace = net.forward_trace(standardise(s.centred[None]))  # {name: (1, ...)}
    logits = trace["logits"][0]  # (10,)
    probs = F.softmax(logits, dim=0)
    return PredictResponse(
        model=name,
        prediction=int(probs.argmax()),
        probabilities=probs.tolist(),
        logits=logits.tolist(),
        stages={
            "gray": encode_tensor(s.gray.round().to(torch.uint8), encoding),
            "ink": encode_tensor(s.ink.round().to(torch.uint8), encoding),
            "cropped": encode_tensor(s.cropped.round().to(torch.uint8), encoding),
            "fitted": encode_tensor(s.fitted, encoding),
            "centred": encode_tensor(s.centred, encoding),
            "inverted": s.inverted,
            "box": s.box,
            "offset": s.offset,
        },
        layers=[{"name": k, "output": encode_tensor(v[0], encoding)} for k, v in trace.items()],
        fc_weight=encode_tensor(net.fc.weight, encoding),
        fc_bias=net.fc.bias.tolist(),
    )


@router.post("/predict", response_model=PredictResponse, responses=IMAGE_NOT_FOUND)
def predict(req: PredictRequest, store: ImageStoreDep) -> PredictResponse:
    """Read one digit. Returns the preprocessing stages, every layer's output, the fully connected
    layer's weights, the logits and the softmax probabilities."""
    if req.pixels is not None:
        gray, field = req.pixels.to_torch(), "pixels"
        if gray.ndim != 2 or max(gray.shape) > MAX_SIDE:
            raise field_error(
                "pixels", f"expected an (H, W) array with H, W ≤ {MAX_SIDE}, got shape {list(gray.shape)}"
            )
    else:
        gray, field = grayscale(load_image(store, req.image_id or ""))[0], "image_id"
    return _predict(gray, req.model or DEFAULT_MODEL, req.encoding, field)


@router.post("/predict/upload", response_model=PredictResponse, responses=NOT_AN_IMAGE)
def predict_upload(
    file: UploadFile,
    settings: SettingsDep,
    model_name: Annotated[ModelName | None, Query(alias="model")] = None,
) -> PredictResponse:
    """The same as /predict for an uploaded picture (a canvas drawing or a photo), not stored."""
    gray = upload_gray(file, settings, MAX_SIDE)
    return _predict(gray, model_name or DEFAULT_MODEL, "auto", "file")


@router.get("/evaluation", response_model=Evaluation)
def evaluation(model_name: Annotated[ModelName | None, Query(alias="model")] = None) -> Evaluation:
    """How a shipped model does on the 2,000 held-out digits: accuracy, confusion matrix (row = true
    digit, column = predicted) and the first misread digits with their pixels."""
    name = model_name or DEFAULT_MODEL
    return Evaluation(model=name, **_evaluation(name))


@router.get("/held-out/{index}", response_model=HeldOutDigit)
def held_out_digit(index: Annotated[int, Path(ge=0, lt=N_HELD_OUT)]) -> HeldOutDigit:
    """One of the 2,000 held-out digits (never trained on): its label and 28×28 pixels 0–255."""
    data = split()
    images, _ = load_digits()
    i = int(data.held_out_index[index])
    return HeldOutDigit(
        index=index, mnist_index=i, label=int(data.y_held_out[index]), pixels=encode_tensor(images[i], "list")
    )


@lru_cache
def _evaluation(name: str) -> dict:
    return held_out_report(model(name))


@router.get("/models", response_model=list[ModelInfo])
def models() -> list[ModelInfo]:
    """The course's three practice nets, their size and the accuracy of the shipped weights."""
    out = []
    for name in MODELS:
        net = model(name)
        with torch.no_grad():
            trace = net.forward_trace(torch.zeros(1, 1, 28, 28))
        record = training_record(name)
        out.append(
            ModelInfo(
                name=name,
                default=name == DEFAULT_MODEL,
                parameters=parameter_count(net),
                held_out_accuracy=record.get("held_out_accuracy"),
                training=record,
                layers=[(k, list(v.shape[1:])) for k, v in trace.items()],
            )
        )
    return out
