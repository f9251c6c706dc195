"""§5.3 Why plain RNNs forget and GRUs do not: how much gradient reaches each earlier state.

The loss looks at the last state only, L = uᵀ·h_T with a fixed unit vector u, so ‖∂L/∂h_T‖ = 1 and
‖∂L/∂h_t‖ says what share of the gradient survives the walk back from step T to step t.

Plain RNN, h_t = tanh(W_hh·h_{t-1} + W_xh·x_t): one step back multiplies by the Jacobian's transpose,

    ∂L/∂h_{t-1} = W_hhᵀ · diag(1 − h_t²) · ∂L/∂h_t

so ∂L/∂h_t is a product of T − t such factors. W_hh is scaled to spectral radius λ (its largest
|eigenvalue|), and the product grows or shrinks roughly like λ^(T−t); tanh's slope 1 − h² ≤ 1 only
shrinks it further. The "linear" cell drops the tanh: its gradient is (W_hhᵀ)^(T−t)·u exactly.

GRU (torch.nn.GRU's equations), with the same W_hh as its candidate matrix W_hn:

    r = σ(W_ir x + W_hr h),  z = σ(W_iz x + W_hz h + b_z),  n = tanh(W_in x + r ⊙ (W_hn h)),
    h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}

so ∂h_t/∂h_{t-1} = diag(z) + (terms through n, r and z): while z is near 1 the gradient has a path
that is close to the identity, whatever λ is. `update_bias` b_z sets how near 1 z starts.

Everything is float64, seeded, and the norms are read from autograd (h_t.grad after L.backward())."""

from dataclasses import dataclass
from typing import Literal

import torch

from engine.errors import FieldError

CellKind = Literal["rnn", "linear", "gru"]
CELL_KINDS: tuple[CellKind, ...] = ("rnn", "linear", "gru")


@dataclass
class FlowSetup:
    """The seeded weights and inputs every cell shares. Matrices are torch's (out, in) layout."""

    W: torch.Tensor  # (H, H) recurrent matrix with spectral radius 1 (scale it by λ)
    W_xh: torch.Tensor  # (H, I) input → hidden (the GRU's W_in)
    W_ir: torch.Tensor  # (H, I)
    W_iz: torch.Tensor  # (H, I)
    W_hr: torch.Tensor  # (H, H)
    W_hz: torch.Tensor  # (H, H)
    x: torch.Tensor  # (T, I) the input sequence
    u: torch.Tensor  # (H,) unit vector: L = uᵀ·h_T
    update_bias: float  # b_z of the GRU's update gate

    @property
    def steps(self) -> int:
        return self.x.shape[0]


@dataclass
class Flow:
    """‖∂L/∂h_t‖ for t = 0 … T (h_0 is the initial state), one row per spectral radius."""

    radii: torch.Tensor  # (K,)
    norms: torch.Tensor  # (K, T + 1)
    z_mean: torch.Tensor | None  # (K,) the GRU's mean update gate z over steps and units


def spectral_radius(W: torch.Tensor) -> float:
    """The largest |eigenvalue| of a square matrix."""
    return torch.linalg.eigvals(W).abs().max().item()


def scaled(W: torch.Tensor, radius: float) -> torch.Tensor:
    """W rescaled so that its spectral radius is `radius` (its eigenvectors stay the same)."""
    rho = spectral_radius(W)
    if not rho > 1e-12:
        raise FieldError(
            "W_hh",
            "radius_zero",
            "has spectral radius {rho:.3g} (all eigenvalues ≈ 0) and cannot be rescaled",
            rho=rho,
        )
    return W * (radius / rho)


def setup(
    hidden_size: int,
    steps: int,
    seed: int = 0,
    input_size: int = 4,
    input_scale: float = 0.3,
    update_bias: float = 3.0,
    W_hh: torch.Tensor | None = None,
) -> FlowSetup:
    """Draw everything from one generator, in this order: W, W_xh, W_ir, W_iz, W_hr, W_hz, x, u.
    Matrices are N(0, 1/fan_in) (input ones times input_scale), x_t ~ N(0, 1). A given (H, H)
    W_hh takes the place of the drawn W (the rest is drawn as usual)."""
    for name, v in (("hidden_size", hidden_size), ("steps", steps), ("input_size", input_size)):
        if v < 1:
            raise ValueError(f"{name} must be at least 1, got {v}")
    g = torch.Generator().manual_seed(seed)
    H, In = hidden_size, input_size

    def randn(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=g, dtype=torch.float64)

    W = randn(H, H) / H**0.5
    if W_hh is not None:
        if tuple(W_hh.shape) != (H, H):
            raise FieldError(
                "W_hh",
                "w_hh_shape",
                "must have shape [{h}, {h}] = (hidden_size, hidden_size), got {shape}",
                h=H,
                shape=list(W_hh.shape),
            )
        W = W_hh.to(torch.float64)
    W = scaled(W, 1.0)
    W_xh, W_ir, W_iz = (randn(H, In) * (input_scale / In**0.5) for _ in range(3))
    W_hr, W_hz = (randn(H, H) / H**0.5 for _ in range(2))
    x = randn(steps, In)  # (T, I)
    u = randn(H)
    return FlowSetup(W, W_xh, W_ir, W_iz, W_hr, W_hz, x, u / u.norm(), update_bias)


def rnn_step(
    h: torch.Tensor, x_t: torch.Tensor, lam: torch.Tensor, s: FlowSetup, kind: CellKind
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """One step for K radii at once, W_hh = λ_k·W: h (K, H), lam (K,) → h_t (K, H) and, for the GRU, z."""
    hw = lam[:, None] * (h @ s.W.T)  # (K, H): W_hh · h_{t-1} for each λ_k
    if kind == "linear":
        return hw + s.W_xh @ x_t, None
    if kind == "rnn":
        return torch.tanh(hw + s.W_xh @ x_t), None
    r = torch.sigmoid(s.W_ir @ x_t + h @ s.W_hr.T)
    z = torch.sigmoid(s.W_iz @ x_t + h @ s.W_hz.T + s.update_bias)
    n = torch.tanh(s.W_xh @ x_t + r * hw)
    return (1 - z) * n + z * h, z


def flow(s: FlowSetup, radii: list[float], kind: CellKind) -> Flow:
    """Unroll the cell over s.x for every radius (as one batch), back-propagate L = uᵀ·h_T, and read
    ‖∂L/∂h_t‖ off autograd for every t = 0 … T."""
    if kind not in CELL_KINDS:
        raise ValueError(f"cell kind must be one of {', '.join(CELL_KINDS)}, got {kind!r}")
    lam = torch.tensor(radii, dtype=torch.float64)  # (K,): W_hh = λ_k·W has spectral radius λ_k
    h = torch.zeros(len(radii), s.W.shape[0], dtype=torch.float64, requires_grad=True)  # h_0
    states, gates = [h], []
    with torch.enable_grad():
        for t in range(s.steps):
            h, z = rnn_step(h, s.x[t], lam, s, kind)
            h.retain_grad()
            states.append(h)
            if z is not None:
                gates.append(z.detach())
        (h @ s.u).sum().backward()  # the K rows are independent: each gets its own L_k
    norms = torch.stack([hs.grad.norm(dim=-1) for hs in states], dim=1)  # (K, T + 1)
    z_mean = torch.stack(gates).mean(dim=(0, 2)) if gates else None
    return Flow(lam, norms, z_mean)


def reference(radius: float, steps: int) -> torch.Tensor:
    """(T + 1,) λ^(T−t) for t = 0 … T: the rule of thumb ‖∂L/∂h_t‖ ≈ |λ|^(T−t)·‖∂L/∂h_T‖."""
    return abs(radius) ** torch.arange(steps, -1, -1, dtype=torch.float64)


def jacobian_chain(s: FlowSetup, radius: float) -> torch.Tensor:
    """(T + 1,) ‖∂L/∂h_t‖ of the tanh RNN by hand, with no autograd: walk back from u, multiplying
    by W_hhᵀ·diag(1 − h_t²) once per step."""
    W_hh = scaled(s.W, radius)
    h, hs = torch.zeros(s.W.shape[0], dtype=torch.float64), []
    for t in range(s.steps):
        h = torch.tanh(W_hh @ h + s.W_xh @ s.x[t])
        hs.append(h)
    g, norms = s.u, [s.u.norm()]
    for h in reversed(hs):
        g = W_hh.T @ ((1 - h**2) * g)  # ∂L/∂h_{t-1} = W_hhᵀ · diag(1 − h_t²) · ∂L/∂h_t
        norms.append(g.norm())
    return torch.stack(norms[::-1])


SWEEP = [round(0.5 + 0.05 * i, 2) for i in range(21)]  # λ = 0.5, 0.55, …, 1.5


@dataclass
class FlowReport:
    """§5.3's first plot: each cell's ‖∂L/∂h_t‖ at one radius λ, and ‖∂L/∂h_0‖ across SWEEP."""

    setup: FlowSetup
    W_hh: torch.Tensor  # (H, H) the recurrent matrix rescaled to λ
    measured_radius: float  # its largest |eigenvalue|, computed
    norms: dict[str, list[float]]  # cell → ‖∂L/∂h_t‖ for t = 0 … T at λ
    reference: list[float]  # λ^(T−t)
    z_mean: float | None  # the GRU's mean update gate at λ
    sweep_norms: dict[str, list[float]] | None  # cell → ‖∂L/∂h_0‖ at each radius of SWEEP
    sweep_reference: list[float] | None  # λ^T at each radius of SWEEP


def flow_report(s: FlowSetup, radius: float, cells: list[CellKind], sweep: bool = True) -> FlowReport:
    """Every cell unrolled at `radius` (and across SWEEP when `sweep`), all from one setup."""
    radii = [radius] + (SWEEP if sweep else [])
    flows = {kind: flow(s, radii, kind) for kind in cells}
    W_hh = scaled(s.W, radius)
    z = flows["gru"].z_mean if "gru" in flows else None
    return FlowReport(
        setup=s,
        W_hh=W_hh,
        measured_radius=spectral_radius(W_hh),
        norms={k: f.norms[0].tolist() for k, f in flows.items()},
        reference=reference(radius, s.steps).tolist(),
        z_mean=None if z is None else z[0].item(),
        sweep_norms={k: f.norms[1:, 0].tolist() for k, f in flows.items()} if sweep else None,
        sweep_reference=[r**s.steps for r in SWEEP] if sweep else None,
    )
