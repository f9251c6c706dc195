"""The course's practice CNNs for 28×28 grayscale digits (10 classes), and their shipped weights.

Every net is conv → pool → ReLU twice, then flatten and one fully connected layer; the Inception
and residual nets add a block after each ReLU. `forward_trace(x)` returns every named stage's
output in order (conv1, pool1, relu1, …, flatten, logits) so a page can draw each layer."""

import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from engine.cnn.inception import InceptionBlock
from engine.cnn.residual import ResidualBlock
from engine.data.mnist import MnistSplit, mnist_split, random_shift, standardise
from engine.seeding import seeded_global_rng
from engine.train import Event, TrainConfig, TrainResult, train

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
DEFAULT_MODEL = "residual"
MAX_SHIFT = 1  # augmentation: each training digit moves by up to 1 pixel each way


class DigitNet(nn.Module, ABC):
    """Base: forward is the last stage of forward_trace."""

    @abstractmethod
    def forward_trace(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Every named stage's output, in order, ending with "logits" (B, 10)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_trace(x)["logits"]  # (B, 10)


def _check_input(x: torch.Tensor) -> None:
    if x.ndim != 4 or tuple(x.shape[1:]) != (1, 28, 28):
        raise ValueError(f"expected digits of shape (B, 1, 28, 28), got {tuple(x.shape)}")


class BasicNet(DigitNet):
    """conv 1→10 k5, pool, ReLU, conv 10→20 k5, pool, ReLU, flatten 320, FC 320→10."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(320, 10)

    def forward_trace(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        _check_input(x)
        t: dict[str, torch.Tensor] = {}
        t["conv1"] = x = self.conv1(x)  # (B, 10, 24, 24)
        t["pool1"] = x = self.pool(x)  # (B, 10, 12, 12)
        t["relu1"] = x = F.relu(x)
        t["conv2"] = x = self.conv2(x)  # (B, 20, 8, 8)
        t["pool2"] = x = self.pool(x)  # (B, 20, 4, 4)
        t["relu2"] = x = F.relu(x)
        t["flatten"] = x = x.flatten(1)  # (B, 320)
        t["logits"] = self.fc(x)  # (B, 10)
        return t


class InceptionNet(DigitNet):
    """conv 1→10 k5, pool, ReLU, Inception (10 → 88), conv 88→20 k5, pool, ReLU, Inception
    (20 → 88), flatten 1408, FC 1408→10. `inception_widths` go to both blocks."""

    def __init__(self, **inception_widths: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.inception1 = InceptionBlock(10, **inception_widths)
        self.conv2 = nn.Conv2d(self.inception1.out_channels, 20, kernel_size=5)
        self.inception2 = InceptionBlock(20, **inception_widths)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(self.inception2.out_channels * 4 * 4, 10)

    def forward_trace(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        _check_input(x)
        t: dict[str, torch.Tensor] = {}
        t["conv1"] = x = self.conv1(x)  # (B, 10, 24, 24)
        t["pool1"] = x = self.pool(x)  # (B, 10, 12, 12)
        t["relu1"] = x = F.relu(x)
        t["inception1"] = x = self.inception1(x)  # (B, 88, 12, 12)
        t["conv2"] = x = self.conv2(x)  # (B, 20, 8, 8)
        t["pool2"] = x = self.pool(x)  # (B, 20, 4, 4)
        t["relu2"] = x = F.relu(x)
        t["inception2"] = x = self.inception2(x)  # (B, 88, 4, 4)
        t["flatten"] = x = x.flatten(1)  # (B, 1408)
        t["logits"] = self.fc(x)  # (B, 10)
        return t


class ResidualNet(DigitNet):
    """conv 1→16 k5, pool, ReLU, residual(16), conv 16→32 k5, pool, ReLU, residual(32),
    flatten 512, FC 512→10."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=5)
        self.residual1 = ResidualBlock(16)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=5)
        self.residual2 = ResidualBlock(32)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(512, 10)

    def forward_trace(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        _check_input(x)
        t: dict[str, torch.Tensor] = {}
        t["conv1"] = x = self.conv1(x)  # (B, 16, 24, 24)
        t["pool1"] = x = self.pool(x)  # (B, 16, 12, 12)
        t["relu1"] = x = F.relu(x)
        t["residual1"] = x = self.residual1(x)  # (B, 16, 12, 12)
        t["conv2"] = x = self.conv2(x)  # (B, 32, 8, 8)
        t["pool2"] = x = self.pool(x)  # (B, 32, 4, 4)
        t["relu2"] = x = F.relu(x)
        t["residual2"] = x = self.residual2(x)  # (B, 32, 4, 4)
        t["flatten"] = x = x.flatten(1)  # (B, 512)
        t["logits"] = self.fc(x)  # (B, 10)
        return t


MODELS: dict[str, type[DigitNet]] = {"basic": BasicNet, "inception": InceptionNet, "residual": ResidualNet}


# The recipes behind the shipped weights (scripts/train_digits.py): Adam with a one-cycle schedule.
RECIPES: dict[str, TrainConfig] = {
    "basic": TrainConfig(epochs=10, batch_size=64, lr=0.01, optimizer="adam", schedule="onecycle"),
    "inception": TrainConfig(epochs=6, batch_size=64, lr=0.004, optimizer="adam", schedule="onecycle"),
    "residual": TrainConfig(epochs=8, batch_size=64, lr=0.005, optimizer="adam", schedule="onecycle"),
}


def _check_name(name: str) -> None:
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; known: {', '.join(MODELS)}")


def build(name: str) -> DigitNet:
    """A freshly initialised model (seed torch before calling for the same weights)."""
    _check_name(name)
    return MODELS[name]()


def fit(
    name: str,
    cfg: TrainConfig | None = None,
    max_shift: int = MAX_SHIFT,
    split: MnistSplit | None = None,
    report: Callable[[Event], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[DigitNet, TrainResult]:
    """Train model `name` from scratch (initialised with torch.manual_seed(cfg.seed)) on the
    training split, evaluated on the held-out split after every epoch; cfg defaults to its recipe."""
    _check_name(name)
    cfg = cfg or RECIPES[name]
    split = split or mnist_split()
    with seeded_global_rng(cfg.seed):
        model = build(name)  # (B, 1, 28, 28) → (B, 10)
    result = train(
        model,
        (split.x_train, split.y_train),
        (split.x_held_out, split.y_held_out),
        cfg,
        report=report,
        should_stop=should_stop,
        augment=(lambda x, g: random_shift(x, max_shift, g)) if max_shift else None,
    )
    return model, result


def weights_path(name: str) -> Path:
    """Where the shipped state_dict of model `name` lives (a JSON of its training run beside it)."""
    _check_name(name)
    return WEIGHTS_DIR / f"digits_{name}.pt"


def load_pretrained(name: str = DEFAULT_MODEL) -> DigitNet:
    """The shipped trained model, in eval mode."""
    model = build(name)
    path = weights_path(name)
    if not path.exists():
        raise ValueError(f"no shipped weights for model {name!r} at {path}")
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model.eval()


def training_record(name: str = DEFAULT_MODEL) -> dict:
    """The JSON written beside the weights: accuracy, seconds, epochs, seed, hyperparameters."""
    path = weights_path(name).with_suffix(".json")
    if not path.exists():
        raise ValueError(f"no training record for model {name!r} at {path}")
    return json.loads(path.read_text())


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@torch.no_grad()
def predict(model: nn.Module, pixels: torch.Tensor) -> torch.Tensor:
    """Class probabilities (B, 10) for digits with pixels 0–255, white on black, (28, 28),
    (B, 28, 28) or (B, 1, 28, 28)."""
    if pixels.ndim == 2:
        pixels = pixels[None]  # (1, 28, 28)
    x = standardise(pixels)  # (B, 1, 28, 28)
    return F.softmax(model(x), dim=1)  # (B, 10)
