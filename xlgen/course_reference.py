"""The reference a check compares with: xlgen's own experiments, or a course author's function.

A course author names theirs as ``module:function`` or ``path/to/file.py:function``
(``--reference`` or a spec's ``reference`` key); it takes the parameters as
keyword arguments and returns a DataFrame with one column per quantity.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import XlgenError
from .experiments import reference_table
from .spec import Target


def load_reference(spec: str, base: Path | None = None) -> Callable[..., pd.DataFrame]:
    """``module:function`` or ``path/to/file.py:function`` -> the function (a course author's own reference).

    A file path is relative to ``base`` (the spec's folder) when it is not absolute.
    """
    module_name, _, function_name = spec.rpartition(":")
    if not module_name or not function_name:
        raise XlgenError(f"--reference expects module:function, got {spec!r}")
    try:
        if module_name.endswith(".py"):
            file = Path(module_name)
            if not file.is_absolute() and base is not None:
                file = base / file
            if not file.is_file():
                raise FileNotFoundError(f"no file {file}")
            loader = importlib.util.spec_from_file_location(f"xlgen_reference_{abs(hash(str(file)))}", file)
            module = importlib.util.module_from_spec(loader)
            loader.loader.exec_module(module)
        else:
            module = importlib.import_module(module_name)
    except Exception as error:
        raise XlgenError(f"--reference {spec}: cannot import {module_name!r} ({error})") from None
    function = getattr(module, function_name, None)
    if not callable(function):
        raise XlgenError(f"--reference {spec}: {module_name} has no function {function_name!r}")
    return function


def reference_for(target: Target, params: dict[str, Any]) -> pd.DataFrame:
    """The reference table of ``target`` run with ``params``."""
    if target.reference:
        base = Path(target.source).parent if target.source not in ("manifest", "") else None
        function = load_reference(target.reference, base)
        try:
            table = function(**params)
        except TypeError as error:
            raise XlgenError(f"--reference {target.reference}: {error}") from None
        if not isinstance(table, pd.DataFrame):
            raise XlgenError(f"--reference {target.reference} returned {type(table).__name__}, not a DataFrame")
        return table
    return reference_table(target.experiment, params)
