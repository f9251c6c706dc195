"""Augmentation for a few examples: each training picture turned, scaled and moved a little.

With ten drawings of a class the net would learn those ten; moved, turned and scaled copies teach
it that a triangle stays a triangle wherever it sits. One affine map per picture,

    output(p) = input(A⁻¹ (p − t)),   A = s · R(θ),

is sampled by `F.affine_grid` / `F.grid_sample` in coordinates where the picture spans −1…1, so a
shift of `max_shift` is a fraction of the side. Uncovered corners get the background: `fill="min"`
(a drawing's black paper, its smallest value) or `fill="border"` (a photo's edge pixels)."""

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

FILLS = ("min", "border")


@dataclass(frozen=True)
class Jitter:
    degrees: float = 15.0  # rotation drawn from ±degrees
    scale: tuple[float, float] = (0.85, 1.15)  # zoom factor drawn from this range
    shift: float = 0.1  # translation drawn from ±shift of the side, on each axis

    def __post_init__(self) -> None:
        if not 0 <= self.degrees <= 180:
            raise ValueError(f"degrees must be in 0…180, got {self.degrees}")
        lo, hi = self.scale
        if not 0 < lo <= hi:
            raise ValueError(f"scale must be a range 0 < low ≤ high, got {self.scale}")
        if not 0 <= self.shift <= 1:
            raise ValueError(f"shift must be in 0…1 of the side, got {self.shift}")


def affine_matrices(angle: torch.Tensor, scale: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """(B,) radians, (B,) zoom, (B, 2) shift in −1…1 units → (B, 2, 3) matrices for affine_grid,
    which maps output coordinates to input ones: the inverse of zoom-and-turn, then the shift."""
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale  # (B,)
    tx = -(cos * shift[:, 0] + sin * shift[:, 1])
    ty = -(-sin * shift[:, 0] + cos * shift[:, 1])
    row0 = torch.stack([cos, sin, tx], dim=1)  # (B, 3)
    row1 = torch.stack([-sin, cos, ty], dim=1)
    return torch.stack([row0, row1], dim=1)  # (B, 2, 3)


def transform(x: torch.Tensor, theta: torch.Tensor, fill: str = "min") -> torch.Tensor:
    """Warp each picture (B, C, H, W) by its matrix (B, 2, 3), bilinear."""
    if fill not in FILLS:
        raise ValueError(f"fill must be one of {', '.join(FILLS)}, got {fill!r}")
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)  # (B, H, W, 2)
    if fill == "border":
        return F.grid_sample(x, grid, padding_mode="border", align_corners=False)
    background = x.amin(dim=(1, 2, 3), keepdim=True)  # (B, 1, 1, 1)
    return F.grid_sample(x - background, grid, padding_mode="zeros", align_corners=False) + background


def random_affine(
    x: torch.Tensor, generator: torch.Generator | None = None, jitter: Jitter = Jitter(), fill: str = "min"
) -> torch.Tensor:
    """(B, C, H, W) → the same pictures, each turned, scaled and moved by its own random draw."""
    b = len(x)
    angle = (torch.rand(b, generator=generator) * 2 - 1) * math.radians(jitter.degrees)  # (B,)
    lo, hi = jitter.scale
    scale = lo + torch.rand(b, generator=generator) * (hi - lo)  # (B,)
    shift = (torch.rand(b, 2, generator=generator) * 2 - 1) * (2 * jitter.shift)  # (B, 2): side = 2 units
    return transform(x, affine_matrices(angle, scale, shift), fill)
