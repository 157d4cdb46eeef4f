"""The ``libreoffice`` engine: LibreOffice Calc recalculates the workbook and its values are read back.

How it runs
    One ``soffice --headless`` per batch of workbooks, with a private user
    profile made once per engine. A small client, run by a Python that has
    LibreOffice's ``uno`` bridge (Debian: ``python3-uno`` for ``/usr/bin/python3``),
    loads a copy of each workbook with macros disabled, recalculates it and reads
    the requested ranges through UNO. The input file is never opened for writing.

Why UNO and not ``--convert-to xlsx``
    LibreOffice 25.2 writes numbers with 15 significant digits in every export
    format (xlsx, ods, csv): ``=1/3`` is stored as ``0.333333333333333`` and
    even a constant 0.30000000000000004 comes back as ``0.3``. Through UNO a cell
    gives its double exactly, and its error as LibreOffice's own code.

Recalculation
    By default LibreOffice keeps the values an .xlsx file stores when Excel (or
    XlsxWriter, which says it is Excel) wrote it. The profile sets
    ``/org.openoffice.Office.Calc/Formula/Load`` ``OOXMLRecalcMode`` and
    ``ODFRecalcMode`` to 0 ("always recalculate"), and ``calculateAll()`` then
    recalculates once more (``hard_recalc``) so that a LibreOffice ignoring the
    setting cannot hand back stale values.

Errors
    A cell's LibreOffice error code becomes the Excel error LibreOffice itself
    writes into an .xlsx (``XclTools::GetXclErrorCode``): 502, 504, 508-511, 519
    and 522 are ``#VALUE!``, 503 ``#NUM!``, 532 ``#DIV/0!``, 521 ``#NULL!``, 524
    ``#REF!``, 525, 530, 531 ``#NAME?``, 32767 ``#N/A``. Other codes (e.g. 501
    invalid character, 523 no convergence) have no Excel meaning and come back as
    :class:`Unsupported`; LibreOffice's own export would write them as ``#N/A``.
    Note: LibreOffice gives ``SQRT(-1)`` and ``LN(0)`` Err:502, hence ``#VALUE!``,
    where Excel gives ``#NUM!``.

What LibreOffice cannot evaluate (decided from the formula text, before running it)
    - ``LAMBDA``: LibreOffice has none. A cell whose formula contains ``LAMBDA``,
      calls or names a defined name whose text contains it, or depends on such a
      cell comes back as ``Unsupported("LibreOffice has no LAMBDA")``
      (LibreOffice itself gives Err:509, ``#VALUE!`` in an .xlsx).
    - a ``LET`` inside a ``LET``: ``#NAME?`` in LibreOffice 25.2.
    - a ``LET`` name spelled in two cases (``_xlpm.x`` declared, ``_xlpm.X`` used):
      ``#NAME?`` in LibreOffice 25.2, where Excel ignores case. Consistently
      spelled mixed-case names (``_xlpm.myVar``) work.
    ``LET`` needs its ``_xlfn.`` prefix, as Excel stores it; formulas laid out
    over several indented lines are kept and evaluated as written. Formula text
    is never read back from LibreOffice: 25.2 shows and saves LET names taken
    from another cell (``_xlpm.Lr`` comes back as ``x``) though it computes right.
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import subprocess
import tempfile
import time
import traceback
import uuid
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..cells import Range, cell_name, quote_sheet
from ..errors import CircularReference, XlgenError
from ..values import DIV0, NA, NAME, NULL, NUM, REF, VALUE, ExcelError, Unsupported, Value
from ..xlsx.reader import DefinedName, Workbook, read_workbook
from .base import Engine, EngineResult
from .processes import group_of, kill_group, start_group
from .soffice import INSTALL_HINT, find_soffice, find_uno_python, soffice_command, write_profile
from .unsupported import CellKey, FormulaUse, unsupported_cells

NO_LAMBDA = "LibreOffice has no LAMBDA"

# LibreOffice FormulaError code -> the Excel error its .xlsx export writes (sc/source/filter/excel/xltools.cxx).
LIBREOFFICE_ERRORS: dict[int, ExcelError] = {
    502: VALUE,  # IllegalArgument
    503: NUM,  # IllegalFPOperation
    504: VALUE,  # IllegalParameter
    508: VALUE,  # PairExpected
    509: VALUE,  # OperatorExpected
    510: VALUE,  # VariableExpected
    511: VALUE,  # ParameterExpected
    519: VALUE,  # NoValue
    521: NULL,  # NoCode
    522: VALUE,  # CircularReference
    524: REF,  # NoRef
    525: NAME,  # NoName
    530: NAME,  # NoAddin
    531: NAME,  # NoMacro
    532: DIV0,  # DivisionByZero
    32767: NA,  # NotAvailable
}
CIRCULAR_REFERENCE = 522



# --- what LibreOffice cannot evaluate ------------------------------------------------------------


def libreoffice_check(use: FormulaUse, name: DefinedName | None) -> str | None:
    """Why LibreOffice 25.2 cannot evaluate a formula like Excel (module docstring), or None."""
    for call in use.calls:
        if call.function == "LAMBDA":
            return NO_LAMBDA
        if call.function == "LET" and "LET" in call.inside:
            return "LibreOffice 25.2 gives #NAME? for a LET inside a LET"
    spellings: dict[str, str] = {}
    for parameter in use.parameters:
        if spellings.setdefault(parameter.casefold(), parameter) != parameter:
            return "LibreOffice 25.2 gives #NAME? for a LET name spelled in two cases"
    return None


# --- the UNO client -------------------------------------------------------------------------------


def _uno_client(job_file: str) -> None:  # pragma: no cover - runs in LibreOffice's Python, see _client_source
    """Start soffice, then for each workbook: load, recalculate, read the ranges; one JSON line per event."""
    import json
    import subprocess
    import sys
    import time

    with open(job_file, encoding="utf-8") as stream:
        job = json.load(stream)
    out = open(job["out"], "a", encoding="utf-8")

    def emit(**record):
        out.write(json.dumps(record) + "\n")
        out.flush()

    try:
        import uno
        from com.sun.star.beans import PropertyValue
        from com.sun.star.connection import NoConnectException
    except ImportError as error:
        emit(fatal=f"{sys.executable} cannot import LibreOffice's uno module ({error})")
        return

    # This client leads its process group, soffice in it. Its parent's death sends it SIGTERM (see
    # xlgen.engines.processes): take soffice along.
    import os
    import signal
    signal.signal(signal.SIGTERM, lambda signum, frame: os.killpg(0, signal.SIGKILL))

    def prop(name, value):
        item = PropertyValue()
        item.Name, item.Value = name, value
        return item

    soffice = subprocess.Popen(job["command"] + [f"--accept=pipe,name={job['pipe']};urp;StarOffice.ComponentContext"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    context = None
    while context is None:
        try:
            context = resolver.resolve(f"uno:pipe,name={job['pipe']};urp;StarOffice.ComponentContext")
        except NoConnectException:
            if soffice.poll() is not None:
                emit(fatal=f"soffice exited with code {soffice.returncode} before accepting a connection")
                return
            time.sleep(0.05)
    desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
    # Hidden, read-only, macros never run (MacroExecutionMode NEVER_EXECUTE), links not updated.
    load_options = (prop("Hidden", True), prop("ReadOnly", True), prop("MacroExecutionMode", 0),
                    prop("UpdateDocMode", 0))

    def cells(ranges):
        for address in ranges.getRangeAddresses():
            for row in range(address.StartRow, address.EndRow + 1):
                for column in range(address.StartColumn, address.EndColumn + 1):
                    yield row + 1, column + 1

    def read(doc, target, skip):
        sheet_name, r0, c0, r1, c1 = target
        if not doc.Sheets.hasByName(sheet_name):
            raise LookupError(f"no sheet named {sheet_name!r}")
        sheet = doc.Sheets.getByName(sheet_name)
        area = sheet.getCellRangeByPosition(c0 - 1, r0 - 1, c1 - 1, r1 - 1)
        rows = [list(row) for row in area.getDataArray()]
        for row, column in cells(area.queryEmptyCells()):
            rows[row - r0][column - c0] = None
        for row, column in cells(area.queryFormulaCells(4)):  # FormulaResult.ERROR
            if (row, column) in skip:  # already known unsupported; each getError() is a round trip
                rows[row - r0][column - c0] = None
            else:
                rows[row - r0][column - c0] = {"e": sheet.getCellByPosition(column - 1, row - 1).getError()}
        formats = doc.NumberFormats
        format_ranges = area.getCellFormatRanges()
        for index in range(format_ranges.getCount()):
            part = format_ranges.getByIndex(index)
            if formats.getByKey(part.NumberFormat).Type & 1024:  # NumberFormat.LOGICAL
                address = part.getRangeAddress()
                for row in range(address.StartRow + 1, address.EndRow + 2):
                    for column in range(address.StartColumn + 1, address.EndColumn + 2):
                        value = rows[row - r0][column - c0]
                        if isinstance(value, float):
                            rows[row - r0][column - c0] = value != 0
        return [value for row in rows for value in row]

    try:
        for index, workbook in enumerate(job["workbooks"]):
            emit(start=index)
            doc = None
            try:
                doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(workbook["path"]), "_blank", 0, load_options)
                if doc is None:
                    emit(failed=index, message="LibreOffice could not open it")
                    continue
                if job["hard_recalc"]:
                    doc.calculateAll()
                values = [read(doc, target, {tuple(cell) for cell in workbook["skip"][str(n)]})
                          for n, target in enumerate(workbook["ranges"])]
                emit(done=index, values=values)
            except LookupError as error:
                emit(failed=index, message=str(error))
            except Exception as error:
                if soffice.poll() is not None:
                    emit(crashed=index, message=f"LibreOffice stopped ({type(error).__name__})")
                    return
                emit(failed=index, message=f"LibreOffice failed: {type(error).__name__}: {error}")
            finally:
                if doc is not None:
                    try:
                        doc.close(True)
                    except Exception:
                        pass
    finally:
        try:
            desktop.terminate()
        except Exception:
            pass  # the bridge drops while soffice quits
        try:
            soffice.wait(timeout=30)
        except subprocess.TimeoutExpired:
            soffice.kill()


def _client_source() -> str:
    """``_uno_client`` as a script: it runs under the Python that has ``uno``, which need not be this one."""
    return inspect.getsource(_uno_client) + "\nimport sys\n_uno_client(sys.argv[1])\n"


# --- the engine -----------------------------------------------------------------------------------


@dataclass
class _Prepared:
    """One workbook made ready for LibreOffice: its copy, its ranges, and the cells decided before running."""

    path: Path
    ranges: list[Range]
    workbook: Workbook
    copy: Path
    unsupported: dict[CellKey, str]


class LibreOfficeEngine(Engine):
    """Values as LibreOffice Calc computes them (see the module docstring for what it cannot evaluate)."""

    name = "libreoffice"

    def __init__(self, timeout: float = 120.0, soffice: str | None = None, python: str | None = None,
                 hard_recalc: bool = True):
        """``timeout``: seconds LibreOffice may take to start, and then each workbook."""
        self.timeout = float(timeout)
        self.hard_recalc = hard_recalc
        self.soffice = find_soffice(soffice)
        self.python = find_uno_python(self.soffice, python)
        self._profile_dir = Path(tempfile.mkdtemp(prefix="xlgen-lo-profile-"))
        self._profile_url = write_profile(self._profile_dir)
        self._cleanup = weakref.finalize(self, shutil.rmtree, self._profile_dir, ignore_errors=True)

    def close(self) -> None:
        """Remove the private LibreOffice profile (also done when the engine is garbage-collected)."""
        self._cleanup()

    def __enter__(self) -> LibreOfficeEngine:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def evaluate(self, path: Path, ranges: Sequence[Range]) -> EngineResult:
        result = self.evaluate_many([(path, ranges)])[0]
        if isinstance(result, Exception):
            raise result
        return result

    def evaluate_many(self, jobs: Sequence[tuple[Path, Sequence[Range]]]) -> list[EngineResult | Exception]:
        """All workbooks in one LibreOffice start; a workbook that hangs or crashes it is retried without the rest."""
        results: list[EngineResult | Exception | None] = [None] * len(jobs)
        with tempfile.TemporaryDirectory(prefix="xlgen-lo-") as work:
            prepared: dict[int, _Prepared] = {}
            for index, (path, ranges) in enumerate(jobs):
                try:
                    prepared[index] = self._prepare(Path(path), list(ranges), Path(work) / str(index))
                except Exception as error:  # this workbook's (a MemoryError reading it too), not the batch's
                    traceback.clear_frames(error.__traceback__)
                    results[index] = error
            pending = sorted(prepared)
            while pending:
                outcome = self._run_batch([prepared[i] for i in pending], Path(work))
                for position, (kind, payload) in outcome.items():
                    index = pending[position]
                    try:
                        results[index] = self._result(prepared[index], payload) if kind == "done" else payload
                    except Exception as error:  # a circular reference, a MemoryError: this workbook's alone
                        traceback.clear_frames(error.__traceback__)
                        results[index] = error
                pending = [index for position, index in enumerate(pending) if position not in outcome]
        return [r if r is not None else XlgenError("LibreOffice returned nothing") for r in results]

    def _prepare(self, path: Path, ranges: list[Range], folder: Path) -> _Prepared:
        workbook = read_workbook(path)
        sheets = {name.casefold(): name for name in workbook.sheets}
        named: list[Range] = []
        for target in ranges:
            sheet = sheets.get(target.sheet.casefold())
            if sheet is None:
                raise XlgenError(f"{path}: no sheet named {target.sheet!r}")
            named.append(Range(sheet, target.first_row, target.first_column, target.last_row, target.last_column))
        unsupported = unsupported_cells(workbook, libreoffice_check)
        folder.mkdir(parents=True)
        copy = folder / path.name
        shutil.copyfile(path, copy)  # LibreOffice only ever sees this copy
        return _Prepared(path, named, workbook, copy, unsupported)

    def _run_batch(self, batch: list[_Prepared], work: Path) -> dict[int, tuple[str, object]]:
        """Run the client over ``batch``: position -> ("done", values) or ("error", exception).

        Positions missing from the answer were not reached (an earlier workbook
        timed out or crashed LibreOffice) and go into the next batch.
        """
        tag = uuid.uuid4().hex[:12]
        out = work / f"out-{tag}.jsonl"
        job = {
            "command": soffice_command(self.soffice, self._profile_url),
            "pipe": f"xlgen-{os.getpid()}-{tag}",
            "out": str(out),
            "hard_recalc": self.hard_recalc,
            "workbooks": [
                {
                    "path": str(item.copy),
                    "ranges": [[r.sheet, r.first_row, r.first_column, r.last_row, r.last_column] for r in item.ranges],
                    "skip": {str(n): [[row, column] for row, column in r.cells() if (r.sheet, row, column)
                                      in item.unsupported] for n, r in enumerate(item.ranges)},
                }
                for item in batch
            ],
        }
        job_file = work / f"job-{tag}.json"
        job_file.write_text(json.dumps(job), encoding="utf-8")
        out.touch()
        stderr_file = work / f"stderr-{tag}.txt"
        with stderr_file.open("wb") as stderr:
            client = start_group([self.python, "-c", _client_source(), str(job_file)], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=stderr)
        with group_of(client):
            return self._follow(client, batch, out, stderr_file)

    def _follow(self, client: subprocess.Popen, batch: list[_Prepared], out: Path,
                stderr_file: Path) -> dict[int, tuple[str, object]]:
        """Read the client's records as it writes them, until it ends or a workbook takes too long."""
        outcome: dict[int, tuple[str, object]] = {}
        current, started, deadline, read_upto = 0, False, time.monotonic() + self.timeout, 0
        while True:
            finished = client.poll() is not None
            with out.open(encoding="utf-8") as stream:
                stream.seek(read_upto)
                lines = stream.read()
            complete = lines[: lines.rfind("\n") + 1]
            read_upto += len(complete.encode("utf-8"))
            for line in complete.splitlines():
                record = json.loads(line)
                if "fatal" in record:
                    kill_group(client)
                    raise XlgenError(f"LibreOffice could not be used: {record['fatal']}; {INSTALL_HINT}")
                if "start" in record:
                    current, started, deadline = record["start"], True, time.monotonic() + self.timeout
                elif "done" in record:
                    outcome[record["done"]] = ("done", record["values"])
                elif "failed" in record:
                    where = batch[record["failed"]].path
                    outcome[record["failed"]] = ("error", XlgenError(f"{where}: {record['message']}"))
                elif "crashed" in record:
                    where = batch[record["crashed"]].path
                    outcome[record["crashed"]] = ("error", XlgenError(f"{where}: {record['message']}"))
            if finished:
                break
            if time.monotonic() > deadline:
                kill_group(client)
                # Before the first workbook it is LibreOffice's start that hangs: every workbook fails with it.
                for position in range(current, current + 1) if started else range(len(batch)):
                    outcome.setdefault(position, ("error", XlgenError(
                        f"{batch[position].path}: LibreOffice did not finish within {self.timeout:g} s")))
                return outcome
            time.sleep(0.02)
        if client.returncode != 0 and current not in outcome:
            kill_group(client)  # soffice may outlive a client that died
            stderr = stderr_file.read_text(errors="replace").strip()
            last = stderr.splitlines()[-1] if stderr else f"exit code {client.returncode}"
            outcome[current] = ("error", XlgenError(f"{batch[current].path}: LibreOffice client failed ({last})"))
        if not outcome and len(batch):  # the client ended without a word about any workbook
            raise XlgenError(f"LibreOffice ended without results (exit code {client.returncode})")
        return outcome

    def _result(self, item: _Prepared, values: list[list[object]]) -> EngineResult:
        result = EngineResult(values=[])
        counts: dict[str, int] = {}
        for target, raw in zip(item.ranges, values):
            converted: list[Value] = []
            sheet = item.workbook.sheets[target.sheet]
            for (row, column), value in zip(target.cells(), raw):
                key = (target.sheet, row, column)
                reason = item.unsupported.get(key)
                if reason is not None:
                    counts[reason] = counts.get(reason, 0) + 1
                    converted.append(Unsupported(reason))
                else:
                    converted.append(_value(value, item.path, key))
                if (row, column) in sheet.formulas:
                    result.formulas[key] = sheet.formulas[(row, column)]
            result.values.append(converted)
        for reason, count in sorted(counts.items()):
            result.notes.append(f"{reason}: {count} cell{'s' if count != 1 else ''} unsupported")
        return result


def _value(raw: object, path: Path, key: CellKey) -> Value:
    """A value as the client sends it: float, str, bool, None, or {"e": LibreOffice error code}."""
    if isinstance(raw, dict):
        code = int(raw["e"])
        if code == CIRCULAR_REFERENCE:
            sheet, row, column = key
            raise CircularReference(f"{path}: circular reference at {quote_sheet(sheet)}!{cell_name(row, column)}")
        error = LIBREOFFICE_ERRORS.get(code)
        return error if error is not None else Unsupported(f"LibreOffice error Err:{code} has no Excel equivalent")
    if isinstance(raw, bool) or raw is None or isinstance(raw, str):
        return raw
    return float(raw)


__all__ = ["LibreOfficeEngine", "LIBREOFFICE_ERRORS", "NO_LAMBDA", "libreoffice_check"]
