"""§2.1 the Inception block against its own layers run by hand."""

import pytest
import torch
import torch.nn.functional as F

from engine.cnn.inception import InceptionBlock


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
