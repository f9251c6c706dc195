"""§2.2 what a 1×1 convolution saves: the same layer counted by formula, by torch, and timed."""

from fastapi import APIRouter

from app.bodies import BodyRoute
from app.deps import ApiLangDep, SettingsDep
from app.errors import field_error
from app.i18n import translate
from app.schemas.bottleneck import CostRequest, CostResponse, LayerCostOut, Ratios, Variant
from engine.cnn.cost import conv_layers, costs, median, time_variants, torch_flops

router = APIRouter(prefix="/api/cnn", tags=["1×1 convolution"], route_class=BodyRoute)

# Timing runs the layers for real: at most this many multiplications in all passes of one request
# (about a second or two on a small CPU), and at most this many numbers in any one tensor.
TIME_BUDGET = 3_000_000_000
MAX_TIMED_NUMBERS = 1 << 24


def _torch_code(in_channels: int, out_channels: int, kernel: int, reduce_to: int | None) -> str:
    same = "" if kernel == 1 else ', padding="same"'
    if reduce_to is None:
        return f"nn.Conv2d({in_channels}, {out_channels}, {kernel}{same})"
    return (
        f"nn.Sequential(nn.Conv2d({in_channels}, {reduce_to}, 1), "
        f"nn.Conv2d({reduce_to}, {out_channels}, {kernel}{same}))"
    )


def _variant(req: CostRequest, reduce_to: int | None) -> Variant:
    meta = conv_layers(req.in_channels, req.out_channels, req.kernel, reduce_to, device="meta")
    flops = torch_flops(meta, req.in_channels, req.height, req.width)
    layers = [
        LayerCostOut(
            **{**vars(c), "output_shape": list(c.output_shape)},
            torch_flops=f,
            formula=f"{req.height}·{req.width}·{c.out_channels}·{c.in_channels}·{c.kernel}·{c.kernel}",
        )
        for c, f in zip(costs(meta, req.height, req.width), flops, strict=True)
    ]
    return Variant(
        torch=_torch_code(req.in_channels, req.out_channels, req.kernel, reduce_to),
        layers=layers,
        multiplications=sum(ly.multiplications for ly in layers),
        torch_flops=sum(flops),
        parameters=sum(ly.parameters for ly in layers),
        ms=None,
        runs_ms=[],
    )


def _timing_plan(req: CostRequest, variants: list[Variant], lang: str) -> tuple[int, str | None]:
    """How many passes to time (fewer than asked if they would take too long), or 0, and why."""
    hw = req.height * req.width
    biggest = max(
        [req.in_channels * hw, req.out_channels * hw] + [ly.parameters for v in variants for ly in v.layers]
    )
    if biggest > MAX_TIMED_NUMBERS:
        return 0, translate(lang, "api.not_timed_numbers", n=biggest, most=MAX_TIMED_NUMBERS)
    per_pass = sum(v.multiplications for v in variants)
    repeats = min(req.repeats, TIME_BUDGET // max(per_pass, 1) - 1)
    if repeats < 1:
        return 0, translate(lang, "api.not_timed_work", n=per_pass, most=TIME_BUDGET // 2)
    if repeats < req.repeats:
        return repeats, translate(lang, "api.fewer_passes", n=repeats, asked=req.repeats)
    return repeats, None


@router.post("/cost", response_model=CostResponse)
def cost(req: CostRequest, settings: SettingsDep, lang: ApiLangDep) -> CostResponse:
    """Multiplications (formula H·W·C_out·C_in·k² and torch's FLOP counter ÷ 2), parameters and
    measured forward time of a k×k convolution, with and without a 1×1 reduction first.

    Limits: channels ≤ 1024, H and W ≤ 224, k ≤ 11, repeats ≤ 20, reduce_to ≤ in_channels, threads ≤
    the server's torch_threads. Layers too large to run here are counted but not timed (`timed`
    false, `note` says why)."""
    if req.threads > settings.torch_threads:
        raise field_error("threads", "threads", most=settings.torch_threads, n=req.threads)
    reduce_tos = [None] + ([req.reduce_to] if req.reduce_to else [])
    variants = [_variant(req, r) for r in reduce_tos]
    repeats, note = _timing_plan(req, variants, lang)
    if repeats:
        times = time_variants(
            req.in_channels,
            req.out_channels,
            req.kernel,
            reduce_tos,
            req.height,
            req.width,
            repeats,
            req.threads,
        )
        for v, runs in zip(variants, times, strict=True):
            v.runs_ms = [round(t, 4) for t in runs]
            v.ms = round(median(v.runs_ms), 4)
    direct, reduced = variants[0], (variants[1] if len(variants) > 1 else None)
    ratios = (
        None
        if reduced is None
        else Ratios(
            multiplications=direct.multiplications / reduced.multiplications,
            torch_flops=direct.torch_flops / reduced.torch_flops,
            parameters=direct.parameters / reduced.parameters,
            time=direct.ms / reduced.ms if direct.ms and reduced.ms else None,
        )
    )
    return CostResponse(
        input_shape=[req.in_channels, req.height, req.width],
        output_shape=[req.out_channels, req.height, req.width],
        direct=direct,
        reduced=reduced,
        ratios=ratios,
        timed=repeats > 0,
        repeats=repeats,
        threads=req.threads,
        note=note,
    )
