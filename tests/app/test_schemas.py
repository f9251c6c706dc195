"""Request schemas: every field a client can send is described in /docs, and the choices it offers
are the engine's own lists."""

from typing import Any, get_args

from fastapi import FastAPI

from app.schemas import activation, bptt, depth, digits, names, pool, rnn_forward
from engine.cnn import activation as engine_activation
from engine.cnn import depth as engine_depth
from engine.cnn import pool as engine_pool
from engine.models import digits as engine_digits
from engine.rnn import bptt as engine_bptt
from engine.rnn import cell
from engine.train import OPTIMIZERS, SCHEDULES


def _request_fields(spec: dict[str, Any]) -> list[tuple[str, dict]]:
    """(where, property) of every field reachable from a request body, and every parameter."""
    schemas = spec["components"]["schemas"]
    out, seen = [], set()

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref:
                name = ref.rsplit("/", 1)[-1]
                if name not in seen:
                    seen.add(name)
                    walk(schemas[name], name)
                return
            for key, prop in node.get("properties", {}).items():
                out.append((f"{where}.{key}", prop))
                walk(prop, f"{where}.{key}")
            for key in ("items", "anyOf", "oneOf", "allOf", "additionalProperties"):
                if key in node:
                    walk(node[key], where)
        elif isinstance(node, list):
            for item in node:
                walk(item, where)

    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for p in op.get("parameters", []):
                out.append((f"{method.upper()} {path} {p['name']}", p))
            for content in op.get("requestBody", {}).get("content", {}).values():
                walk(content["schema"], f"{method.upper()} {path}")
    return out


def test_every_request_field_has_a_description(app: FastAPI):
    fields = _request_fields(app.openapi())
    assert len(fields) > 150
    assert sorted(where for where, prop in fields if not prop.get("description")) == []


def test_choices_are_the_engines_own_lists():
    assert get_args(activation.Function) == engine_activation.FUNCTIONS
    assert get_args(depth.Activation) == tuple(engine_depth.ACTIVATIONS)
    assert get_args(depth.Init) == engine_depth.INITS
    assert get_args(digits.ModelName) == tuple(engine_digits.MODELS)
    assert get_args(digits.Optimizer) == get_args(names.Optimizer) == OPTIMIZERS
    assert get_args(digits.Schedule) == get_args(names.Schedule) == SCHEDULES
    assert get_args(pool.PoolKind) == engine_pool.KINDS
    assert get_args(rnn_forward.Outputs) == cell.OUTPUTS
    assert get_args(bptt.LossMode) == engine_bptt.LOSS_MODES
