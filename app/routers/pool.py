"""§ pooling (being written)."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/cnn", tags=["pooling"])
