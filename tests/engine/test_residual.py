"""§2.3 the residual block: F(x) + x before the ReLU, and the plain block without the skip."""

import pytest
import torch
import torch.nn.functional as F

from engine.cnn.residual import ResidualBlock


def test_residual_block_adds_x_to_f_of_x_before_the_relu():
    torch.manual_seed(0)
    block = ResidualBlock(16)
    x = torch.randn(2, 16, 12, 12)
    f = block.conv2(F.relu(block.conv1(x)))
    torch.testing.assert_close(block.residual(x), f)
    torch.testing.assert_close(block.pre_activation(x), x + f)
    torch.testing.assert_close(block(x), F.relu(x + f))
    assert block(x).shape == x.shape


def test_plain_block_has_no_skip():
    torch.manual_seed(0)
    block = ResidualBlock(4, skip=False)
    x = torch.randn(1, 4, 6, 6)
    torch.testing.assert_close(block(x), F.relu(block.residual(x)))
    with pytest.raises(ValueError, match="channels"):
        ResidualBlock(0)
