"""The kinds of job. Each kind is a module of app/jobs with `KIND`, `Request` (the pydantic body
`{"kind": KIND, "params": {...}}`) and `run(params, ctx)`; add a kind by listing its module here."""

from typing import Annotated, Union

from pydantic import Field

from app.jobs import batching, depth, digits, names
from app.jobs.runner import RunFn

MODULES = (
    batching,
    depth,
    digits,
    names,
)

KINDS: dict[str, RunFn] = {m.KIND: m.run for m in MODULES}

JobRequest = Annotated[Union[tuple(m.Request for m in MODULES)], Field(discriminator="kind")]  # noqa: UP007
