"""The name model at a glance: every stage of the shipped bidirectional GRU for one surname.

    letters ─ codes (T,) ─ embedding rows (T, E) ─ GRU layer 0, forward and backward states (T, H)
        ─ GRU layer 1, forward and backward states (T, H) ─ [h_N^f; h_N^b] (2H,) ─ linear ─ softmax (18,)

The states come from the GRU written out step by step (engine.rnn.gru), which equals nn.GRU: the
forward state at letter t has read letters 0…t, the backward state at letter t has read t…T−1, so
h_N^f is the forward state at the last letter and h_N^b the backward state at the first."""

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from engine.data.names import encode_name, normalise_name
from engine.models.names import NameClassifier
from engine.rnn.gru import gru


@dataclass
class NameStages:
    name: str  # normalised: lower-case ASCII
    codes: list[int]  # (T,) 1–29, one per letter
    embedded: torch.Tensor  # (T, E) the embedding row of each code
    states: torch.Tensor  # (L, D, T, H) h_t of every layer and direction, at each letter
    hidden: torch.Tensor  # (D·H,) [h_N^f; h_N^b] of the top layer: the linear layer's input
    logits: torch.Tensor  # (K,)
    probabilities: torch.Tensor  # (K,) softmax of the logits

    @property
    def prediction(self) -> int:
        return int(self.probabilities.argmax())


@torch.no_grad()
def read_name(net: NameClassifier, raw: str) -> NameStages:
    """Every stage of the name model (eval mode) for one raw name; BadName if it has no letters."""
    text = normalise_name(raw)
    codes = encode_name(text)
    x = net.embedding(torch.tensor(codes))  # (T, E)
    trace = gru(x[None], torch.tensor([len(codes)]), net.gru_weights())
    states = trace.h[:, :, 0]  # (L, D, T, H)
    top = states[-1]  # (D, T, H)
    ends = [top[0, -1]] + ([top[1, 0]] if top.shape[0] == 2 else [])  # h_N^f, h_N^b
    hidden = torch.cat(ends)  # (D·H,)
    logits = net.fc(hidden)  # (K,)
    return NameStages(text, codes, x, states, hidden, logits, F.softmax(logits, dim=0))
