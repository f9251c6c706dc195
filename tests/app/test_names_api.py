"""Name → country over HTTP: predict, a batch's stages, the model card, a short training job."""

import io
import re

import pytest
import torch
import torch.nn.functional as F
from fastapi.testclient import TestClient

from app.schemas.names import NamesParams
from app.tensors import decode_tensor
from engine.data.names import names_split
from engine.models.names import NameClassifier, NamesConfig, load_pretrained, names_data, to_batch
from engine.train import evaluate
from tests.app.test_jobs_api import sse


def test_predict_equals_the_model(client: TestClient):
    res = client.post("/api/names/predict", json={"name": "  Nguyễn ", "k": 5})
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["name"] == "nguyen" and body["codes"] == [14, 7, 21, 25, 5, 14]
    probs = F.softmax(load_pretrained()(torch.tensor([body["codes"]]))[0], dim=0)
    top = torch.topk(probs, 5)
    languages = names_split().languages
    assert [g["language"] for g in body["top"]] == [languages[i] for i in top.indices]
    torch.testing.assert_close(torch.tensor([g["probability"] for g in body["top"]]), top.values)
    assert len(body["top"]) == 5


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"name": ""}, "name", "at least 1"),
        ({"name": "a" * 1000}, "name", "at most 30"),
        ({"name": "😀😀"}, "name", "Latin letters"),
        ({"name": "Иванов"}, "name", "Latin letters"),
        ({"name": "王"}, "name", "Latin letters"),
        ({"name": "\t"}, "name", "empty"),
        ({"name": "Smith", "k": 0}, "k", "greater than or equal to 1"),
        ({"name": "Smith", "k": 100}, "k", "less than or equal to 18"),
        ({"k": 3}, "name", "required"),
    ],
)
def test_bad_predict_requests_name_the_field(client: TestClient, body: dict, field: str, words: str):
    res = client.post("/api/names/predict", json=body)
    assert res.status_code == 422, res.text
    detail = res.json()["detail"][0]
    assert detail["loc"][-1] == field
    assert words in detail["msg"]


def test_batch_stages_equal_the_model(client: TestClient):
    names = ["Chan", "Dvořák", "Li"]
    res = client.post("/api/names/batch", json={"names": names, "encoding": "f32"})
    assert res.status_code == 200, res.text
    body = res.json()
    net = load_pretrained()
    codes, lengths = to_batch(body["names"])
    with torch.no_grad():
        t = net.forward_trace(codes, lengths)
    assert body["batch_sizes"] == [3, 3, 2, 2, 1, 1]
    for key, ref in (
        ("embedded_data", t["packed_data"]),
        ("h_n", t["h_n"]),
        ("hidden", t["hidden"]),
        ("logits", t["logits"]),
    ):
        torch.testing.assert_close(decode_tensor(body[key]), ref, rtol=0, atol=1e-6)
    assert decode_tensor(body["h_n"]).shape == (4, 3, net.cfg.hidden_size)
    assert client.post("/api/names/batch", json={"names": ["ok", "李"]}).json()["detail"][0]["loc"] == [
        "body",
        "names",
        "1",
    ]


def test_model_card(client: TestClient):
    body = client.get("/api/names/model").json()
    assert len(body["classes"]) == 18 and body["classes"][14] == "Russian"
    assert body["train_size"] + body["held_out_size"] == 20049 == body["lines"] - 1  # "Maxa/B"
    assert sum(body["held_out_counts"]) == body["held_out_size"] == 6681
    assert body["protocol"] == "lines" and body["repeats"] == 2065 and body["unseen_size"] == 5680
    assert body["held_out_accuracy"] >= 0.84  # see tests/engine/test_names_model.py
    assert body["unseen_accuracy"] >= 0.84
    assert round(body["majority_accuracy"], 3) == 0.468
    assert len(body["confusion"]) == 18 and sum(map(sum, body["confusion"])) == 6681
    table = body["table"]
    assert set(table) == {
        "input_size",
        "hidden_size",
        "num_layers",
        "output_size",
        "seq_len",
        "batch_size",
        "dropout",
        "bidirectional",
    }
    assert table["output_size"] == 18 and table["num_layers"] == 2 and table["bidirectional"] is True
    assert body["parameters"] == sum(p.numel() for p in load_pretrained().parameters())


def test_a_short_names_job_reaches_its_end_event(client: TestClient):
    params = {"epochs": 1, "train_size": 300, "batch_size": 64, "hidden_size": 8, "embedding_dim": 4}
    res = client.post("/api/jobs", json={"kind": "names", "params": params})
    assert res.status_code == 202, res.text
    events = sse(client, res.json()["events_url"])
    kinds = [name for name, _ in events]
    assert kinds[-3:] == ["epoch", "done", "end"]
    epoch = events[-3][1]
    assert len(epoch["per_class"]) == 18 and 0 <= epoch["held_out_accuracy"] <= 1
    end = events[-1][1]
    assert end["state"] == "done"
    assert len(end["result"]["confusion"]) == 18
    assert abs(end["result"]["held_out_accuracy"] - epoch["held_out_accuracy"]) < 1e-9
    weights = client.get(f"/api/jobs/{res.json()['id']}/weights")  # the trained model, to take home
    assert weights.status_code == 200 and weights.headers["content-type"] == "application/octet-stream"
    model = NameClassifier(NamesConfig(embedding_dim=4, hidden_size=8))
    model.load_state_dict(torch.load(io.BytesIO(weights.content), weights_only=True))
    data = names_data(train_size=300)
    assert evaluate(model, data.x_held_out, data.y_held_out).accuracy == end["result"]["held_out_accuracy"]


def test_bad_job_params_name_the_field(client: TestClient):
    res = client.post("/api/jobs", json={"kind": "names", "params": {"hidden_size": 5000}})
    assert res.status_code == 422
    assert res.json()["detail"][0]["loc"][-1] == "hidden_size"


def test_the_training_form_starts_from_the_shipped_recipe(client: TestClient):
    html = client.get("/rnn/practice").text
    defaults = NamesParams().model_dump()
    for field in (
        "epochs",
        "lr",
        "weight_decay",
        "embedding_dim",
        "hidden_size",
        "dropout",
        "class_weight_power",
        "train_size",
        "seed",
    ):
        value = re.search(rf'<input type="number" id="{field}"[^>]* value="([^"]+)"', html).group(1)
        assert float(value) == defaults[field], field
    assert f'max="{defaults["train_size"]}"' in html
    for field in ("batch_size", "num_layers"):
        select = re.search(rf'<select id="{field}">(.*?)</select>', html).group(1)
        assert f"<option selected>{defaults[field]}</option>" in select, field


def test_predict_says_where_the_data_holds_the_name(client: TestClient):
    nguyen = client.post("/api/names/predict", json={"name": "Nguyen", "k": 1}).json()
    assert nguyen["in_data"] == [
        {"language": lang, "part": part} for lang, part in names_split().places("nguyen")
    ]
    assert {p["language"] for p in nguyen["in_data"]} == {"Vietnamese"}
    assert client.post("/api/names/predict", json={"name": "Zzyzx"}).json()["in_data"] == []
