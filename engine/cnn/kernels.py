"""A library of named 3×3 kernels, the classics of image processing.

Each is a (3, 3) float32 tensor; `weight` stacks named kernels into the (B, C, a, a) weight of a
convolution that applies kernel b to every one of the C input channels (summed, as conv2d does)."""

import torch

_K = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "edge": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "edge_horizontal": [[-1, -1, -1], [0, 0, 0], [1, 1, 1]],
    "edge_vertical": [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]],
    "sobel_x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "sobel_y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "blur": [[1 / 9] * 3] * 3,
    "gaussian": [[1 / 16, 2 / 16, 1 / 16], [2 / 16, 4 / 16, 2 / 16], [1 / 16, 2 / 16, 1 / 16]],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "emboss": [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
}

KERNEL_NAMES: tuple[str, ...] = tuple(_K)


def kernel(name: str) -> torch.Tensor:
    """The named kernel, (3, 3)."""
    if name not in _K:
        raise ValueError(f"unknown kernel {name!r}; known: {', '.join(KERNEL_NAMES)}")
    return torch.tensor(_K[name], dtype=torch.float32)


def weight(names: list[str], in_channels: int) -> torch.Tensor:
    """(B, C, 3, 3): group b holds kernel names[b] on each of the C channels, divided by C so that
    the sum over channels stays in the input's range."""
    if in_channels < 1:
        raise ValueError(f"in_channels must be at least 1, got {in_channels}")
    k = torch.stack([kernel(n) for n in names])  # (B, 3, 3)
    return k[:, None].expand(-1, in_channels, -1, -1) / in_channels  # (B, C, 3, 3)
