"""Fail when a module of the package is over the size limit (issue 12: no module over 500 lines).

A module that outgrows the limit is split along its seams; `make lint` runs this check.
"""

from __future__ import annotations

import sys
from pathlib import Path

MAX_LINES = 500
PACKAGE = Path(__file__).resolve().parent.parent / "restaurant_api"


def oversized(package: Path = PACKAGE, limit: int = MAX_LINES) -> list[tuple[Path, int]]:
    """Every module under `package` longer than `limit` lines, with its length."""
    found = []
    for path in sorted(package.rglob("*.py")):
        with path.open(encoding="utf-8") as source:
            lines = sum(1 for _ in source)
        if lines > limit:
            found.append((path, lines))
    return found


def main() -> int:
    found = oversized()
    for path, lines in found:
        print(f"{path.relative_to(PACKAGE.parent)}: {lines} lines (limit {MAX_LINES})")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
