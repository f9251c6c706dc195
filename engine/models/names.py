"""§6 Name → country: a character-level bidirectional GRU over 18 languages, and its shipped weights.

    codes (B, T) ─ embedding ─→ (B, T, E) ─ pack ─→ PackedSequence
        ─ GRU, 2 layers, both directions ─→ h_n (2·2, B, H)
        ─ [h_N^f; h_N^b] of the top layer ─→ (B, 2H) ─ linear ─→ logits (B, 18)

The forward direction's last state has read the whole name left to right, the backward one right
to left; the classifier reads both. `forward(codes)` finds the lengths itself (codes > 0), so the
model also takes a single padded tensor (engine.train.evaluate works on it unchanged)."""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from engine.data.names import (
    ALPHABET,
    PAD,
    VOCAB_SIZE,
    NamesSplit,
    encode_name,
    names_split,
    normalise_name,
    normalise_names,
)
from engine.rnn.gru import GRUTrace, GRUWeights, all_weights, gru
from engine.rnn.pack import pad
from engine.seeding import seeded_global_rng
from engine.train import Evaluation, Event, TrainConfig, TrainResult, evaluate, train

WEIGHTS_PATH = Path(__file__).resolve().parent / "weights" / "names_bigru.pt"
N_CLASSES = 18


@dataclass(frozen=True)
class NamesConfig:
    """The sizes of the seed's parameter table that belong to the model."""

    embedding_dim: int = 32  # input_size of the GRU's first layer
    hidden_size: int = 128
    num_layers: int = 2
    dropout: float = 0.5  # between the GRU's layers (and before the linear layer)
    bidirectional: bool = True


# How the shipped weights were trained (scripts/train_names.py): AdamW with a one-cycle schedule,
# plain cross-entropy. The loss may weight class c by (n_c / n_max) ** -power: better on the small
# languages, worse on the large ones that dominate accuracy (see the practice page's hint).
RECIPE = TrainConfig(
    epochs=12, batch_size=64, lr=0.004, optimizer="adamw", weight_decay=0.01, schedule="onecycle"
)
CLASS_WEIGHT_POWER = 0.0


class NameClassifier(nn.Module):
    def __init__(self, cfg: NamesConfig = NamesConfig(), n_classes: int = N_CLASSES) -> None:
        super().__init__()
        self.cfg = cfg
        self.embedding = nn.Embedding(VOCAB_SIZE, cfg.embedding_dim, padding_idx=PAD)
        self.gru = nn.GRU(
            cfg.embedding_dim,
            cfg.hidden_size,
            num_layers=cfg.num_layers,
            dropout=cfg.dropout if cfg.num_layers > 1 else 0.0,
            bidirectional=cfg.bidirectional,
            batch_first=True,
        )
        self.dropout = nn.Dropout(cfg.dropout)
        self.fc = nn.Linear(cfg.hidden_size * (2 if cfg.bidirectional else 1), n_classes)

    def gru_weights(self) -> list[list[GRUWeights]]:
        """[layer][direction] weights, for engine.rnn.gru (the GRU lesson reads them)."""
        return all_weights(self.gru)

    def forward_trace(
        self, codes: torch.Tensor, lengths: torch.Tensor | None = None
    ) -> dict[str, torch.Tensor]:
        """Every stage for a padded batch codes (B, T) (0 = padding)."""
        if codes.ndim != 2:
            raise ValueError(f"codes must be (B, T), got shape {tuple(codes.shape)}")
        lengths = (codes != PAD).sum(dim=1) if lengths is None else lengths
        t: dict[str, torch.Tensor] = {}
        t["embedded"] = x = self.embedding(codes)  # (B, T, E)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        t["packed_data"], t["batch_sizes"] = packed.data, packed.batch_sizes  # (ΣT, E), (T_max,)
        _, h_n = self.gru(packed)  # (L·D, B, H), in the original order
        t["h_n"] = h_n
        last = h_n[-2:] if self.cfg.bidirectional else h_n[-1:]  # the top layer
        t["hidden"] = x = torch.cat(list(last), dim=1)  # (B, D·H): [h_N^f; h_N^b]
        t["logits"] = self.fc(self.dropout(x))  # (B, 18)
        return t

    def forward(self, codes: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        return self.forward_trace(codes, lengths)["logits"]


def to_batch(names: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Normalised names → (padded codes (B, T_max), lengths (B,))."""
    return pad([encode_name(n) for n in names])


class LengthBatches:
    """Mini-batches of names of similar length, reshuffled every epoch: ((codes (B, T_b), lengths (B,)), y).

    Each epoch shuffles the names, cuts them into pools of `pool` batches, sorts each pool by length
    and serves its batches in random order: a batch then pads to its own longest name (about 8
    characters, not the 20 of the longest name of all), so the GRU takes fewer steps."""

    def __init__(
        self, codes: torch.Tensor, y: torch.Tensor, batch_size: int, seed: int = 0, pool: int = 16
    ) -> None:
        self.codes, self.y, self.batch_size, self.pool = codes, y, batch_size, pool
        self.lengths = (codes != PAD).sum(dim=1)
        self.gen = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return -(-len(self.y) // self.batch_size)

    def __iter__(self) -> Iterator[tuple[tuple[torch.Tensor, torch.Tensor], torch.Tensor]]:
        order = torch.randperm(len(self.y), generator=self.gen)
        size = self.batch_size * self.pool
        batches = []
        for i in range(0, len(order), size):
            chunk = order[i : i + size]
            chunk = chunk[torch.sort(self.lengths[chunk], stable=True).indices]
            batches += list(chunk.split(self.batch_size))
        for k in torch.randperm(len(batches), generator=self.gen).tolist():
            idx = batches[k]
            lengths = self.lengths[idx]
            yield (self.codes[idx, : int(lengths.max())], lengths), self.y[idx]


def class_weights(counts: list[int], power: float = CLASS_WEIGHT_POWER) -> torch.Tensor:
    """(K,) loss weights (n_c / n_max) ** −power: 0 = plain cross-entropy, 1 = fully balanced."""
    c = torch.tensor(counts, dtype=torch.float32).clamp(min=1)
    return (c / c.max()) ** -power


@dataclass
class NamesData:
    """The split as padded codes (N, 20) and labels (N,)."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_held_out: torch.Tensor
    y_held_out: torch.Tensor
    unseen: torch.Tensor  # (N_held_out,) bool: the name occurs nowhere among the training names


def names_data(split: NamesSplit | None = None, train_size: int | None = None) -> NamesData:
    """The training two thirds (or their first `train_size`) and the held-out third, as codes."""
    split = split or names_split()
    names, y = split.part("train")
    names_eval, y_eval = split.part("held_out")
    n = train_size or len(names)
    width = max(len(s) for s in split.names)
    x, _ = to_batch(names[:n])
    x_eval, _ = to_batch(names_eval)
    seen = set(names[:n])
    unseen = torch.tensor([name not in seen for name in names_eval])
    widen = lambda t: F.pad(t, (0, width - t.shape[1]))  # noqa: E731 - same width for both parts
    return NamesData(widen(x), y[:n], widen(x_eval), y_eval, unseen)


def unseen_accuracy(ev: Evaluation, data: NamesData) -> float:
    """Held-out accuracy on the names never seen in training (a repeated name is easy to get right)."""
    right = ev.predicted == data.y_held_out  # (N_held_out,)
    return float(right[data.unseen].float().mean())


def build(model_cfg: NamesConfig = NamesConfig(), seed: int = 0) -> NameClassifier:
    """A freshly initialised model, from torch.manual_seed(seed)."""
    with seeded_global_rng(seed):
        return NameClassifier(model_cfg)


def fit(
    model: NameClassifier,
    data: NamesData,
    cfg: TrainConfig = RECIPE,
    power: float = CLASS_WEIGHT_POWER,
    report: Callable[[Event], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    held_out: Callable[[nn.Module], float] | None = None,
) -> TrainResult:
    """Train in place on batches of similar length, with class-weighted cross-entropy, evaluated
    on the held-out third after every epoch (by `held_out(model)` if given, e.g. to keep the
    confusion matrix of that evaluation)."""
    weight = class_weights(torch.bincount(data.y_train, minlength=N_CLASSES).tolist(), power)
    batches = LengthBatches(data.x_train, data.y_train, cfg.batch_size, seed=cfg.seed)
    return train(
        model,
        batches,
        held_out or (data.x_held_out, data.y_held_out),
        cfg,
        report=report,
        should_stop=should_stop,
        loss_fn=lambda logits, target: F.cross_entropy(logits, target, weight=weight),
    )


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def training_record(path: Path = WEIGHTS_PATH) -> dict:
    """The JSON written beside the weights: accuracy, seconds, epochs, seed, hyperparameters."""
    p = path.with_suffix(".json")
    if not p.exists():
        raise ValueError(f"no training record at {p}")
    return json.loads(p.read_text())


def load_pretrained(path: Path = WEIGHTS_PATH) -> NameClassifier:
    """The shipped trained model, in eval mode."""
    if not path.exists():
        raise ValueError(f"no shipped weights at {path}; run scripts/train_names.py")
    model = NameClassifier(NamesConfig(**training_record(path)["config"]))
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model.eval()


@torch.no_grad()
def predict(model: NameClassifier, name: str) -> tuple[str, list[int], torch.Tensor]:
    """A raw name → (normalised name, codes, class probabilities (18,)); BadName if it has none."""
    text = normalise_name(name)
    codes = encode_name(text)
    logits = model(torch.tensor([codes]))  # (1, 18)
    return text, codes, F.softmax(logits[0], dim=0)


@lru_cache(maxsize=1)
def shipped_model() -> NameClassifier:
    """The shipped model, loaded once per process and shared: read it, never train it."""
    return load_pretrained()


@dataclass
class ModelCard:
    """Everything about the shipped model that does not change: its data, sizes, held-out results."""

    classes: list[str]  # the 18 languages, in class-index order
    train_size: int
    held_out_size: int
    train_counts: list[int]
    held_out_counts: list[int]
    lines: int
    protocol: str
    repeats: int
    unseen_size: int
    majority_accuracy: float  # always answering the largest class
    held_out_accuracy: float
    unseen_accuracy: float
    per_class_accuracy: list[float]
    confusion: list[list[int]]  # (18, 18): row = true language, column = predicted
    parameters: int
    alphabet: str  # code c (1–29) stands for alphabet[c − 1]
    training: dict  # the JSON record of the shipped run
    table: dict[str, int | float | bool | str]  # the course's parameter table, with our values


@lru_cache(maxsize=1)
def shipped_card() -> ModelCard:
    """The shipped model's card (an evaluation of the 6,681 held-out names, once per process)."""
    split, net = names_split(), shipped_model()
    data = names_data(split)
    ev = evaluate(net, data.x_held_out, data.y_held_out)
    counts = split.counts("held_out")
    record, cfg = training_record(), net.cfg
    return ModelCard(
        classes=split.languages,
        train_size=len(split.train),
        held_out_size=len(split.held_out),
        train_counts=split.counts("train"),
        held_out_counts=counts,
        lines=split.lines,
        protocol=split.protocol,
        repeats=split.repeats,
        unseen_size=int(data.unseen.sum()),
        majority_accuracy=max(counts) / sum(counts),
        held_out_accuracy=ev.accuracy,
        unseen_accuracy=unseen_accuracy(ev, data),
        per_class_accuracy=ev.per_class_accuracy(),
        confusion=ev.confusion.tolist(),
        parameters=parameter_count(net),
        alphabet=ALPHABET,
        training=record,
        table={
            "input_size": cfg.embedding_dim,
            "hidden_size": cfg.hidden_size,
            "num_layers": cfg.num_layers,
            "output_size": len(split.languages),
            "seq_len": "1–" + str(max(len(n) for n in split.names)),
            "batch_size": record["train"]["batch_size"],
            "dropout": cfg.dropout,
            "bidirectional": cfg.bidirectional,
        },
    )


def ranked(probs: torch.Tensor, k: int | None = None) -> list[tuple[str, float]]:
    """(18,) class probabilities → the k (default all) most likely languages, most likely first."""
    top = torch.topk(probs, k or len(probs))
    languages = names_split().languages
    return [(languages[i], p) for p, i in zip(top.values.tolist(), top.indices.tolist(), strict=True)]


@dataclass
class Prediction:
    name: str  # as the model reads it: normalised
    codes: list[int]
    top: list[tuple[str, float]]  # (language, probability), most likely first


def predict_top(model: NameClassifier, name: str, k: int) -> Prediction:
    """A raw name → the k most likely languages (a BadName if it has no letters to read)."""
    text, codes, probs = predict(model, name)
    return Prediction(text, codes, ranked(probs, k))


@dataclass
class BatchStages:
    """A batch of names through the model, stage by stage."""

    names: list[str]  # normalised
    lengths: torch.Tensor  # (B,)
    packed_data: torch.Tensor  # (ΣT, E) the embedding of each element of the packed data
    batch_sizes: torch.Tensor  # (T_max,)
    h_n: torch.Tensor  # (L·D, B, H)
    hidden: torch.Tensor  # (B, 2H) [h_N^f; h_N^b] of the top layer
    logits: torch.Tensor  # (B, 18)
    probabilities: torch.Tensor  # (B, 18)


@torch.no_grad()
def batch_stages(model: NameClassifier, names: list[str]) -> BatchStages:
    """Raw names → every stage of the model (a BadName naming "names.<i>" if one cannot be read)."""
    clean = normalise_names(names)
    codes, lengths = to_batch(clean)  # (B, T_max), (B,)
    t = model.forward_trace(codes, lengths)
    return BatchStages(
        clean,
        lengths,
        t["packed_data"],
        t["batch_sizes"],
        t["h_n"],
        t["hidden"],
        t["logits"],
        F.softmax(t["logits"], dim=1),
    )


@dataclass
class NameGates:
    """A name read by the model's GRU, gate by gate, with the model's answer."""

    name: str  # normalised
    codes: list[int]  # 1–29 per character (ALPHABET[c − 1])
    x: torch.Tensor  # (T, E) the embeddings the first layer reads
    trace: GRUTrace  # every gate of every layer and direction, batch of one
    prediction: list[tuple[str, float]]  # every language, most likely first


@torch.no_grad()
def name_gates(model: NameClassifier, name: str) -> NameGates:
    """engine.rnn.gru on the model's own weights for one raw name (a BadName if it cannot be read)."""
    text = normalise_name(name)
    codes = encode_name(text)
    x = model.embedding(torch.tensor([codes]))[0]  # (T, E)
    trace = gru(x[None], torch.tensor([len(text)]), model.gru_weights())
    return NameGates(text, codes, x, trace, ranked(predict(model, text)[2]))
