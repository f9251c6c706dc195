"""The course's practice CNNs for 28×28 grayscale digits (10 classes), and their shipped weights.

Every net is conv → pool → ReLU twice, then flatten and one fully connected layer; the Inception
and residual nets add a block after each ReLU. `forward_trace(x)` returns every named stage's
output in order (conv1, pool1, relu1, …, flatten, logits) so a page can draw each layer."""

import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from engine.cnn.channels import grayscale
from engine.cnn.inception import InceptionBlock
from engine.cnn.residual import ResidualBlock
from engine.data.mnist import MnistSplit, load_digits, mnist_split, random_shift, standardise
from engine.data.preprocess import DigitStages, mnist_style
from engine.errors import FieldError
from engine.seeding import seeded_global_rng
from engine.train import Event, TrainConfig, TrainResult, evaluate, train

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
DEFAULT_MODEL = "residual"
MAX_SHIFT = 1  # augmentation: each training digit moves by up to 1 pixel each way
MISREAD_SHOWN = 24  # misread held-out digits a report keeps, with their pixels


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


@lru_cache
def shipped_model(name: str = DEFAULT_MODEL) -> DigitNet:
    """The shipped model `name`, loaded once per process and shared: read it, never train it."""
    return load_pretrained(name)


def training_record(name: str = DEFAULT_MODEL) -> dict:
    """The JSON written beside the weights: accuracy, seconds, epochs, seed, hyperparameters."""
    path = weights_path(name).with_suffix(".json")
    if not path.exists():
        raise ValueError(f"no training record for model {name!r} at {path}")
    return json.loads(path.read_text())


@torch.no_grad()
def layer_shapes(model: DigitNet) -> list[tuple[str, list[int]]]:
    """Each stage's name and output shape for one digit (batch axis dropped), input to logits."""
    return [(k, list(v.shape[1:])) for k, v in model.forward_trace(torch.zeros(1, 1, 28, 28)).items()]


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


@dataclass
class Misread:
    index: int  # into the 10,000 shipped digits
    label: int
    predicted: int


@dataclass
class HeldOutReport:
    accuracy: float
    confusion: torch.Tensor  # (10, 10) int64: row = true digit, column = predicted
    misread_count: int
    misread: list[Misread]  # the first MISREAD_SHOWN
    misread_images: torch.Tensor  # (M, 28, 28) uint8 pixels of those, white digit on black


@torch.no_grad()
def held_out_report(model: nn.Module, split: MnistSplit | None = None) -> HeldOutReport:
    """How `model` reads the held-out digits: accuracy, confusion, the first misread digits."""
    split = split or mnist_split()
    ev = evaluate(model, split.x_held_out, split.y_held_out)
    shown = ev.misread[:MISREAD_SHOWN]
    images, _ = load_digits()
    index = split.held_out_index[shown]
    return HeldOutReport(
        accuracy=ev.accuracy,
        confusion=ev.confusion,
        misread_count=len(ev.misread),
        misread=[
            Misread(int(i), int(split.y_held_out[j]), int(ev.predicted[j]))
            for i, j in zip(index.tolist(), shown.tolist(), strict=True)
        ],
        misread_images=images[index],
    )


@lru_cache
def shipped_report(name: str = DEFAULT_MODEL) -> HeldOutReport:
    """The held-out report of a shipped model, computed once per process."""
    return held_out_report(shipped_model(name))


@dataclass
class Reading:
    """A picture read by a digit model: its MNIST-style stages, every layer's output, the answer."""

    stages: DigitStages
    layers: dict[str, torch.Tensor]  # stage name → its output for the one digit (batch axis dropped)
    logits: torch.Tensor  # (10,)
    probabilities: torch.Tensor  # (10,) softmax of the logits
    prediction: int


@torch.no_grad()
def read_digit(model: DigitNet, gray: torch.Tensor) -> Reading:
    """(H, W) gray levels 0–255, any ink colour → the model's reading of it, made MNIST-like first
    (FieldErrors "gray" from engine.data.preprocess for a picture it cannot read)."""
    stages = mnist_style(gray)
    trace = model.forward_trace(standardise(stages.centred[None]))  # {name: (1, ...)}
    logits = trace["logits"][0]  # (10,)
    probs = F.softmax(logits, dim=0)
    return Reading(stages, {k: v[0] for k, v in trace.items()}, logits, probs, int(probs.argmax()))


@dataclass
class TrainedBlockInput:
    """A picture read as a digit by the Inception net, up to its first Inception block."""

    digit: torch.Tensor  # (28, 28) the MNIST-style digit the net read, 0–255
    input: torch.Tensor  # (10, 12, 12) conv1 → pool → ReLU: what the block receives
    block: InceptionBlock  # the net's inception1


@torch.no_grad()
def first_inception_block(net: InceptionNet, x: torch.Tensor) -> TrainedBlockInput:
    """x (1 or 3, H, W), 0–255 → the digit it shows, the input of net's first Inception block, and
    that block (FieldErrors "x" for other channel counts, "gray" for a picture with no digit)."""
    if x.shape[0] not in (1, 3):
        raise FieldError("x", "digit_channels", "a digit must have 1 or 3 channels, got {c}", c=x.shape[0])
    gray = grayscale(x) if x.shape[0] == 3 else x  # (1, H, W)
    s = mnist_style(gray[0])
    trace = net.forward_trace(standardise(s.centred[None]))  # {stage: (1, ...)}
    return TrainedBlockInput(s.centred, trace["relu1"][0], net.inception1)
