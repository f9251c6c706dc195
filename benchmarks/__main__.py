"""Run the benchmarks and print their tables: python -m benchmarks [name ...] (default: all).

Each module of this package has a main() that prints one table; the figures are kept in
docs/benchmarks.md with the machine they were measured on."""

import importlib
import pkgutil
import sys
from pathlib import Path


def main(names: list[str]) -> None:
    available = sorted(
        m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if not m.name.startswith("_")
    )
    unknown = set(names) - set(available)
    if unknown:
        sys.exit(f"unknown benchmark(s) {sorted(unknown)}; available: {available}")
    for name in names or available:
        print(f"\n## {name}\n")
        importlib.import_module(f"benchmarks.{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
