"""§2.1 the Inception block (engine/cnn/inception.py): four branches joined along the channels."""

import pytest
import torch
from torch.testing import assert_close

from engine.cnn.inception import InceptionBlock


def test_output_is_the_concatenation_of_the_branches():
    torch.manual_seed(0)
    block = InceptionBlock(10)
    x = torch.randn(2, 10, 12, 12)
    parts = block.branches(x).as_tuple()
    assert [p.shape[1] for p in parts] == [16, 24, 24, 24]
    y = block(x)
    assert tuple(y.shape) == (2, 88, 12, 12) and block.out_channels == 88
    assert_close(y, torch.cat(parts, dim=1))
    assert_close(y[:, 16:40], parts[1])  # branch 2 sits at channels 16–39


def test_each_branch_is_its_layers_in_order():
    torch.manual_seed(1)
    block = InceptionBlock(3)
    x = torch.randn(1, 3, 9, 7)
    b = block.branches(x)
    assert_close(b.conv5x5, block.branch5x5_2(block.branch5x5_1(x)))
    pooled = torch.nn.functional.avg_pool2d(x, 3, stride=1, padding=1)
    assert_close(b.pool, block.branch_pool_proj(pooled))


@pytest.mark.parametrize("h", [1, 5, 28])
def test_widths_set_the_channels_and_padding_keeps_the_size(h: int):
    block = InceptionBlock(1, width_1x1=3, reduce_5x5=2, width_5x5=4, reduce_3x3=5, width_3x3=6, width_pool=7)
    assert tuple(block(torch.randn(1, 1, h, h + 2)).shape) == (1, 3 + 4 + 6 + 7, h, h + 2)


def test_zero_width_is_refused():
    with pytest.raises(ValueError, match="width_5x5 must be at least 1, got 0"):
        InceptionBlock(3, width_5x5=0)
