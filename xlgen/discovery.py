"""Which files a check reads: workbooks named directly, and those inside named folders."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .errors import XlgenError


def workbook_paths(paths: Sequence[str | Path]) -> list[Path]:
    """Workbooks named directly, and the .xlsx/.xlsm files inside named folders (sorted)."""
    found: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found += sorted(p for p in path.iterdir()
                            if p.suffix.lower() in (".xlsx", ".xlsm") and not p.name.startswith(("~$", ".")))
        elif path.exists():
            found.append(path)
        else:
            raise XlgenError(f"{path}: no such file or folder")
    if not found:
        raise XlgenError(f"no .xlsx or .xlsm workbook in {', '.join(str(p) for p in paths)}")
    return found
