"""Shared test helpers: where the repository and the anchor workbooks are, and whether LibreOffice is here."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Jeremy Howard's workbooks sit beside the checkout (../shared/anchors), read-only.
ANCHORS = Path(os.environ.get("XLGEN_ANCHORS", ROOT.parent / "shared" / "anchors"))


def require_anchor(name: str) -> Path:
    """The anchor workbook ``name``; the test fails (not skips) when it is missing: it is a golden source."""
    path = ANCHORS / name
    assert path.is_file(), f"anchor workbook {path} is missing (set XLGEN_ANCHORS to its folder)"
    return path


def libreoffice_missing() -> str | None:
    """Why the libreoffice engine cannot run here (no soffice, or no Python with its UNO bridge), or None."""
    from xlgen.engines.libreoffice import find_soffice, find_uno_python
    from xlgen.errors import XlgenError

    try:
        soffice = find_soffice()
    except XlgenError as error:
        return str(error)
    python = find_uno_python(soffice)
    if subprocess.run([python, "-c", "import uno"], capture_output=True).returncode != 0:
        return f"{python} cannot import uno; apt-get install -t bookworm-backports python3-uno"
    return None


LIBREOFFICE_MISSING = libreoffice_missing()
needs_libreoffice = pytest.mark.skipif(
    LIBREOFFICE_MISSING is not None, reason=f"LibreOffice unavailable: {LIBREOFFICE_MISSING}")
