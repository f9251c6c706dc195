"""Make any picture of a digit look like an MNIST digit, the way MNIST itself was made.

MNIST's digits are white ink on black, the ink's bounding box scaled (keeping its aspect ratio) to
fit 20×20 pixels, then placed in a 28×28 frame so that the ink's centre of mass sits at the
centre. A drawing or photo goes through the same stages here, each kept for the page to show."""

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from engine.errors import FieldError

MIN_SIDE = 8  # smaller pictures hold no readable digit
INK_LEVEL = 40.0  # of 255: lighter than this counts as paper, not ink
MIN_INK_PIXELS = 4
BOX, FRAME = 20, 28


class BlankDrawing(FieldError):
    """There is no ink to read."""

    def __init__(self) -> None:
        super().__init__("gray", "blank_drawing", "the picture is blank: there is no ink to read")


@dataclass
class DigitStages:
    gray: torch.Tensor  # (H, W) the picture in gray levels 0–255
    ink: torch.Tensor  # (H, W) ink bright on dark (inverted if the paper was light)
    cropped: torch.Tensor  # (h, w) the ink's bounding box
    fitted: torch.Tensor  # (h', w') scaled so the longer side is 20
    centred: torch.Tensor  # (28, 28) centred by mass: what the model reads
    inverted: bool
    box: tuple[int, int, int, int]  # top, left, bottom, right (exclusive) of the ink in `ink`
    offset: tuple[int, int]  # where `fitted` was placed in the 28×28 frame (row, column)


def to_ink(gray: torch.Tensor) -> tuple[torch.Tensor, bool]:
    """Ink bright on a dark background: invert when the border (the paper) is mostly light."""
    border = torch.cat([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    inverted = bool(border.median() > 127)
    return (255.0 - gray if inverted else gray), inverted


def ink_box(ink: torch.Tensor) -> tuple[int, int, int, int]:
    mask = ink > INK_LEVEL  # (H, W)
    if int(mask.sum()) < MIN_INK_PIXELS:
        raise BlankDrawing()
    rows = mask.any(dim=1).nonzero().flatten()
    cols = mask.any(dim=0).nonzero().flatten()
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def fit(cropped: torch.Tensor, box: int = BOX) -> torch.Tensor:
    """(h, w) → longer side `box`, aspect kept, anti-aliased like MNIST's grey edges."""
    h, w = cropped.shape
    scale = box / max(h, w)
    size = (max(1, round(h * scale)), max(1, round(w * scale)))
    out = F.interpolate(
        cropped[None, None], size=size, mode="bilinear", antialias=True, align_corners=False
    )  # (1, 1, h', w')
    return out[0, 0].clamp(0, 255)


def centre_of_mass(x: torch.Tensor) -> tuple[float, float]:
    total = x.sum()
    rows = torch.arange(x.shape[0], dtype=x.dtype)
    cols = torch.arange(x.shape[1], dtype=x.dtype)
    return float((x.sum(dim=1) * rows).sum() / total), float((x.sum(dim=0) * cols).sum() / total)


def place(fitted: torch.Tensor, frame: int = FRAME) -> tuple[torch.Tensor, tuple[int, int]]:
    """Put `fitted` in a frame×frame black square so its centre of mass lands at the centre."""
    h, w = fitted.shape
    cy, cx = centre_of_mass(fitted)
    centre = (frame - 1) / 2
    top = min(max(round(centre - cy), 0), frame - h)
    left = min(max(round(centre - cx), 0), frame - w)
    out = torch.zeros(frame, frame)
    out[top : top + h, left : left + w] = fitted
    return out, (top, left)


def mnist_style(gray: torch.Tensor) -> DigitStages:
    """(H, W) gray levels 0–255 → every stage down to the (28, 28) digit the model reads."""
    if gray.ndim != 2:
        raise FieldError(
            "gray", "picture_shape", "expected an (H, W) picture, got shape {shape}", shape=list(gray.shape)
        )
    if min(gray.shape) < MIN_SIDE:
        raise FieldError(
            "gray",
            "picture_small",
            "the picture is {w}×{h}; at least {least}×{least}",
            w=gray.shape[1],
            h=gray.shape[0],
            least=MIN_SIDE,
        )
    gray = gray.float()
    ink, inverted = to_ink(gray)
    top, left, bottom, right = ink_box(ink)
    cropped = ink[top:bottom, left:right]
    fitted = fit(cropped)
    centred, offset = place(fitted)
    return DigitStages(gray, ink, cropped, fitted, centred, inverted, (top, left, bottom, right), offset)
