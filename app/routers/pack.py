"""§6 padding and PackedSequence: a batch of names as codes, padded, sorted and packed."""

from fastapi import APIRouter

from app.bodies import BodyRoute
from app.rnn_inputs import normalise_names
from app.schemas.pack import PackRequest, PackResponse
from engine.data.names import ALPHABET, encode_name
from engine.rnn.pack import pack, pad

router = APIRouter(prefix="/api/rnn", tags=["packing"], route_class=BodyRoute)


@router.post("/pack", response_model=PackResponse)
def pack_names(req: PackRequest) -> PackResponse:
    """Names → codes → padded (B, T_max) with lengths → sorted longest first → PackedSequence
    (`data`, `batch_sizes`), exactly as torch.nn.utils.rnn.pack_padded_sequence builds it."""
    names = normalise_names(req.names)
    codes = [encode_name(n) for n in names]
    padded, lengths = pad(codes)  # (B, T_max), (B,)
    p = pack(padded, lengths)
    return PackResponse(
        alphabet=ALPHABET,
        names=names,
        codes=codes,
        lengths=lengths.tolist(),
        padded=padded.tolist(),
        order=p.order.tolist(),
        sorted_lengths=p.sorted_lengths.tolist(),
        data=p.data.tolist(),
        batch_sizes=p.batch_sizes.tolist(),
        source=[tuple(s) for s in p.source.tolist()],
    )
