"""Liveness."""

from fastapi import APIRouter

from app.bodies import BodyRoute

router = APIRouter(tags=["health"], route_class=BodyRoute)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """On the event loop itself (no thread to wait for): it answers while every thread is busy."""
    return {"status": "ok"}
