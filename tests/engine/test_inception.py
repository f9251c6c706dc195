"""§2.1 the Inception block against its own layers run by hand; its costs, seeded weights and one run."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.testing import assert_close
from torch.utils.flop_counter import FlopCounterMode

from engine.cnn.inception import (
    InceptionBlock,
    block_costs,
    fit_side,
    run_block,
    seeded_block,
    without_padding,
)


def test_inception_block_is_the_concatenation_of_its_branches():
    torch.manual_seed(0)
    block = InceptionBlock(10)
    x = torch.randn(2, 10, 12, 12)
    b = block.branches(x)
    assert [t.shape[1] for t in b.as_tuple()] == [16, 24, 24, 24]
    y = block(x)
    assert y.shape == (2, 88, 12, 12) and block.out_channels == 88
    torch.testing.assert_close(y, torch.cat([b.conv1x1, b.conv5x5, b.conv3x3, b.pool], dim=1))


def test_inception_branches_are_the_layers_they_name():
    torch.manual_seed(1)
    block = InceptionBlock(4)
    x = torch.randn(1, 4, 9, 9)
    b = block.branches(x)
    pooled = F.avg_pool2d(x, 3, stride=1, padding=1)
    expected = F.conv2d(pooled, block.branch_pool_proj.weight, block.branch_pool_proj.bias)
    torch.testing.assert_close(b.pool, expected)
    reduced = F.conv2d(x, block.branch5x5_1.weight, block.branch5x5_1.bias)
    expected = F.conv2d(reduced, block.branch5x5_2.weight, block.branch5x5_2.bias, padding=2)
    torch.testing.assert_close(b.conv5x5, expected)


def test_inception_widths_are_arguments():
    block = InceptionBlock(3, width_1x1=2, reduce_5x5=3, width_5x5=4, reduce_3x3=5, width_3x3=6, width_pool=7)
    assert block(torch.randn(1, 3, 8, 8)).shape == (1, 2 + 4 + 6 + 7, 8, 8)
    assert block.out_channels == 19
    with pytest.raises(ValueError, match="width_pool must be at least 1, got 0"):
        InceptionBlock(3, width_pool=0)


@pytest.mark.parametrize("padded", [True, False])
def test_block_costs_match_the_real_branches(padded: bool):
    torch.manual_seed(0)
    block = InceptionBlock(3)
    run = block if padded else without_padding(block)
    x = torch.randn(1, 3, 13, 10)
    outs = run.branches(x).as_tuple()
    table = block_costs(block, 3, 13, 10, padded=padded)
    for out, branch, modules in zip(outs, table, _branch_modules(run), strict=True):
        assert branch[-1].output_shape == tuple(out.shape[1:])
        with FlopCounterMode(display=False) as counter:
            y = x
            for m in modules:
                y = m(y)
        assert counter.get_total_flops() == 2 * sum(ly.multiplications for ly in branch)
    shapes = [b[-1].output_shape[1:] for b in table]
    assert (len(set(shapes)) == 1) == padded  # without padding: (13, 10), (9, 6), (9, 6), (11, 8)


def _branch_modules(b: InceptionBlock) -> list[list[nn.Module]]:
    return [
        [b.branch1x1],
        [b.branch5x5_1, b.branch5x5_2],
        [b.branch3x3_1, b.branch3x3_2, b.branch3x3_3],
        [b.branch_pool, b.branch_pool_proj],
    ]


def test_without_padding_breaks_the_concatenation():
    torch.manual_seed(0)
    block = InceptionBlock(1)
    x = torch.randn(1, 1, 12, 12)
    bare = without_padding(block)
    assert_close(bare.branch1x1.weight, block.branch1x1.weight)  # same weights
    with pytest.raises(RuntimeError, match="Sizes of tensors must match"):
        bare(x)
    assert tuple(block(x).shape) == (1, 88, 12, 12)  # the original keeps its padding
    with pytest.raises(ValueError, match="padding: without padding the branches need H, W ≥ 5"):
        block_costs(block, 1, 4, 4, padded=False)


def test_seeded_block_is_manual_seed_then_build():
    torch.manual_seed(5)
    expected = InceptionBlock(2, width_3x3=7)
    got = seeded_block(2, 5, width_3x3=7)
    for (name, a), (_, b) in zip(expected.state_dict().items(), got.state_dict().items(), strict=True):
        assert_close(b, a, msg=name)


@pytest.mark.parametrize("padded", [True, False])
def test_run_block_is_the_blocks_forward_or_torch_cats_refusal(padded: bool):
    block = seeded_block(3, 0)
    x = torch.randn(3, 9, 7)
    block_run = run_block(block, x, padded)
    outs = (block if padded else without_padding(block)).branches(x[None]).as_tuple()
    for got, want in zip(block_run.branches, outs, strict=True):
        assert_close(got, want[0])
    if padded:
        assert_close(block_run.output, block(x[None])[0])
        assert block_run.channels == [(0, 16), (16, 40), (40, 64), (64, 88)] and block_run.cat_error is None
    else:
        with pytest.raises(RuntimeError) as e:
            torch.cat(outs, dim=1)
        assert (block_run.output, block_run.channels, block_run.cat_error) == (None, None, str(e.value))


def test_fit_side_averages_areas_down_to_max_side():
    x = torch.arange(2 * 8 * 4, dtype=torch.float32).reshape(2, 8, 4)
    assert fit_side(x, 8) is x
    small = fit_side(x, 4)  # (2, 4, 2): each output is the mean of a 2×2 block
    assert_close(small, F.avg_pool2d(x[None], 2)[0])
