"""A learner's own examples as tensors: what the model reads, and which examples test it.

Two kinds of input:

- a drawing goes through MNIST's own preprocessing (engine/data/preprocess.py) to a 28×28 white
  digit on black, normalised like the MNIST digits, so the course's digit model can read it;
- a photo is cropped to its centred square and shrunk to 64×64 RGB, the input of CNN Explainer's
  TinyVGG: small enough to train in seconds on a CPU, large enough to keep shapes and colours.

Which examples test the model: with at least `LOO_BELOW` examples in every class, a held-out fifth
of each class (stratified, seeded) never trains it. With fewer, a fifth would be one or two
pictures, so every example is held out once instead (leave-one-out: N more models, each trained
without one example) while the set has at most `LOO_MAX_EXAMPLES[kind]` examples; past that the held-out
fifth is used anyway (shared out by class, so a small class may keep all its examples)."""

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from engine.cnn.channels import grayscale
from engine.data.mnist import MEAN, STD, standardise, stratified_split
from engine.data.preprocess import mnist_style

INPUTS = ("drawing", "photo")
DIGIT_SIDE, PHOTO_SIDE = 28, 64
HELD_OUT_SHARE = 0.2
LOO_BELOW = 10  # a class with fewer examples than this: leave-one-out
# Leave-one-out trains N + 1 models: at most this many examples (TinyVGG costs ~20× the drawing net).
LOO_MAX_EXAMPLES = {"drawing": 60, "photo": 20}
MIN_PER_CLASS = 2  # fewer examples than this in a class: nothing to learn from and test on


def _check_input(kind: str) -> None:
    if kind not in INPUTS:
        raise ValueError(f"input must be one of {', '.join(INPUTS)}, got {kind!r}")


@dataclass
class PhotoStages:
    square: torch.Tensor  # (s, s, 3) uint8: the centred square of the photo
    small: torch.Tensor  # (64, 64, 3) uint8: what the model reads
    box: tuple[int, int, int, int]  # top, left, bottom, right (exclusive) of the square


def centre_square(h: int, w: int) -> tuple[int, int, int, int]:
    """The largest centred square inside an h×w picture: top, left, bottom, right."""
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    return top, left, top + side, left + side


def photo_input(rgb: torch.Tensor, side: int = PHOTO_SIDE) -> PhotoStages:
    """(H, W, 3) uint8 → its centred square, shrunk (anti-aliased) to side×side."""
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) picture, got shape {tuple(rgb.shape)}")
    top, left, bottom, right = centre_square(rgb.shape[0], rgb.shape[1])
    square = rgb[top:bottom, left:right]  # (s, s, 3)
    x = square.permute(2, 0, 1)[None].float()  # (1, 3, s, s)
    small = F.interpolate(x, size=(side, side), mode="bilinear", antialias=True, align_corners=False)
    small = small[0].permute(1, 2, 0).round().clamp(0, 255).to(torch.uint8)  # (side, side, 3)
    return PhotoStages(square=square, small=small, box=(top, left, bottom, right))


@dataclass
class Reading:
    pixels: torch.Tensor  # what is stored and read: (28, 28) uint8 digit, or (64, 64, 3) uint8 photo
    stages: dict[str, torch.Tensor]  # a drawing's steps on the way, for showing (0–255); a photo: none
    box: tuple[int, int, int, int]  # the ink's box (drawing) or the square's (photo) in the picture

    def stage_pixels(self) -> dict[str, torch.Tensor]:
        """The steps as whole bytes 0–255 (uint8), as a picture file holds them."""
        return {k: v.round().clamp(0, 255).to(torch.uint8) for k, v in self.stages.items()}


def read_picture(rgb: torch.Tensor, kind: str) -> Reading:
    """A picture (H, W, 3) uint8 → what a net of `kind` reads, and the stages that made it:
    a drawing's gray, ink, cropped, fitted and centred (MNIST's steps); a photo's 64×64 square."""
    _check_input(kind)
    if kind == "photo":
        p = photo_input(rgb)
        return Reading(p.small, {}, p.box)
    gray = grayscale(rgb.permute(2, 0, 1).float())[0]  # (H, W)
    s = mnist_style(gray)
    digit = s.centred.round().to(torch.uint8)  # (28, 28)
    stages = {"gray": s.gray, "ink": s.ink, "cropped": s.cropped, "fitted": s.fitted, "centred": s.centred}
    return Reading(digit, stages, s.box)


def stored_example(pixels: torch.Tensor) -> Reading:
    """An example as a set stores it, (28, 28) or (64, 64, 3) uint8: already what a net reads."""
    return Reading(pixels, {}, (0, 0, pixels.shape[0], pixels.shape[1]))


def model_input(pixels: torch.Tensor, kind: str) -> torch.Tensor:
    """Stored pixels 0–255 → what the nets read:
    drawings (N, 28, 28) → (N, 1, 28, 28) normalised like MNIST, (x/255 − 0.1307)/0.3081;
    photos (N, 64, 64, 3) → (N, 3, 64, 64) scaled to −1…1, (x/255 − 0.5)/0.5."""
    _check_input(kind)
    if kind == "drawing":
        return standardise(pixels)  # (N, 1, 28, 28)
    if pixels.ndim != 4 or pixels.shape[3] != 3:
        raise ValueError(f"expected photos of shape (N, H, W, 3), got {tuple(pixels.shape)}")
    return (pixels.permute(0, 3, 1, 2).float() / 255.0 - 0.5) / 0.5  # (N, 3, H, W)


def pixels_of(x: torch.Tensor, kind: str) -> torch.Tensor:
    """The inverse of model_input, for showing (augmented) inputs: uint8 (N, H, W) or (N, H, W, 3)."""
    _check_input(kind)
    if kind == "drawing":
        return ((x[:, 0] * STD + MEAN) * 255.0).round().clamp(0, 255).to(torch.uint8)  # (N, 28, 28)
    v = (x.permute(0, 2, 3, 1) * 0.5 + 0.5) * 255.0  # (N, H, W, 3)
    return v.round().clamp(0, 255).to(torch.uint8)


@dataclass
class Split:
    method: str  # "held_out" (a fifth of each class) or "leave_one_out"
    train: torch.Tensor  # (n,) int64 indices of the examples that train the kept model
    held_out: torch.Tensor  # (m,) int64 indices that test it (held_out), or every index (leave_one_out)


def class_counts(labels: torch.Tensor, k: int) -> torch.Tensor:
    return torch.bincount(labels, minlength=k)  # (K,)


def check_trainable(labels: torch.Tensor, k: int, names: list[str] | None = None) -> None:
    """At least two classes, each with at least MIN_PER_CLASS examples; the error names the class."""
    if k < 2:
        raise ValueError(f"a classifier needs at least 2 classes, got {k}")
    counts = class_counts(labels, k)
    for c, n in enumerate(counts.tolist()):
        if n < MIN_PER_CLASS:
            name = names[c] if names else str(c)
            raise ValueError(f"class {name!r} has {n} example(s); every class needs at least {MIN_PER_CLASS}")


def split(labels: torch.Tensor, k: int, kind: str, seed: int = 0) -> Split:
    """Leave-one-out when a class has fewer than LOO_BELOW examples and the set is small enough,
    else a stratified held-out fifth (seeded: the same labels and seed give the same split)."""
    _check_input(kind)
    n = len(labels)
    counts = class_counts(labels, k)
    if int(counts.min()) < LOO_BELOW and n <= LOO_MAX_EXAMPLES[kind]:
        every = torch.arange(n)
        return Split("leave_one_out", every, every)
    held_out = max(1, round(n * HELD_OUT_SHARE))  # shared out by class, largest remainders first
    train, held = stratified_split(labels.numpy(), held_out, seed)
    return Split("held_out", torch.from_numpy(train), torch.from_numpy(held))
