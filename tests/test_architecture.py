"""docs/ARCHITECTURE.md stays true: its lesson table names files that exist and covers every lesson,
no module imports across the layers it draws, and routers leave the arithmetic to the engine."""

import ast
import importlib
import re
import types
from pathlib import Path

import pytest

from app.lessons import LESSONS

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "ARCHITECTURE.md"


def lesson_table() -> tuple[list[str], list[list[str]]]:
    """The header and rows of the table whose header starts "| § | page |"."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| § | page |"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    header = [cell.strip() for cell in lines[start].strip("|").split("|")]
    return header, rows


def test_every_path_in_the_lesson_table_exists():
    header, rows = lesson_table()
    folders = [re.findall(r"`([^`]+)`", cell) for cell in header]
    missing, named = [], 0
    for row in rows:
        for folder, cell in zip(folders, row, strict=True):
            if not folder:
                continue  # § and page
            for path in re.findall(r"`([^`]+)`", cell):
                named += 1
                if not (ROOT / folder[0] / path).is_file():
                    missing.append(folder[0] + path)
    assert missing == [] and named > 100


def test_every_lesson_has_a_row():
    _, rows = lesson_table()
    pages = {re.sub(r"`", "", row[1]) for row in rows}
    assert [lesson.path for lesson in LESSONS if lesson.path not in pages] == []


# ---- the layers: (modules, imports they must not make) ----

THIRD_PARTY_WEB = ("fastapi", "pydantic", "starlette", "jinja2", "redis", "rq", "PIL", "httpx", "uvicorn")
FOUNDATION = (
    "settings",
    "datasets",
    "i18n",
    "errors",
    "tensors",
    "images",
    "lessons",
    "static",
    "security",
    "middleware",
)
APP_UPPER = (
    "app.schemas",
    "app.jobs",
    "app.routers",
    "app.deps",
    "app.inputs",
    "app.rnn_inputs",
    "app.templating",
)
RULES: list[tuple[str, tuple[str, ...]]] = [
    ("engine/", ("app", *THIRD_PARTY_WEB)),
    ("engine/errors.py", ("engine.",)),
    ("engine/seeding.py", ("engine.",)),
    ("engine/train.py", ("engine.data", "engine.cnn", "engine.rnn", "engine.models")),
    ("engine/data/", ("engine.cnn.conv", "engine.cnn.pool", "engine.rnn", "engine.models", "engine.train")),
    ("engine/cnn/", ("engine.rnn", "engine.models")),
    ("engine/rnn/", ("engine.cnn", "engine.models")),
    *((f"app/{name}.py", (*APP_UPPER, "app.main")) for name in FOUNDATION),
    ("app/schemas/", ("app.jobs", "app.routers", "app.deps", "app.inputs", "app.rnn_inputs", "app.main")),
    ("app/jobs/", ("app.routers", "app.deps", "app.inputs", "app.rnn_inputs", "app.templating", "app.main")),
    ("app/inputs.py", ("app.jobs", "app.routers", "app.deps", "app.main")),
    ("app/rnn_inputs.py", ("app.jobs", "app.routers", "app.deps", "app.main")),
    ("app/templating.py", ("app.jobs", "app.routers", "app.deps", "app.main")),
    ("app/deps.py", ("app.routers", "app.main")),
    ("app/routers/", ("app.routers", "app.main", "torch", "numpy")),
]


def imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth of its code ("from a.b import c" gives a.b and a.b.c)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return out


def _crosses(name: str, forbidden: str) -> bool:
    return name == forbidden.rstrip(".") or name.startswith(forbidden.rstrip(".") + ".")


@pytest.mark.parametrize(("where", "forbidden"), RULES, ids=[r[0] for r in RULES])
def test_no_import_crosses_a_layer(where: str, forbidden: tuple[str, ...]):
    files = [ROOT / where] if where.endswith(".py") else sorted((ROOT / where).rglob("*.py"))
    assert files and all(f.is_file() for f in files), where
    crossing = []
    for f in files:
        me = ".".join(f.relative_to(ROOT).with_suffix("").parts)
        for name in imports(f):
            if any(_crosses(name, bad) for bad in forbidden) and not name.startswith(me):
                crossing.append(f"{f.relative_to(ROOT)} imports {name}")
    assert crossing == []


ROUTERS = sorted(p.stem for p in (ROOT / "app" / "routers").glob("*.py") if p.stem != "__init__")


@pytest.mark.parametrize("name", ROUTERS)
def test_routers_leave_tensor_work_to_the_engine(name: str):
    """A router holds no torch.nn.functional, torch or numpy, and calls no tensor operation: every
    number comes from an engine function (`.tolist()`, `.item()` and `.shape` only read results)."""
    module = importlib.import_module(f"app.routers.{name}")
    held = {v.__name__ for v in vars(module).values() if isinstance(v, types.ModuleType)}
    assert not held & {"torch", "numpy", "torch.nn.functional"}, held
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))  # type: ignore[arg-type]
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert not names & {"torch", "F", "np", "numpy"}
    ops = {
        n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
    } & TENSOR_METHODS
    assert ops == set()


# methods that compute on a tensor (reading one out with .tolist(), .item(), .shape is translation)
TENSOR_METHODS = {
    "abs", "argmax", "argsort", "cat", "clamp", "cumsum", "diag", "exp", "flatten", "float", "log",
    "matmul", "max", "mean", "min", "norm", "permute", "reshape", "round", "softmax", "sqrt", "squeeze",
    "stack", "sum", "topk", "transpose", "unsqueeze", "view",
}  # fmt: skip
