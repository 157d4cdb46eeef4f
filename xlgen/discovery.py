"""Which files a check reads: workbooks named directly, and those inside named folders."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from .errors import XlgenError


def workbook_paths(paths: Sequence[str | Path], skipped: Callable[[Path, str], None] | None = None) -> list[Path]:
    """Workbooks named directly, and the .xlsx/.xlsm files inside named folders (sorted).

    In a folder, anything that is not a regular file (a named pipe, a device, a socket) is left out, and
    ``skipped(path, why)`` told: opening a pipe would wait forever for a writer. A path named directly is
    kept, for the check to say what it is.
    """
    found: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            for candidate in sorted(p for p in path.iterdir()
                                    if p.suffix.lower() in (".xlsx", ".xlsm") and not p.name.startswith(("~$", "."))):
                why = not_a_regular_file(candidate)
                if why is None:
                    found.append(candidate)
                elif skipped is not None:
                    skipped(candidate, why)
        elif path.exists() or path.is_symlink():
            found.append(path)
        else:
            raise XlgenError(f"{path}: no such file or folder")
    if not found:
        raise XlgenError(f"no .xlsx or .xlsm workbook in {', '.join(str(p) for p in paths)}")
    return found


def not_a_regular_file(path: Path) -> str | None:
    """Why ``path`` is not a regular file (after symbolic links), or None; looks without opening it."""
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        return f"cannot be read ({error.strerror or error})"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "is a named pipe, not a file"
    if stat.S_ISDIR(mode):
        return "is a folder, not a workbook"
    return "is not a regular file (a device or a socket)"


def refuse_outputs_over_inputs(outputs: Iterable[str | Path | None], inputs: Iterable[str | Path]) -> None:
    """Refuse a report path that is one of the input files: the same file, however it is spelled."""
    existing = [Path(i) for i in inputs if Path(i).exists()]
    for output in outputs:
        if output in (None, "-") or not Path(output).exists():
            continue
        for source in existing:
            try:
                same = os.path.samefile(output, source)
            except OSError:
                same = False
            if same:
                raise XlgenError(f"{output}: is the input {source}; refusing to write a report over it")
