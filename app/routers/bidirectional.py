"""§5.1–5.2 classification and bidirectional RNNs (being written)."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/rnn", tags=["bidirectional"])
