"""§1.1 the input layer: an image as matrices."""

from fastapi import APIRouter

from app.bodies import BodyRoute
from app.deps import ImageStoreDep
from app.errors import IMAGE_NOT_FOUND
from app.inputs import load_image
from app.schemas.input import ChannelsRequest, ChannelsResponse
from app.tensors import encode_tensor
from engine.cnn.channels import LUMA, grayscale, to_pixels

router = APIRouter(prefix="/api/cnn", tags=["input"], route_class=BodyRoute)


@router.post("/channels", response_model=ChannelsResponse, responses=IMAGE_NOT_FOUND)
def channels(req: ChannelsRequest, store: ImageStoreDep) -> ChannelsResponse:
    """The image's R, G and B matrices (0–255) and its grayscale matrix."""
    x = load_image(store, req.image_id)  # (3, H, W)
    return ChannelsResponse(
        image_id=req.image_id,
        height=x.shape[1],
        width=x.shape[2],
        channels=encode_tensor(to_pixels(x), req.encoding),
        gray=encode_tensor(grayscale(x), req.encoding),
        luma_weights=LUMA,
    )
