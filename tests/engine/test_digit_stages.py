"""The overview's stages of the shipped digit nets, against their own forward_trace and torch."""

from functools import cache

import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

from engine.data.mnist import load_digits, standardise
from engine.models.digit_stages import column_output, find, making, read
from engine.models.digits import MODELS, DigitNet, load_pretrained, predict

NAMES = list(MODELS)


@cache
def net(name: str) -> DigitNet:
    return load_pretrained(name)


def digit() -> torch.Tensor:
    images, _ = load_digits()
    return torch.as_tensor(images[7]).float()  # (28, 28)


@pytest.mark.parametrize("name", NAMES)
def test_stages_equal_the_models_own_forward_pass(name: str):
    model, pixels = net(name), digit()
    r = read(model, pixels)
    with torch.no_grad():
        trace = model.forward_trace(standardise(pixels[None]))
    drawn = {s.name for s in r.stages}
    for key in ("conv1", "pool1", "relu1", "conv2", "pool2", "relu2"):
        assert_close(find(r.stages, key).output, trace[key][0])
    for block in ("inception1", "inception2", "residual1", "residual2"):
        if block in trace:  # a block's drawn columns hand on exactly the block's output
            last = block + ".add" if block.startswith("residual") else block
            maps, _ = column_output(r.stages, last)
            assert_close(maps, trace[block][0])
            assert any(s.startswith(block) for s in drawn)
    assert_close(r.flatten, trace["flatten"][0])
    assert_close(r.logits, trace["logits"][0])
    assert_close(r.probabilities, predict(model, pixels)[0])
    assert_close(r.input, pixels)


def test_the_basic_net_has_ninety_maps_and_the_blocks_more():
    counts = {n: sum(s.output.shape[0] for s in read(net(n), digit()).stages) for n in NAMES}
    assert counts == {"basic": 90, "inception": 266, "residual": 240}


@pytest.mark.parametrize("name", NAMES)
def test_every_map_is_rebuilt_from_what_made_it(name: str):
    """conv: F.conv2d of its inputs with its kernel; pool: max over 2×2 windows; relu; add: relu(x + F(x))."""
    r = read(net(name), digit())
    names = {s.name for s in r.stages} | {"input"}
    for s in r.stages:
        assert set(s.sources) <= names, s.name
        for c in (0, s.output.shape[0] - 1):
            m = making(s, c)
            if s.kind == "conv":
                bias = torch.tensor([m.bias])
                rebuilt = F.conv2d(m.inputs[None], m.kernel[None], bias, padding=m.padding)[0, 0]
            elif s.kind == "pool":
                rebuilt = F.max_pool2d(m.inputs, 2)[0]
            elif s.kind == "relu":
                rebuilt = F.relu(m.inputs[0])
            else:
                rebuilt = F.relu(m.inputs[0] + m.inputs[1])
            assert_close(rebuilt, m.output, atol=1e-5, rtol=1e-5)


def test_conv2_reads_every_map_of_the_column_before_it():
    r = read(net("inception"), digit())
    conv2 = find(r.stages, "conv2")
    assert conv2.sources == ("inception1.1x1", "inception1.5x5", "inception1.3x3", "inception1.pool")
    assert conv2.inputs.shape == (88, 12, 12)
    assert making(conv2, 3).kernel.shape == (88, 5, 5)
    five = find(r.stages, "inception1.5x5")
    assert five.via == "reduce" and five.inputs.shape == (16, 12, 12)  # the 1×1 reduction's maps


def test_bad_input_names_what_is_wrong():
    with pytest.raises(ValueError, match="28, 28"):
        read(net("basic"), torch.zeros(20, 20))
    stages = read(net("basic"), digit()).stages
    with pytest.raises(ValueError, match="0–9"):
        making(find(stages, "conv1"), 10)
    with pytest.raises(ValueError, match="unknown stage 'conv9'"):
        find(stages, "conv9")
