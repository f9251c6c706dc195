"""§4.2 over HTTP: /api/rnn/bptt, its per-step terms against autograd, good and bad input."""

import pytest
import torch
from fastapi.testclient import TestClient
from torch.testing import assert_close

from tests.app.test_rnn_forward_api import BAD, F64, _t, assert_refused


@pytest.mark.parametrize("loss,target", [("last", [0.5, -0.5]), ("every", [[1, 0]] * 5)])
def test_bptt_terms_add_up_to_autograd(client: TestClient, loss: str, target: list):
    body = {
        "word": "hello",
        "hidden_size": 3,
        "output_size": 2,
        "num_layers": 2,
        "loss": loss,
        "target": target,
        "seed": 4,
    }
    res = client.post("/api/rnn/bptt", json=body)
    assert res.status_code == 200, res.text
    out = res.json()
    assert out["max_difference"] < 1e-6
    assert abs(out["loss"] - out["autograd_loss"]) < 1e-9
    assert abs(sum(out["step_losses"]) - out["loss"]) < 1e-9
    terms = _t(out["terms"][0]["W_hh"])  # (T, H, H)
    assert terms.shape == (5, 3, 3)
    assert_close(terms.sum(0), _t(out["autograd"]["W_hh"]), atol=1e-6, rtol=1e-6)
    assert_close(
        _t(out["terms"][1]["W_xh"]).sum(0),
        _t(out["autograd"]["upper_layers"][0]["W_xh"]),
        atol=1e-6,
        rtol=1e-6,
    )
    assert_close(_t(out["terms_W_hy"]).sum(0), _t(out["autograd"]["W_hy"]), atol=1e-6, rtol=1e-6)
    assert len(out["dh_norm"]) == 2 and len(out["dh_norm"][0]) == 5
    if loss == "last":
        assert out["step_losses"][:4] == [0, 0, 0, 0]


def test_bptt_scalar_preset(client: TestClient):
    body = {
        "sequence": [1, 2],
        "hidden_size": 1,
        "W_xh": 0.5,
        "W_hh": 0.8,
        "b_h": 0,
        "W_hy": 1,
        "b_y": 0,
        "target": 0,
    }
    out = client.post("/api/rnn/bptt", json=body).json()
    h1 = torch.tanh(torch.tensor(0.5, **F64))
    h2 = torch.tanh(1.0 + 0.8 * h1)
    d2 = h2 * (1 - h2**2)
    d1 = 0.8 * d2 * (1 - h1**2)
    assert_close(_t(out["terms"][0]["W_hh"])[:, 0, 0], torch.stack([0 * d1, d2 * h1]))
    assert_close(_t(out["terms"][0]["W_xh"])[:, 0, 0], torch.stack([d1, 2 * d2]))
    assert_close(torch.tensor(out["dh_norm"][0], **F64), torch.stack([0.8 * d2, h2]).abs())


def test_bptt_bad_target_and_size(client: TestClient):
    res = client.post("/api/rnn/bptt", json={"sequence": [1, 2, 3], "loss": "every", "target": [1, 2]})
    assert res.status_code == 422 and res.json()["detail"][0]["loc"] == ["body", "target"]
    assert "[3, 1]" in res.json()["detail"][0]["msg"]
    res = client.post("/api/rnn/bptt", json={"sequence": [[0] * 64] * 200, "hidden_size": 256})
    assert res.status_code == 422 and res.json()["detail"][0]["loc"] == ["body", "hidden_size"]
    assert "2,097,152" in res.json()["detail"][0]["msg"]
    res = client.post("/api/rnn/bptt", json={"sequence": [1], "loss": "mean"})
    assert res.status_code == 422 and res.json()["detail"][0]["loc"] == ["body", "loss"]


@pytest.mark.parametrize("body,field,words", BAD, ids=[f"{b[1]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_names_the_field(client: TestClient, body: dict, field: str, words: str):
    assert_refused(client, "/api/rnn/bptt", body, field, words)
