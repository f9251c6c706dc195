"""§6 padding and PackedSequence: a batch of names as codes, padded, sorted and packed."""

from fastapi import APIRouter

from app.bodies import BodyRoute
from app.schemas.pack import PackRequest, PackResponse
from engine.data.names import ALPHABET
from engine.rnn.pack import pack_names

router = APIRouter(prefix="/api/rnn", tags=["packing"], route_class=BodyRoute)


@router.post("/pack", response_model=PackResponse)
def pack(req: PackRequest) -> PackResponse:
    """Names → codes → padded (B, T_max) with lengths → sorted longest first → PackedSequence
    (`data`, `batch_sizes`), exactly as torch.nn.utils.rnn.pack_padded_sequence builds it."""
    p = pack_names(req.names)
    return PackResponse(
        alphabet=ALPHABET,
        names=p.names,
        codes=p.codes,
        lengths=p.packing.lengths.tolist(),
        padded=p.packing.padded.tolist(),
        order=p.packing.order.tolist(),
        sorted_lengths=p.packing.sorted_lengths.tolist(),
        data=p.packing.data.tolist(),
        batch_sizes=p.packing.batch_sizes.tolist(),
        source=[tuple(s) for s in p.packing.source.tolist()],
    )
