"""§6 Sequences of different lengths in one batch: padding, sorting, and PackedSequence by hand.

    codes     [[3, 1, 14], [12, 9], [7, 15, 14, 7]]        three names of lengths 3, 2, 4
    padded    (B, T_max) = (3, 4), 0 after each name's end
    sorted    longest first: order [2, 0, 1], lengths [4, 3, 2]
    packed    time step by time step, only the names still running at that step:
              data = [7, 3, 12 | 15, 1, 9 | 14, 14 | 7]   batch_sizes = [3, 3, 2, 1]

At step t the GRU takes the first batch_sizes[t] rows of the sorted batch, so it never computes on
padding. torch.nn.utils.rnn.pack_padded_sequence builds the same `data` and `batch_sizes`."""

from dataclasses import dataclass

import torch

from engine.data.names import PAD, encode_name, normalise_names


@dataclass
class Packing:
    """Every stage of packing a batch; `order` maps sorted position → original row."""

    lengths: torch.Tensor  # (B,) int64, in the original order
    padded: torch.Tensor  # (B, T_max), PAD after each sequence's end
    order: torch.Tensor  # (B,) int64: sorted[i] = padded[order[i]], longest first (stable)
    sorted_lengths: torch.Tensor  # (B,)
    data: torch.Tensor  # (sum(lengths), ...) the elements in the order the RNN reads them
    batch_sizes: torch.Tensor  # (T_max,) int64: how many sequences are still running at step t
    source: torch.Tensor  # (sum(lengths), 2) int64: (row in padded, time step) of each element of data


def pad(
    sequences: list[list[int]] | list[torch.Tensor], value: int = PAD
) -> tuple[torch.Tensor, torch.Tensor]:
    """Sequences → (padded (B, T_max), lengths (B,)). Sequences may be lists of codes or tensors
    whose first axis is time (then padded is (B, T_max, ...))."""
    if not sequences:
        raise ValueError("need at least one sequence")
    seqs = [torch.as_tensor(s) for s in sequences]
    lengths = torch.tensor([len(s) for s in seqs])
    if int(lengths.min()) < 1:
        raise ValueError(f"every sequence needs at least one element, got lengths {lengths.tolist()}")
    out = seqs[0].new_full((len(seqs), int(lengths.max()), *seqs[0].shape[1:]), value)  # (B, T_max, ...)
    for b, s in enumerate(seqs):
        out[b, : len(s)] = s
    return out, lengths


def sort_by_length(lengths: torch.Tensor) -> torch.Tensor:
    """The permutation that puts the longest sequence first; ties keep their original order."""
    return torch.sort(lengths, descending=True, stable=True).indices


def pack(padded: torch.Tensor, lengths: torch.Tensor) -> Packing:
    """Pack a (B, T_max, ...) batch by hand: sort, then read column t of the first batch_sizes[t] rows."""
    if padded.ndim < 2 or padded.shape[0] != len(lengths):
        raise ValueError(f"padded must be (B, T, ...) with B = {len(lengths)}, got {tuple(padded.shape)}")
    if int(lengths.min()) < 1 or int(lengths.max()) > padded.shape[1]:
        raise ValueError(f"lengths must lie in 1..{padded.shape[1]}, got {lengths.tolist()}")
    order = sort_by_length(lengths)
    sorted_lengths = lengths[order]
    t_max = int(sorted_lengths[0])
    batch_sizes = torch.stack([(sorted_lengths > t).sum() for t in range(t_max)])  # (T_max,)
    rows = [order[: int(n)] for n in batch_sizes]  # the rows still running at each step
    source = torch.cat([torch.stack([r, torch.full_like(r, t)], dim=1) for t, r in enumerate(rows)])
    data = padded[source[:, 0], source[:, 1]]  # (sum(lengths), ...)
    return Packing(
        lengths=lengths,
        padded=padded,
        order=order,
        sorted_lengths=sorted_lengths,
        data=data,
        batch_sizes=batch_sizes,
        source=source,
    )


def unpack(
    data: torch.Tensor, batch_sizes: torch.Tensor, order: torch.Tensor, value: float = PAD
) -> tuple[torch.Tensor, torch.Tensor]:
    """The inverse of `pack`: (data, batch_sizes, order) → (padded (B, T_max, ...), lengths (B,))
    in the original order."""
    b, t_max = int(batch_sizes[0]), len(batch_sizes)
    if int(batch_sizes.sum()) != len(data) or len(order) != b:
        raise ValueError(
            f"batch_sizes sum to {int(batch_sizes.sum())} and start at {b}, but data "
            f"holds {len(data)} elements and order {len(order)} rows"
        )
    out = data.new_full((b, t_max, *data.shape[1:]), value)  # (B, T_max, ...)
    start = 0
    for t, n in enumerate(batch_sizes.tolist()):
        out[order[:n], t] = data[start : start + n]
        start += n
    lengths = torch.zeros(b, dtype=torch.int64)
    lengths[order] = torch.stack([(batch_sizes > i).sum() for i in range(b)])
    return out, lengths


@dataclass
class PackedNames:
    names: list[str]  # normalised
    codes: list[list[int]]  # each name's codes, in the order typed
    packing: Packing


def pack_names(names: list[str]) -> PackedNames:
    """Raw names → codes → `pack(pad(codes))` (a BadName naming "names.<i>" if one cannot be read)."""
    clean = normalise_names(names)
    codes = [encode_name(n) for n in clean]
    return PackedNames(clean, codes, pack(*pad(codes)))
