"""The one training loop: events in order, falling loss, cancellation, determinism, evaluation."""

from dataclasses import replace

import pytest
import torch
from torch import nn

from engine.data.mnist import mnist_split
from engine.models.digits import build, fit
from engine.train import (
    DoneEvent,
    EpochEvent,
    Event,
    StepEvent,
    TrainConfig,
    evaluate,
    train,
)


@pytest.fixture(scope="module")
def small():
    s = mnist_split()
    return (s.x_train[:480], s.y_train[:480]), (s.x_held_out[:200], s.y_held_out[:200])


def _fresh(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return build("basic")


CFG = TrainConfig(epochs=1, batch_size=24, lr=0.01, report_every=1, seed=0)


def test_events_arrive_in_order_and_loss_falls(small: tuple):
    events: list[Event] = []
    result = train(_fresh(), small[0], small[1], CFG, report=events.append)
    steps = [e for e in events if isinstance(e, StepEvent)]
    assert [e.step for e in steps] == list(range(1, 21))  # 480 / 24 batches
    assert isinstance(events[-2], EpochEvent) and isinstance(events[-1], DoneEvent)
    assert events[-1] is result.done and result.history == [events[-2]]
    assert all(e.total_steps == 20 and e.epoch == 1 for e in steps)
    assert [e.elapsed for e in events[:-1]] == sorted(e.elapsed for e in events[:-1])
    assert steps[-1].eta == 0 and all(e.eta is not None and e.eta >= 0 for e in steps)
    first, last = sum(e.loss for e in steps[:4]) / 4, sum(e.loss for e in steps[-4:]) / 4
    assert last < first * 0.8
    assert result.done.held_out_accuracy == events[-2].held_out_accuracy
    assert 0.5 < result.done.held_out_accuracy <= 1 and not result.done.stopped


def test_an_epochs_last_batches_are_reported_before_its_evaluation(small: tuple):
    events: list[Event] = []
    train(
        _fresh(),
        small[0],
        small[1],
        TrainConfig(epochs=2, batch_size=24, lr=0.01, report_every=7, seed=0),
        report=events.append,
    )
    steps = [(e.step, e.epoch_end) for e in events if isinstance(e, StepEvent)]
    assert steps == [(7, False), (14, False), (20, True), (21, False), (28, False), (35, False), (40, True)]
    kinds = [type(e).__name__ for e in events]
    assert kinds[kinds.index("EpochEvent") - 1] == "StepEvent"  # step 20 (epoch_end) just before epoch 1


def test_held_out_may_be_a_function_of_the_model(small: tuple):
    seen: list[nn.Module] = []

    def held_out(model: nn.Module) -> float:  # e.g. to keep the whole evaluation, not only its accuracy
        seen.append(model)
        return evaluate(model, *small[1]).accuracy

    model = _fresh()
    result = train(model, small[0], held_out, TrainConfig(epochs=2, batch_size=24, lr=0.01, seed=0))
    assert seen == [model, model]  # once per epoch
    assert result.history[-1].held_out_accuracy == evaluate(model, *small[1]).accuracy > 0.5
    assert result.done.held_out_accuracy == result.history[-1].held_out_accuracy


def test_should_stop_ends_the_run_within_a_batch(small: tuple):
    calls = []

    def should_stop() -> bool:
        calls.append(1)
        return len(calls) > 3

    events: list[Event] = []
    cfg = TrainConfig(epochs=5, batch_size=24, report_every=1)
    result = train(_fresh(), small[0], small[1], cfg, report=events.append, should_stop=should_stop)
    assert result.done.stopped and result.done.steps == 3 and result.done.epochs == 0
    assert result.done.held_out_accuracy is None
    assert [type(e) for e in events] == [StepEvent] * 3 + [DoneEvent]


def test_same_seed_gives_the_same_weights(small: tuple):
    a, b, c = _fresh(), _fresh(), _fresh()
    train(a, small[0], None, CFG)
    train(b, small[0], None, CFG)
    train(c, small[0], None, TrainConfig(epochs=1, batch_size=24, lr=0.01, seed=1))
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)
    assert not torch.equal(a.fc.weight, c.fc.weight)


def test_batches_from_an_iterable_and_sgd_onecycle(small: tuple):
    (x, y), held = small
    batches = [(x[i : i + 40], y[i : i + 40]) for i in range(0, 480, 40)]
    cfg = TrainConfig(epochs=2, lr=0.05, optimizer="sgd", schedule="onecycle", report_every=4)
    events: list[Event] = []
    result = train(_fresh(), batches, held, cfg, report=events.append)
    assert result.done.steps == 24 and len(result.history) == 2
    assert [e.step for e in events if isinstance(e, StepEvent)] == [4, 8, 12, 16, 20, 24]
    assert result.history[1].loss < result.history[0].loss


def test_tuple_inputs_are_unpacked_into_the_model():
    class Sum(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 2)

        def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            return self.fc(a + b)

    torch.manual_seed(0)
    a, b, y = torch.randn(32, 3), torch.randn(32, 3), torch.randint(0, 2, (32,))
    gen = (batch for batch in [((a, b), y)])  # no len(): the total is learnt after one epoch
    result = train(Sum(), gen, cfg=TrainConfig(epochs=1, report_every=1))
    assert result.done.steps == 1 and result.history[0].total_steps == 1


def test_evaluate_gives_accuracy_confusion_and_misread():
    model = nn.Linear(2, 3)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[1.0, 0], [0, 1], [-1, -1]]))
        model.bias.zero_()
    x = torch.tensor([[5.0, 0], [0, 5], [-5, -5], [5, 0], [0, 5]])
    y = torch.tensor([0, 1, 2, 1, 2])
    r = evaluate(model, x, y, batch_size=2)
    assert r.accuracy == pytest.approx(0.6)
    expected = torch.tensor([[1, 0, 0], [1, 1, 0], [0, 1, 1]])
    assert torch.equal(r.confusion, expected)
    assert r.misread.tolist() == [3, 4] and r.predicted.tolist() == [0, 1, 2, 0, 1]
    with pytest.raises(ValueError, match="equal length"):
        evaluate(model, x, y[:2])


@pytest.mark.parametrize(
    ("field", "value"),
    [("epochs", 0), ("batch_size", 0), ("lr", 0.0), ("optimizer", "rmsprop"), ("schedule", "step")],
)
def test_bad_config_is_refused_naming_the_field(field: str, value: object):
    with pytest.raises(ValueError, match=field):
        TrainConfig(**{field: value})


def test_onecycle_needs_a_known_length():
    gen = (b for b in [(torch.randn(4, 2), torch.zeros(4, dtype=torch.int64))])
    with pytest.raises(ValueError, match="onecycle"):
        train(nn.Linear(2, 2), gen, cfg=TrainConfig(schedule="onecycle"))


def test_fit_trains_a_named_model_on_a_small_split():
    full = mnist_split()
    s = replace(full, x_train=full.x_train[:240], y_train=full.y_train[:240])
    s = replace(s, x_held_out=full.x_held_out[:100], y_held_out=full.y_held_out[:100])
    model, result = fit("residual", TrainConfig(epochs=1, lr=0.005), split=s)
    assert result.done.steps == 4 and not model.training
    with pytest.raises(ValueError, match="unknown model"):
        fit("vgg")
