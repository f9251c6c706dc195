"""A data set as one zip, to download and import again (elsewhere, or after the set was pruned).

    dataset.json          {"format", "version", "name", "input", "classes": [{"label", "examples"}]}
    examples/0001.png …   one PNG per example, as the store keeps it

Member names are only looked up in the zip's directory, never used as paths; sizes are bounded before
and while reading, so a zip bomb stops at the first member too large."""

import io
import json
import lzma
import secrets
import zipfile
import zlib

from app.datasets import (
    MAX_CLASSES,
    MAX_PER_CLASS,
    META,
    Dataset,
    DatasetError,
    DatasetStore,
    Example,
    clean_label,
    clean_name,
    read_png,
)
from engine.data.custom import INPUTS

FORMAT = "naturally-dataset"
VERSION = 1
MANIFEST_MAX_BYTES = 512 * 1024
MEMBER_MAX_BYTES = 64 * 1024  # a stored example is a small PNG (a 64×64 photo ≤ ~13 KB)
MAX_MEMBERS = MAX_CLASSES * MAX_PER_CLASS + 1  # the examples and dataset.json
# What reading one member of a damaged or unusual zip raises: a bad CRC or header (BadZipFile), a
# corrupt deflate / bzip2 / lzma stream (zlib.error, OSError, EOFError, LZMAError), an encrypted member
# (RuntimeError), an unknown compression method (NotImplementedError), a bad offset (ValueError).
UNREADABLE = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
    RuntimeError,
    NotImplementedError,
    ValueError,
)


def export_zip(store: DatasetStore, set_id: str) -> bytes:
    """The set `set_id` as a zip: dataset.json and one PNG per example."""
    ds, files = store.read_all(set_id)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        classes, n = [], 0
        for cls in ds.classes:
            members = []
            for e in cls.examples:
                n += 1
                members.append(f"examples/{n:04d}.png")
                zf.writestr(members[-1], files[e.id])
            classes.append({"label": cls.label, "examples": members})
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "name": ds.name,
            "input": ds.input,
            "classes": classes,
        }
        zf.writestr(META, json.dumps(manifest, ensure_ascii=False, indent=1))
    return buf.getvalue()


def import_zip(store: DatasetStore, raw: bytes) -> Dataset:
    """A new set in `store` from an export's bytes; DatasetError (field "file") names what is wrong."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise DatasetError("file", "not_a_zip", 415) from None
    with zf:
        infos = {i.filename: i for i in zf.infolist()}
        if len(infos) > MAX_MEMBERS:
            raise DatasetError("file", "zip_files", n=len(infos), most=MAX_MEMBERS)
        for name in infos:
            if name.startswith(("/", "\\")) or "\\" in name or ".." in name.split("/") or ":" in name:
                raise DatasetError("file", "zip_path", name=name[:80])
        manifest = _read_manifest(zf, infos)
        kind = manifest.get("input")
        if kind not in INPUTS:
            raise DatasetError("file", "manifest_input", choices=", ".join(INPUTS))
        classes = manifest.get("classes")
        if not isinstance(classes, list) or len(classes) > MAX_CLASSES:
            raise DatasetError("file", "manifest_classes", most=MAX_CLASSES)
        ds = Dataset(
            id=secrets.token_hex(16), name=clean_name(str(manifest.get("name", "")), "file"), input=kind
        )
        files: dict[str, bytes] = {}
        total = 0
        for i, c in enumerate(classes):
            members = c.get("examples") if isinstance(c, dict) else None
            if not isinstance(members, list) or len(members) > MAX_PER_CLASS:
                raise DatasetError("file", "manifest_examples", i=i, most=MAX_PER_CLASS)
            cls = store.add_class_to(ds, clean_label(str(c.get("label", "")), "file"), "file")
            for member in members:
                png = _read_member(zf, infos, member)
                read_png(png, kind, "file")  # the right size, really an image
                total += len(png)
                if total > store.max_bytes:
                    raise DatasetError("file", "set_cap", 413, most=store.max_bytes)
                example = Example(id=secrets.token_hex(8), bytes=len(png))
                files[example.id] = png
                cls.examples.append(example)
    return store.put(ds, files)


def _read_member(
    zf: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo], name: object, cap: int = MEMBER_MAX_BYTES
) -> bytes:
    if not isinstance(name, str) or name not in infos:
        raise DatasetError("file", "zip_missing", name=str(name)[:80])
    info = infos[name]
    if info.file_size > cap:
        raise DatasetError("file", "zip_member_size", 413, name=name[:80], n=info.file_size, most=cap)
    try:
        with zf.open(info) as f:
            data = f.read(cap + 1)  # never more than the cap, whatever the header claims
    except UNREADABLE:
        raise DatasetError("file", "zip_unreadable", name=name[:80]) from None
    if len(data) > cap:
        raise DatasetError("file", "zip_member_bomb", 413, name=name[:80], most=cap)
    return data


def _read_manifest(zf: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo]) -> dict:
    if META not in infos:
        raise DatasetError("file", "zip_no_manifest", manifest=META)
    raw = _read_member(zf, infos, META, MANIFEST_MAX_BYTES)
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # deep nesting too
        raise DatasetError("file", "manifest_json", manifest=META) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise DatasetError("file", "manifest_format", manifest=META, format=FORMAT)
    if manifest.get("version") != VERSION:
        raise DatasetError(
            "file", "manifest_version", manifest=META, got=manifest.get("version"), reads=VERSION
        )
    return manifest
