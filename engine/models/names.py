"""§6 Name → country: a character-level bidirectional GRU over 18 languages, and its shipped weights.

    codes (B, T) ─ embedding ─→ (B, T, E) ─ pack ─→ PackedSequence
        ─ GRU, 2 layers, both directions ─→ h_n (2·2, B, H)
        ─ [h_N^f; h_N^b] of the top layer ─→ (B, 2H) ─ linear ─→ logits (B, 18)

The forward direction's last state has read the whole name left to right, the backward one right
to left; the classifier reads both. `forward(codes)` finds the lengths itself (codes > 0), so the
model also takes a single padded tensor (engine.train.evaluate works on it unchanged)."""

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from engine.data.names import PAD, VOCAB_SIZE, NamesSplit, encode, names_split, normalise
from engine.rnn.gru import GRUWeights, all_weights
from engine.rnn.pack import pad
from engine.train import Event, TrainConfig, TrainResult, train

WEIGHTS_PATH = Path(__file__).resolve().parent / "weights" / "names_bigru.pt"
N_CLASSES = 18


@dataclass(frozen=True)
class NamesConfig:
    """The sizes of the seed's parameter table that belong to the model."""

    embedding_dim: int = 32  # input_size of the GRU's first layer
    hidden_size: int = 96
    num_layers: int = 2
    dropout: float = 0.2  # between the GRU's layers (and before the linear layer)
    bidirectional: bool = True


# How the shipped weights were trained (scripts/train_names.py): Adam with a one-cycle schedule,
# and a cross-entropy whose class weights are (n_c / n_max) ** -CLASS_WEIGHT_POWER.
RECIPE = TrainConfig(epochs=12, batch_size=64, lr=0.006, optimizer="adam", schedule="onecycle")
CLASS_WEIGHT_POWER = 0.3


class NameClassifier(nn.Module):
    def __init__(self, cfg: NamesConfig = NamesConfig(), n_classes: int = N_CLASSES) -> None:
        super().__init__()
        self.cfg = cfg
        self.embedding = nn.Embedding(VOCAB_SIZE, cfg.embedding_dim, padding_idx=PAD)
        self.gru = nn.GRU(cfg.embedding_dim, cfg.hidden_size, num_layers=cfg.num_layers,
                          dropout=cfg.dropout if cfg.num_layers > 1 else 0.0,
                          bidirectional=cfg.bidirectional, batch_first=True)
        self.dropout = nn.Dropout(cfg.dropout)
        self.fc = nn.Linear(cfg.hidden_size * (2 if cfg.bidirectional else 1), n_classes)

    def gru_weights(self) -> list[list[GRUWeights]]:
        """[layer][direction] weights, for engine.rnn.gru (the GRU lesson reads them)."""
        return all_weights(self.gru)

    def forward_trace(self, codes: torch.Tensor, lengths: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
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
    return pad([encode(n) for n in names])


def class_weights(counts: list[int], power: float = CLASS_WEIGHT_POWER) -> torch.Tensor:
    """(K,) loss weights (n_c / n_max) ** −power: 0 = plain cross-entropy, 1 = fully balanced."""
    c = torch.tensor(counts, dtype=torch.float32).clamp(min=1)
    return (c / c.max()) ** -power


def fit(
    model_cfg: NamesConfig = NamesConfig(),
    cfg: TrainConfig = RECIPE,
    power: float = CLASS_WEIGHT_POWER,
    split: NamesSplit | None = None,
    train_size: int | None = None,
    report: Callable[[Event], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[NameClassifier, TrainResult]:
    """Train from scratch (initialised with torch.manual_seed(cfg.seed)) on the training two
    thirds (or their first `train_size`), evaluated on the held-out third after every epoch."""
    split = split or names_split()
    names, y = split.part("train")
    if train_size is not None:
        names, y = names[:train_size], y[:train_size]
    x, _ = to_batch(names)  # (N, 20)
    x_eval, _ = to_batch(split.part("held_out")[0])
    y_eval = split.part("held_out")[1]
    weight = class_weights(torch.bincount(y, minlength=N_CLASSES).tolist(), power)
    torch.manual_seed(cfg.seed)
    model = NameClassifier(model_cfg)
    result = train(model, (x, y), (x_eval, y_eval), cfg, report=report, should_stop=should_stop,
                   loss_fn=lambda logits, target: F.cross_entropy(logits, target, weight=weight))
    return model, result


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def save(model: NameClassifier, record: dict, path: Path = WEIGHTS_PATH) -> None:
    """The state_dict at `path` and, beside it, a JSON of the run (with the model's sizes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), path)
    record = {"config": asdict(model.cfg), **record}
    path.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n")


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
    text = normalise(name)
    codes = encode(text)
    logits = model(torch.tensor([codes]))  # (1, 18)
    return text, codes, F.softmax(logits[0], dim=0)
