"""The general reader of worksheet XML: any well-formed sheet, element by element, with expat.

Slower than :mod:`.scanner`, which hands it the sheets whose form it does not take.
"""

from __future__ import annotations

import re
import xml.parsers.expat
import zipfile
from pathlib import Path

from ..cells import cell_name, column_index
from ..errors import XlgenError
from .package import open_part, refuse_large
from .sheet_cells import SheetBuilder, SheetCells


def parse_sheet(path: Path, archive: zipfile.ZipFile, member: str, cells: SheetCells, shared: list[str],
                       formula_values: bool) -> None:
    """Any well-formed worksheet, element by element (slower than the scanner, used when it refuses a sheet)."""
    builder = SheetBuilder(cells, shared, formula_values)
    state = {"row": 0, "column": 0, "cell": None, "text": None, "phonetic": 0}

    def start(tag: str, attributes: dict[str, str]) -> None:
        name = tag.rpartition(" ")[2]
        if name == "row":
            state["row"] = int(attributes["r"]) if "r" in attributes else state["row"] + 1
            state["column"] = 0
        elif name == "c":
            reference = attributes.get("r")
            if reference:
                match = re.fullmatch(r"([A-Za-z]{1,3})([0-9]+)", reference)
                if match is None:
                    raise XlgenError(f"{path}: {member} has a cell with a bad reference {reference!r}")
                state["row"], state["column"] = int(match.group(2)), column_index(match.group(1))
            else:
                state["column"] += 1
            state["cell"] = {"t": attributes.get("t", "n"), "f": None, "f_attributes": None, "v": None,
                             "is": None}
        elif state["cell"] is not None:
            if name == "f":
                state["cell"]["f_attributes"] = attributes
                state["text"] = []
            elif name == "v":
                state["text"] = []
            elif name == "is":
                state["cell"]["is"] = []
            elif name == "rPh":
                state["phonetic"] += 1
            elif name == "t" and state["cell"]["is"] is not None and not state["phonetic"]:
                state["text"] = []

    def end(tag: str) -> None:
        name = tag.rpartition(" ")[2]
        cell = state["cell"]
        if cell is None:
            return
        if name == "f":
            cell["f"] = "".join(state["text"])
            state["text"] = None
        elif name == "v":
            cell["v"] = "".join(state["text"])
            state["text"] = None
        elif name == "rPh":
            state["phonetic"] -= 1
        elif name == "t" and cell["is"] is not None and state["text"] is not None:
            cell["is"].append("".join(state["text"]))
            state["text"] = None
        elif name == "c":
            row, column = state["row"], state["column"]
            raw = "".join(cell["is"]) if cell["is"] is not None else cell["v"]
            try:
                if cell["f_attributes"] is None:
                    value = builder.value(cell["t"], raw)
                    if value is not None:  # <v/>: no value, as no <v>
                        cells.constants[(row, column)] = value
                else:
                    options = cell["f_attributes"]
                    value = builder.value(cell["t"], raw) if formula_values else None
                    builder.formula(row, column, cell["f"], options.get("t"), options.get("ref"),
                                    options.get("si"), value)
            except (ValueError, XlgenError) as error:  # a value that is not one: name its cell
                raise XlgenError(f"cell {cell_name(row, column)}: {error}") from None
            state["cell"] = None

    def characters(data: str) -> None:
        if state["text"] is not None:
            state["text"].append(data)

    def refuse(*args) -> None:
        raise XlgenError(f"{path}: {member} declares a document type; refusing it (XML entities are not expanded)")

    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        with open_part(path, archive, member) as stream:
            inflated = 0
            while data := stream.read(1 << 20):
                inflated += len(data)
                refuse_large(path, member, inflated)
                parser.Parse(data, False)
            parser.Parse(b"", True)
    except xml.parsers.expat.ExpatError as error:
        raise XlgenError(f"{path}: {member} is not valid XML ({error})") from None
