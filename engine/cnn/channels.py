"""§1.1 The input layer: an RGB image is three matrices of brightness 0–255; grayscale is one."""

import numpy as np
import torch

# ITU-R BT.601 luma weights, the ones Pillow's "L" mode uses.
LUMA = (0.299, 0.587, 0.114)


def to_channels(rgb: np.ndarray) -> torch.Tensor:
    """(H, W, 3) uint8 → (3, H, W) float32 with values 0–255 (R, G, B)."""
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) array, got shape {rgb.shape}")
    return torch.tensor(rgb, dtype=torch.float32).permute(2, 0, 1).contiguous()  # (3, H, W)


def to_pixels(x: torch.Tensor) -> torch.Tensor:
    """Brightness 0–255 as whole bytes (uint8), rounded: the matrices as an image file holds them."""
    return x.round().to(torch.uint8)


def grayscale(x: torch.Tensor) -> torch.Tensor:
    """(3, H, W) → (1, H, W): the weighted sum of R, G and B."""
    if x.ndim != 3 or x.shape[0] != 3:
        raise ValueError(f"expected a (3, H, W) tensor, got shape {tuple(x.shape)}")
    w = torch.tensor(LUMA, dtype=x.dtype).view(3, 1, 1)
    return (x * w).sum(dim=0, keepdim=True)  # (1, H, W)


def patch(x: torch.Tensor, top: int, left: int, size: int) -> torch.Tensor:
    """(C, H, W) → (C, size, size), the square window at (top, left), clipped to the image."""
    if size < 1:
        raise ValueError(f"size must be at least 1, got {size}")
    _, h, w = x.shape
    top, left = max(0, min(top, h - 1)), max(0, min(left, w - 1))
    return x[:, top : top + size, left : left + size]
