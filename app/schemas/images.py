"""Uploaded and sample images."""

from typing import Annotated

from fastapi import File, UploadFile
from pydantic import BaseModel, Field

# an uploaded picture, as multipart field `file`
ImageFile = Annotated[
    UploadFile, File(description="a PNG, JPEG, WebP, BMP or GIF picture (the first frame of a GIF)")
]


class ImageResponse(BaseModel):
    id: str = Field(description="pass as image_id to every /api/cnn endpoint")
    width: int
    height: int
    original_width: int = Field(description="size as uploaded (after EXIF rotation)")
    original_height: int
    resized: bool = Field(description="true when the longer side was reduced to image_max_side")
    format: str
    url: str = Field(description="the stored image as PNG")


class SampleResponse(BaseModel):
    id: str
    width: int
    height: int
    url: str
