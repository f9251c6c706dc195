"""Your own classes: data sets of examples (create, add, list, delete, export, import), the
augmented copies training sees, and predictions of a net a `custom` job trained on a set."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, Response, UploadFile
from fastapi.responses import FileResponse

from app import dataset_archive
from app.bodies import BodyRoute
from app.datasets import Dataset, DatasetError, NoSuchDataset, read_png
from app.deps import DatasetStoreDep, ImageStoreDep, JobRunnerDep, SettingsDep
from app.errors import NOT_AN_IMAGE, field_error, request_fields
from app.inputs import load_rgb, upload_rgb
from app.jobs.custom import NotTrained, Trained, trained
from app.schemas.datasets import (
    ID,
    AddClassRequest,
    AddedExample,
    AugmentedExample,
    AugmentedResponse,
    ClassInfo,
    CreateDatasetRequest,
    DatasetResponse,
    ExampleClass,
    ExampleSetResponse,
    InitialKernelsResponse,
    InputKind,
    JitterOut,
    Limits,
    Mode,
    PredictRequest,
    PredictResponse,
)
from app.schemas.overview import StageOut
from app.tensors import encode_tensor
from engine.data.custom import Reading, read_picture, stored_example
from engine.models.custom import first_kernels, look_at
from engine.models.custom_train import augmented_copies, example_copies

router = APIRouter(prefix="/api/datasets", tags=["datasets"], route_class=BodyRoute)

SetId = Annotated[str, Path(pattern=ID, description="the data set's id")]
ExampleId = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$", description="an example's id")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "no data set with that id (deleted, removed to make room, or never made)"}
}
LIMITS: dict[int | str, dict[str, Any]] = {
    409: {"description": "a limit of the set: 10 classes, 200 examples a class, or a name taken"},
    413: {"description": "the file, or the set with it, is larger than its cap"},
    **NOT_AN_IMAGE,
}


@contextmanager
def _refusals() -> Iterator[None]:
    """A rule of data sets broken → a 4xx naming the field; a set that is gone → 404 naming set_id."""
    try:
        yield
    except DatasetError as e:
        raise field_error(e.field, e.code, e.status_code, **e.values) from None
    except NoSuchDataset as e:
        raise field_error("set_id", "no_such_dataset", 404, where="path", set_id=e.set_id) from None


def _response(ds: Dataset, max_bytes: int) -> DatasetResponse:
    return DatasetResponse(
        id=ds.id,
        name=ds.name,
        input=ds.input,  # type: ignore[arg-type]
        created=ds.created,
        bytes=ds.bytes,
        classes=[
            ClassInfo(label=c.label, count=len(c.examples), examples=[e.id for e in c.examples])
            for c in ds.classes
        ],
        limits=Limits(max_bytes=max_bytes),
    )


@router.post("", status_code=201, response_model=DatasetResponse, responses=LIMITS)
def create_dataset(req: CreateDatasetRequest, store: DatasetStoreDep) -> DatasetResponse:
    """Make a data set, optionally with its first classes. Keep its id: it is the only key."""
    with _refusals():
        return _response(store.create(req.name, req.input, req.classes), store.max_bytes)


@router.get("/initial-kernels", response_model=InitialKernelsResponse)
def initial_kernels(
    kind: Annotated[InputKind, Query(alias="input", description="drawing or photo")],
    mode: Annotated[Mode, Query(description="scratch or transfer")],  # type: ignore[valid-type]
    seed: Annotated[int, Query(ge=0, le=2**31 - 1, description="the random start of scratch")] = 0,
) -> InitialKernelsResponse:
    """The first layer's kernels a training starts from: the digit model's (transfer, frozen) or
    random ones (scratch, seeded as the job seeds them)."""
    kernels = first_kernels(kind, mode, seed)
    return InitialKernelsResponse(
        input=kind, mode=mode, kernels=encode_tensor(kernels), frozen=mode == "transfer"
    )


@router.get("/example", response_model=ExampleSetResponse)
def example(
    n: Annotated[int, Query(ge=1, le=16, description="augmented copies of each class's first drawing")] = 4,
    seed: Annotated[int, Query(ge=0, le=2**31 - 1, description="the copies' random draws")] = 0,
) -> ExampleSetResponse:
    """The page's example set before a learner has one: three drawings each of a circle, a triangle and
    a cross, and n copies of each class's first drawing turned, scaled and moved as training does."""
    ex = example_copies(n, seed)
    j = ex.jitter
    return ExampleSetResponse(
        input="drawing",
        jitter=JitterOut(degrees=j.degrees, scale=list(j.scale), shift=j.shift),
        classes=[
            ExampleClass(label=label, examples=encode_tensor(drawings), augmented=encode_tensor(copies))
            for label, drawings, copies in zip(ex.labels, ex.drawings, ex.copies, strict=True)
        ],
    )


@router.get("/{set_id}", response_model=DatasetResponse, responses=NOT_FOUND)
def get_dataset(set_id: SetId, store: DatasetStoreDep) -> DatasetResponse:
    """The set's classes, their counts and example ids."""
    with _refusals():
        return _response(store.get(set_id), store.max_bytes)


@router.delete("/{set_id}", status_code=204, responses=NOT_FOUND)
def delete_dataset(set_id: SetId, store: DatasetStoreDep) -> Response:
    """Delete the set and every example in it (jobs trained on it keep their weights)."""
    with _refusals():
        store.delete(set_id)
    return Response(status_code=204)


@router.post(
    "/{set_id}/classes", status_code=201, response_model=DatasetResponse, responses={**NOT_FOUND, **LIMITS}
)
def add_class(set_id: SetId, req: AddClassRequest, store: DatasetStoreDep) -> DatasetResponse:
    """Add an empty class (adding an example to a new label also makes its class)."""
    with _refusals():
        return _response(store.add_class(set_id, req.label), store.max_bytes)


@router.delete("/{set_id}/classes/{label:path}", response_model=DatasetResponse, responses=NOT_FOUND)
def delete_class(
    set_id: SetId, label: Annotated[str, Path(description="the class to delete")], store: DatasetStoreDep
) -> DatasetResponse:
    """Delete a class and its examples (the label URL-encoded in the path)."""
    with _refusals():
        return _response(store.delete_class(set_id, label), store.max_bytes)


@router.post(
    "/{set_id}/examples", status_code=201, response_model=AddedExample, responses={**NOT_FOUND, **LIMITS}
)
def add_example(
    set_id: SetId,
    label: Annotated[str, Form(max_length=160, description="the class (made if new)")],
    file: Annotated[UploadFile, File(description="a drawing (PNG of the canvas) or a photo")],
    store: DatasetStoreDep,
    settings: SettingsDep,
) -> AddedExample:
    """Add one example. A drawing goes through MNIST's preprocessing to 28×28; a photo is cropped
    to its centred square and shrunk to 64×64 RGB. Only that small picture is kept."""
    picture = upload_rgb(file, settings, settings.image_max_side)
    with _refusals():
        kind = store.get(set_id).input
    with request_fields(gray="file"):  # a blank drawing, a picture too small
        reading = read_picture(picture, kind)
    with _refusals():
        ds, example = store.add_example(set_id, label, reading.pixels)
    cls = next(c for c in ds.classes if any(e.id == example.id for e in c.examples))
    return AddedExample(id=example.id, label=cls.label, dataset=_response(ds, store.max_bytes))


@router.get(
    "/{set_id}/examples/{example_id}",
    response_class=FileResponse,
    responses={200: {"content": {"image/png": {}}}, **NOT_FOUND},
)
def get_example(set_id: SetId, example_id: ExampleId, store: DatasetStoreDep) -> FileResponse:
    """One example as the net reads it: a 28×28 white-on-black digit or a 64×64 photo (PNG)."""
    with _refusals():
        path = store.example_path(set_id, example_id)
    if path is None:
        raise field_error("example_id", "no_example", 404, where="path", example_id=example_id)
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": "private, max-age=86400"})


@router.delete("/{set_id}/examples/{example_id}", response_model=DatasetResponse, responses=NOT_FOUND)
def delete_example(set_id: SetId, example_id: ExampleId, store: DatasetStoreDep) -> DatasetResponse:
    with _refusals():
        return _response(store.delete_example(set_id, example_id), store.max_bytes)


@router.get(
    "/{set_id}/export",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}, **NOT_FOUND},
)
def export_dataset(set_id: SetId, store: DatasetStoreDep) -> Response:
    """A zip: dataset.json (name, input, class names, file of each example) and one PNG per example."""
    with _refusals():
        data = dataset_archive.export_zip(store, set_id)
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="naturally-classes-{set_id[:8]}.zip"'},
    )


@router.post("/import", status_code=201, response_model=DatasetResponse, responses=LIMITS)
def import_dataset(
    file: Annotated[UploadFile, File(description="a zip made by GET /api/datasets/{id}/export")],
    store: DatasetStoreDep,
    settings: SettingsDep,
) -> DatasetResponse:
    """A new data set from an exported zip (its files are read in memory, never unpacked to disk)."""
    raw = file.file.read(settings.upload_max_bytes + 1)
    if len(raw) > settings.upload_max_bytes:
        raise field_error("file", "file_too_large", 413, most=settings.upload_max_bytes)
    with _refusals():
        return _response(dataset_archive.import_zip(store, raw), store.max_bytes)


@router.get("/{set_id}/augmented", response_model=AugmentedResponse, responses=NOT_FOUND)
def augmented(
    set_id: SetId,
    store: DatasetStoreDep,
    n: Annotated[int, Query(ge=1, le=16, description="copies of each example")] = 6,
    seed: Annotated[int, Query(ge=0, le=2**31 - 1, description="draws the augmented copies")] = 0,
) -> AugmentedResponse:
    """The first example of each class, and n copies turned, scaled and moved as training does."""
    with _refusals():
        ds = store.get(set_id)
    out = []
    for cls in ds.classes:
        path = store.example_path(set_id, cls.examples[0].id) if cls.examples else None
        if path is None:
            continue
        with _refusals():
            pixels = read_png(path.read_bytes(), ds.input, "set_id")
        out.append(
            AugmentedExample(
                example_id=cls.examples[0].id,
                label=cls.label,
                original=encode_tensor(pixels),
                augmented=encode_tensor(augmented_copies(pixels, ds.input, n, seed)),
            )
        )
    return AugmentedResponse(input=ds.input, examples=out)  # type: ignore[arg-type]


def _trained(runner: JobRunnerDep, job_id: str, set_id: str) -> Trained:
    try:
        return trained(runner.get(job_id), runner.workdir(job_id), set_id)
    except NotTrained as e:
        raise field_error("job", e.code, e.status_code, **e.values) from None


def _answer(net: Trained, job_id: str, reading: Reading) -> PredictResponse:
    """What the net makes of the picture it reads (`reading.pixels`, as a set stores them)."""
    inside = look_at(net.model, reading.pixels, net.kind)
    best = inside.prediction
    return PredictResponse(
        job=job_id,
        mode=net.mode,  # type: ignore[arg-type]
        input_kind=net.kind,  # type: ignore[arg-type]
        classes=net.classes,
        prediction=best,
        label=net.classes[best],
        probabilities=inside.probabilities.tolist(),
        logits=inside.logits.tolist(),
        input=encode_tensor(reading.pixels),
        stages=[
            StageOut(
                name=s.name,
                column=s.column,
                kind=s.kind,
                sources=list(s.sources),
                via=s.via,
                maps=encode_tensor(s.output, "q8"),
            )
            for s in inside.stages
        ],
        flatten=encode_tensor(inside.flatten, "q8"),
        preprocessing={k: encode_tensor(v) for k, v in reading.stage_pixels().items()},
        kernels=encode_tensor(net.model.first_conv.weight),
    )


@router.post("/{set_id}/predict", response_model=PredictResponse, responses=NOT_FOUND)
def predict(
    set_id: SetId, req: PredictRequest, store: DatasetStoreDep, images: ImageStoreDep, runner: JobRunnerDep
) -> PredictResponse:
    """What a finished custom job's net makes of one of the set's examples or of a stored image:
    the probability of each class, every stage's output, and its first layer's kernels."""
    net = _trained(runner, req.job, set_id)
    with _refusals():
        store.touch(set_id)
    if req.example_id is not None:
        path = store.example_path(set_id, req.example_id)
        if path is None:
            raise field_error("example_id", "no_example", 404, example_id=req.example_id)
        with _refusals():
            pixels = read_png(path.read_bytes(), net.kind, "example_id")
        return _answer(net, req.job, stored_example(pixels))
    with request_fields(gray="image_id"):
        return _answer(net, req.job, read_picture(load_rgb(images, req.image_id or ""), net.kind))


@router.post(
    "/{set_id}/predict/upload", response_model=PredictResponse, responses={**NOT_FOUND, **NOT_AN_IMAGE}
)
def predict_upload(
    set_id: SetId,
    job: Annotated[str, Form(pattern=ID, description="the id of a finished custom job on this set")],
    file: Annotated[UploadFile, File(description="a new drawing (PNG of the canvas) or photo")],
    store: DatasetStoreDep,
    runner: JobRunnerDep,
    settings: SettingsDep,
) -> PredictResponse:
    """The same as /predict for a picture sent as a file (not stored)."""
    net = _trained(runner, job, set_id)
    with _refusals():
        store.touch(set_id)
    with request_fields(gray="file"):
        return _answer(net, job, read_picture(upload_rgb(file, settings, settings.image_max_side), net.kind))
