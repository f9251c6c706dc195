"""§6 name → country with the shipped bidirectional GRU: predict, a batch's stages, the model card."""

from dataclasses import asdict

from fastapi import APIRouter

from app.bodies import BodyRoute
from app.schemas.names import (
    BatchRequest,
    BatchResponse,
    ModelResponse,
    PredictRequest,
    PredictResponse,
)
from app.tensors import encode_tensor
from engine.data.names import names_split
from engine.models.names import batch_stages, predict_top, shipped_card, shipped_model

router = APIRouter(prefix="/api/names", tags=["names"], route_class=BodyRoute)


@router.get("/model", response_model=ModelResponse)
def model_card() -> ModelResponse:
    """The shipped model: the 18 classes, the split sizes, held-out accuracy (overall, per class,
    confusion matrix), its size, the seed's parameter table with its values, and the alphabet its
    codes stand for."""
    return ModelResponse(**asdict(shipped_card()))


@router.post("/predict", response_model=PredictResponse)
def predict_name(req: PredictRequest) -> PredictResponse:
    """A surname → the k most likely languages with their probabilities, and the normalised name
    and codes the model read."""
    p = predict_top(shipped_model(), req.name, req.k)
    return PredictResponse(
        name=p.name,
        codes=p.codes,
        top=[{"language": lang, "probability": q} for lang, q in p.top],
        in_data=[{"language": lang, "part": part} for lang, part in names_split().places(p.name)],
    )


@router.post("/batch", response_model=BatchResponse)
def batch(req: BatchRequest) -> BatchResponse:
    """A batch of names through the shipped model, stage by stage: the embedding of the packed
    data, the GRU's last states h_n, the linear layer's input [h_N^f; h_N^b], logits, probabilities."""
    b = batch_stages(shipped_model(), req.names)
    return BatchResponse(
        names=b.names,
        lengths=b.lengths.tolist(),
        embedded_data=encode_tensor(b.packed_data, req.encoding),
        batch_sizes=b.batch_sizes.tolist(),
        h_n=encode_tensor(b.h_n, req.encoding),
        hidden=encode_tensor(b.hidden, req.encoding),
        logits=encode_tensor(b.logits, req.encoding),
        probabilities=encode_tensor(b.probabilities, req.encoding),
        classes=names_split().languages,
    )
