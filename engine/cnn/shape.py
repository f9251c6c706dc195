"""§1.3 Output-size arithmetic shared by convolution and pooling.

Along one axis, an input of A cells, padded by p on each side, is read by a window of a cells whose
taps are d apart (dilation), moved s cells at a time (stride). The window then spans d·(a − 1) + 1
cells and fits ⌊(A + 2p − d·(a − 1) − 1)/s⌋ + 1 times: that is the output size, for conv2d and for
max_pool2d alike. The course's shortcut X = A − 2·(a//2) is the special case s = 1, p = 0, d = 1,
a odd."""

from dataclasses import dataclass

from engine.errors import FieldError

OPS = ("conv", "pool")


def effective_kernel(kernel: int, dilation: int = 1) -> int:
    """How many input cells one window spans: d·(a − 1) + 1."""
    return dilation * (kernel - 1) + 1


def check(
    size: int, kernel: int, padding: int = 0, stride: int = 1, dilation: int = 1, op: str = "conv"
) -> None:
    """Raise a FieldError naming the first setting torch would reject."""
    if op not in OPS:
        raise FieldError(
            "op", "one_of", "must be one of {choices}, got {value!r}", choices=", ".join(OPS), value=op
        )
    for name, value, low in (
        ("size", size, 1),
        ("kernel", kernel, 1),
        ("padding", padding, 0),
        ("stride", stride, 1),
        ("dilation", dilation, 1),
    ):
        if value < low:
            raise FieldError(name, "at_least", "must be ≥ {low}, got {value}", low=low, value=value)
    if op == "pool" and 2 * padding > kernel:
        raise FieldError(
            "padding",
            "pool_padding",
            "must be ≤ half the window for pooling (torch's rule): {kernel} // 2 = {half}, got {padding}",
            kernel=kernel,
            half=kernel // 2,
            padding=padding,
        )
    span, padded = effective_kernel(kernel, dilation), size + 2 * padding
    if span > padded:
        raise FieldError(
            "kernel",
            "kernel_span",
            "spans d·(a − 1) + 1 = {span} cells, more than the padded input's A + 2p = {padded}",
            span=span,
            padded=padded,
        )


def output_size(size: int, kernel: int, padding: int = 0, stride: int = 1, dilation: int = 1) -> int:
    """⌊(A + 2p − d·(a − 1) − 1)/s⌋ + 1, the size torch gives conv2d and max_pool2d."""
    check(size, kernel, padding, stride, dilation)
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def seed_rule(size: int, kernel: int) -> int:
    """The course's X = A − 2·(a//2): exact only for odd a, stride 1, no padding, dilation 1."""
    return size - 2 * (kernel // 2)


def seed_rule_holds(kernel: int, padding: int, stride: int, dilation: int) -> bool:
    """Whether the settings are those the seed's rule was written for."""
    return kernel % 2 == 1 and padding == 0 and stride == 1 and dilation == 1


@dataclass
class Windows:
    """Where the windows land along one axis, in padded coordinates (0 = first padding cell)."""

    output_size: int
    padded_size: int
    span: int  # cells one window spans, d·(a − 1) + 1
    starts: list[int]  # first cell of each window
    coverage: list[int]  # per padded cell, how many window taps read it
    unused: int  # trailing cells no window reaches (the floor in the formula drops them)


def windows(size: int, kernel: int, padding: int = 0, stride: int = 1, dilation: int = 1) -> Windows:
    """Every window's position along one axis, and how often each cell is read."""
    n = output_size(size, kernel, padding, stride, dilation)
    padded = size + 2 * padding
    starts = [i * stride for i in range(n)]
    coverage = [0] * padded
    for s in starts:
        for k in range(kernel):
            coverage[s + k * dilation] += 1
    span = effective_kernel(kernel, dilation)
    return Windows(
        output_size=n,
        padded_size=padded,
        span=span,
        starts=starts,
        coverage=coverage,
        unused=padded - (starts[-1] + span),
    )


@dataclass
class OutputSize:
    """The output size along one axis, how it comes out of the formula, and the course's shortcut."""

    windows: Windows
    formula: str  # the formula with the numbers filled in
    seed_rule: int  # the course's A − 2·(a//2)
    seed_rule_holds: bool  # whether the settings are those the shortcut was written for

    @property
    def seed_rule_agrees(self) -> bool:
        return self.seed_rule == self.windows.output_size


def explain(
    size: int, kernel: int, padding: int = 0, stride: int = 1, dilation: int = 1, op: str = "conv"
) -> OutputSize:
    """Everything §1.3's size calculator shows; a FieldError for settings torch would reject."""
    check(size, kernel, padding, stride, dilation, op)
    win = windows(size, kernel, padding, stride, dilation)
    top = size + 2 * padding - dilation * (kernel - 1) - 1
    formula = (
        f"⌊({size} + 2·{padding} − {dilation}·({kernel} − 1) − 1) / {stride}⌋ + 1 "
        f"= ⌊{top} / {stride}⌋ + 1 = {win.output_size}"
    )
    return OutputSize(
        win, formula, seed_rule(size, kernel), seed_rule_holds(kernel, padding, stride, dilation)
    )
