"""Edit a workbook in LibreOffice as a learner would, and save it: insert columns, type formulas, format cells.

The edits run in LibreOffice itself (over UNO), so an inserted column moves
every reference that points past it, in the sheets' formulas and in the
manifest's, exactly as it does for a person.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

from xlgen.engines.libreoffice import find_soffice, find_uno_python, soffice_command, write_profile

CLIENT = r'''
import json, subprocess, sys, time
import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

job = json.load(open(sys.argv[1], encoding="utf-8"))

def prop(name, value):
    item = PropertyValue()
    item.Name, item.Value = name, value
    return item

soffice = subprocess.Popen(job["command"] + ["--accept=pipe,name=%s;urp;StarOffice.ComponentContext" % job["pipe"]],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
local = uno.getComponentContext()
resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
context = None
deadline = time.time() + 60
while context is None:
    try:
        context = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % job["pipe"])
    except NoConnectException:
        if time.time() > deadline or soffice.poll() is not None:
            sys.exit("soffice did not accept a connection")
        time.sleep(0.1)
desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
try:
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(job["source"]), "_blank", 0,
                                       (prop("Hidden", True), prop("MacroExecutionMode", 0)))
    for edit in job["edits"]:
        if edit[0] == "save":  # save as .xlsx here, and go on editing
            doc.calculateAll()
            doc.storeToURL(uno.systemPathToFileUrl(edit[1]), (prop("FilterName", "Calc MS Excel 2007 XML"),))
            continue
        kind, sheet = edit[0], doc.Sheets.getByName(edit[1])
        if kind == "insert_column":  # 0-based index, as in LibreOffice's API
            sheet.Columns.insertByIndex(edit[2], 1)
        elif kind == "formulas":  # {cell: formula}
            for cell, formula in edit[2].items():
                sheet.getCellRangeByName(cell).setFormula(formula)
        elif kind == "text":
            sheet.getCellRangeByName(edit[2]).setString(edit[3])
        elif kind == "format":  # a range and cell properties, e.g. CellBackColor, CharWeight
            area = sheet.getCellRangeByName(edit[2])
            for name, value in edit[3].items():
                area.setPropertyValue(name, value)
        elif kind == "number_format":
            area = sheet.getCellRangeByName(edit[2])
            area.NumberFormat = doc.NumberFormats.queryKey(edit[3], doc.CharLocale, True)
    doc.close(True)
finally:
    try:
        desktop.terminate()
    except Exception:
        pass
    try:
        soffice.wait(timeout=30)
    except subprocess.TimeoutExpired:
        soffice.kill()
'''


def edit_in_libreoffice(source: Path, edits: list, work: Path, timeout: float = 180) -> None:
    """``source`` opened in LibreOffice and ``edits`` applied in order; ``["save", path]`` saves it as .xlsx."""
    soffice = find_soffice()
    profile = write_profile(work / "profile")
    job = {"command": soffice_command(soffice, profile), "pipe": f"xlgen-test-{uuid.uuid4().hex[:10]}",
           "source": str(source.resolve()), "edits": edits}
    job_file = work / "edits.json"
    job_file.write_text(json.dumps(job), encoding="utf-8")
    script = work / "edits.py"
    script.write_text(CLIENT, encoding="utf-8")
    done = subprocess.run([find_uno_python(soffice), str(script), str(job_file)], capture_output=True,
                          timeout=timeout, start_new_session=True)
    saved = [Path(edit[1]) for edit in edits if edit[0] == "save"]
    if done.returncode != 0 or not all(path.is_file() for path in saved):
        sys.stderr.write(done.stderr.decode(errors="replace"))
        raise RuntimeError(f"LibreOffice could not edit {source}: exit code {done.returncode}")


def convert_in_libreoffice(source: Path, out_dir: Path, work: Path, timeout: float = 180) -> Path:
    """``soffice --headless --convert-to xlsx``: the file as LibreOffice saves it."""
    profile = write_profile(work / "convert-profile")
    done = subprocess.run([find_soffice(), "--headless", "--norestore", f"-env:UserInstallation={profile}",
                           "--convert-to", "xlsx", "--outdir", str(out_dir), str(source)],
                          capture_output=True, timeout=timeout)
    saved = out_dir / (source.stem + ".xlsx")
    if done.returncode != 0 or not saved.is_file():
        raise RuntimeError(f"soffice --convert-to failed: {done.stderr.decode(errors='replace')}")
    return saved
