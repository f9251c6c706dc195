"""§4.3 the batch layout nn.RNN reads, and how many updates each mode makes per epoch."""

import pytest
import torch
from torch import nn
from torch.testing import assert_close

from engine.rnn.batching import (
    NextValue,
    epoch_batches,
    sine_task,
    time_first,
    train_mode,
    updates_per_epoch,
)
from engine.train import TrainConfig, train


def test_the_batch_layout_is_what_nn_rnn_reads():
    task = sine_task(12, 7, seed=3)
    idx = epoch_batches(12, 5, seed=3)[0]
    xb = time_first(task.x[idx])  # (T, B, 1)
    assert xb.shape == (7, 5, 1)
    for j, i in enumerate(idx.tolist()):  # column j is sample idx[j], row t its step t
        assert_close(xb[:, j], task.x[i])
    torch.manual_seed(0)
    rnn = nn.RNN(1, 4)  # batch_first=False
    out, h_n = rnn(xb)
    for j, i in enumerate(idx.tolist()):  # the same as running each sample alone
        out_j, h_j = rnn(task.x[i][:, None])  # (T, 1, 1)
        assert_close(out[:, j], out_j[:, 0])
        assert_close(h_n[:, j], h_j[:, 0])
    with pytest.raises(ValueError, match="expected"):
        time_first(task.x[0])


def test_the_waves_are_seeded_and_the_target_is_the_next_clean_value():
    a, b = sine_task(8, 10, seed=1), sine_task(8, 10, seed=1)
    assert a.x.shape == (8, 10, 1) and a.y.shape == (8, 1)
    assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y)
    assert not torch.equal(a.x, sine_task(8, 10, seed=2).x)
    clean, longer = sine_task(8, 10, seed=1, noise=0), sine_task(8, 11, seed=1, noise=0)
    assert_close(longer.x[:, 10, 0], clean.y[:, 0])  # y = the wave one step further, without noise
    assert (a.x - clean.x).abs().max() > 0  # the inputs are noisy


@pytest.mark.parametrize(("n", "b", "want"), [(10, 1, 10), (10, 4, 3), (12, 4, 3), (10, 64, 1)])
def test_updates_per_epoch(n: int, b: int, want: int):
    assert updates_per_epoch(n, b) == want
    assert len(epoch_batches(n, b, seed=0)) == want
    assert sorted(torch.cat(epoch_batches(n, b, seed=0)).tolist()) == list(range(n))


@pytest.mark.parametrize(("mode", "b"), [("one", 1), ("mini", 4)])
def test_each_mode_makes_its_number_of_updates(mode: str, b: int):
    task, held_out = sine_task(10, 6, seed=0), sine_task(5, 6, seed=1)
    events: list[dict] = []
    run = train_mode(mode, b, task, held_out, hidden_size=3, epochs=2, lr=0.01, seed=0, report=events.append)
    per_epoch = 10 if b == 1 else 3  # N, or ceil(N / B)
    assert run.updates_per_epoch == per_epoch
    done = events[-1]
    assert done["kind"] == "done" and done["steps"] == 2 * per_epoch and done["mode"] == mode
    assert [e["step"] for e in events if e["kind"] == "epoch"] == [per_epoch, 2 * per_epoch]
    assert len(run.epoch_seconds) == len(run.held_out_loss) == 2 and run.total_seconds > 0
    assert run.steps[-1] == 2 * per_epoch and len(run.steps) == len(run.seconds) == len(run.loss)


def test_the_first_batch_is_the_one_the_training_loop_draws():
    task = sine_task(20, 6, seed=5)
    seen: list[torch.Tensor] = []

    class Spy(NextValue):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            seen.append(x.detach().clone())
            return super().forward(x)

    train(
        Spy(1, 2),
        (task.x, task.y),
        None,
        TrainConfig(epochs=1, batch_size=8, seed=5),
        loss_fn=torch.nn.functional.mse_loss,
    )
    assert_close(seen[0], task.x[epoch_batches(20, 8, seed=5)[0]])
    assert [len(s) for s in seen] == [8, 8, 4]


def test_both_modes_start_from_the_same_weights():
    torch.manual_seed(7)
    a = NextValue(1, 5).state_dict()
    torch.manual_seed(7)
    b = NextValue(1, 5).state_dict()
    for k in a:
        assert torch.equal(a[k], b[k])
