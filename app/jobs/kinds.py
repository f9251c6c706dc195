"""The kinds of job. Each kind is a module of app/jobs with `KIND`, `Request` (the pydantic body
`{"kind": KIND, "params": {...}}`), `run(params, ctx)` and `estimate_seconds(params)` (how long it
would run alone, within a factor of 2); add a kind by listing its module here."""

from collections.abc import Callable
from typing import Annotated, Any, Union

from pydantic import BaseModel, Field

from app.jobs import batching, custom, depth, digits, names
from app.jobs.runner import RunFn

MODULES = (
    batching,
    custom,
    depth,
    digits,
    names,
)

KINDS: dict[str, RunFn] = {m.KIND: m.run for m in MODULES}
ESTIMATES: dict[str, Callable[[Any], float]] = {m.KIND: m.estimate_seconds for m in MODULES}
FAR_OVER = 2  # a job estimated to need more than twice the time limit is refused before it starts
_REQUESTS = {m.KIND: m.Request for m in MODULES}

JobRequest = Annotated[Union[tuple(m.Request for m in MODULES)], Field(discriminator="kind")]  # noqa: UP007
# One example body per kind, with its defaults: /docs offers them in a list instead of "one of 4".
EXAMPLES: dict[str, dict[str, Any]] = {
    m.KIND: {
        "summary": f"{m.KIND}, with its defaults",
        "value": {"kind": m.KIND, "params": m.Request(kind=m.KIND).params.model_dump(mode="json")},
    }
    for m in MODULES
}


def parse_params(kind: str, params: dict[str, Any]) -> BaseModel:
    """A job's params as its kind's model again (a queue worker receives them as plain JSON)."""
    if kind not in _REQUESTS:
        raise ValueError(f"no kind of job called {kind!r}; kinds: {sorted(_REQUESTS)}")
    return _REQUESTS[kind].model_validate({"kind": kind, "params": params}).params


def too_long(kind: str, params: BaseModel, max_seconds: float) -> float | None:
    """The seconds a job with these params would take when that is far over the time limit (it is
    then refused: the catalogs' api.job_too_long says why), or None."""
    seconds = ESTIMATES[kind](params)
    return seconds if seconds > FAR_OVER * max_seconds else None
