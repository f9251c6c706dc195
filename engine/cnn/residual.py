"""§2.3 The residual block: instead of learning H(x) directly, two convolutions learn the
residual F(x) = H(x) − x and a skip connection adds x back, so ∂H/∂x = ∂F/∂x + 1 and the gradient
has a path through the block that is never multiplied down to zero.

    F(x) = conv2(relu(conv1(x)))       two 3×3 convolutions, padding 1: shape is kept
    y    = relu(x + F(x))

With `skip=False` the same block is a plain one, y = relu(F(x)), for comparing the two."""

import torch
import torch.nn.functional as F
from torch import nn


class ResidualBlock(nn.Module):
    """(B, C, H, W) → (B, C, H, W)."""

    def __init__(self, channels: int, skip: bool = True) -> None:
        super().__init__()
        if channels < 1:
            raise ValueError(f"channels must be at least 1, got {channels}")
        self.channels = channels
        self.skip = skip
        self.conv1 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        """F(x), the part the two convolutions learn."""
        return self.conv2(F.relu(self.conv1(x)))  # (B, C, H, W)

    def pre_activation(self, x: torch.Tensor) -> torch.Tensor:
        """x + F(x) (or F(x) alone without the skip), before the final ReLU."""
        f = self.residual(x)
        return x + f if self.skip else f

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.pre_activation(x))  # (B, C, H, W)
