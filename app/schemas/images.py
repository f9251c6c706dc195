"""Uploaded and sample images."""

from pydantic import BaseModel, Field


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
