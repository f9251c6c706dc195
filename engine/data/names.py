"""The names the project ships: 20,050 surnames in 18 languages, one file per language
(data/names/<Language>.txt, MIT licence in data/names/LICENSE).

A name becomes plain lower-case ASCII (`normalise_name`: Unicode NFKD splits "é" into "e" + a
combining accent, which is dropped, and makes a full-width "Ｋ" a "K"; a few letters NFKD cannot
split, such as "ß" and "ł", are spelled out), then one code per character (`encode_name`): 1–26 for
a–z, 27 space, 28 apostrophe, 29 hyphen; 0 is kept for padding. Each language is split on its own,
by a seeded permutation, into two thirds to train on and one third held out.

Two protocols. "lines" (the default, the course's): every line is a sample, so a name repeated
within a language (Arabic.txt holds 2,000 lines but only 108 different names) can sit on both
sides of the split, as it would in the world: a common name is asked for often. "distinct": repeats
within a language are dropped first, so no held-out name was seen in training under its language.
(engine.models.names also measures accuracy on the held-out names never seen in training.)"""

import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import torch

from engine.errors import FieldError

NAMES_DIR = Path(__file__).resolve().parents[2] / "data" / "names"
ALPHABET = "abcdefghijklmnopqrstuvwxyz '-"
PAD = 0
VOCAB_SIZE = len(ALPHABET) + 1  # 30: the padding code and one per character
SPLIT_SEED = 0
TRAIN_FRACTION = 2 / 3
# Letters that NFKD leaves whole (they are not a base letter plus a combining mark).
SPELLED = {
    "ß": "ss",
    "ł": "l",
    "ø": "o",
    "æ": "ae",
    "œ": "oe",
    "đ": "d",
    "ð": "d",
    "þ": "th",
    "ı": "i",
    "ŀ": "l",
    "’": "'",
    "‘": "'",
    "‐": "-",
    "–": "-",
}
_CODE = {c: i + 1 for i, c in enumerate(ALPHABET)}


class BadName(FieldError):
    """A name that cannot be normalised: empty, or holding characters with no ASCII spelling."""

    def __init__(self, code: str, message: str, **values: object) -> None:
        super().__init__("name", code, message, **values)


def normalise_name(name: str) -> str:
    """ "Dvořák" → "dvorak", "Groß" → "gross", "O’Brien" → "o'brien", full-width "Ｋｉｍ" → "kim"; runs
    of spaces become one. Raises BadName naming the characters it cannot spell in ASCII."""
    decomposed = unicodedata.normalize("NFKD", name.strip().lower())  # K: full-width letters are letters
    out, bad = [], []
    for c in decomposed:
        if unicodedata.combining(c):
            continue  # an accent, cedilla, háček, … separated from its letter by NFKD
        c = SPELLED.get(c, c)
        if all(ch in _CODE for ch in c):
            out.append(c)
        elif c.isspace():
            out.append(" ")
        else:
            bad.append(c)
    if bad:
        shown = "".join(dict.fromkeys(bad))
        raise BadName(
            "name_characters",
            "characters {chars!r} cannot be read as a name: use Latin letters (accents are fine), "
            "space, ' or -",
            chars=shown,
        )
    text = " ".join("".join(out).split())
    if not text:
        raise BadName("name_empty", "the name is empty; type at least one Latin letter")
    return text


def normalise_names(names: list[str]) -> list[str]:
    """Each name normalised, or a BadName naming the one that cannot be ("names.<i>")."""
    out = []
    for i, name in enumerate(names):
        try:
            out.append(normalise_name(name))
        except BadName as e:
            e.field = f"names.{i}"
            raise
    return out


def encode_name(text: str) -> list[int]:
    """A normalised name → its codes 1–29 (ValueError for any other character)."""
    try:
        return [_CODE[c] for c in text]
    except KeyError as e:
        raise ValueError(f"character {e.args[0]!r} is not in the alphabet {ALPHABET!r}") from None


def decode_name(codes: list[int]) -> str:
    """Codes → text; the padding code 0 is skipped."""
    return "".join(ALPHABET[c - 1] for c in codes if c != PAD)


@dataclass
class NamesSplit:
    """Normalised names with their language index; `train` and `held_out` index into them."""

    languages: list[str]  # the 18 classes, sorted
    names: list[str]  # normalised (under "distinct", each once per language)
    labels: torch.Tensor  # (N,) int64
    train: torch.Tensor  # (N_train,) int64 indices, shuffled
    held_out: torch.Tensor  # (N_held_out,) int64 indices, sorted
    lines: int  # lines read from the files
    dropped: int  # lines that could not be normalised (e.g. "Maxa/B")
    repeats: int  # lines repeating a name already read under the same language
    protocol: str  # "lines" or "distinct"

    def part(self, which: str) -> tuple[list[str], torch.Tensor]:
        idx = {"train": self.train, "held_out": self.held_out}[which]
        return [self.names[i] for i in idx.tolist()], self.labels[idx]

    def counts(self, which: str) -> list[int]:
        _, y = self.part(which)
        return torch.bincount(y, minlength=len(self.languages)).tolist()

    @cached_property
    def _places(self) -> dict[str, list[tuple[str, str]]]:
        places: dict[str, list[tuple[str, str]]] = {}
        for which in ("train", "held_out"):
            for i in getattr(self, which).tolist():
                places.setdefault(self.names[i], []).append((self.languages[int(self.labels[i])], which))
        return places

    def places(self, name: str) -> list[tuple[str, str]]:
        """Where a normalised name occurs in the data: (language, "train" or "held_out"), once per line
        holding it, in language order; [] for a name the data does not hold."""
        return sorted(self._places.get(name, []))


def read_languages(root: Path = NAMES_DIR) -> dict[str, list[str]]:
    """{language: raw lines}, languages sorted by name."""
    files = sorted(Path(root).glob("*.txt"))
    if not files:
        raise ValueError(f"no <Language>.txt files in {root}")
    return {
        f.stem: [s.strip() for s in f.read_text(encoding="utf-8").splitlines() if s.strip()] for f in files
    }


PROTOCOLS = ("lines", "distinct")


@lru_cache(maxsize=4)
def names_split(seed: int = SPLIT_SEED, root: Path = NAMES_DIR, protocol: str = "lines") -> NamesSplit:
    """Load, normalise, (under "distinct", drop repeats within each language) and split each
    language 2/3 : 1/3."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")
    raw = read_languages(root)
    rng = np.random.default_rng(seed)
    names: list[str] = []
    labels: list[int] = []
    train: list[int] = []
    held: list[int] = []
    lines = dropped = repeats = 0
    for k, lang in enumerate(raw):
        read: list[str] = []
        for line in raw[lang]:
            lines += 1
            try:
                read.append(normalise_name(line))
            except BadName:
                dropped += 1
        repeats += len(read) - len(set(read))
        ordered = sorted(read if protocol == "lines" else set(read))  # independent of the file's order
        start = len(names)
        names += ordered
        labels += [k] * len(ordered)
        order = start + rng.permutation(len(ordered))
        n_train = round(TRAIN_FRACTION * len(ordered))
        train += order[:n_train].tolist()
        held += order[n_train:].tolist()
    train_t = torch.tensor(train)[torch.from_numpy(rng.permutation(len(train)))]
    return NamesSplit(
        languages=list(raw),
        names=names,
        labels=torch.tensor(labels),
        train=train_t,
        held_out=torch.tensor(sorted(held)),
        lines=lines,
        dropped=dropped,
        repeats=repeats,
        protocol=protocol,
    )
