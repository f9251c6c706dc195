"""/api/datasets over HTTP: the whole round trip (create, add, train, predict, export, import,
delete), the limits, hostile zips and uploads, and a job whose data set is gone."""

import io
import json
import os
import random
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image

from app.datasets import MAX_PER_CLASS, DatasetStore
from app.deps import get_dataset_store
from app.main import create_app
from app.settings import Settings, get_settings
from app.tensors import decode_tensor
from benchmarks.your_classes import draw_shape
from engine.data.custom import model_input
from engine.data.shapes import example_set
from engine.models.custom import build
from engine.models.custom_train import augmented_copies
from tests.app.test_jobs_api import sse, wait_for
from tests.app.test_redis_jobs import prefix, redis_url, replica, start_worker  # noqa: F401 - fixtures
from tests.images import huge_png_header, png_bytes

SHAPES = ("circle", "triangle", "cross")


def create(client: TestClient, kind: str = "drawing", classes: list[str] | None = None) -> dict:
    res = client.post("/api/datasets", json={"name": "shapes", "input": kind, "classes": classes or []})
    assert res.status_code == 201, res.text
    return res.json()


def add(client: TestClient, set_id: str, label: str, data: bytes) -> object:
    return client.post(
        f"/api/datasets/{set_id}/examples", data={"label": label}, files={"file": ("x.png", data)}
    )


def drawing(shape: str, rng: random.Random) -> bytes:
    return png_bytes(draw_shape(shape, rng))


def photo(seed: int) -> bytes:
    rgb = np.random.default_rng(seed).integers(0, 256, (80, 100, 3), dtype=np.uint8)
    return png_bytes(Image.fromarray(rgb))


def fill(client: TestClient, set_id: str, per_class: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    for shape in SHAPES:
        for _ in range(per_class):
            res = add(client, set_id, shape, drawing(shape, rng))
            assert res.status_code == 201, res.text


def train(client: TestClient, set_id: str, **params: object) -> dict:
    body = {"kind": "custom", "params": {"dataset": set_id, "mode": "transfer", "epochs": 2, **params}}
    res = client.post("/api/jobs", json=body)
    assert res.status_code == 202, res.text
    return wait_for(client, res.json()["id"], ("done", "error", "cancelled"), timeout=120)


def msg(res: object) -> tuple[list, str]:
    (detail,) = res.json()["detail"]
    return detail["loc"], detail["msg"]


def test_the_whole_round_trip(client: TestClient):
    ds = create(client)
    fill(client, ds["id"], 4)
    got = client.get(f"/api/datasets/{ds['id']}").json()
    assert [(c["label"], c["count"]) for c in got["classes"]] == [(s, 4) for s in SHAPES]
    assert got["bytes"] > 0 and got["limits"]["max_per_class"] == MAX_PER_CLASS

    first = got["classes"][0]["examples"][0]
    png = client.get(f"/api/datasets/{ds['id']}/examples/{first}")
    assert png.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(png.content)).size == (28, 28)  # what the net reads, nothing more

    job = train(client, ds["id"])
    assert job["state"] == "done", job["error"]
    result = job["result"]
    assert result["method"] == "leave_one_out" and result["held_out"] == 12  # 4 a class: under 10
    assert result["classes"] == list(SHAPES) and result["trained_parameters"] == 321 * 3
    assert np.array(result["confusion"]).sum() == 12
    names = [name for name, _ in sse(client, job["events_url"])]
    assert "step" in names and names[-2:] == ["done", "end"]

    res = client.post(
        f"/api/datasets/{ds['id']}/predict/upload",
        data={"job": job["id"]},
        files={"file": ("new.png", drawing("cross", random.Random(99)))},
    )
    assert res.status_code == 200, res.text
    p = res.json()
    assert p["classes"] == list(SHAPES) and abs(sum(p["probabilities"]) - 1) < 1e-5
    assert p["label"] == p["classes"][p["prediction"]]
    stages = {s["name"]: (s["maps"]["shape"], s["sources"]) for s in p["stages"]}
    assert list(stages) == ["conv1", "pool1", "relu1", "conv2", "pool2", "relu2"]
    assert stages["conv1"] == ([10, 24, 24], ["input"]) and stages["pool1"][1] == ["conv1"]
    assert p["flatten"]["shape"] == [320] and p["input"]["shape"] == [28, 28]
    assert list(p["preprocessing"]) == ["gray", "ink", "cropped", "fitted", "centred"]
    assert p["kernels"]["shape"] == [10, 1, 5, 5]
    torch.testing.assert_close(  # the kernels are the shipped digit model's: transfer froze them
        decode_tensor(p["kernels"]),
        torch.load("engine/models/weights/digits_basic.pt")["conv1.weight"],
        atol=1e-3,
        rtol=0,
    )
    by_example = client.post(
        f"/api/datasets/{ds['id']}/predict", json={"job": job["id"], "example_id": first}
    ).json()
    assert by_example["preprocessing"] == {} and by_example["input"]["shape"] == [28, 28]

    weights = client.get(f"/api/jobs/{job['id']}/weights")
    assert weights.status_code == 200
    net = build("drawing", "transfer", 3)  # the downloaded weights give the page's answer
    net.load_state_dict(torch.load(io.BytesIO(weights.content), weights_only=True))
    x = model_input(decode_tensor(p["input"]).to(torch.uint8)[None], "drawing")
    torch.testing.assert_close(torch.softmax(net.eval()(x)[0], 0), torch.tensor(p["probabilities"]))

    exported = client.get(f"/api/datasets/{ds['id']}/export")
    assert exported.headers["content-type"] == "application/zip"
    res = client.post("/api/datasets/import", files={"file": ("shapes.zip", exported.content)})
    assert res.status_code == 201, res.text
    copy = res.json()
    assert copy["id"] != ds["id"] and copy["bytes"] == got["bytes"]
    assert [(c["label"], c["count"]) for c in copy["classes"]] == [(s, 4) for s in SHAPES]
    again = client.get(f"/api/datasets/{copy['id']}/examples/{copy['classes'][0]['examples'][0]}")
    assert again.content == png.content  # the same pixels, byte for byte

    gone = client.delete(f"/api/datasets/{ds['id']}/examples/{first}").json()
    assert gone["classes"][0]["count"] == 3
    assert client.get(f"/api/datasets/{ds['id']}/examples/{first}").status_code == 404
    after = client.delete(f"/api/datasets/{ds['id']}/classes/triangle").json()
    assert [c["label"] for c in after["classes"]] == ["circle", "cross"]
    assert client.delete(f"/api/datasets/{ds['id']}").status_code == 204
    res = client.get(f"/api/datasets/{ds['id']}")
    assert res.status_code == 404 and msg(res)[0] == ["path", "set_id"]
    res = client.post(f"/api/datasets/{ds['id']}/predict", json={"job": job["id"], "example_id": first})
    assert res.status_code == 404


def test_photos_are_kept_as_64_by_64_colour(client: TestClient):
    ds = create(client, "photo", ["red", "blue"])
    res = add(client, ds["id"], "red", photo(0))
    assert res.status_code == 201, res.text
    example = res.json()["id"]
    img = Image.open(io.BytesIO(client.get(f"/api/datasets/{ds['id']}/examples/{example}").content))
    assert img.size == (64, 64) and img.mode == "RGB"
    aug = client.get(f"/api/datasets/{ds['id']}/augmented", params={"n": 3}).json()
    assert aug["input"] == "photo" and aug["examples"][0]["augmented"]["shape"] == [3, 64, 64, 3]
    for i in range(1, 4):
        add(client, ds["id"], "red", photo(i))
        add(client, ds["id"], "blue", photo(10 + i))
    job = train(client, ds["id"], epochs=1)
    assert job["state"] == "done", job["error"]
    res = client.post(
        f"/api/datasets/{ds['id']}/predict/upload",
        data={"job": job["id"]},
        files={"file": ("p.png", photo(50))},
    )
    p = res.json()
    assert [s["name"] for s in p["stages"]][:2] == ["gray", "conv1"]  # transfer reads the photo in gray
    assert p["stages"][0]["maps"]["shape"] == [1, 64, 64] and p["flatten"]["shape"] == [3380]
    assert p["input"]["shape"] == [64, 64, 3] and p["preprocessing"] == {}


def test_a_job_on_a_deleted_data_set_fails_with_a_clear_error(client: TestClient):
    ds = create(client)
    fill(client, ds["id"], 2)
    client.delete(f"/api/datasets/{ds['id']}")
    job = train(client, ds["id"])
    assert job["state"] == "error"
    assert f"no data set with id '{ds['id']}'" in job["error"] and "deleted" in job["error"]
    assert client.get("/healthz").status_code == 200


def test_a_job_on_a_class_with_one_example_names_it(client: TestClient):
    ds = create(client)
    rng = random.Random(0)
    add(client, ds["id"], "circle", drawing("circle", rng))
    add(client, ds["id"], "circle", drawing("circle", rng))
    add(client, ds["id"], "lonely", drawing("cross", rng))
    job = train(client, ds["id"])
    assert job["state"] == "error" and "class 'lonely' has 1 example" in job["error"]


def test_the_eleventh_class_is_refused(client: TestClient):
    ds = create(client, classes=[f"class {i}" for i in range(10)])
    res = client.post(f"/api/datasets/{ds['id']}/classes", json={"label": "one more"})
    assert res.status_code == 409 and msg(res) == (["body", "label"], "a data set has at most 10 classes")
    res = add(client, ds["id"], "one more", drawing("circle", random.Random(0)))
    assert res.status_code == 409 and "at most 10 classes" in msg(res)[1]
    res = client.post("/api/datasets", json={"input": "drawing", "classes": [str(i) for i in range(11)]})
    assert res.status_code == 422 and msg(res)[0] == ["body", "classes"]


def test_the_201st_example_is_refused(client: TestClient, app: FastAPI, settings: Settings):
    ds = create(client)
    store = app.dependency_overrides.get(get_dataset_store, get_dataset_store)(settings)
    digit = torch.zeros(28, 28, dtype=torch.uint8)
    for i in range(MAX_PER_CLASS):
        digit[i % 28, (i * 7) % 28] = 255  # each a different little picture
        store.add_example(ds["id"], "dots", digit)
    res = add(client, ds["id"], "dots", drawing("circle", random.Random(0)))
    assert res.status_code == 409
    assert msg(res) == (["body", "label"], "class 'dots' holds 200 examples, the most allowed")
    assert add(client, ds["id"], "other", drawing("circle", random.Random(0))).status_code == 201


@pytest.mark.parametrize(
    ("label", "why"),
    [
        ("", "at least 1 character"),
        ("x" * 41, "1 to 40 characters"),
        ("a\x00b", "control"),
        ("   ", "1 to 40"),
    ],
)
def test_bad_class_names_are_refused(client: TestClient, label: str, why: str):
    ds = create(client)
    res = client.post(f"/api/datasets/{ds['id']}/classes", json={"label": label})
    assert res.status_code == 422 and why in res.text and "label" in res.text


def test_a_taken_class_name_is_refused(client: TestClient):
    ds = create(client, classes=["cat"])
    res = client.post(f"/api/datasets/{ds['id']}/classes", json={"label": " cat "})
    assert res.status_code == 409 and "already a class called 'cat'" in msg(res)[1]


def test_a_script_tag_is_stored_as_text(client: TestClient):
    ds = create(client, classes=["<script>alert(1)</script>"])
    got = client.get(f"/api/datasets/{ds['id']}").json()
    assert got["classes"][0]["label"] == "<script>alert(1)</script>"  # JSON: the page escapes it


def test_huge_broken_and_blank_files_are_refused_naming_the_file(client: TestClient, settings: Settings):
    ds = create(client)
    res = add(client, ds["id"], "x", huge_png_header(50_000, 50_000))
    assert res.status_code == 413 and msg(res)[0] == ["body", "file"] and "pixels" in msg(res)[1]
    res = add(client, ds["id"], "x", b"not an image at all")
    assert res.status_code == 415 and msg(res)[0] == ["body", "file"]
    res = add(client, ds["id"], "x", png_bytes(Image.new("RGB", (100, 100), "white")))
    assert res.status_code == 422 and "blank" in msg(res)[1]
    big = b"\0" * (settings.upload_max_bytes + 1)
    res = add(client, ds["id"], "x", big)
    assert res.status_code == 413
    assert client.get(f"/api/datasets/{ds['id']}").json()["classes"] == []  # nothing was made


def test_a_full_data_set_refuses_more_bytes(tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "var", dataset_max_bytes=64 * 1024)
    app = create_app()
    app.dependency_overrides[get_settings] = lambda: settings
    with TestClient(app) as client:
        ds = create(client, "photo")
        codes = [add(client, ds["id"], "noise", photo(i)).status_code for i in range(8)]  # ~12 KB each
        assert codes[0] == 201 and codes[-1] == 413
        res = add(client, ds["id"], "noise", photo(99))
        assert "cap of 65,536 bytes" in msg(res)[1] and msg(res)[0] == ["body", "file"]


def test_the_least_recently_used_sets_are_removed_past_the_count(tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "var", datasets_max_count=2)
    app = create_app()
    app.dependency_overrides[get_settings] = lambda: settings
    with TestClient(app) as client:
        a, b = create(client), create(client)
        add(client, a["id"], "circle", drawing("circle", random.Random(0)))  # a is used after b
        c = create(client)
        assert client.get(f"/api/datasets/{b['id']}").status_code == 404
        assert client.get(f"/api/datasets/{a['id']}").status_code == 200
        assert client.get(f"/api/datasets/{c['id']}").status_code == 200


def test_past_the_total_bytes_the_least_recently_used_sets_go_but_never_the_new_one(tmp_path: Path):
    store = DatasetStore(tmp_path, max_bytes=10**6, max_total_bytes=10**6, max_count=99)
    old, recent = store.create("old", "photo"), store.create("recent", "photo")
    for i, ds in enumerate((old, recent)):
        for j in range(4):
            noise = np.random.default_rng(i * 9 + j).integers(0, 256, (64, 64, 3), dtype=np.uint8)
            store.add_example(ds.id, "noise", torch.from_numpy(noise))
    os.utime(tmp_path / old.id, (1, 1))  # used long ago

    def size(set_id: str) -> int:
        return sum(f.stat().st_size for f in (tmp_path / set_id).iterdir())

    assert min(size(old.id), size(recent.id)) > 4 * 12_000  # four photos of noise each
    store.max_total_bytes = size(old.id) + size(recent.id) + 1_000  # room for an empty set's record
    new = store.create("new", "photo")
    assert {old.id, recent.id, new.id} <= {d.name for d in tmp_path.iterdir()}
    store.max_total_bytes = size(old.id) + size(recent.id) + size(new.id) - 1  # the new set counts too
    assert store.prune(keep=new.id) == [old.id]
    store.max_total_bytes = 0  # even past it, the set just made stays
    assert store.prune(keep=new.id) == [recent.id]
    assert store.get(new.id).name == "new"


def zip_of(files: dict[str, bytes], manifest: dict | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        if manifest is not None:
            zf.writestr("dataset.json", json.dumps(manifest))
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def manifest(members: list[str], kind: str = "drawing") -> dict:
    return {
        "format": "naturally-dataset",
        "version": 1,
        "name": "x",
        "input": kind,
        "classes": [{"label": "a", "examples": members}],
    }


DIGIT = png_bytes(Image.new("L", (28, 28), 0))


@pytest.mark.parametrize(
    ("data", "status", "why"),
    [
        (b"PK\x03\x04 nonsense", 415, "not a zip"),
        (zip_of({"a.png": DIGIT}), 422, "no dataset.json"),
        (zip_of({"../../etc/x.png": DIGIT}, manifest(["../../etc/x.png"])), 422, "leaves its folder"),
        (zip_of({"/abs.png": DIGIT}, manifest(["/abs.png"])), 422, "leaves its folder"),
        (zip_of({"a.png": b"\0" * 200_000}, manifest(["a.png"])), 413, "unpacked; at most"),
        (zip_of({"a.png": png_bytes(Image.new("L", (30, 28)))}, manifest(["a.png"])), 422, "28×28"),
        (zip_of({"a.png": b"garbage"}, manifest(["a.png"])), 415, "not an image"),
        (zip_of({}, manifest(["missing.png"])), 422, "does not hold"),
        (zip_of({}, {**manifest([]), "format": "other"}), 422, "not a Naturally data set"),
        (zip_of({"dataset.json": b"[" * 100_000}), 422, "not valid JSON"),
        (zip_of({}, {**manifest([]), "input": "video"}), 422, "input must be"),
        (zip_of({}, {**manifest([]), "classes": [{"label": "x" * 50, "examples": []}]}), 422, "1 to 40"),
    ],
)
def test_hostile_or_broken_zips_are_refused(client: TestClient, data: bytes, status: int, why: str):
    res = client.post("/api/datasets/import", files={"file": ("x.zip", data)})
    assert res.status_code == status, res.text
    assert msg(res)[0] == ["body", "file"] and why in msg(res)[1]


def test_a_member_whose_deflate_stream_is_corrupt_is_refused(client: TestClient):
    """zlib.error is not an OSError: it was a 500."""
    data = bytearray(zip_of({"a.png": DIGIT * 4}, manifest(["a.png"])))
    start = data.find(b"a.png") + len("a.png")  # the member's compressed bytes follow its local header
    data[start : start + 8] = bytes(b ^ 0xFF for b in data[start : start + 8])
    res = client.post("/api/datasets/import", files={"file": ("x.zip", bytes(data))})
    assert res.status_code == 422, res.text
    assert msg(res) == (["body", "file"], "'a.png' cannot be read from the zip (corrupt or encrypted)")


def test_a_zip_bomb_stops_at_its_first_member(client: TestClient):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("dataset.json", json.dumps(manifest(["bomb.png"])))
        zf.writestr("bomb.png", b"\0" * (200 * 1024 * 1024))  # 200 MB of zeros, ~200 KB packed
    assert len(buf.getvalue()) < 1_000_000
    res = client.post("/api/datasets/import", files={"file": ("bomb.zip", buf.getvalue())})
    assert res.status_code == 413 and "bomb.png" in msg(res)[1]


def test_predict_needs_a_finished_custom_job_of_this_set(client: TestClient):
    ds, other = create(client), create(client)
    fill(client, ds["id"], 2)
    job = train(client, ds["id"], epochs=1)
    res = client.post(f"/api/datasets/{other['id']}/predict", json={"job": job["id"], "image_id": "digit"})
    assert (
        res.status_code == 422 and msg(res)[0] == ["body", "job"] and "did not train on this" in msg(res)[1]
    )
    res = client.post(f"/api/datasets/{ds['id']}/predict", json={"job": "f" * 32, "image_id": "digit"})
    assert res.status_code == 404 and msg(res)[0] == ["body", "job"]
    res = client.post(f"/api/datasets/{ds['id']}/predict", json={"job": job["id"], "image_id": "digit"})
    assert res.status_code == 200 and res.json()["input"]["shape"] == [28, 28]
    res = client.post(f"/api/datasets/{ds['id']}/predict", json={"job": job["id"]})
    assert res.status_code == 422


@pytest.mark.parametrize(
    "path",
    ["/api/datasets/nothex", "/api/datasets/" + "a" * 31, "/api/datasets/" + "a" * 32 + "/examples/zz"],
)
def test_malformed_ids_are_refused(client: TestClient, path: str):
    assert client.get(path).status_code in (404, 422)


def test_a_redis_worker_trains_from_the_shared_data_folder(tmp_path: Path, redis_url: str, prefix: str):  # noqa: F811
    """The worker's data folder is the app's (a network volume in production): it reads the set,
    and the app serves predictions from the weights it wrote. A replica on a folder of its own
    gets a job that fails saying the set is not there."""
    with (
        replica(tmp_path, "worker", redis_url, prefix) as shared,
        replica(tmp_path, "alone", redis_url, prefix) as alone,
    ):
        ds = create(shared)
        fill(shared, ds["id"], 3)
        lonely = create(alone)
        fill(alone, lonely["id"], 2)
        body = {"kind": "custom", "params": {"mode": "transfer", "epochs": 1}}
        job = shared.post(
            "/api/jobs", json={**body, "params": {**body["params"], "dataset": ds["id"]}}
        ).json()
        lost = alone.post(
            "/api/jobs", json={**body, "params": {**body["params"], "dataset": lonely["id"]}}
        ).json()
        worker = start_worker(tmp_path, redis_url, prefix, burst=True)
        assert worker.wait(180) == 0, worker.stderr.read()
        done = wait_for(shared, job["id"], ("done", "error"))
        assert done["state"] == "done", done["error"]
        assert done["result"]["examples"] == 9
        res = shared.post(
            f"/api/datasets/{ds['id']}/predict/upload",
            data={"job": job["id"]},
            files={"file": ("x.png", drawing("circle", random.Random(5)))},
        )
        assert res.status_code == 200 and res.json()["classes"] == list(SHAPES)
        failed = wait_for(alone, lost["id"], ("done", "error"))
        assert failed["state"] == "error" and "no data set with id" in failed["error"]


def test_initial_kernels_are_the_digit_models_or_seeded_random(client: TestClient):
    res = client.get("/api/datasets/initial-kernels", params={"input": "drawing", "mode": "transfer"}).json()
    shipped = torch.load("engine/models/weights/digits_basic.pt", weights_only=True)["conv1.weight"]
    torch.testing.assert_close(decode_tensor(res["kernels"]), shipped, atol=1e-3, rtol=0)
    assert res["frozen"] is True
    a = client.get(
        "/api/datasets/initial-kernels", params={"input": "photo", "mode": "scratch", "seed": 3}
    ).json()
    b = client.get(
        "/api/datasets/initial-kernels", params={"input": "photo", "mode": "scratch", "seed": 3}
    ).json()
    assert a["kernels"] == b["kernels"] and a["kernels"]["shape"] == [10, 3, 3, 3] and a["frozen"] is False
    bad = client.get("/api/datasets/initial-kernels", params={"input": "video", "mode": "scratch"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "input"]


def test_the_example_set_and_its_copies_before_any_data(client: TestClient):
    res = client.get("/api/datasets/example", params={"n": 3, "seed": 5})
    assert res.status_code == 200
    body = res.json()
    assert [c["label"] for c in body["classes"]] == list(SHAPES) and body["input"] == "drawing"
    assert body["jitter"] == {"degrees": 15.0, "scale": [0.85, 1.15], "shift": 0.1}
    for c, pixels in zip(body["classes"], example_set().pixels, strict=True):
        torch.testing.assert_close(decode_tensor(c["examples"]), pixels.float())
        torch.testing.assert_close(
            decode_tensor(c["augmented"]), augmented_copies(pixels[0], "drawing", 3, 5).float()
        )
    bad = client.get("/api/datasets/example", params={"n": 17})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "n"]
