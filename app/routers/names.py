"""§6 name → country with a bidirectional GRU (being written)."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/names", tags=["names"])
