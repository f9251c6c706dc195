"""§6 name → country with the shipped bidirectional GRU: predict, a batch's stages, the model card."""

from functools import lru_cache

import torch
import torch.nn.functional as F
from fastapi import APIRouter

from app.bodies import BodyRoute
from app.errors import field_error
from app.rnn_inputs import normalise_names
from app.schemas.names import (
    BatchRequest,
    BatchResponse,
    ModelResponse,
    PredictRequest,
    PredictResponse,
)
from app.tensors import encode_tensor
from engine.data.names import ALPHABET, BadName, names_split
from engine.models.names import (
    NameClassifier,
    load_pretrained,
    names_data,
    parameter_count,
    predict,
    to_batch,
    training_record,
    unseen_accuracy,
)
from engine.train import evaluate

router = APIRouter(prefix="/api/names", tags=["names"], route_class=BodyRoute)


@lru_cache(maxsize=1)
def model() -> NameClassifier:
    return load_pretrained()


@lru_cache(maxsize=1)
def card() -> dict:
    """Everything about the shipped model that does not change: split sizes, held-out results."""
    split, net = names_split(), model()
    data = names_data(split)
    ev = evaluate(net, data.x_held_out, data.y_held_out)
    counts = split.counts("held_out")
    per_class = (ev.confusion.diag().float() / ev.confusion.sum(dim=1).clamp(min=1)).tolist()
    record = training_record()
    cfg = net.cfg
    return {
        "classes": split.languages,
        "train_size": len(split.train),
        "held_out_size": len(split.held_out),
        "train_counts": split.counts("train"),
        "held_out_counts": counts,
        "lines": split.lines,
        "protocol": split.protocol,
        "repeats": split.repeats,
        "unseen_size": int(data.unseen.sum()),
        "majority_accuracy": max(counts) / sum(counts),
        "held_out_accuracy": ev.accuracy,
        "unseen_accuracy": unseen_accuracy(ev, data),
        "per_class_accuracy": per_class,
        "confusion": ev.confusion.tolist(),
        "parameters": parameter_count(net),
        "alphabet": ALPHABET,
        "training": record,
        "table": {
            "input_size": cfg.embedding_dim,
            "hidden_size": cfg.hidden_size,
            "num_layers": cfg.num_layers,
            "output_size": len(split.languages),
            "seq_len": "1–" + str(max(len(n) for n in split.names)),
            "batch_size": record["train"]["batch_size"],
            "dropout": cfg.dropout,
            "bidirectional": cfg.bidirectional,
        },
    }


@router.get("/model", response_model=ModelResponse)
def model_card() -> ModelResponse:
    """The shipped model: the 18 classes, the split sizes, held-out accuracy (overall, per class,
    confusion matrix), its size and the seed's parameter table with its values."""
    return ModelResponse(**card())


@router.post("/predict", response_model=PredictResponse)
def predict_name(req: PredictRequest) -> PredictResponse:
    """A surname → the k most likely languages with their probabilities, and the normalised name
    and codes the model read."""
    try:
        text, codes, probs = predict(model(), req.name)
    except BadName as e:
        raise field_error("name", str(e)) from None
    top = torch.topk(probs, req.k)
    split = names_split()
    return PredictResponse(
        name=text,
        codes=codes,
        top=[
            {"language": split.languages[i], "probability": p}
            for p, i in zip(top.values.tolist(), top.indices.tolist(), strict=True)
        ],
        in_data=[{"language": lang, "part": part} for lang, part in split.places(text)],
    )


@router.post("/batch", response_model=BatchResponse)
def batch(req: BatchRequest) -> BatchResponse:
    """A batch of names through the shipped model, stage by stage: the embedding of the packed
    data, the GRU's last states h_n, the linear layer's input [h_N^f; h_N^b], logits, probabilities."""
    names = normalise_names(req.names)
    codes, lengths = to_batch(names)  # (B, T_max), (B,)
    with torch.no_grad():
        t = model().forward_trace(codes, lengths)
    return BatchResponse(
        names=names,
        lengths=lengths.tolist(),
        embedded_data=encode_tensor(t["packed_data"], req.encoding),
        batch_sizes=t["batch_sizes"].tolist(),
        h_n=encode_tensor(t["h_n"], req.encoding),
        hidden=encode_tensor(t["hidden"], req.encoding),
        logits=encode_tensor(t["logits"], req.encoding),
        probabilities=encode_tensor(F.softmax(t["logits"], dim=1), req.encoding),
        classes=names_split().languages,
    )
