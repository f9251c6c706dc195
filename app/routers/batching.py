"""§4.3 update modes: one sample at a time vs mini-batches (being written)."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/rnn", tags=["batching"])
