"""§2.3 over HTTP: gradient norms (values from autograd, bad input named), and a short depth job."""

import json

import pytest
import torch
import torch.nn.functional as F
from fastapi.testclient import TestClient

from engine.cnn.depth import StackConfig, build, digit_batch

URL = "/api/cnn/gradient-norms"
SHORT = {
    "kind": "depth",
    "params": {"shallow": 2, "deep": 4, "width": 16, "epochs": 1, "train_size": 256, "batch_size": 64},
}


def test_norms_match_autograd(client: TestClient):
    body = {
        "depth": 8,
        "residual": True,
        "activation": "tanh",
        "init": "xavier",
        "batch_norm": True,
        "seed": 5,
        "batch": 12,
    }
    res = client.post(URL, json=body)
    assert res.status_code == 200
    out = res.json()
    assert out["layers"] == list(range(1, 9))
    assert out["settings"]["activation"] == "tanh" and out["dtype"] == "float64"

    cfg = StackConfig(depth=8, residual=True, activation="tanh", init="xavier", batch_norm=True)
    model = build(cfg, seed=5).double()
    x, y = digit_batch(12, seed=5)
    assert out["labels"] == y.tolist()
    loss = F.cross_entropy(model(x.double()), y)
    loss.backward()
    expected = torch.stack([lin.weight.grad.norm() for lin in model.layers])
    torch.testing.assert_close(torch.tensor(out["weight_norms"], dtype=torch.float64), expected)
    assert out["loss"] == pytest.approx(loss.item())
    assert out["first_over_last"] == pytest.approx(out["weight_norms"][0] / out["weight_norms"][-1])


def test_depth_56_sigmoid_plain_vanishes_residual_does_not(client: TestClient):
    body = {"depth": 56, "activation": "sigmoid", "batch": 32}
    plain = client.post(URL, json={**body, "residual": False}).json()
    res = client.post(URL, json={**body, "residual": True}).json()
    assert plain["first_over_last"] <= 1e-3
    assert 1e-2 <= res["first_over_last"] <= 1e2


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"depth": 0}, "depth", "greater than or equal to 2"),
        ({"depth": 10_000}, "depth", "less than or equal to 100"),
        ({"activation": "gelu"}, "activation", "'sigmoid', 'tanh' or 'relu'"),
        ({"init": "orthogonal"}, "init", "'default', 'xavier' or 'he'"),
        ({"batch": 0}, "batch", "greater than or equal to 1"),
        ({"batch": 1, "batch_norm": True}, "batch", "at least 2 with batch norm"),
    ],
)
def test_bad_input_names_the_field(client: TestClient, body: dict, field: str, words: str):
    res = client.post(URL, json=body)
    assert res.status_code == 422
    detail = res.json()["detail"][0]
    assert detail["loc"] == ["body", field]
    assert words in detail["msg"]


def test_bad_job_params_name_the_field(client: TestClient):
    res = client.post("/api/jobs", json={"kind": "depth", "params": {"deep": 500}})
    assert res.status_code == 422
    assert res.json()["detail"][0]["loc"][-1] == "deep"


def test_a_short_depth_job_reaches_its_end_event(client: TestClient):
    job = client.post("/api/jobs", json=SHORT)
    assert job.status_code == 202
    events, name = [], None
    with client.stream("GET", job.json()["events_url"]) as res:
        for line in res.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                events.append((name, json.loads(line[6:])))
    names = [n for n, _ in events]
    assert names[-1] == "end" and names.count("done") == 4
    assert {d["run"] for n, d in events if n == "step"} == {"plain-2", "plain-4", "residual-2", "residual-4"}
    end = events[-1][1]
    assert end["state"] == "done"
    runs = end["result"]["runs"]
    assert [r["depth"] for r in runs] == [2, 4, 2, 4]
    assert all(0 <= r["train_error"] <= 1 for r in runs)
    assert isinstance(end["result"]["figure1_shape"], bool)
