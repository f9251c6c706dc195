"""§2.3 vanishing gradients and ResNet (being written)."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/cnn", tags=["vanishing gradients"])
