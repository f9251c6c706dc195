"""§4.1 over HTTP: /api/rnn/forward against torch.nn.RNN, good and bad input."""

import pytest
import torch
from fastapi.testclient import TestClient
from torch.testing import assert_close

from app.tensors import decode_tensor
from engine.rnn.cell import one_hot
from engine.rnn.weights import Layer, RNNWeights, torch_rnn

F64 = {"dtype": torch.float64}


def _t(obj: dict) -> torch.Tensor:
    return torch.tensor(obj["data"], **F64).reshape(obj["shape"])


def _weights(res: dict) -> RNNWeights:
    """The weights a response says it used, as RNNWeights."""
    w = res["weights"]
    layers = [Layer(_t(w["W_xh"]), _t(w["W_hh"]), _t(w["b_h"]))]
    layers += [Layer(_t(la["W_xh"]), _t(la["W_hh"]), _t(la["b_h"])) for la in w["upper_layers"]]
    return RNNWeights(layers, _t(w["W_hy"]), _t(w["b_y"]))


@pytest.mark.parametrize("num_layers", [1, 2])
def test_forward_equals_nn_rnn_with_the_returned_weights(client: TestClient, num_layers: int):
    seq = [[0.5, -1.0], [1.0, 0.0], [-0.5, 2.0], [0.0, 1.0]]
    res = client.post(
        "/api/rnn/forward",
        json={"sequence": seq, "hidden_size": 4, "output_size": 2, "num_layers": num_layers, "seed": 3},
    )
    assert res.status_code == 200, res.text
    out = res.json()
    assert (out["steps"], out["input_size"], out["hidden_size"], out["num_layers"]) == (4, 2, 4, num_layers)
    w = _weights(out)
    h, _ = torch_rnn(w)(torch.tensor(seq, **F64))  # (T, H)
    assert_close(_t(out["h"])[-1], h)
    assert_close(_t(out["y"]), h @ w.W_hy.T + w.b_y)
    for i, la in enumerate(w.layers):  # a_t = W_xh·x_t + W_hh·h_{t-1} + b_h in every layer
        assert_close(_t(out["a"])[i], _t(out["xw"])[i] + _t(out["hw"])[i] + la.b_h)
    again = client.post(
        "/api/rnn/forward",
        json={"sequence": seq, "hidden_size": 4, "output_size": 2, "num_layers": num_layers, "seed": 3},
    ).json()
    assert again["weights"] == out["weights"]  # a seed gives the same weights every time


def test_scalar_weights_by_hand(client: TestClient):
    body = {
        "sequence": [1, -1, 2],
        "hidden_size": 1,
        "W_xh": 0.5,
        "W_hh": 0.8,
        "b_h": 0.1,
        "W_hy": 2,
        "b_y": -1,
        "outputs": "many_to_one",
    }
    out = client.post("/api/rnn/forward", json=body).json()
    h, hs = 0.0, []
    for x in (1, -1, 2):
        h = torch.tanh(torch.tensor(0.5 * x + 0.8 * h + 0.1, **F64)).item()
        hs.append(h)
    assert_close(_t(out["h"])[0, :, 0], torch.tensor(hs, **F64))
    assert out["y"]["shape"] == [1, 1]  # many-to-one: only y_T
    assert_close(_t(out["y"])[0, 0], torch.tensor(2 * hs[-1] - 1, **F64))
    assert out["weights"]["b_h"]["data"] == [0.1]  # typed numbers come back exactly


def test_word_becomes_one_hot(client: TestClient):
    out = client.post("/api/rnn/forward", json={"word": "abba", "alphabet": "ab", "hidden_size": 2}).json()
    assert out["tokens"] == ["a", "b", "b", "a"] and out["input_size"] == 2
    assert_close(_t(out["x"]), one_hot("abba", "ab"))
    w = _weights(out)
    assert_close(_t(out["xw"])[0, 1], w.layers[0].W_xh[:, 1])  # W_xh · one-hot picks a column


def test_large_tensors_travel_as_base64(client: TestClient):
    out = client.post("/api/rnn/forward", json={"sequence": [[0.1] * 8] * 200, "hidden_size": 32}).json()
    assert out["h"]["encoding"] == "base64" and decode_tensor(out["h"]).shape == (1, 200, 32)


BAD = [
    ({"sequence": []}, "sequence", "1 to 200"),
    ({"sequence": [0.0] * 10_000}, "sequence", "1 to 200"),
    ({"sequence": [1, "a", 2]}, "sequence", "numbers"),
    ({"sequence": [[1, 2], [3]]}, "sequence", "rectangular"),
    ({"sequence": [[0] * 65]}, "sequence", "1 to 64"),
    ({"sequence": [1], "hidden_size": 100_000}, "hidden_size", "1 to 256"),
    ({"sequence": [1], "num_layers": 5}, "num_layers", "1 to 4"),
    ({"sequence": [1], "W_hh": [[1, 2], [3, 4]]}, "W_hh", "[3, 3]"),
    ({"sequence": [[1, 2]], "W_xh": [1, 2, 3]}, "W_xh", "(hidden_size, input_size)"),
    ({"sequence": [1], "hidden_size": 2, "b_h": 1}, "b_h", "[2]"),
    ({"sequence": [1], "num_layers": 2, "upper_layers": [{"W_xh": 1}]}, "upper_layers.0.W_xh", "[3, 3]"),
    ({"sequence": [1], "upper_layers": [{}]}, "upper_layers", "num_layers"),
    ({"sequence": [1], "h0": [1, 2]}, "h0", "[1, 3]"),
    ({"word": "Hi"}, "word", "alphabet"),
    ({"word": "ab", "alphabet": "aab"}, "alphabet", "once"),
    ({"word": "a", "alphabet": "a" * 65}, "alphabet", "64"),
]


@pytest.mark.parametrize("body,field,words", BAD, ids=[f"{b[1]}-{i}" for i, b in enumerate(BAD)])
def test_bad_input_names_the_field(client: TestClient, body: dict, field: str, words: str):
    assert_refused(client, "/api/rnn/forward", body, field, words)


def assert_refused(client: TestClient, path: str, body: dict, field: str, words: str) -> None:
    """A 422 whose detail names `field` (or a field inside it) with `words` in its message."""
    res = client.post(path, json=body)
    assert res.status_code == 422, res.text
    detail = res.json()["detail"]
    named = [d for d in detail if ".".join(map(str, d["loc"][1:])).startswith(field)]
    assert any(words in d["msg"] for d in named), detail
