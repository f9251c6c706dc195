"""§2.1 The Inception block: four parallel branches see the same input with different kernel
sizes, and their maps are stacked along the channel axis (height and width must agree).

The branch widths are the course's practice net (GoogLeNet's module, scaled down):
  1: 1×1 → 16
  2: 1×1 → 16, 5×5 → 24 (padding 2)
  3: 1×1 → 16, 3×3 → 24, 3×3 → 24 (padding 1)
  4: 3×3 average pool (stride 1, padding 1), 1×1 → 24
  concatenated: 16 + 24 + 24 + 24 = 88 channels, same H and W as the input.

What §2.1 shows beside it: each branch's layers counted (`block_costs`), the block with every padding
set to 0 (`without_padding`: the branches' sizes then differ and torch.cat refuses them), a block
drawn from a seed (`seeded_block`), and one run of the branches and their join (`run_block`)."""

import copy
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from engine.cnn.cost import LayerCost, conv_multiplications, conv_parameters, seed_conv_weights
from engine.cnn.shape import output_size
from engine.errors import FieldError

BRANCH_NAMES = ("1x1", "5x5", "3x3", "pool")


@dataclass
class InceptionBranches:
    """The four branch outputs, each (B, C_k, H, W); their channels add up to the block's."""

    conv1x1: torch.Tensor
    conv5x5: torch.Tensor
    conv3x3: torch.Tensor
    pool: torch.Tensor

    def as_tuple(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        return self.conv1x1, self.conv5x5, self.conv3x3, self.pool


class InceptionBlock(nn.Module):
    """(B, in_channels, H, W) → (B, out_channels, H, W) with out_channels = the four widths' sum."""

    def __init__(
        self,
        in_channels: int,
        width_1x1: int = 16,
        reduce_5x5: int = 16,
        width_5x5: int = 24,
        reduce_3x3: int = 16,
        width_3x3: int = 24,
        width_pool: int = 24,
    ) -> None:
        super().__init__()
        widths = dict(
            in_channels=in_channels,
            width_1x1=width_1x1,
            reduce_5x5=reduce_5x5,
            width_5x5=width_5x5,
            reduce_3x3=reduce_3x3,
            width_3x3=width_3x3,
            width_pool=width_pool,
        )
        for name, value in widths.items():
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        self.branch1x1 = nn.Conv2d(in_channels, width_1x1, kernel_size=1)
        self.branch5x5_1 = nn.Conv2d(in_channels, reduce_5x5, kernel_size=1)
        self.branch5x5_2 = nn.Conv2d(reduce_5x5, width_5x5, kernel_size=5, padding=2)
        self.branch3x3_1 = nn.Conv2d(in_channels, reduce_3x3, kernel_size=1)
        self.branch3x3_2 = nn.Conv2d(reduce_3x3, width_3x3, kernel_size=3, padding=1)
        self.branch3x3_3 = nn.Conv2d(width_3x3, width_3x3, kernel_size=3, padding=1)
        self.branch_pool = nn.AvgPool2d(kernel_size=3, stride=1, padding=1)
        self.branch_pool_proj = nn.Conv2d(in_channels, width_pool, kernel_size=1)
        self.out_channels = width_1x1 + width_5x5 + width_3x3 + width_pool

    def branches(self, x: torch.Tensor) -> InceptionBranches:
        """Each branch's output on its own, before concatenation."""
        b1 = self.branch1x1(x)  # (B, 16, H, W)
        b2 = self.branch5x5_2(self.branch5x5_1(x))  # (B, 16, H, W) → (B, 24, H, W)
        b3 = self.branch3x3_3(self.branch3x3_2(self.branch3x3_1(x)))  # (B, 16, H, W) → (B, 24, H, W)
        b4 = self.branch_pool_proj(self.branch_pool(x))  # (B, C, H, W) → (B, 24, H, W)
        return InceptionBranches(conv1x1=b1, conv5x5=b2, conv3x3=b3, pool=b4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat(self.branches(x).as_tuple(), dim=1)  # (B, 88, H, W)


def block_branches(block: InceptionBlock) -> list[list[nn.Module]]:
    """The block's modules in each branch's order (1×1; 1×1, 5×5; 1×1, 3×3, 3×3; pool, 1×1)."""
    return [
        [block.branch1x1],
        [block.branch5x5_1, block.branch5x5_2],
        [block.branch3x3_1, block.branch3x3_2, block.branch3x3_3],
        [block.branch_pool, block.branch_pool_proj],
    ]


def block_costs(
    block: InceptionBlock, in_channels: int, height: int, width: int, padded: bool = True
) -> list[list[LayerCost]]:
    """Each branch's layers with their output shapes, multiplications and parameters, for a
    (C, H, W) input; padded=False gives the shapes with every padding set to 0, a FieldError
    ("padding") when a 5×5 kernel no longer fits such an input."""
    if not padded and min(height, width) < 5:
        raise FieldError(
            "padding",
            "inception_unpadded",
            "without padding the branches need H, W ≥ 5, the input is {h}×{w}",
            h=height,
            w=width,
        )
    out = []
    for branch in block_branches(block):
        c, h, w = in_channels, height, width
        layers = []
        for m in branch:
            is_conv = isinstance(m, nn.Conv2d)
            if is_conv:
                k, c_out, pad = m.kernel_size[0], m.out_channels, m.padding[0]
            else:  # the average pool keeps the channels
                k, c_out, pad = m.kernel_size, c, m.padding
            pad = pad if padded else 0
            h, w = output_size(h, k, pad), output_size(w, k, pad)
            layers.append(
                LayerCost(
                    name=f"{k}×{k} {'conv' if is_conv else 'avg pool'}",
                    in_channels=c,
                    out_channels=c_out,
                    kernel=k,
                    padding=pad,
                    output_shape=(c_out, h, w),
                    multiplications=conv_multiplications(c, c_out, k, h, w) if is_conv else 0,
                    parameters=conv_parameters(c, c_out, k) if is_conv else 0,
                )
            )
            c = c_out
        out.append(layers)
    return out


def without_padding(block: InceptionBlock) -> InceptionBlock:
    """A copy of the block (same weights) with every padding set to 0: the branches then shrink H
    and W by different amounts and torch.cat can no longer join them."""
    bare = copy.deepcopy(block)
    for m in bare.modules():
        if isinstance(m, nn.Conv2d):
            m.padding = (0, 0)
        elif isinstance(m, nn.AvgPool2d):
            m.padding = 0
    return bare


def fit_side(x: torch.Tensor, max_side: int) -> torch.Tensor:
    """(C, H, W) → (C, H', W'), scaled down by area averaging so that max(H', W') ≤ max_side."""
    h, w = x.shape[1:]
    if max(h, w) <= max_side:
        return x
    scale = max_side / max(h, w)
    size = (max(1, round(h * scale)), max(1, round(w * scale)))
    return F.interpolate(x[None], size=size, mode="area")[0]  # (C, H', W')


def seeded_block(in_channels: int, seed: int, **widths: int) -> InceptionBlock:
    """InceptionBlock(in_channels, **widths) with the weights torch.manual_seed(seed) would give it."""
    with torch.device("meta"):
        block = InceptionBlock(in_channels, **widths)
    return seed_conv_weights(block, seed)


@dataclass
class BlockRun:
    branches: list[torch.Tensor]  # 4 × (C_k, H', W'), in BRANCH_NAMES order
    output: torch.Tensor | None  # (Σ C_k, H, W); None when torch.cat refuses the branches
    cat_error: str | None  # torch.cat's own error then
    channels: list[tuple[int, int]] | None  # [start, stop) of each branch's maps in the output


@torch.no_grad()
def run_block(block: InceptionBlock, x: torch.Tensor, padded: bool = True) -> BlockRun:
    """The four branches on x (C, H, W) and their concatenation, exactly as the block's forward
    joins them (so without padding the error is torch's own)."""
    run = block if padded else without_padding(block)
    outs = run.branches(x[None]).as_tuple()  # 4 × (1, C_k, H', W')
    try:
        y, error = torch.cat(outs, dim=1)[0], None  # (Σ C_k, H, W)
    except RuntimeError as e:
        y, error = None, str(e)
    stops = torch.tensor([o.shape[1] for o in outs]).cumsum(0).tolist()
    channels = list(zip([0, *stops[:-1]], stops, strict=True)) if y is not None else None
    return BlockRun([o[0] for o in outs], y, error, channels)
