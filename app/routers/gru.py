"""§5.3 GRU: gradient flow and gates (being written)."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/rnn", tags=["gru"])
