"""The course's digit CNNs (engine.models.digits): stages, shapes, shipped weights."""

import pytest
import torch
import torch.nn.functional as F

from engine.data.mnist import load_digits, mnist_split
from engine.models.digits import (
    DEFAULT_MODEL,
    MODELS,
    build,
    load_pretrained,
    predict,
    training_record,
    weights_path,
)
from engine.train import evaluate

STAGES = {
    "basic": ["conv1", "pool1", "relu1", "conv2", "pool2", "relu2", "flatten", "logits"],
    "inception": [
        "conv1",
        "pool1",
        "relu1",
        "inception1",
        "conv2",
        "pool2",
        "relu2",
        "inception2",
        "flatten",
        "logits",
    ],
    "residual": [
        "conv1",
        "pool1",
        "relu1",
        "residual1",
        "conv2",
        "pool2",
        "relu2",
        "residual2",
        "flatten",
        "logits",
    ],
}
FC_IN = {"basic": 320, "inception": 1408, "residual": 512}


@pytest.mark.parametrize("name", list(MODELS))
def test_output_shape_and_fc_input(name: str):
    torch.manual_seed(0)
    model = build(name)
    x = torch.randn(3, 1, 28, 28)
    assert model(x).shape == (3, 10)
    assert model.fc.in_features == FC_IN[name] and model.fc.out_features == 10
    trace = model.forward_trace(x)
    assert list(trace) == STAGES[name]
    assert trace["flatten"].shape == (3, FC_IN[name])
    torch.testing.assert_close(trace["logits"], model(x))
    torch.testing.assert_close(trace["relu2"], F.relu(trace["pool2"]))


def test_basic_net_stage_shapes():
    trace = build("basic").forward_trace(torch.randn(2, 1, 28, 28))
    shapes = {k: tuple(v.shape) for k, v in trace.items()}
    assert shapes["conv1"] == (2, 10, 24, 24) and shapes["pool1"] == (2, 10, 12, 12)
    assert shapes["conv2"] == (2, 20, 8, 8) and shapes["pool2"] == (2, 20, 4, 4)


def test_inception_net_blocks_give_88_channels():
    trace = build("inception").forward_trace(torch.randn(2, 1, 28, 28))
    assert trace["inception1"].shape == (2, 88, 12, 12)
    assert trace["inception2"].shape == (2, 88, 4, 4)


def test_models_refuse_other_input_shapes():
    with pytest.raises(ValueError, match=r"\(B, 1, 28, 28\)"):
        build("basic")(torch.randn(2, 3, 28, 28))


def test_unknown_model_names_are_refused():
    for call in (build, load_pretrained, weights_path):
        with pytest.raises(ValueError, match="unknown model 'lenet'"):
            call("lenet")


def test_shipped_default_model_reaches_98_percent_on_held_out():
    split = mnist_split()
    model = load_pretrained(DEFAULT_MODEL)
    result = evaluate(model, split.x_held_out, split.y_held_out)
    assert result.accuracy >= 0.98
    assert training_record(DEFAULT_MODEL)["held_out_accuracy"] == pytest.approx(result.accuracy, abs=1e-3)


@pytest.mark.parametrize("name", list(MODELS))
def test_every_shipped_model_loads_and_classifies(name: str):
    split = mnist_split()
    model = load_pretrained(name)
    assert not model.training
    assert evaluate(model, split.x_held_out[:500], split.y_held_out[:500]).accuracy >= 0.95
    record = training_record(name)
    assert {"held_out_accuracy", "seconds", "epochs", "seed", "hyperparameters"} <= set(record)


def test_predict_takes_pixels_and_gives_probabilities():
    images, labels = load_digits()
    model = load_pretrained()
    p = predict(model, images[0])
    assert p.shape == (1, 10)
    torch.testing.assert_close(p.sum(), torch.tensor(1.0))
    assert int(p.argmax()) == int(labels[0])
    assert predict(model, images[:4]).shape == (4, 10)
