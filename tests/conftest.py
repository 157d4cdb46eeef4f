"""Shared test helpers: where the repository and the anchor workbooks are, and whether LibreOffice is here."""

from __future__ import annotations

import os
import shutil
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


def soffice_path() -> str | None:
    return os.environ.get("XLGEN_SOFFICE") or shutil.which("soffice") or shutil.which("libreoffice")


needs_libreoffice = pytest.mark.skipif(
    soffice_path() is None,
    reason="LibreOffice (soffice) is not installed; see the README for apt-get install -t bookworm-backports libreoffice-calc-nogui",
)
