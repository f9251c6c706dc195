"""§5.1–5.2 over HTTP: POST /api/rnn/bidirectional against torch, good and bad input."""

import pytest
import torch
import torch.nn.functional as F
from fastapi.testclient import TestClient
from torch.testing import assert_close

from engine.rnn.bidirectional import BiWeights, torch_rnn
from engine.rnn.weights import Layer

F64 = {"dtype": torch.float64}
URL = "/api/rnn/bidirectional"


def _t(obj: dict) -> torch.Tensor:
    return torch.tensor(obj["data"], **F64).reshape(obj["shape"])


def _weights(res: dict) -> BiWeights:
    w = res["weights"]

    def layer(d: dict) -> Layer:
        return Layer(_t(d["W_xh"]), _t(d["W_hh"]), _t(d["b_h"]))

    return BiWeights(layer(w["forward"]), layer(w["backward"]), _t(w["W_out"]), _t(w["b_out"]))


def test_equals_nn_rnn_bidirectional_with_the_returned_weights(client: TestClient):
    seq = [[0.5, -1.0], [1.0, 0.0], [-0.5, 2.0], [0.0, 1.0], [1.5, -0.5]]
    body = {"sequence": seq, "hidden_size": 4, "classes": 5, "target": 3, "seed": 2}
    res = client.post(URL, json=body)
    assert res.status_code == 200, res.text
    out = res.json()
    assert (out["steps"], out["input_size"], out["hidden_size"], out["classes"]) == (5, 2, 4, 5)
    w = _weights(out)
    output, h_n = torch_rnn(w)(torch.tensor(seq, **F64))  # (T, 8), (2, 4)
    assert_close(_t(out["h_forward"]), output[:, :4])
    assert_close(_t(out["h_backward"]), output[:, 4:])
    assert_close(_t(out["hidden"]), torch.cat([h_n[0], h_n[1]]))
    logits = w.W_out @ h_n.reshape(-1) + w.b_out
    assert_close(torch.tensor(out["logits"], **F64), logits)
    assert_close(torch.tensor(out["probabilities"], **F64), logits.softmax(0))
    assert out["loss"] == pytest.approx(F.cross_entropy(logits[None], torch.tensor([3])).item(), abs=1e-12)
    assert_close(_t(out["torch"]["output"]), output)
    assert out["max_difference"] < 1e-12
    again = client.post(URL, json={**body, "target": 0}).json()
    assert again["weights"] == out["weights"] and again["logits"] == out["logits"]  # only the loss moves
    assert again["loss"] != out["loss"]


def test_explicit_weights_by_hand(client: TestClient):
    body = {
        "sequence": [1, -1, 2],
        "hidden_size": 1,
        "classes": 2,
        "target": 1,
        "forward": {"W_xh": 0.5, "W_hh": 0.8, "b_h": 0.1},
        "backward": {"W_xh": [[-0.3]], "W_hh": [[0.6]], "b_h": [0.2]},
        "W_out": [[1, -1], [0.5, 0.5]],
        "b_out": [0, 0.1],
    }
    out = client.post(URL, json=body).json()
    f = b = 0.0
    for x in (1, -1, 2):
        f = torch.tanh(torch.tensor(0.5 * x + 0.8 * f + 0.1, **F64)).item()
    for x in (2, -1, 1):
        b = torch.tanh(torch.tensor(-0.3 * x + 0.6 * b + 0.2, **F64)).item()
    logits = torch.tensor([f - b, 0.5 * f + 0.5 * b + 0.1], **F64)
    assert_close(_t(out["hidden"]), torch.tensor([f, b], **F64))
    assert out["loss"] == pytest.approx(-logits.log_softmax(0)[1].item(), abs=1e-12)
    assert out["weights"]["forward"]["b_h"]["data"] == [0.1]  # typed numbers come back exactly


def test_a_word_becomes_one_hot(client: TestClient):
    out = client.post(URL, json={"word": "abba", "alphabet": "ab", "classes": 2}).json()
    assert out["tokens"] == list("abba") and out["alphabet"] == "ab"
    assert out["x"]["data"] == [[1, 0], [0, 1], [0, 1], [1, 0]]
    assert out["weights"]["forward"]["W_xh"]["shape"] == [3, 2]


def _error(client: TestClient, body: dict) -> tuple[list, str]:
    res = client.post(URL, json=body)
    assert res.status_code == 422, res.text
    d = res.json()["detail"][0]
    return d["loc"], d["msg"]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"sequence": []}, "sequence", "1 to 200"),
        ({"sequence": [0.5] * 10_000}, "sequence", "1 to 200"),
        ({"sequence": [1, 2], "hidden_size": 100_000}, "hidden_size", "1 to 256"),
        ({"sequence": [1, 2], "hidden_size": 0}, "hidden_size", "1 to 256"),
        ({"sequence": [1, 2], "classes": 3, "target": 3}, "target", "0 to classes − 1 = 2"),
        ({"sequence": [1, 2], "classes": 33}, "classes", "2 to 32"),
        ({"sequence": [1, 2], "hidden_size": 2, "forward": {"W_hh": [[1, 2, 3]]}}, "W_hh", "[2, 2]"),
        ({"sequence": [1, 2], "hidden_size": 2, "backward": {"W_xh": [[1], [2], [3]]}}, "W_xh", "[2, 1]"),
        ({"sequence": [1, 2], "hidden_size": 2, "classes": 3, "W_out": [[1, 2]] * 3}, "W_out", "[3, 4]"),
        ({"word": "hi", "alphabet": "abc"}, "word", "not in the alphabet"),
    ],
)
def test_bad_input_names_the_field(client: TestClient, body: dict, field: str, words: str):
    loc, msg = _error(client, body)
    assert loc[-1] == field, (loc, msg)
    assert words in msg


def test_wrong_backward_shape_is_located(client: TestClient):
    loc, msg = _error(client, {"sequence": [1, 2], "hidden_size": 2, "backward": {"W_hh": [1, 2]}})
    assert loc == ["body", "backward", "W_hh"]
    assert "(hidden_size, hidden_size)" in msg


def test_give_one_source(client: TestClient):
    res = client.post(URL, json={"sequence": [1], "word": "a"})
    assert res.status_code == 422 and "exactly one" in res.text
