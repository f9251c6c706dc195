"""A learner's data sets: classes of examples, stored under the data folder so that every worker
process, replica and queue worker sharing that folder sees the same sets.

    <data_dir>/datasets/<id>/dataset.json       name, input kind, classes and their example ids
    <data_dir>/datasets/<id>/<example id>.png   one example as the model reads it (28×28 or 64×64)

Ids are 128-bit random hex: whoever holds a set's id may use it (there are no accounts). Labels
and names only ever live inside dataset.json, never in a path. Every change happens under an
exclusive lock on the set's folder (flock), then writes atomically, so two uploads at once cannot
lose each other. Bounds: `MAX_CLASSES` classes, `MAX_PER_CLASS` examples per class, a byte cap per
set, and the least recently used sets are removed past a total count or size when a set is made."""

import fcntl
import io
import json
import os
import re
import secrets
import shutil
import time
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from app.i18n import translate
from app.images import Held, ImageError, decode_upload, least_recently_used
from engine.data.custom import DIGIT_SIDE, INPUTS, PHOTO_SIDE

SET_ID = re.compile(r"^[0-9a-f]{32}$")
EXAMPLE_ID = re.compile(r"^[0-9a-f]{16}$")
MAX_CLASSES = 10
MAX_PER_CLASS = 200
MAX_LABEL = 40  # characters
MAX_NAME = 60
META = "dataset.json"


class DatasetError(ValueError):
    """A request that breaks a rule of data sets; `field` is the request field it concerns, `code`
    names the message (api.<code> of the catalogs, in English here)."""

    def __init__(self, field: str, code: str, status_code: int = 422, **values: object) -> None:
        super().__init__(translate("en", f"api.{code}", **values))
        self.field, self.code, self.values, self.status_code = field, code, values, status_code


class NoSuchDataset(LookupError):
    def __init__(self, set_id: str) -> None:
        super().__init__(translate("en", "api.no_such_dataset", set_id=set_id))
        self.set_id = set_id
        self.code, self.values = "no_such_dataset", {"set_id": set_id}  # a custom job's error, worded later


@dataclass
class Example:
    id: str
    bytes: int
    created: float = field(default_factory=time.time)


@dataclass
class Class:
    label: str
    examples: list[Example] = field(default_factory=list)


@dataclass
class Dataset:
    id: str
    name: str
    input: str  # "drawing" or "photo"
    classes: list[Class] = field(default_factory=list)
    created: float = field(default_factory=time.time)

    @property
    def bytes(self) -> int:
        return sum(e.bytes for c in self.classes for e in c.examples)

    def find(self, label: str) -> Class | None:
        return next((c for c in self.classes if c.label == label), None)

    @staticmethod
    def from_json(data: dict) -> "Dataset":
        classes = [Class(c["label"], [Example(**e) for e in c["examples"]]) for c in data.pop("classes")]
        return Dataset(**data, classes=classes)


@dataclass
class Tensors:
    """A set's examples in class order: pixels (N, 28, 28) or (N, 64, 64, 3) uint8, labels (N,)."""

    pixels: torch.Tensor
    labels: torch.Tensor
    classes: list[str]
    example_ids: list[str]
    input: str


def clean_label(text: str, field: str = "label") -> str:
    """A class name: NFC, trimmed, 1–MAX_LABEL characters, no control characters."""
    label = unicodedata.normalize("NFC", text).strip()
    if not 1 <= len(label) <= MAX_LABEL:
        raise DatasetError(field, "label_length", most=MAX_LABEL, n=len(label))
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in label):
        raise DatasetError(field, "label_invisible")
    return label


def clean_name(text: str, field: str = "name") -> str:
    name = unicodedata.normalize("NFC", text).strip()
    if not 1 <= len(name) <= MAX_NAME or any(unicodedata.category(ch) in ("Cc", "Cs") for ch in name):
        raise DatasetError(field, "set_name", most=MAX_NAME)
    return name


def example_png(pixels: torch.Tensor) -> bytes:
    """(28, 28) or (64, 64, 3) uint8 → PNG bytes."""
    buf = io.BytesIO()
    Image.fromarray(pixels.numpy()).save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def stored_size(kind: str) -> tuple[int, ...]:
    return (DIGIT_SIDE, DIGIT_SIDE) if kind == "drawing" else (PHOTO_SIDE, PHOTO_SIDE, 3)


def read_png(raw: bytes, kind: str, field: str) -> torch.Tensor:
    """A stored example's PNG → its pixels; anything else (another size, not an image) is refused."""
    side = stored_size(kind)[0]
    try:
        img = decode_upload(raw, max_pixels=4 * side * side, max_side=2 * side).image  # then exact size
    except ImageError as e:
        raise DatasetError(field, e.code, e.status_code, **e.values) from None
    if img.size != (side, side):
        raise DatasetError(field, "example_side", kind=kind, side=side, size=img.size)
    return torch.from_numpy(np.array(img.convert("L") if kind == "drawing" else img))


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class DatasetReader:
    """Reading sets, as a training job does (it needs no limits)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _dir(self, set_id: str) -> Path:
        if not SET_ID.match(set_id):
            raise NoSuchDataset(set_id)
        return self.root / set_id

    def get(self, set_id: str) -> Dataset:
        try:
            data = json.loads((self._dir(set_id) / META).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise NoSuchDataset(set_id) from None
        return Dataset.from_json(data)

    def example_path(self, set_id: str, example_id: str) -> Path | None:
        if not EXAMPLE_ID.match(example_id):
            return None
        path = self._dir(set_id) / f"{example_id}.png"
        return path if path.is_file() else None

    def tensors(self, set_id: str) -> Tensors:
        """Every example of the set, read under its lock (a consistent snapshot)."""
        with self._locked(set_id) as d:
            ds = self.get(set_id)
            images, labels, ids = [], [], []
            for c, cls in enumerate(ds.classes):
                for e in cls.examples:
                    images.append(read_png((d / f"{e.id}.png").read_bytes(), ds.input, "dataset"))
                    labels.append(c)
                    ids.append(e.id)
        shape = stored_size(ds.input)
        pixels = torch.stack(images) if images else torch.zeros((0, *shape), dtype=torch.uint8)
        return Tensors(
            pixels, torch.tensor(labels, dtype=torch.int64), [c.label for c in ds.classes], ids, ds.input
        )

    def touch(self, set_id: str) -> None:
        """Mark a set as used now (pruning removes the least recently used first)."""
        try:
            os.utime(self._dir(set_id))
        except OSError:
            raise NoSuchDataset(set_id) from None

    @contextmanager
    def _locked(self, set_id: str) -> Iterator[Path]:
        d = self._dir(set_id)
        try:
            lock = open(d / ".lock", "a+b")  # noqa: SIM115 - held for the block
        except OSError:
            raise NoSuchDataset(set_id) from None
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (d / META).is_file():  # deleted while this waited for the lock
                raise NoSuchDataset(set_id)
            yield d


class DatasetStore(DatasetReader):
    """Reading and changing sets, within their limits."""

    def __init__(self, root: Path, *, max_bytes: int, max_total_bytes: int, max_count: int) -> None:
        super().__init__(root)
        self.max_bytes = max_bytes  # one set
        self.max_total_bytes = max_total_bytes  # every set together: the least recently used go
        self.max_count = max_count
        root.mkdir(parents=True, exist_ok=True)

    def _save(self, d: Path, ds: Dataset) -> None:
        _write_atomic(d / META, json.dumps(asdict(ds), ensure_ascii=False).encode())
        os.utime(d)

    def create(self, name: str, kind: str, labels: Sequence[str] = ()) -> Dataset:
        if kind not in INPUTS:
            raise DatasetError("input", "set_input", choices=", ".join(INPUTS), kind=kind)
        ds = Dataset(id=secrets.token_hex(16), name=clean_name(name), input=kind)
        for i, label in enumerate(labels):
            self.add_class_to(ds, clean_label(label, f"classes.{i}"), f"classes.{i}")
        d = self.root / ds.id
        d.mkdir()
        self._save(d, ds)
        self.prune(keep=ds.id)
        return ds

    def add_class_to(self, ds: Dataset, label: str, field: str) -> Class:
        if ds.find(label) is not None:
            raise DatasetError(field, "class_taken", 409, label=label)
        if len(ds.classes) >= MAX_CLASSES:
            raise DatasetError(field, "too_many_classes", 409, most=MAX_CLASSES)
        ds.classes.append(Class(label))
        return ds.classes[-1]

    def add_class(self, set_id: str, label: str) -> Dataset:
        label = clean_label(label)
        with self._locked(set_id) as d:
            ds = self.get(set_id)
            self.add_class_to(ds, label, "label")
            self._save(d, ds)
        return ds

    def add_example(self, set_id: str, label: str, pixels: torch.Tensor) -> tuple[Dataset, Example]:
        """Store one example (pixels as the model reads them) in class `label`, made if new."""
        label = clean_label(label)
        png = example_png(pixels)
        with self._locked(set_id) as d:
            ds = self.get(set_id)
            if tuple(pixels.shape) != stored_size(ds.input):
                raise DatasetError(
                    "file",
                    "example_shape",
                    kind=ds.input,
                    size=stored_size(ds.input),
                    shape=tuple(pixels.shape),
                )
            cls = ds.find(label) or self.add_class_to(ds, label, "label")
            if len(cls.examples) >= MAX_PER_CLASS:
                raise DatasetError("label", "class_full", 409, label=label, most=MAX_PER_CLASS)
            if ds.bytes + len(png) > self.max_bytes:
                raise DatasetError("file", "set_cap_held", 413, most=self.max_bytes, held=ds.bytes)
            example = Example(id=secrets.token_hex(8), bytes=len(png))
            _write_atomic(d / f"{example.id}.png", png)
            cls.examples.append(example)
            self._save(d, ds)
        return ds, example

    def delete_example(self, set_id: str, example_id: str) -> Dataset:
        with self._locked(set_id) as d:
            ds = self.get(set_id)
            for cls in ds.classes:
                if any(e.id == example_id for e in cls.examples):
                    cls.examples = [e for e in cls.examples if e.id != example_id]
                    break
            else:
                raise DatasetError("example_id", "no_example", 404, example_id=example_id)
            self._save(d, ds)
            (d / f"{example_id}.png").unlink(missing_ok=True)
        return ds

    def delete_class(self, set_id: str, label: str) -> Dataset:
        with self._locked(set_id) as d:
            ds = self.get(set_id)
            cls = ds.find(label)
            if cls is None:
                raise DatasetError("label", "no_class", 404, label=label)
            ds.classes.remove(cls)
            self._save(d, ds)
            for e in cls.examples:
                (d / f"{e.id}.png").unlink(missing_ok=True)
        return ds

    def delete(self, set_id: str) -> None:
        with self._locked(set_id) as d:
            (d / META).unlink()  # from here on the set is gone for every reader
            shutil.rmtree(d, ignore_errors=True)

    def prune(self, keep: str = "") -> list[str]:
        """Remove the least recently used sets (a set's folder mtime is its last use) past
        `max_count` sets or `max_total_bytes`, counting the set `keep` (just made) but never it."""
        held, kept = [], 0
        for d in self.root.iterdir():
            if not SET_ID.match(d.name):
                continue
            try:
                size, used = sum(f.stat().st_size for f in d.iterdir()), d.stat().st_mtime
            except OSError:
                continue  # deleted meanwhile
            if d.name == keep:
                kept = size
            else:
                held.append(Held(d, size, used))
        gone = least_recently_used(held, self.max_total_bytes - kept, self.max_count - bool(keep))
        for h in gone:
            with suppress(NoSuchDataset):  # deleted meanwhile
                self.delete(h.path.name)
        return [h.path.name for h in gone]

    # ---- export and import ----

    def read_all(self, set_id: str) -> tuple[Dataset, dict[str, bytes]]:
        """The set and its examples' PNGs (example id -> bytes), read together under its lock."""
        with self._locked(set_id) as d:
            ds = self.get(set_id)
            return ds, {e.id: (d / f"{e.id}.png").read_bytes() for c in ds.classes for e in c.examples}

    def put(self, ds: Dataset, files: dict[str, bytes]) -> Dataset:
        """Store a new set `ds` whose examples' PNGs are `files` (example id -> bytes), then prune."""
        d = self.root / ds.id
        d.mkdir()
        for example_id, png in files.items():
            _write_atomic(d / f"{example_id}.png", png)
        self._save(d, ds)
        self.prune(keep=ds.id)
        return ds
