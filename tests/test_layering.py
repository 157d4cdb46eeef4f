"""The package's layers, read from the import statements of every module (including imports inside functions).

- ``xlgen.xlsx`` reads files and knows nothing of formulas: it never imports ``xlgen.formula`` (the fast engine
  reads workbooks through it, so the dependency points one way only), nor an engine.
- ``xlgen.formula`` is the fast engine's evaluator: it imports no engine and nothing that checks or reports.
- An engine module (one of :data:`xlgen.engines.ENGINES`) imports no other engine's module; what two engines
  share has its own module in ``xlgen/engines/``.
- ``reference/`` is numpy/pandas only: it imports nothing of ``xlgen``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from xlgen.engines import ENGINES

ROOT = Path(__file__).resolve().parents[1]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> set[str]:
    """The absolute names of the modules ``path`` imports; ``from a import b`` counts ``a`` and ``a.b``."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module
            found.add(source)
            found.update(f"{source}.{alias.name}" for alias in node.names)
    return found


def modules_under(folder: str) -> dict[str, set[str]]:
    return {module_name(path): imported_modules(path) for path in sorted((ROOT / folder).rglob("*.py"))}


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def offending(folder: str, forbidden: list[str]) -> list[str]:
    return sorted(f"{module} imports {target}" for module, targets in modules_under(folder).items()
                  for target in targets if any(within(target, package) for package in forbidden))


def test_the_import_reader_resolves_relative_imports():
    imports = imported_modules(ROOT / "xlgen" / "formula" / "shapes.py")
    assert {"xlgen.row_templates", "xlgen.formula.parser", "xlgen.errors"} <= imports
    imports = imported_modules(ROOT / "xlgen" / "formula" / "functions" / "numeric.py")
    assert {"xlgen.values", "xlgen.formula.maths", "xlgen.formula.functions.registry"} <= imports


def test_the_workbook_reader_does_not_import_the_formula_engine():
    assert offending("xlgen/xlsx", ["xlgen.formula", "xlgen.engines"]) == []


def test_the_formula_engine_imports_no_engine_checker_or_report():
    forbidden = ["xlgen.engines", "xlgen.checker", "xlgen.causes", "xlgen.report", "xlgen.render", "xlgen.cli",
                 "xlgen.api", "xlgen.batch"]
    assert offending("xlgen/formula", forbidden) == []


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_an_engine_imports_no_other_engine(engine):
    own = ENGINES[engine][0]
    others = [f"xlgen.engines.{module}" for module, _ in ENGINES.values() if module != own]
    imports = imported_modules(ROOT / "xlgen" / "engines" / f"{own}.py")
    assert sorted(target for target in imports if any(within(target, other) for other in others)) == []


def test_the_reference_knows_nothing_of_spreadsheets():
    assert offending("reference", ["xlgen"]) == []
