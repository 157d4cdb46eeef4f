"""Shared test helpers: where the repository and the anchor workbooks are, and whether LibreOffice is here."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from .anchor_figures import ANCHORS, AnchorFigures, load, rebuild

ROOT = Path(__file__).resolve().parents[1]
# CI sets this so that a test needing a whole workbook fails instead of skipping when the workbook is missing.
REQUIRE_ANCHORS = os.environ.get("XLGEN_REQUIRE_ANCHORS") == "1"


def anchor_workbook(name: str) -> Path:
    """The whole anchor workbook ``name``; the test skips, saying why, where it is absent.

    Most anchor tests need only the figures (``anchor_figures``, ``rebuilt_anchor``);
    this is for those about the file itself (its macros, its bytes, how it is stored).
    """
    path = ANCHORS / name
    if not path.is_file():
        reason = f"anchor workbook {path} is absent (set XLGEN_ANCHORS to its folder)"
        if REQUIRE_ANCHORS:
            pytest.fail(f"{reason}; XLGEN_REQUIRE_ANCHORS=1 requires it")
        pytest.skip(reason)
    return path


_FIGURES: dict[str, AnchorFigures] = {}


def anchor_figures(name: str) -> AnchorFigures:
    """The committed figures (formulas, Excel's cached values, defined names) of the anchor workbook ``name``."""
    if name not in _FIGURES:
        _FIGURES[name] = load(name)
    return _FIGURES[name]


@pytest.fixture(scope="session")
def rebuilt_anchor(tmp_path_factory):
    """``rebuilt_anchor(name)``: a plain .xlsx holding the anchor's figures; recalculating it must give Excel's values.

    Shared by the session: copy it before changing it.
    """
    folder = tmp_path_factory.mktemp("anchors")

    def rebuilt(name: str) -> Path:
        path = folder / f"{Path(name).stem}.xlsx"
        if not path.exists():
            rebuild(anchor_figures(name), path)
        return path

    return rebuilt


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


def in_the_foreground() -> None:
    """``preexec_fn`` of an xlgen a test interrupts as a person would, with Ctrl-C at a terminal: SIGINT is
    not ignored, as it is for the background jobs of a shell (a test run started with ``&`` starts its
    children so, and Python then leaves SIGINT ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)

