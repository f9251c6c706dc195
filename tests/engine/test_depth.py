"""engine/cnn/depth.py against autograd itself: per-layer gradient norms, the residual identity,
the vanishing at depth 56, and a tiny training experiment."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from engine.cnn.depth import (
    ExperimentConfig,
    StackConfig,
    build,
    digit_batch,
    gradient_norms,
    run_experiment,
)


@pytest.mark.parametrize("residual", [False, True])
@pytest.mark.parametrize(
    ("activation", "init", "batch_norm"),
    [("sigmoid", "default", False), ("tanh", "xavier", True), ("relu", "he", False)],
)
def test_norms_equal_autograds_own(residual: bool, activation: str, init: str, batch_norm: bool):
    cfg = StackConfig(depth=6, residual=residual, activation=activation, init=init, batch_norm=batch_norm)
    x, y = digit_batch(16, seed=3)
    got = gradient_norms(build(cfg, seed=3), x, y)

    model = build(cfg, seed=3).double().train()
    logits, outputs = model.forward_with_outputs(x.double())
    for h in outputs:
        h.retain_grad()
    loss = F.cross_entropy(logits, y)
    loss.backward()
    expected = torch.stack([lin.weight.grad.norm() for lin in model.layers])
    torch.testing.assert_close(torch.tensor(got.weight, dtype=torch.float64), expected)
    torch.testing.assert_close(
        torch.tensor(got.output, dtype=torch.float64), torch.stack([h.grad.norm() for h in outputs])
    )
    assert got.stem == pytest.approx(model.stem.weight.grad.norm().item())
    assert got.head == pytest.approx(model.head.weight.grad.norm().item())
    assert got.loss == pytest.approx(loss.item())


def test_stack_is_the_formula():
    """Plain h_l = F_l(h_{l-1}); residual h_l = h_{l-1} + F_l(h_{l-1}), with F = BN(W act(h) + b)."""
    x, _ = digit_batch(8, seed=0)
    plain = build(StackConfig(depth=3, residual=False, activation="tanh", batch_norm=True), seed=1)
    res = build(StackConfig(depth=3, residual=True, activation="tanh", batch_norm=True), seed=1)
    for a, b in zip(plain.parameters(), res.parameters(), strict=True):
        torch.testing.assert_close(a, b)  # same seed, same weights: only the skip differs
    _, outs = res.forward_with_outputs(x)
    h = res.stem(x.flatten(1))
    for lin, norm, out in zip(res.layers, res.norms, outs, strict=True):
        h = h + norm(lin(torch.tanh(h)))
        torch.testing.assert_close(out, h)
    _, outs = plain.forward_with_outputs(x)
    torch.testing.assert_close(outs[0], plain.norms[0](plain.layers[0](torch.tanh(plain.stem(x.flatten(1))))))


def test_residual_jacobian_is_one_plus_the_branchs():
    """∂H/∂x = ∂F/∂x + I for one residual layer (no batch norm, so samples do not mix)."""
    res = build(StackConfig(depth=1, residual=True, width=5), seed=0).double()
    h = torch.randn(5, dtype=torch.float64)
    jac_h = torch.autograd.functional.jacobian(lambda v: v + res.branch(0, v[None])[0], h)
    jac_f = torch.autograd.functional.jacobian(lambda v: res.branch(0, v[None])[0], h)
    torch.testing.assert_close(jac_h, jac_f + torch.eye(5, dtype=torch.float64))


def test_sigmoid_vanishes_in_the_plain_stack_not_the_residual_one():
    x, y = digit_batch(32, seed=0)
    plain = gradient_norms(build(StackConfig(depth=56, residual=False), seed=0), x, y)
    res = gradient_norms(build(StackConfig(depth=56, residual=True), seed=0), x, y)
    assert plain.weight[0] * 1000 <= plain.weight[-1]
    assert plain.weight[0] > 0, "float64 keeps the tiny norm instead of rounding it to 0"
    assert 1 / 100 <= res.weight[0] / res.weight[-1] <= 100


def test_same_seed_same_numbers_and_bad_values():
    x, y = digit_batch(4, seed=7)
    x2, y2 = digit_batch(4, seed=7)
    torch.testing.assert_close(x, x2)
    assert torch.equal(y, y2)
    cfg = StackConfig(depth=4, residual=False, init="he")
    assert gradient_norms(build(cfg, 1), x, y) == gradient_norms(build(cfg, 1), x, y)
    for bad in ({"depth": 0}, {"depth": 101}, {"activation": "gelu"}, {"init": "orthogonal"}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            StackConfig(**{"depth": 4, "residual": False, **bad})
    with pytest.raises(ValueError, match="batch"):
        digit_batch(0, seed=0)


def test_zero_init_residual_starts_each_block_as_the_identity():
    model = build(StackConfig(depth=3, residual=True, batch_norm=True, zero_init_residual=True), seed=0)
    assert all(torch.all(n.weight == 0) for n in model.norms if isinstance(n, nn.BatchNorm1d))
    x, _ = digit_batch(8, seed=0)
    _, outs = model.forward_with_outputs(x)
    torch.testing.assert_close(outs[-1], model.stem(x.flatten(1)))


def test_a_tiny_experiment_reports_four_runs():
    seen: list[tuple[int, str, str]] = []
    result = run_experiment(
        ExperimentConfig(depths=(2, 4), width=16, epochs=1, train_size=256),
        report=lambda i, name, e: seen.append((i, name, e.kind)),
    )
    assert [r.name for r in result.runs] == ["plain-2", "plain-4", "residual-2", "residual-4"]
    assert [k for _, _, k in seen].count("done") == 4
    assert all(0 <= r.train_error <= 1 and 0 <= r.held_out_error <= 1 for r in result.runs)
    assert {i for i, _, _ in seen} == {0, 1, 2, 3}


def test_build_is_safe_beside_other_threads_drawing_random_numbers():
    """Weights come from build's own generator: another thread's draws cannot change them."""
    import threading

    cfg = StackConfig(depth=3, residual=False, init="default")
    alone = build(cfg, seed=4)
    stop = threading.Event()

    def draw() -> None:
        while not stop.is_set():
            torch.rand(100)

    thread = threading.Thread(target=draw)
    thread.start()
    try:
        busy = [build(cfg, seed=4) for _ in range(20)]
    finally:
        stop.set()
        thread.join()
    for model in busy:
        for a, b in zip(alone.parameters(), model.parameters(), strict=True):
            assert torch.equal(a, b)
    bound = 1 / 28  # PyTorch's default for nn.Linear(784, ·): |w| ≤ 1/√784
    assert alone.stem.weight.abs().max() <= bound
