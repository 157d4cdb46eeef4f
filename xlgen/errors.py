"""The one exception type the command line turns into a one-line message and exit code 2, and that line."""

from __future__ import annotations

import errno
import os
import zipfile
import zlib
from pathlib import Path


class XlgenError(Exception):
    """Bad input or usage: an unreadable file, an unknown experiment, a formula an engine cannot evaluate.

    The message is one line and names the file, sheet and cell where it can.
    """


class UnsupportedFormula(XlgenError):
    """A formula uses something an engine cannot evaluate (e.g. ``unsupported function OFFSET at basic!C4``)."""


class CircularReference(XlgenError):
    """Cells depend on themselves; Excel's iterative calculation is off by default, so this is an error."""


class BudgetExceeded(XlgenError):
    """A formula needs more work than xlgen spends on one workbook (a runaway LAMBDA, a huge array)."""


def one_line(path: Path, error: BaseException) -> str:
    """An exception as the one-line message a report shows: xlgen's own as they are, others with their type.

    Set XLGEN_DEBUG=1 to get the traceback of an error that is not xlgen's own instead.
    """
    if not isinstance(error, XlgenError) and os.environ.get("XLGEN_DEBUG"):
        raise error
    if isinstance(error, XlgenError):
        text = str(error)
    elif isinstance(error, (zipfile.BadZipFile, zlib.error, EOFError)) or (
            isinstance(error, OSError) and error.errno == errno.EINVAL):
        text = f"{path}: the zip archive is damaged ({error})"
    elif isinstance(error, MemoryError):
        text = f"{path}: too big to check in the memory available"
    elif isinstance(error, RecursionError):
        text = f"{path}: nested too deeply to read"
    else:
        text = f"{path}: cannot be checked ({type(error).__name__}: {error})"
    return " ".join(text.split())
