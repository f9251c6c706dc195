"""§6 padding and PackedSequence: a batch of names as codes, padded, sorted and packed."""

from fastapi import APIRouter

from app.errors import field_error
from app.schemas.names import PackRequest, PackResponse
from engine.data.names import ALPHABET, BadName, encode, normalise
from engine.rnn.pack import pack, pad

router = APIRouter(prefix="/api/rnn", tags=["packing"])


def normalise_all(names: list[str], field: str = "names") -> list[str]:
    """Each name normalised, or a 422 naming the one that cannot be (names.2: …)."""
    out = []
    for i, name in enumerate(names):
        try:
            out.append(normalise(name))
        except BadName as e:
            raise field_error(f"{field}.{i}", f"{name[:40]!r}: {e}") from None
    return out


@router.post("/pack", response_model=PackResponse)
def pack_names(req: PackRequest) -> PackResponse:
    """Names → codes → padded (B, T_max) with lengths → sorted longest first → PackedSequence
    (`data`, `batch_sizes`), exactly as torch.nn.utils.rnn.pack_padded_sequence builds it."""
    names = normalise_all(req.names)
    codes = [encode(n) for n in names]
    padded, lengths = pad(codes)  # (B, T_max), (B,)
    p = pack(padded, lengths)
    return PackResponse(
        alphabet=ALPHABET, names=names, codes=codes, lengths=lengths.tolist(), padded=padded.tolist(),
        order=p.order.tolist(), sorted_lengths=p.sorted_lengths.tolist(), data=p.data.tolist(),
        batch_sizes=p.batch_sizes.tolist(), source=[tuple(s) for s in p.source.tolist()],
    )
