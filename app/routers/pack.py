"""§6 padding and PackedSequence (being written)."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/rnn", tags=["packing"])
