"""§2.2 multiplication counting: the formula against torch's own FLOP counter, timing, and the
seeded weights of a layer built on the meta device."""

import pytest
import torch
from torch import nn
from torch.testing import assert_close
from torch.utils.flop_counter import FlopCounterMode

from engine.cnn.cost import (
    MAX_TIMED_NUMBERS,
    TIME_BUDGET,
    TimingPlan,
    conv_layers,
    conv_multiplications,
    conv_parameters,
    costs,
    forward_ms,
    median,
    seed_conv_weights,
    timing_plan,
    torch_flops,
)
from engine.cnn.inception import InceptionBlock

SHAPES = [  # C_in, H, W, C_out, k, reduce_to
    (192, 28, 28, 32, 5, None),
    (192, 28, 28, 32, 5, 16),
    (3, 17, 11, 8, 3, None),
    (3, 17, 11, 8, 3, 2),
    (64, 14, 9, 10, 4, 8),  # even kernel: padding "same" pads one more on the right and bottom
    (5, 6, 7, 7, 1, 5),
    (16, 1, 1, 4, 11, None),
]


def test_the_course_numbers():
    assert conv_multiplications(192, 32, 5, 28, 28) == 120_422_400
    reduced = costs(conv_layers(192, 32, 5, 16, "meta"), 28, 28)
    assert [c.multiplications for c in reduced] == [2_408_448, 10_035_200]
    assert sum(c.multiplications for c in reduced) == 12_443_648


@pytest.mark.parametrize(("c", "h", "w", "c_out", "k", "r"), SHAPES)
def test_formula_is_half_of_torch_flops(c: int, h: int, w: int, c_out: int, k: int, r: int | None):
    meta = conv_layers(c, c_out, k, r, "meta")
    flops = torch_flops(meta, c, h, w)
    assert [f // 2 for f in flops] == [ly.multiplications for ly in costs(meta, h, w)]
    assert all(f % 2 == 0 for f in flops)
    # the same count on real CPU tensors, outside the helper
    model = conv_layers(c, c_out, k, r)
    with FlopCounterMode(display=False) as counter:
        y = model(torch.randn(1, c, h, w))
    assert counter.get_total_flops() == sum(flops)
    assert tuple(y.shape) == (1, c_out, h, w)  # "same" keeps H and W


@pytest.mark.parametrize(("c", "h", "w", "c_out", "k", "r"), SHAPES)
def test_parameters_match_torch(c: int, h: int, w: int, c_out: int, k: int, r: int | None):
    model = conv_layers(c, c_out, k, r)
    layer_costs = costs(model, h, w)
    assert [ly.parameters for ly in layer_costs] == [sum(p.numel() for p in m.parameters()) for m in model]
    assert conv_parameters(c, c_out, k, bias=False) == c_out * c * k * k


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="reduce_to: must be 1–8"):
        conv_layers(8, 4, 3, 9)
    with pytest.raises(ValueError, match="kernel must be at least 1"):
        conv_layers(8, 4, 0, None)
    with pytest.raises(ValueError, match="repeats"):
        forward_ms(nn.Identity(), torch.zeros(1), 0)


def test_forward_ms_times_every_run():
    runs = forward_ms(conv_layers(4, 4, 3, None), torch.randn(1, 4, 8, 8), 3)
    assert len(runs) == 3 and all(t > 0 for t in runs)
    assert min(runs) <= median(runs) <= max(runs)


def test_seeded_equals_manual_seed_then_build():
    torch.manual_seed(7)
    expected = InceptionBlock(3, width_1x1=5, width_pool=9)
    with torch.device("meta"):
        block = InceptionBlock(3, width_1x1=5, width_pool=9)
    got = seed_conv_weights(block, 7)
    for (name, a), (_, b) in zip(expected.state_dict().items(), got.state_dict().items(), strict=True):
        assert_close(b, a, msg=name)
    torch.manual_seed(3)
    expected = conv_layers(12, 6, 5, 4)
    assert_close(seed_conv_weights(conv_layers(12, 6, 5, 4, "meta"), 3)[1].weight, expected[1].weight)


def _plan(c: int, hw: int, c_out: int, k: int, r: int | None, repeats: int) -> TimingPlan:
    layers = costs(conv_layers(c, c_out, k, None, "meta"), hw, hw)
    if r is not None:
        layers += costs(conv_layers(c, c_out, k, r, "meta"), hw, hw)
    return timing_plan(layers, hw, hw, repeats)


def test_timing_plans_as_asked_fewer_or_none():
    # the course's 5×5 conv 192 → 32 on 28×28, with and without a 1×1 to 16: 120.4 M + 12.4 M a pass
    assert _plan(192, 28, 32, 5, 16, 20) == TimingPlan(20, None, {})
    per_pass = 28 * 28 * 32 * 192 * 25 + 28 * 28 * 16 * 192 + 28 * 28 * 32 * 16 * 25
    fits = TIME_BUDGET // per_pass - 1  # 21 passes of both fit
    assert _plan(192, 28, 32, 5, 16, fits + 5) == TimingPlan(
        fits, "fewer_passes", {"n": fits, "asked": fits + 5}
    )
    # an 11×11 conv 1024 → 1024 holds 126.9 M weights: counted, never run here
    assert _plan(1024, 224, 1024, 11, None, 1) == TimingPlan(
        0, "not_timed_numbers", {"n": 1024 * 1024 * 121 + 1024, "most": MAX_TIMED_NUMBERS}
    )
    wide = 28 * 28 * 1024 * 1024 * 9  # 7.4·10⁹: every tensor small enough, the work too much
    assert _plan(1024, 28, 1024, 3, None, 1) == TimingPlan(
        0, "not_timed_work", {"n": wide, "most": TIME_BUDGET // 2}
    )
