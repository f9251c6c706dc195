"""Turn a request's `image_id`, `input` or uploaded picture into the tensor the engine takes."""

import numpy as np
import torch
from fastapi import UploadFile
from PIL import Image

from app.errors import field_error
from app.images import ImageError, ImageStore, decode_upload
from app.schemas.common import ImageOrTensor, TensorIn
from app.schemas.digits import MAX_SIDE
from app.settings import Settings
from engine.cnn.channels import grayscale, to_channels


def load_image(store: ImageStore, image_id: str) -> torch.Tensor:
    """(3, H, W) float32 0–255, or a 404 naming the field."""
    pixels = store.pixels(image_id)
    if pixels is None:
        raise field_error("image_id", "image_not_found", 404, image_id=image_id)
    return to_channels(pixels)


def load_rgb(store: ImageStore, image_id: str) -> torch.Tensor:
    """(H, W, 3) uint8 of a stored image, or a 404 naming the field."""
    pixels = store.pixels(image_id)
    if pixels is None:
        raise field_error("image_id", "image_not_found", 404, image_id=image_id)
    return torch.from_numpy(np.array(pixels))


def load_gray(store: ImageStore, image_id: str) -> torch.Tensor:
    """(H, W) gray levels 0–255 of a stored image, or a 404 naming the field."""
    return grayscale(load_image(store, image_id))[0]


def client_gray(pixels: TensorIn) -> torch.Tensor:
    """(H, W) gray levels a client sent as `pixels`, or a 422 unless it is (H, W) with H, W ≤ MAX_SIDE."""
    gray = pixels.to_torch()
    if gray.ndim != 2 or max(gray.shape) > MAX_SIDE:
        raise field_error("pixels", "pixels_shape", side=MAX_SIDE, shape=list(gray.shape))
    return gray


def resolve_input(req: ImageOrTensor, store: ImageStore) -> torch.Tensor:
    """(C, H, W): the image as RGB (or grayscale when color="gray"), or the explicit tensor."""
    if req.input is not None:
        x = req.input.to_torch()
        if x.ndim == 2:
            x = x.unsqueeze(0)  # (H, W) → (1, H, W)
        if x.ndim != 3:
            raise field_error("input", "input_rank", shape=list(x.shape))
        c, h, w = x.shape
        if not (1 <= c <= req.MAX_CHANNELS and 1 <= h <= req.MAX_SIDE and 1 <= w <= req.MAX_SIDE):
            raise field_error(
                "input", "input_bounds", shape=list(x.shape), c=req.MAX_CHANNELS, side=req.MAX_SIDE
            )
        return x
    x = load_image(store, req.image_id or "")
    return grayscale(x) if req.color == "gray" else x


def upload_image(file: UploadFile, settings: Settings, max_side: int) -> Image.Image:
    """An uploaded picture (a canvas drawing or a photo) decoded in memory, RGB, longer side ≤ max_side,
    or a 4xx naming the field "file": too many bytes, not an image, too many pixels."""
    raw = file.file.read(settings.upload_max_bytes + 1)
    if len(raw) > settings.upload_max_bytes:
        raise field_error("file", "file_too_large", 413, most=settings.upload_max_bytes)
    try:
        return decode_upload(raw, max_pixels=settings.upload_max_pixels, max_side=max_side).image
    except ImageError as e:
        raise field_error("file", e.code, e.status_code, **e.values) from None


def upload_gray(file: UploadFile, settings: Settings, max_side: int) -> torch.Tensor:
    """An uploaded picture (not stored) as (H, W) gray levels 0–255 (see upload_image)."""
    img = upload_image(file, settings, max_side)
    return torch.tensor(np.asarray(img.convert("L")), dtype=torch.float32)


def upload_rgb(file: UploadFile, settings: Settings, max_side: int) -> torch.Tensor:
    """An uploaded picture (not stored) as (H, W, 3) uint8 (see upload_image)."""
    return torch.from_numpy(np.array(upload_image(file, settings, max_side)))
