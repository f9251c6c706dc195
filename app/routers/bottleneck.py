"""§2.2 what a 1×1 convolution saves: the same layer counted by formula, by torch, and timed."""

from fastapi import APIRouter

from app.bodies import BodyRoute
from app.deps import ApiLangDep, SettingsDep
from app.errors import field_error
from app.i18n import translate
from app.schemas.bottleneck import CostRequest, CostResponse, LayerCostOut, Ratios, Variant
from engine.cnn.cost import LayerCost, conv_layers, costs, median, time_variants, timing_plan, torch_flops

router = APIRouter(prefix="/api/cnn", tags=["1×1 convolution"], route_class=BodyRoute)


def _torch_code(in_channels: int, out_channels: int, kernel: int, reduce_to: int | None) -> str:
    same = "" if kernel == 1 else ', padding="same"'
    if reduce_to is None:
        return f"nn.Conv2d({in_channels}, {out_channels}, {kernel}{same})"
    return (
        f"nn.Sequential(nn.Conv2d({in_channels}, {reduce_to}, 1), "
        f"nn.Conv2d({reduce_to}, {out_channels}, {kernel}{same}))"
    )


def _variant(req: CostRequest, reduce_to: int | None) -> tuple[Variant, list[LayerCost]]:
    meta = conv_layers(req.in_channels, req.out_channels, req.kernel, reduce_to, device="meta")
    flops = torch_flops(meta, req.in_channels, req.height, req.width)
    counted = costs(meta, req.height, req.width)
    layers = [
        LayerCostOut(
            **{**vars(c), "output_shape": list(c.output_shape)},
            torch_flops=f,
            formula=f"{req.height}·{req.width}·{c.out_channels}·{c.in_channels}·{c.kernel}·{c.kernel}",
        )
        for c, f in zip(counted, flops, strict=True)
    ]
    return Variant(
        torch=_torch_code(req.in_channels, req.out_channels, req.kernel, reduce_to),
        layers=layers,
        multiplications=sum(ly.multiplications for ly in layers),
        torch_flops=sum(flops),
        parameters=sum(ly.parameters for ly in layers),
        ms=None,
        runs_ms=[],
    ), counted


@router.post("/cost", response_model=CostResponse)
def cost(req: CostRequest, settings: SettingsDep, lang: ApiLangDep) -> CostResponse:
    """Multiplications (formula H·W·C_out·C_in·k² and torch's FLOP counter ÷ 2), parameters and
    measured forward time of a k×k convolution, with and without a 1×1 reduction first.

    Limits: channels ≤ 1024, H and W ≤ 224, k ≤ 11, repeats ≤ 20, reduce_to ≤ in_channels, threads ≤
    the server's timing_max_threads. Layers too large to run here are counted but not timed (`timed`
    false, `note` says why)."""
    if req.threads > settings.timing_max_threads:
        raise field_error("threads", "threads", most=settings.timing_max_threads, n=req.threads)
    reduce_tos = [None] + ([req.reduce_to] if req.reduce_to else [])
    variants, counted = zip(*(_variant(req, r) for r in reduce_tos), strict=True)
    plan = timing_plan([c for layers in counted for c in layers], req.height, req.width, req.repeats)
    repeats = plan.repeats
    note = translate(lang, f"api.{plan.code}", **plan.values) if plan.code else None
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
