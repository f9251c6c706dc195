"""The network at a glance: every stage of a digit CNN as one column of maps, and how any one map
was made.

    input (28, 28) ─ conv1 ─ pool1 ─ relu1 ─ [block] ─ conv2 ─ pool2 ─ relu2 ─ [block] ─ flatten ─ fc

An Inception block is one column of four stages side by side (its branches 1×1, 5×5, 3×3 and pool);
a residual block is two columns, F(x) = conv(ReLU(conv(x))) and relu(x + F(x)). Each stage names the
drawn stages it reads (`sources`), so a drawing can join each column to the ones that feed it. The
last operation of a stage reads `inputs`: the source's maps themselves, or a step of the block that
is not drawn (`via`: the 1×1 reduction before a 5×5 branch, for instance)."""

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from engine.cnn.inception import InceptionBlock
from engine.cnn.residual import ResidualBlock
from engine.data.mnist import standardise
from engine.data.preprocess import mnist_style
from engine.errors import FieldError
from engine.models.digits import BasicNet, DigitNet, InceptionNet, ResidualNet

POOL = 2  # every net's max pooling: window 2, stride 2


@dataclass
class Stage:
    name: str  # "conv1", "inception1.5x5", "residual1.add"
    column: str  # stages of one column are drawn side by side ("inception1" holds four)
    kind: str  # "conv", "pool", "relu" or "add"
    sources: tuple[str, ...]  # the drawn stages it reads ("input" is the 28×28 digit)
    output: torch.Tensor  # (C, H, W)
    inputs: torch.Tensor  # (C_in, H_in, W_in) what the stage's last operation reads ("add": x)
    via: str | None = None  # the block's undrawn step between the sources and `inputs`, if any
    conv: nn.Conv2d | None = None  # "conv": the layer
    residual: torch.Tensor | None = None  # "add": F(x), (C, H, W)


@dataclass
class DigitStages:
    input: torch.Tensor  # (28, 28) the model's input, pixels 0–255, white ink on black
    stages: list[Stage]
    flatten: torch.Tensor  # (F,) the last maps as one vector
    logits: torch.Tensor  # (K,)
    probabilities: torch.Tensor  # (K,) softmax of the logits

    @property
    def prediction(self) -> int:
        return int(self.probabilities.argmax())


@dataclass
class MapMaking:
    """Everything that made map `channel` of one stage."""

    output: torch.Tensor  # (H, W) the map
    inputs: torch.Tensor  # conv: (C_in, H_in, W_in) all maps it reads; pool, relu: (1, H_in, W_in)
    # the same channel before the operation; add: (2, H, W) x and F(x) of that channel
    kernel: torch.Tensor | None  # conv: (C_in, k, k) this output channel's kernels
    bias: float | None
    padding: int  # conv padding (0 for pool, relu, add)
    stride: int  # 2 for pooling, else 1
    window: int  # the side of the window one output value reads: k for conv, 2 for pool, 1 otherwise


def _conv(
    name: str, column: str, conv: nn.Conv2d, x: torch.Tensor, sources: tuple[str, ...], via: str | None = None
) -> Stage:
    return Stage(name, column, "conv", sources, conv(x), x, via, conv)  # x (C_in, H, W) → (C_out, H', W')


def _front(net: DigitNet, x: torch.Tensor, k: int, sources: tuple[str, ...]) -> list[Stage]:
    """conv{k} → pool{k} → relu{k} reading x (C, H, W), the maps of the drawn stages `sources`."""
    conv = _conv(f"conv{k}", f"conv{k}", getattr(net, f"conv{k}"), x, sources)  # (C', H − 4, W − 4)
    pool = Stage(f"pool{k}", f"pool{k}", "pool", (conv.name,), F.max_pool2d(conv.output, POOL), conv.output)
    relu = Stage(f"relu{k}", f"relu{k}", "relu", (pool.name,), F.relu(pool.output), pool.output)
    return [conv, pool, relu]


def _inception(block: InceptionBlock, x: torch.Tensor, column: str, source: str) -> list[Stage]:
    """The four branches, each its last layer reading what the branch made of x (C, H, W)."""
    src = (source,)
    reduced_3x3 = block.branch3x3_2(block.branch3x3_1(x))  # 1×1 then the first 3×3
    return [
        _conv(f"{column}.1x1", column, block.branch1x1, x, src),
        _conv(f"{column}.5x5", column, block.branch5x5_2, block.branch5x5_1(x), src, "reduce"),
        _conv(f"{column}.3x3", column, block.branch3x3_3, reduced_3x3, src, "reduce_3x3"),
        _conv(f"{column}.pool", column, block.branch_pool_proj, block.branch_pool(x), src, "avg_pool"),
    ]


def _residual(block: ResidualBlock, x: torch.Tensor, name: str, source: str) -> list[Stage]:
    """F(x) = conv2(relu(conv1(x))) and relu(x + F(x)), for x (C, H, W)."""
    hidden = F.relu(block.conv1(x))  # (C, H, W)
    f = _conv(f"{name}.f", f"{name}.f", block.conv2, hidden, (source,), "conv_relu")
    add = Stage(
        f"{name}.add", f"{name}.add", "add", (source, f.name), F.relu(x + f.output), x, residual=f.output
    )
    return [f, add]


def _block(net: DigitNet, x: torch.Tensor, k: int, source: str) -> list[Stage]:
    if isinstance(net, InceptionNet):
        return _inception(getattr(net, f"inception{k}"), x, f"inception{k}", source)
    if isinstance(net, ResidualNet):
        return _residual(getattr(net, f"residual{k}"), x, f"residual{k}", source)
    return []


def column_output(stages: list[Stage], column: str) -> tuple[torch.Tensor, tuple[str, ...]]:
    """The maps a column hands on: its stages' outputs stacked along channels, and their names."""
    mine = [s for s in stages if s.column == column]
    return torch.cat([s.output for s in mine]), tuple(s.name for s in mine)


@torch.no_grad()
def read(net: DigitNet, pixels: torch.Tensor) -> DigitStages:
    """Every stage of `net` (eval mode) for one digit, pixels (28, 28) 0–255 white ink on black."""
    if not isinstance(net, (BasicNet, InceptionNet, ResidualNet)):
        raise ValueError(f"expected one of the course's digit nets, got {type(net).__name__}")
    if tuple(pixels.shape) != (28, 28) or pixels.min() < 0 or pixels.max() > 255:
        raise FieldError(
            "pixels",
            "digit_pixels",
            "expected (28, 28) pixels 0–255, got shape {shape}",
            shape=list(pixels.shape),
        )
    x = standardise(pixels[None])[0]  # (1, 28, 28)
    sources: tuple[str, ...] = ("input",)
    stages: list[Stage] = []
    for k in (1, 2):
        front = _front(net, x, k, sources)
        stages += front + _block(net, front[-1].output, k, front[-1].name)
        x, sources = column_output(stages, stages[-1].column)  # what the next conv (or the fc) reads
    flat = x.flatten()  # (C·H·W,)
    logits = net.fc(flat)  # (K,)
    return DigitStages(pixels.float(), stages, flat, logits, F.softmax(logits, dim=0))


def read_picture(net: DigitNet, gray: torch.Tensor) -> DigitStages:
    """A picture of a digit (H, W), gray levels 0–255, any ink colour, made MNIST-style first (as
    /api/digits/predict does); BlankDrawing when it holds no ink."""
    return read(net, mnist_style(gray).centred)


def find(stages: list[Stage], name: str) -> Stage:
    for s in stages:
        if s.name == name:
            return s
    known = ", ".join(s.name for s in stages)
    raise FieldError(
        "stage", "unknown_stage", "unknown stage {name!r}; known: {known}", name=name, known=known
    )


@torch.no_grad()
def making(stage: Stage, channel: int) -> MapMaking:
    """The maps, kernel and settings behind map `channel` of `stage`."""
    c_out = stage.output.shape[0]
    if not 0 <= channel < c_out:
        raise FieldError(
            "channel",
            "stage_channel",
            "must be 0–{last} for stage {stage!r}, got {channel}",
            last=c_out - 1,
            stage=stage.name,
            channel=channel,
        )
    out = stage.output[channel]  # (H, W)
    if stage.kind == "conv" and (conv := stage.conv) is not None:
        bias = float(conv.bias[channel]) if conv.bias is not None else None
        k = conv.kernel_size[0]
        return MapMaking(out, stage.inputs, conv.weight[channel].detach(), bias, conv.padding[0], 1, k)
    if stage.kind == "add" and stage.residual is not None:
        pair = torch.stack([stage.inputs[channel], stage.residual[channel]])  # (2, H, W)
        return MapMaking(out, pair, None, None, 0, 1, 1)
    window = POOL if stage.kind == "pool" else 1
    return MapMaking(out, stage.inputs[channel : channel + 1], None, None, 0, window, window)


def map_of(net: DigitNet, pixels: torch.Tensor, stage: str, channel: int) -> tuple[Stage, MapMaking]:
    """Map `channel` of the stage named `stage` for one digit (28, 28): the stage and how it was made."""
    found = find(read(net, pixels).stages, stage)
    return found, making(found, channel)
