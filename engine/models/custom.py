"""The nets a learner trains on their own classes, in two modes:

- "scratch": every weight starts random and is trained;
- "transfer": the convolution layers of the course's shipped basic digit model (trained on 8,000
  MNIST digits) are copied and frozen, and only a new fully connected layer, one output per class,
  is trained. Its features already respond to strokes, edges and corners, so a few examples only
  have to teach which mix of them means which class: far fewer weights to fit (321·K instead of
  5,280 + 321·K for drawings).

Drawings (1×28×28) use the basic digit net's layout in both modes. Photos (3×64×64) use TinyVGG
(CNN Explainer's net) from scratch; in transfer mode the photo is first turned gray (the digit
model has only ever seen one channel) and the digit model's convolutions run over the 64×64 gray
picture, so transfer on photos borrows edge and stroke detectors but cannot see colour.

Every net's `forward_trace(x)` returns every named stage's output in order, ending with "logits"."""

from abc import ABC, abstractmethod
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from engine.cnn.channels import LUMA
from engine.data.custom import DIGIT_SIDE, INPUTS, PHOTO_SIDE, model_input
from engine.data.mnist import MEAN, STD
from engine.models.digit_stages import Stage
from engine.models.digits import load_pretrained
from engine.seeding import seeded_global_rng

MODES = ("scratch", "transfer")
TRANSFER_FROM = "basic"  # the shipped digit model whose convolutions are reused


class CustomNet(nn.Module, ABC):
    """Base: forward is the last stage of forward_trace."""

    fc: nn.Linear

    @property
    @abstractmethod
    def first_conv(self) -> nn.Conv2d:
        """The first convolution, whose kernels the page shows."""

    @abstractmethod
    def forward_trace(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Every named stage's output, in order, ending with "logits" (B, K)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_trace(x)["logits"]  # (B, K)


def _check(x: torch.Tensor, channels: int, side: int) -> None:
    if x.ndim != 4 or tuple(x.shape[1:]) != (channels, side, side):
        raise ValueError(f"expected inputs of shape (B, {channels}, {side}, {side}), got {tuple(x.shape)}")


def digit_gray(x: torch.Tensor) -> torch.Tensor:
    """Photos (B, 3, H, W) scaled −1…1 → gray (B, 1, H, W) normalised as MNIST digits are."""
    rgb = x * 0.5 + 0.5  # (B, 3, H, W), 0…1
    luma = torch.tensor(LUMA, dtype=x.dtype).view(1, 3, 1, 1)
    gray = (rgb * luma).sum(dim=1, keepdim=True)  # (B, 1, H, W)
    return (gray - MEAN) / STD


class DigitConvNet(CustomNet):
    """The basic digit net's layers on a side×side picture: conv 1→10 k5, pool, ReLU, conv 10→20
    k5, pool, ReLU, flatten, FC → K. With `from_rgb`, a fixed first stage turns a photo gray."""

    def __init__(self, k: int, side: int = DIGIT_SIDE, from_rgb: bool = False) -> None:
        super().__init__()
        self.side, self.from_rgb = side, from_rgb
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.pool = nn.MaxPool2d(2)
        after = ((side - 4) // 2 - 4) // 2  # 28 → 4, 64 → 13
        self.fc = nn.Linear(20 * after * after, k)

    @property
    def first_conv(self) -> nn.Conv2d:
        return self.conv1

    def forward_trace(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        _check(x, 3 if self.from_rgb else 1, self.side)
        t: dict[str, torch.Tensor] = {}
        if self.from_rgb:
            t["gray"] = x = digit_gray(x)  # (B, 1, S, S)
        t["conv1"] = x = self.conv1(x)  # (B, 10, S−4, S−4)
        t["pool1"] = x = self.pool(x)  # (B, 10, (S−4)/2, …)
        t["relu1"] = x = F.relu(x)
        t["conv2"] = x = self.conv2(x)  # (B, 20, …−4, …)
        t["pool2"] = x = self.pool(x)  # (B, 20, 4, 4) for 28, (B, 20, 13, 13) for 64
        t["relu2"] = x = F.relu(x)
        t["flatten"] = x = x.flatten(1)  # (B, 320) or (B, 3380)
        t["logits"] = self.fc(x)  # (B, K)
        return t


class TinyVGG(CustomNet):
    """CNN Explainer's TinyVGG for 3×64×64 photos: two blocks of (conv 3×3, ReLU, conv 3×3, ReLU,
    max pool), 10 channels each, then flatten 10×13×13 = 1,690 and FC → K."""

    def __init__(self, k: int, channels: int = 10) -> None:
        super().__init__()
        self.conv1_1 = nn.Conv2d(3, channels, kernel_size=3)
        self.conv1_2 = nn.Conv2d(channels, channels, kernel_size=3)
        self.conv2_1 = nn.Conv2d(channels, channels, kernel_size=3)
        self.conv2_2 = nn.Conv2d(channels, channels, kernel_size=3)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(channels * 13 * 13, k)

    @property
    def first_conv(self) -> nn.Conv2d:
        return self.conv1_1

    def forward_trace(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        _check(x, 3, PHOTO_SIDE)
        t: dict[str, torch.Tensor] = {}
        t["conv1_1"] = x = self.conv1_1(x)  # (B, 10, 62, 62)
        t["relu1_1"] = x = F.relu(x)
        t["conv1_2"] = x = self.conv1_2(x)  # (B, 10, 60, 60)
        t["relu1_2"] = x = F.relu(x)
        t["pool1"] = x = self.pool(x)  # (B, 10, 30, 30)
        t["conv2_1"] = x = self.conv2_1(x)  # (B, 10, 28, 28)
        t["relu2_1"] = x = F.relu(x)
        t["conv2_2"] = x = self.conv2_2(x)  # (B, 10, 26, 26)
        t["relu2_2"] = x = F.relu(x)
        t["pool2"] = x = self.pool(x)  # (B, 10, 13, 13)
        t["flatten"] = x = x.flatten(1)  # (B, 1690)
        t["logits"] = self.fc(x)  # (B, K)
        return t


def check_mode(kind: str, mode: str) -> None:
    if kind not in INPUTS:
        raise ValueError(f"input must be one of {', '.join(INPUTS)}, got {kind!r}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")


def build(kind: str, mode: str, k: int) -> CustomNet:
    """A net for K classes of `kind` input ("drawing" or "photo") in `mode`, untrained: in transfer
    mode its convolutions hold the shipped digit model's weights, frozen (seed torch first for the
    same random weights)."""
    check_mode(kind, mode)
    if k < 2:
        raise ValueError(f"k (the number of classes) must be at least 2, got {k}")
    if mode == "scratch":
        return DigitConvNet(k) if kind == "drawing" else TinyVGG(k)
    net = DigitConvNet(k) if kind == "drawing" else DigitConvNet(k, side=PHOTO_SIDE, from_rgb=True)
    digits = load_pretrained(TRANSFER_FROM)
    for name in ("conv1", "conv2"):
        layer = getattr(net, name)
        layer.load_state_dict(getattr(digits, name).state_dict())
        layer.requires_grad_(False)
    return net


def trainable(model: nn.Module) -> dict[str, nn.Parameter]:
    return {name: p for name, p in model.named_parameters() if p.requires_grad}


def trainable_count(model: nn.Module) -> int:
    return sum(p.numel() for p in trainable(model).values())


@dataclass
class Inside:
    stages: list[Stage]  # every map-making stage, input side first (as the home page draws them)
    flatten: torch.Tensor  # (F,) the last maps as one vector, the FC layer's input
    logits: torch.Tensor  # (K,)
    probabilities: torch.Tensor  # (K,) softmax of the logits

    @property
    def prediction(self) -> int:
        return int(self.probabilities.argmax())


STAGE_KINDS = (("conv", "conv"), ("gray", "conv"), ("pool", "pool"), ("relu", "relu"))  # name prefix → kind


@torch.no_grad()
def look_inside(model: CustomNet, x: torch.Tensor) -> Inside:
    """One picture (1, C, H, W) through a trained net: every stage (each reading the one before),
    the flattened vector, the logits and the probabilities."""
    if x.ndim != 4 or len(x) != 1:
        raise ValueError(f"expected one picture of shape (1, C, H, W), got {tuple(x.shape)}")
    trace = model.eval().forward_trace(x)  # {name: (1, ...)}
    stages: list[Stage] = []
    source, inputs = "input", x[0]
    for name, out in trace.items():
        if name in ("flatten", "logits"):
            continue
        kind = next(k for prefix, k in STAGE_KINDS if name.startswith(prefix))
        conv = getattr(model, name) if name.startswith("conv") else None
        stages.append(Stage(name, name, kind, (source,), out[0], inputs, conv=conv))  # out (C, H, W)
        source, inputs = name, out[0]
    logits = trace["logits"][0]  # (K,)
    return Inside(stages, trace["flatten"][0], logits, F.softmax(logits, dim=0))


def look_at(model: CustomNet, pixels: torch.Tensor, kind: str) -> Inside:
    """One picture as a set stores it, (28, 28) or (64, 64, 3) 0–255, through a trained net."""
    return look_inside(model, model_input(pixels[None], kind))


def first_kernels(kind: str, mode: str, seed: int) -> torch.Tensor:
    """(C_out, C_in, k, k) the first layer's kernels a training starts from: the digit model's
    (transfer) or random ones seeded as a job seeds them (scratch)."""
    with seeded_global_rng(seed):
        return build(kind, mode, 2).first_conv.weight.detach()
