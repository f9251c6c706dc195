"""Images: upload one, list the samples, fetch one back as PNG."""

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse

from app.bodies import BodyRoute
from app.deps import ImageStoreDep, SettingsDep
from app.errors import IMAGE_NOT_FOUND, NOT_AN_IMAGE, Refusal, field_error
from app.images import ImageError, decode_upload
from app.schemas.images import ImageFile, ImageResponse, SampleResponse
from app.urls import path_for

router = APIRouter(prefix="/api", tags=["images"], route_class=BodyRoute)


@router.post("/images", status_code=201, response_model=ImageResponse, responses=NOT_AN_IMAGE)
def upload_image(
    file: ImageFile, request: Request, store: ImageStoreDep, settings: SettingsDep
) -> ImageResponse:
    """Upload a PNG, JPEG, WebP, BMP or GIF (first frame) as multipart field `file`.

    EXIF orientation is applied, transparency composited on white, and the longer side reduced to
    `image_max_side` (512 by default). At most `upload_max_bytes` (10 MB) and `upload_max_pixels`
    (40 million decoded pixels); a larger image is refused before it is decoded."""
    raw = file.file.read(settings.upload_max_bytes + 1)
    if len(raw) > settings.upload_max_bytes:
        raise field_error("file", "file_too_large", 413, most=settings.upload_max_bytes)
    try:
        decoded = decode_upload(raw, max_pixels=settings.upload_max_pixels, max_side=settings.image_max_side)
    except ImageError as e:
        raise field_error("file", e.code, e.status_code, **e.values) from None
    (ow, oh), img = decoded.original_size, decoded.image
    image_id = store.put(img, {"original_size": [ow, oh], "format": decoded.format})
    return ImageResponse(
        id=image_id,
        width=img.width,
        height=img.height,
        original_width=ow,
        original_height=oh,
        resized=(img.width, img.height) != (ow, oh),
        format=decoded.format,
        url=path_for(request, "get_image", image_id=image_id),
    )


@router.get("/samples", response_model=list[SampleResponse])
def list_samples(request: Request, store: ImageStoreDep) -> list[SampleResponse]:
    """The images that ship with the app; their ids work wherever an `image_id` is accepted."""
    out = []
    for name in store.samples():
        img = store.get(name)
        if img is not None:
            out.append(
                SampleResponse(
                    id=name,
                    width=img.width,
                    height=img.height,
                    url=path_for(request, "get_image", image_id=name),
                )
            )
    return out


@router.get(
    "/images/{image_id}",
    name="get_image",
    response_class=FileResponse,
    responses={200: {"content": {"image/png": {}}}, **IMAGE_NOT_FOUND},
)
def get_image(
    image_id: Annotated[str, Path(description="an uploaded image's id or a sample's name")],
    store: ImageStoreDep,
) -> FileResponse:
    """A stored image (upload or sample), always re-encoded PNG."""
    path = store.path(image_id)
    if path is None:
        raise Refusal(404, "image_not_found", image_id=image_id)
    return FileResponse(path, media_type="image/png")
