"""The nets of your own classes against torch: the shipped digit model, nn.Sequential, F.conv2d."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from engine.cnn.channels import grayscale
from engine.data.custom import model_input
from engine.data.mnist import standardise
from engine.models.custom import TinyVGG, build, look_inside, trainable_count
from engine.models.digits import load_pretrained


def test_transfer_on_drawings_reads_digits_exactly_as_the_shipped_model():
    torch.manual_seed(0)
    net = build("drawing", "transfer", 4)
    shipped = load_pretrained("basic")
    x = torch.randn(5, 1, 28, 28)
    mine, theirs = net.forward_trace(x), shipped.forward_trace(x)
    for stage in ("conv1", "pool1", "relu1", "conv2", "pool2", "relu2", "flatten"):
        torch.testing.assert_close(mine[stage], theirs[stage])
    assert mine["logits"].shape == (5, 4)
    assert trainable_count(net) == 320 * 4 + 4  # only the new FC layer learns
    assert not net.conv1.weight.requires_grad and net.fc.weight.requires_grad


def test_scratch_on_drawings_trains_every_weight():
    net = build("drawing", "scratch", 3)
    assert trainable_count(net) == sum(p.numel() for p in net.parameters()) == 260 + 5020 + 963


def test_tiny_vgg_equals_the_same_layers_in_nn_sequential():
    torch.manual_seed(1)
    net = TinyVGG(5)
    seq = nn.Sequential(
        net.conv1_1, nn.ReLU(), net.conv1_2, nn.ReLU(), nn.MaxPool2d(2),
        net.conv2_1, nn.ReLU(), net.conv2_2, nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), net.fc,
    )  # fmt: skip
    x = torch.randn(2, 3, 64, 64)
    trace = net.forward_trace(x)
    torch.testing.assert_close(trace["logits"], seq(x))
    shapes = {k: tuple(v.shape[1:]) for k, v in trace.items()}
    assert shapes["conv1_1"] == (10, 62, 62) and shapes["pool1"] == (10, 30, 30)
    assert shapes["pool2"] == (10, 13, 13) and shapes["flatten"] == (1690,)
    assert net.first_conv is net.conv1_1


def test_transfer_on_photos_runs_the_digit_convolutions_over_the_gray_photo():
    photos = torch.randint(0, 256, (2, 64, 64, 3), dtype=torch.uint8)
    net = build("photo", "transfer", 3)
    trace = net.forward_trace(model_input(photos, "photo"))
    gray = torch.stack([grayscale(p.permute(2, 0, 1).float())[0] for p in photos])  # (2, 64, 64) 0–255
    torch.testing.assert_close(trace["gray"], standardise(gray), atol=1e-4, rtol=1e-4)
    shipped = load_pretrained("basic")
    torch.testing.assert_close(
        trace["conv1"], F.conv2d(trace["gray"], shipped.conv1.weight, shipped.conv1.bias)
    )
    assert trace["flatten"].shape == (2, 20 * 13 * 13)
    assert trainable_count(net) == 3380 * 3 + 3


def test_look_inside_gives_softmax_and_every_stage():
    net = build("drawing", "scratch", 3).eval()
    x = torch.randn(1, 1, 28, 28)
    inside = look_inside(net, x)
    torch.testing.assert_close(inside.probabilities, F.softmax(net(x)[0], dim=0))
    stages = {s.name: s for s in inside.stages}
    assert list(stages) == ["conv1", "pool1", "relu1", "conv2", "pool2", "relu2"]
    assert stages["conv1"].output.shape == (10, 24, 24) and stages["conv1"].sources == ("input",)
    torch.testing.assert_close(stages["relu1"].output, F.relu(stages["pool1"].output))
    torch.testing.assert_close(stages["pool2"].inputs, stages["conv2"].output)
    assert [s.kind for s in inside.stages] == ["conv", "pool", "relu"] * 2
    torch.testing.assert_close(inside.flatten, stages["relu2"].output.flatten())
    vgg = look_inside(TinyVGG(2).eval(), torch.randn(1, 3, 64, 64))
    assert [s.name for s in vgg.stages][:3] == ["conv1_1", "relu1_1", "conv1_2"]
    with pytest.raises(ValueError, match="one picture"):
        look_inside(net, torch.randn(2, 1, 28, 28))


@pytest.mark.parametrize(
    ("kind", "mode", "k", "match"),
    [
        ("video", "scratch", 3, "input"),
        ("photo", "finetune", 3, "mode"),
        ("drawing", "scratch", 1, "at least 2"),
    ],
)
def test_bad_choices_are_refused(kind: str, mode: str, k: int, match: str):
    with pytest.raises(ValueError, match=match):
        build(kind, mode, k)


def test_a_photo_net_refuses_a_drawing():
    with pytest.raises(ValueError, match=r"\(B, 3, 64, 64\)"):
        build("photo", "scratch", 2)(torch.zeros(1, 1, 28, 28))
