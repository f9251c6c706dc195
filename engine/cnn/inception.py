"""§2.1 The Inception block: four parallel branches see the same input with different kernel
sizes, and their maps are stacked along the channel axis (height and width must agree).

The branch widths are the course's practice net (GoogLeNet's module, scaled down):
  1: 1×1 → 16
  2: 1×1 → 16, 5×5 → 24 (padding 2)
  3: 1×1 → 16, 3×3 → 24, 3×3 → 24 (padding 1)
  4: 3×3 average pool (stride 1, padding 1), 1×1 → 24
  concatenated: 16 + 24 + 24 + 24 = 88 channels, same H and W as the input."""

from dataclasses import dataclass

import torch
from torch import nn

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
