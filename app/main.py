"""The ASGI app: `uvicorn app.main:app`."""

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import torch
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from redis.exceptions import RedisError

from app.answers import AnswerCache
from app.deps import shutdown_runners
from app.errors import (
    EVERY_ROUTE,
    Refusal,
    engine_refused,
    internal_error,
    queue_unreachable,
    refused,
    validation_error,
)
from app.memory import tune_allocator
from app.middleware import BodyCap, BodyRequests, HeadAsGet
from app.routers import (
    activation,
    assets,
    batching,
    bidirectional,
    bottleneck,
    bptt,
    conv,
    datasets,
    depth,
    digits,
    gru,
    health,
    images,
    inception,
    input,
    jobs,
    names,
    overview,
    pack,
    pages,
    pool,
    rnn_forward,
)
from app.security import SecurityHeaders
from app.settings import get_settings
from app.static import STATIC_DIR, VersionedStaticFiles, gzipped
from app.transport import API_DESCRIPTION, Transport
from engine.errors import FieldError
from engine.models.names import shipped_card


def warm_up() -> None:
    """Cached work done once, in the background, before the first visitor asks for it: Plotly's
    bundle gzipped at level 9, the name model's card (an evaluation of 6,681 held-out names)."""
    gzipped(assets.PLOTLY_JS)
    shipped_card()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    tune_allocator()
    torch.set_num_threads(get_settings().torch_threads)
    warming = threading.Thread(target=warm_up, name="warm-up")
    warming.start()
    yield
    warming.join()  # torch must not be mid-computation when the interpreter exits
    shutdown_runners()


def create_app() -> FastAPI:
    app = FastAPI(
        title="Naturally",
        summary="Convolutional and recurrent networks made visible, computed by PyTorch.",
        description=API_DESCRIPTION,
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by app/routers/assets.py with a local Swagger UI
        redoc_url=None,
        responses=EVERY_ROUTE,
    )
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(RedisError, queue_unreachable)
    app.add_exception_handler(Exception, internal_error)
    app.add_exception_handler(Refusal, refused)
    app.add_exception_handler(FieldError, engine_refused)
    settings = get_settings()
    app.add_middleware(Transport)  # binary tensors when asked; gzip off the event loop
    app.add_middleware(  # computations on lanes, off the event loop, a few at once
        BodyRequests,
        max_running=settings.max_running_requests,
        max_waiting=settings.max_waiting_requests,
        answer_max_bytes=settings.answer_max_bytes,
    )
    app.add_middleware(  # a repeat answered at once, without waiting for a lane
        AnswerCache, max_bytes=settings.answer_cache_max_bytes, max_entries=settings.answer_cache_max_entries
    )
    app.add_middleware(BodyCap, upload_max_bytes=settings.upload_max_bytes)  # before anything reads a body
    app.add_middleware(HeadAsGet)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", VersionedStaticFiles(directory=STATIC_DIR), name="static")
    topics = (
        health,
        images,
        input,
        conv,
        pool,
        activation,
        digits,
        inception,
        bottleneck,
        depth,
        rnn_forward,
        bptt,
        batching,
        bidirectional,
        gru,
        pack,
        names,
        overview,
        datasets,
        jobs,
        assets,
        pages,
    )
    for module in topics:
        app.include_router(module.router)
    return app


app = create_app()
