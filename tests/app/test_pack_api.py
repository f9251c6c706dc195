"""POST /api/rnn/pack against torch.nn.utils.rnn, and bad names → 422 naming the field."""

import pytest
import torch
from fastapi.testclient import TestClient
from torch.nn.utils.rnn import pack_padded_sequence


def test_pack_equals_torch(client: TestClient):
    res = client.post("/api/rnn/pack", json={"names": ["Chan", "Dvořák", "Li", "O'Neil", "Van Dyke"]})
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["names"] == ["chan", "dvorak", "li", "o'neil", "van dyke"]
    assert body["codes"][0] == [3, 8, 1, 14] and body["codes"][3][1] == 28 and body["codes"][4][3] == 27
    assert body["lengths"] == [4, 6, 2, 6, 8]
    padded = torch.tensor(body["padded"])
    assert padded.shape == (5, 8) and padded[2, 2:].tolist() == [0] * 6
    assert body["order"] == [4, 1, 3, 0, 2] and body["sorted_lengths"] == [8, 6, 6, 4, 2]
    ref = pack_padded_sequence(padded[body["order"]], torch.tensor(body["sorted_lengths"]), batch_first=True)
    assert body["data"] == ref.data.tolist()
    assert body["batch_sizes"] == ref.batch_sizes.tolist() == [5, 5, 4, 4, 3, 3, 1, 1]
    assert [padded[r, t].item() for r, t in body["source"]] == body["data"]


@pytest.mark.parametrize(
    ("names", "field", "words"),
    [
        ([], "names", "at least 1"),
        (["x"] * 17, "names", "at most 16"),
        (["Smith", ""], "names.1", "at least 1"),
        (["a" * 1000], "names.0", "at most 30"),
        (["Smith", "Иванов"], "names.1", "Latin letters"),
        (["😀"], "names.0", "Latin letters"),
        (["   "], "names.0", "empty"),
    ],
)
def test_bad_names_are_named(client: TestClient, names: list[str], field: str, words: str):
    res = client.post("/api/rnn/pack", json={"names": names})
    assert res.status_code == 422
    detail = res.json()["detail"][0]
    assert ".".join(str(p) for p in detail["loc"][1:]) == field
    assert words in detail["msg"]
