"""§1.1 the input layer."""

from pydantic import BaseModel, Field

from app.schemas.common import EncodingOption, TensorOut


class ChannelsRequest(EncodingOption):
    image_id: str = Field(
        pattern=r"^[a-z0-9-]{1,32}$", description="an uploaded image's id or a sample's name"
    )


class ChannelsResponse(BaseModel):
    image_id: str
    height: int
    width: int
    channels: TensorOut = Field(description="(3, H, W) uint8: R, G, B brightness 0–255")
    gray: TensorOut = Field(description="(1, H, W) float: 0.299 R + 0.587 G + 0.114 B")
    luma_weights: tuple[float, float, float]
