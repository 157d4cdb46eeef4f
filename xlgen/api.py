"""The Python API: the command line's verbs for notebooks, with pandas results.

>>> import xlgen
>>> table = xlgen.reference("basic-sgd", epochs=1)
>>> float(table.loc[0, "new_b"])  # 1 - (-86)·1e-4, by hand
1.0086
"""

from __future__ import annotations

import html
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .batch import check_paths
from .compare import ATOL, RTOL
from .discovery import workbook_paths
from .results import WorkbookResult, exit_code
from .report import short, summary_line, terminal_lines
from .visible import visible


def reference(name: str, **params: Any) -> pd.DataFrame:
    """The reference table of experiment ``name``: one row per step, one column per quantity.

    Per-epoch quantities are in ``table.attrs["epochs"]``, the parameters used in
    ``table.attrs["params"]``.

    >>> import xlgen
    >>> momentum = xlgen.reference("momentum-sin", mom=0.5)
    >>> bool(momentum.loc[1, "grad_avg"] == 0.5 * momentum.loc[1, "sin_x"])  # 0.5·0 + 0.5·sin(0.1)
    True
    """
    from .experiments import reference_table

    return reference_table(name, params)


def build(name: str, variant: str = "plain", path: str | Path | None = None, force: bool = False,
          **params: Any) -> Path:
    """Write experiment ``name`` as a workbook (``variant``: plain, let or lambda) and return its path.

    ``path`` is a folder (default: a new temporary folder) or a file name ending in .xlsx.

    >>> import xlgen
    >>> workbook = xlgen.build("basic-sgd", variant="let", lr=0.001)
    >>> workbook.name
    'basic-sgd-let.xlsx'
    """
    from .builder import build as build_files, file_name, workbook_bytes
    from .writer import save

    target = Path(path) if path is not None else Path(tempfile.mkdtemp(prefix="xlgen-"))
    if target.suffix.lower() == ".xlsx":
        if target.exists() and not force:
            from .builder import refuse_if_edited

            refuse_if_edited(target)
        save(target, workbook_bytes(name, variant, params))
        return target
    build_files(name, [variant], params, target, force=force)
    return target / file_name(name, variant)


@dataclass
class CheckResult:
    """What ``check`` found, workbook by workbook; ``table`` has every compared cell."""

    results: list[WorkbookResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when every compared cell of every workbook matches."""
        return self.exit_code == 0

    @property
    def exit_code(self) -> int:
        return exit_code(self.results)

    @property
    def table(self) -> pd.DataFrame:
        """Every compared cell: file, sheet, cell, quantity, step, values, errors and status."""
        return _frame(c for result in self.results for c in result.table)

    @property
    def mismatches(self) -> pd.DataFrame:
        """The first cells of each quantity that are not a match (``xlgen.results.LISTED`` of each kind), where
        each error starts first; ``table`` has every cell."""
        return _frame(c for result in self.results for c in result.cells)

    def __repr__(self) -> str:
        lines = [line for result in self.results for line in terminal_lines(result)]
        return "\n".join([*lines, summary_line(self.results)])

    def _repr_html_(self) -> str:
        """The notebook display: one line per workbook, then the first mismatches, highlighted."""
        colour = {"pass": "#c6efce", "fail": "#f8b4b4", "unsupported": "#ddd", "error": "#ffd966"}
        rows = "".join(
            f"<tr style='background:{colour[r.verdict]}'><td>{r.verdict.upper()}</td><td>{_shown(r.file)}</td>"
            f"<td>{_shown(r.experiment)}/{_shown(r.variant)}</td><td>{_shown(r.engine)}</td>"
            f"<td>{r.compared}</td><td>{r.worst_rel:.3g}</td><td>{_shown(r.error or '')}</td></tr>"
            for r in self.results)
        parts = [f"<p><b>{_shown(summary_line(self.results))}</b></p>",
                 "<table><tr><th>verdict</th><th>workbook</th><th>experiment</th><th>engine</th><th>cells</th>"
                 f"<th>worst rel. error</th><th>error</th></tr>{rows}</table>"]
        bad = [c for r in self.results for c in r.cells][:20]
        if bad:
            cells = "".join(
                f"<tr style='background:{'#f8b4b4' if c.status == 'mismatch' else '#ddd'}'><td>{_shown(c.sheet)}!"
                f"{c.cell}</td><td>{_shown(c.quantity)}</td><td>{c.where}</td><td>{_shown(short(c.workbook_value))}"
                f"</td><td>{_shown(short(c.reference_value))}</td><td>{c.status}</td></tr>" for c in bad)
            parts.append("<p>First cells that differ (the first is where the error starts):</p><table><tr><th>cell</th>"
                         f"<th>quantity</th><th>step or epoch</th><th>workbook</th><th>reference</th><th></th></tr>{cells}</table>")
        return "".join(parts)


def _shown(text: str) -> str:
    return html.escape(visible(text))


COLUMNS = ["file", "sheet", "cell", "quantity", "step", "workbook_value", "reference_value", "abs_error",
           "rel_error", "ulps", "status"]


def _frame(cells) -> pd.DataFrame:
    return pd.DataFrame([{name: getattr(c, name) for name in COLUMNS} for c in cells], columns=COLUMNS)


def check(path: str | Path | Sequence[str | Path], engine: str = "fast", spec: str | Path | None = None,
          reference: str | None = None, rtol: float = RTOL, atol: float = ATOL,
          experiment: str | None = None) -> CheckResult:
    """Recompute workbooks with ``engine`` and compare them, cell by cell, with the reference.

    ``path`` is a workbook, a folder of them, or a list; ``spec`` a TOML file
    for workbooks xlgen did not write; ``reference`` a ``module:function``
    returning your own reference table; ``experiment`` checks each workbook with the spec drafted from it
    (``xlgen spec``), whose TOML is each result's ``drafted_spec``.

    >>> import xlgen
    >>> result = xlgen.check(xlgen.build("momentum-sin"))
    >>> result.passed, len(result.table)
    (True, 200)
    """
    from .engines import get_engine

    paths = [path] if isinstance(path, (str, Path)) else list(path)
    results = check_paths(workbook_paths(paths), get_engine(engine), spec=spec, reference=reference,
                          rtol=rtol, atol=atol, experiment=experiment)
    return CheckResult(results)


def explain(path: str | Path, cell: str, spec: str | Path | None = None,
            experiment: str | None = None) -> pd.DataFrame:
    """Excel's *Evaluate Formula* for one cell: every cell, name, LET variable and LAMBDA call of its formula
    with its value, in order, and the reference's value where the workbook's manifest or ``spec`` has one.

    ``table.attrs`` holds the cell, its formula laid out (``attrs["layout"]``), the quantity and step, the
    reference's value and, when they differ, where the formula first leaves the reference
    (``attrs["divergence"]``).

    >>> import xlgen
    >>> steps = xlgen.explain(xlgen.build("basic-sgd", variant="let"), "'basic-sgd'!G11")
    >>> list(steps["kind"])[-1]
    'result'
    """
    from .explanation import explain as explain_cell

    return explain_cell(path, cell, spec, experiment).frame()
