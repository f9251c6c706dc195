"""§5.3 over HTTP: /api/rnn/gradient-flow and /api/rnn/gru against torch; bad input → 422 naming the field."""

import pytest
import torch
from fastapi.testclient import TestClient
from torch import nn
from torch.testing import assert_close

from app.tensors import decode_tensor
from engine.models.names import WEIGHTS_PATH
from engine.rnn.gradient_flow import flow, setup

FLOW = "/api/rnn/gradient-flow"
GATES = "/api/rnn/gru"
WEIGHTS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
needs_model = pytest.mark.skipif(not WEIGHTS_PATH.exists(), reason="the trained name model is not there yet")


def _loc(r) -> list:  # noqa: ANN001
    return r.json()["detail"][0]["loc"]


def _msg(r) -> str:  # noqa: ANN001
    return r.json()["detail"][0]["msg"]


def test_gradient_flow_norms_are_the_engines_autograd(client: TestClient):
    body = {
        "spectral_radius": 0.8,
        "steps": 50,
        "hidden_size": 32,
        "seed": 7,
        "sweep": False,
        "include_weights": True,
        "encoding": "list",
    }
    res = client.post(FLOW, json=body).json()
    assert res["t"] == list(range(51)) and res["sweep"] is None
    assert res["measured_radius"] == pytest.approx(0.8, rel=1e-10)
    W = torch.tensor(res["W_hh"]["data"], dtype=torch.float64)
    assert torch.linalg.eigvals(W).abs().max().item() == pytest.approx(0.8, rel=1e-6)
    s = setup(32, 50, seed=7, input_scale=0.3, update_bias=3.0)
    for kind in ("rnn", "linear", "gru"):
        assert_close(torch.tensor(res["norms"][kind], dtype=torch.float64), flow(s, [0.8], kind).norms[0])
        assert res["norms"][kind][-1] == pytest.approx(1.0)
    assert res["norms"]["gru"][0] / res["norms"]["rnn"][0] > 1e4  # the GRU keeps far more gradient
    assert res["reference"][0] == pytest.approx(0.8**50) and res["reference"][-1] == 1.0
    assert 0.9 < res["z_mean"] < 1


def test_sweep_matches_single_runs(client: TestClient):
    res = client.post(
        FLOW, json={"spectral_radius": 1.2, "steps": 30, "hidden_size": 16, "cells": ["rnn", "linear"]}
    ).json()
    sweep = res["sweep"]
    assert len(sweep["radii"]) == 21 and sweep["radii"][0] == 0.5 and sweep["radii"][-1] == 1.5
    assert set(sweep["norms"]) == {"rnn", "linear"} and res["z_mean"] is None
    at_1_2 = sweep["radii"].index(1.2)
    assert sweep["norms"]["linear"][at_1_2] == pytest.approx(res["norms"]["linear"][0], rel=1e-9)
    assert sweep["reference"][at_1_2] == pytest.approx(1.2**30)


def test_explicit_w_hh_is_rescaled(client: TestClient):
    W = torch.diag(torch.tensor([2.0, -0.5, 1.0]))
    res = client.post(
        FLOW,
        json={
            "hidden_size": 3,
            "steps": 4,
            "W_hh": W.tolist(),
            "spectral_radius": 0.5,
            "cells": ["linear"],
            "sweep": False,
            "include_weights": True,
        },
    ).json()
    assert_close(decode_tensor(res["W_hh"]), W / 4)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("spectral_radius", 0),
        ("spectral_radius", 10),
        ("steps", 0),
        ("steps", 10_000),
        ("hidden_size", 100_000),
        ("update_bias", 50),
        ("cells", ["rnn", "rnn"]),
        ("cells", ["lstm"]),
    ],
)
def test_gradient_flow_bad_input_names_the_field(client: TestClient, field: str, value: object):
    r = client.post(FLOW, json={field: value})
    assert r.status_code == 422
    assert _loc(r)[:2] == ["body", field]
    if field in ("spectral_radius", "steps", "hidden_size"):
        assert "from" in _msg(r)  # the whole range, e.g. "from 0.5 to 1.5"


def test_gradient_flow_bad_w_hh(client: TestClient):
    r = client.post(FLOW, json={"hidden_size": 3, "W_hh": [[1, 0], [0, 1]]})
    assert r.status_code == 422 and _loc(r) == ["body", "W_hh"] and "[3, 3]" in _msg(r)
    r = client.post(FLOW, json={"hidden_size": 2, "W_hh": [[0, 1], [0, 0]]})  # nilpotent: radius 0
    assert r.status_code == 422 and _loc(r) == ["body", "W_hh"]


def test_explicit_gates_equal_torch_gru(client: TestClient):
    torch.manual_seed(0)
    ref = nn.GRU(3, 5, dtype=torch.float64)
    x = torch.randn(7, 3, dtype=torch.float64)
    body = {
        "sequence": x.tolist(),
        "encoding": "list",
        **{k: getattr(ref, f"{k}_l0").detach().tolist() for k in WEIGHTS},
    }
    res = client.post(GATES, json=body).json()
    assert (res["num_layers"], res["directions"], res["hidden_size"], res["input_size"]) == (1, 1, 5, 3)
    out, _ = ref(x)  # (T, H)
    h = torch.tensor(res["h"]["data"], dtype=torch.float64)  # (1, 1, T, H)
    assert_close(h[0, 0], out.detach())
    assert_close(torch.tensor(res["output"]["data"], dtype=torch.float64), out.detach())
    z = torch.tensor(res["z"]["data"], dtype=torch.float64)[0, 0]
    n = torch.tensor(res["n"]["data"], dtype=torch.float64)[0, 0]
    prev = torch.cat([torch.zeros(1, 5, dtype=torch.float64), h[0, 0, :-1]])
    assert_close(h[0, 0], (1 - z) * n + z * prev)  # torch's form; the course's z is 1 − z
    assert res["prediction"] is None


@needs_model
def test_name_gates_equal_the_trained_models_gru(client: TestClient):
    from engine.models.names import load_pretrained

    res = client.post(GATES, json={"name": "Schmidt", "encoding": "f32"}).json()
    assert res["name"] == "schmidt" and res["tokens"] == list("schmidt")
    model = load_pretrained()
    codes = torch.tensor([[19, 3, 8, 13, 9, 4, 20]])
    assert res["codes"] == codes[0].tolist() and [res["alphabet"][c - 1] for c in res["codes"]] == list(
        "schmidt"
    )
    with torch.no_grad():
        out, h_n = model.gru(model.embedding(codes))  # (1, T, 2H), (L·D, 1, H)
    h = decode_tensor(res["h"])  # (L, D, T, H)
    assert_close(decode_tensor(res["output"]), out[0])
    assert_close(h[-1, 0], out[0, :, : res["hidden_size"]])  # top layer, forward
    assert_close(h[-1, 1], out[0, :, res["hidden_size"] :])  # top layer, backward
    assert_close(h[0, 0, -1], h_n[0, 0])  # layer 1 forward, after the last letter
    assert_close(h[0, 1, 0], h_n[1, 0])  # layer 1 backward ends at the first letter
    probs = [p["probability"] for p in res["prediction"]]
    assert len(probs) == 18 and probs == sorted(probs, reverse=True)
    assert sum(probs) == pytest.approx(1, abs=1e-5)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "a" * 1000}, "name"),
        ({"name": "   "}, "name"),
        ({"sequence": [[1.0]] * 300, **dict.fromkeys(WEIGHTS, [[0.0]])}, "sequence"),
    ],
)
def test_gates_bad_input_names_the_field(client: TestClient, body: dict, field: str):
    r = client.post(GATES, json=body)
    assert r.status_code == 422 and _loc(r)[:2] == ["body", field]
    assert "1 to" in _msg(r)


def test_gates_explicit_shapes_are_checked(client: TestClient):
    body = {
        "sequence": [[1.0, 2.0]],
        "weight_ih": [[0.0, 0.0]] * 6,
        "weight_hh": [[0.0, 0.0]] * 5,
        "bias_ih": [0.0] * 6,
        "bias_hh": [0.0] * 6,
    }
    r = client.post(GATES, json=body)
    assert r.status_code == 422 and _loc(r) == ["body", "weight_hh"] and "[3H, H]" in _msg(r)
    body["weight_hh"] = [[0.0, 0.0]] * 6
    body["weight_ih"] = [[0.0, 0.0, 0.0]] * 6
    r = client.post(GATES, json=body)
    assert r.status_code == 422 and _loc(r) == ["body", "weight_ih"] and "[6, 2]" in _msg(r)
    r = client.post(GATES, json={"sequence": [[1.0]]})
    assert r.status_code == 422 and "missing" in _msg(r)
    r = client.post(GATES, json={})
    assert r.status_code == 422 and "exactly one" in _msg(r)
