"""§2.3 Vanishing gradients and residual connections, on a stack whose depth is a dial.

The stack reads a digit and classifies it; only its middle changes with `depth`:

    h_0 = stem(x)                      x (B, 1, 28, 28) flattened to (B, 784) → (B, W)
    F_l(h) = BN(W_l · act(h) + b_l)    layer l = 1..depth, (B, W) → (B, W); BN optional
    plain:     h_l = F_l(h_{l-1})
    residual:  h_l = h_{l-1} + F_l(h_{l-1})        so ∂h_l/∂h_{l-1} = ∂F_l/∂h + I
    logits = head(act(h_depth))        (B, 10), loss = cross-entropy

The plain and the residual stack built with the same seed hold exactly the same weights; only the
skip connection differs. Each residual block wraps one layer (the ResNet paper's wraps two) and adds
the identity with no activation after the sum, so the identity path is really the identity.

The layers are fully connected (width W) rather than convolutions so that 100 of them take
milliseconds; a convolution is a linear map too and vanishes the same way."""

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import torch
import torch.nn.functional as F
from torch import nn

from engine.data.mnist import mnist_split
from engine.errors import FieldError
from engine.train import Event, TrainConfig, evaluate, train

ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": F.relu,
}
INITS = ("default", "xavier", "he")
MAX_DEPTH = 100
MAX_WIDTH = 256
PIXELS = 28 * 28
CLASSES = 10


@dataclass
class StackConfig:
    depth: int
    residual: bool
    activation: str = "sigmoid"
    init: str = "default"  # PyTorch's own (kaiming_uniform, a=√5), Xavier normal, He normal
    batch_norm: bool = False
    width: int = 64
    zero_init_residual: bool = False  # each residual branch starts at 0 (BN's γ, else W_l)

    def __post_init__(self) -> None:
        if not 1 <= self.depth <= MAX_DEPTH:
            raise ValueError(f"depth must be between 1 and {MAX_DEPTH}, got {self.depth}")
        if not 1 <= self.width <= MAX_WIDTH:
            raise ValueError(f"width must be between 1 and {MAX_WIDTH}, got {self.width}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {self.activation!r}")
        if self.init not in INITS:
            raise ValueError(f"init must be one of {', '.join(INITS)}, got {self.init!r}")


class DepthStack(nn.Module):
    """(B, 1, 28, 28) digits → (B, 10) logits through `depth` equal-width layers."""

    def __init__(self, cfg: StackConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.act = ACTIVATIONS[cfg.activation]
        w = cfg.width
        self.stem = nn.Linear(PIXELS, w)
        self.layers = nn.ModuleList(nn.Linear(w, w) for _ in range(cfg.depth))
        self.norms = nn.ModuleList(
            nn.BatchNorm1d(w) if cfg.batch_norm else nn.Identity() for _ in range(cfg.depth)
        )
        self.head = nn.Linear(w, CLASSES)

    def branch(self, i: int, h: torch.Tensor) -> torch.Tensor:
        """F_l(h) = BN(W_l act(h) + b_l) for l = i + 1, (B, W) → (B, W)."""
        return self.norms[i](self.layers[i](self.act(h)))

    def forward_with_outputs(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """The logits (B, 10) and every layer's output h_1..h_depth, each (B, W)."""
        h = self.stem(x.flatten(1))  # (B, W)
        outputs = []
        for i in range(self.cfg.depth):
            f = self.branch(i, h)
            h = h + f if self.cfg.residual else f
            outputs.append(h)
        return self.head(self.act(h)), outputs  # (B, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_with_outputs(x)[0]


def init_linear(lin: nn.Linear, init: str, g: torch.Generator) -> None:
    """Draw one layer's weights from `g`: PyTorch's own default (kaiming_uniform with a=√5, bias
    uniform ±1/√fan_in), Xavier normal or He normal (biases 0)."""
    if init == "default":
        nn.init.kaiming_uniform_(lin.weight, a=math.sqrt(5), generator=g)
        bound = 1 / math.sqrt(lin.in_features)
        nn.init.uniform_(lin.bias, -bound, bound, generator=g)
        return
    if init == "xavier":
        nn.init.xavier_normal_(lin.weight, generator=g)  # std √(2 / (fan_in + fan_out))
    else:
        nn.init.kaiming_normal_(lin.weight, nonlinearity="relu", generator=g)  # std √(2 / fan_in)
    nn.init.zeros_(lin.bias)


@torch.no_grad()
def build(cfg: StackConfig, seed: int) -> DepthStack:
    """The stack with weights drawn from `seed` (the same for plain and residual). The draws come
    from a generator of its own, never the global one, so requests served side by side in threads
    cannot interleave their draws."""
    model = DepthStack(cfg)
    g = torch.Generator().manual_seed(seed)
    for lin in (model.stem, *model.layers, model.head):
        init_linear(lin, cfg.init, g)
    if cfg.residual and cfg.zero_init_residual:
        for lin, norm in zip(model.layers, model.norms, strict=True):
            nn.init.zeros_(norm.weight if cfg.batch_norm else lin.weight)
    return model


@lru_cache(maxsize=1)
def _training_digits() -> tuple[torch.Tensor, torch.Tensor]:
    split = mnist_split()
    return split.x_train, split.y_train


def digit_batch(batch: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """`batch` training digits drawn by `seed`: (B, 1, 28, 28) normalised, labels (B,)."""
    x, y = _training_digits()
    if not 1 <= batch <= len(x):
        raise ValueError(f"batch must be between 1 and {len(x)}, got {batch}")
    idx = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))[:batch]
    return x[idx], y[idx]


@dataclass
class GradientNorms:
    weight: list[float]  # ‖∂L/∂W_l‖ (Frobenius) for l = 1..depth
    output: list[float]  # ‖∂L/∂h_l‖ over the whole batch, l = 1..depth
    stem: float  # ‖∂L/∂W‖ of the input layer
    head: float  # ‖∂L/∂W‖ of the classifier
    loss: float

    @property
    def first_over_last(self) -> float:
        """How many times more gradient the first layer's weights get than the last's."""
        return self.weight[0] / self.weight[-1] if self.weight[-1] else math.nan


def gradient_norms(model: DepthStack, x: torch.Tensor, y: torch.Tensor) -> GradientNorms:
    """One forward and one backward pass in training mode (batch norm uses the batch's statistics),
    in float64 so that norms far below float32's smallest number (~1e-45) are not rounded to 0."""
    if model.cfg.batch_norm and len(x) < 2:
        raise FieldError("batch", "batch_norm_batch", "must be at least 2 with batch norm, got {n}", n=len(x))
    model = model.double().train()
    logits, outputs = model.forward_with_outputs(x.double())  # (B, 10), depth × (B, W)
    loss = F.cross_entropy(logits, y)
    weights = [model.stem.weight, model.head.weight, *(lin.weight for lin in model.layers)]
    grads = torch.autograd.grad(loss, weights + outputs)
    norms = [float(g.norm()) for g in grads]
    d = model.cfg.depth
    return GradientNorms(
        weight=norms[2 : 2 + d],
        output=norms[2 + d :],
        stem=norms[0],
        head=norms[1],
        loss=float(loss.detach()),
    )


def digit_gradient_norms(cfg: StackConfig, batch: int, seed: int) -> tuple[GradientNorms, torch.Tensor]:
    """§2.3's first plot: the stack built from `seed`, one backward pass on `batch` training digits
    drawn by the same seed; the norms and the batch's labels (B,)."""
    x, y = digit_batch(batch, seed)  # (B, 1, 28, 28), (B,)
    return gradient_norms(build(cfg, seed), x, y), y


# ---- the training experiment: the shape of the ResNet paper's Figure 1 ----


@dataclass
class ExperimentConfig:
    """Plain and residual stacks of two depths, trained alike (ReLU, He init, batch norm)."""

    depths: tuple[int, int] = (20, 56)
    width: int = 64
    epochs: int = 4
    batch_size: int = 128
    lr: float = 0.003  # Adam, one-cycle schedule (peak learning rate)
    train_size: int = 8000
    seed: int = 0

    def stacks(self) -> list[tuple[str, StackConfig]]:
        """(name, config) of the four runs: plain shallow, plain deep, residual shallow, deep."""
        return [
            (
                f"{'residual' if res else 'plain'}-{d}",
                StackConfig(
                    depth=d,
                    residual=res,
                    activation="relu",
                    init="he",
                    batch_norm=True,
                    width=self.width,
                    zero_init_residual=True,
                ),
            )
            for res in (False, True)
            for d in self.depths
        ]


@dataclass
class RunResult:
    name: str
    residual: bool
    depth: int
    parameters: int
    train_error: float  # on the training digits, after training (eval mode)
    held_out_error: float  # on the 2,000 held-out digits
    seconds: float


@dataclass
class ExperimentResult:
    runs: list[RunResult] = field(default_factory=list)
    seconds: float = 0.0
    stopped: bool = False

    def figure1_shape(self) -> bool:
        """The deeper plain stack ends with more training error, the deeper residual one does not."""
        err = {(r.residual, r.depth): r.train_error for r in self.runs}
        (shallow, deep) = sorted({r.depth for r in self.runs})
        return err[(False, deep)] > err[(False, shallow)] and err[(True, deep)] <= err[(True, shallow)]


def run_experiment(
    cfg: ExperimentConfig,
    report: Callable[[int, str, Event], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> ExperimentResult:
    """Train the four stacks one after another with engine.train; `report(run_index, name, event)`."""
    report = report or (lambda i, name, event: None)
    split = mnist_split()
    x, y = split.x_train[: cfg.train_size], split.y_train[: cfg.train_size]
    steps = math.ceil(len(x) / cfg.batch_size) * cfg.epochs
    tcfg = TrainConfig(
        epochs=cfg.epochs,
        batch_size=cfg.batch_size,
        lr=cfg.lr,
        optimizer="adam",
        schedule="onecycle",
        seed=cfg.seed,
        report_every=max(1, steps // 60),
    )
    result = ExperimentResult()
    for i, (name, scfg) in enumerate(cfg.stacks()):
        model = build(scfg, cfg.seed)
        run = train(
            model,
            (x, y),
            (split.x_held_out, split.y_held_out),
            tcfg,
            report=lambda e, i=i, name=name: report(i, name, e),
            should_stop=should_stop,
        )
        result.seconds += run.done.elapsed
        if run.done.stopped:
            result.stopped = True
            break
        result.runs.append(
            RunResult(
                name=name,
                residual=scfg.residual,
                depth=scfg.depth,
                parameters=sum(p.numel() for p in model.parameters()),
                train_error=1 - evaluate(model, x, y).accuracy,
                held_out_error=1 - (run.done.held_out_accuracy or 0.0),
                seconds=run.done.elapsed,
            )
        )
    return result
