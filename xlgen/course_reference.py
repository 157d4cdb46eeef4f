"""The reference a check compares with: xlgen's own experiments, or a course author's function.

A course author names theirs as ``module:function`` or ``path/to/file.py:function``
(``--reference`` or a spec's ``reference`` key); it takes the parameters as
keyword arguments and returns a DataFrame with one column per quantity.

A course author's module is imported and called in a child process (forked,
where the system can), so nothing it does decides the verdict: ``sys.exit(0)``,
``os._exit``, a crash or a hang ends in one line and exit code 2, a hang after
``TIME_LIMIT`` seconds. What it prints goes to standard error, so a report on
standard output stays whole.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import pickle
import selectors
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import XlgenError
from .experiments import reference_columns
from .spec import Target

if TYPE_CHECKING:
    import pandas as pd
    from reference.registry import Table


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


TIME_LIMIT = 60.0  # seconds for a course author's reference to import and return its table


def reference_for(target: Target, params: dict[str, Any], workbook: Path | None = None) -> pd.DataFrame | Table:
    """The reference table of ``target`` run with ``params`` (for ``workbook``, which a failure names); xlgen's
    own comes as plain columns, without pandas."""
    if target.reference:
        base = Path(target.source).parent if target.source not in ("manifest", "") else None
        try:
            if not hasattr(os, "fork"):  # no cheap child process here: in this process, its exits caught
                return _course_table(target.reference, base, params)
            return _in_child(target.reference, base, params)
        except XlgenError as error:
            if workbook is None:
                raise
            raise XlgenError(f"{workbook}: {error}") from None
    return reference_columns(target.experiment, params)


def _course_table(spec: str, base: Path | None, params: dict[str, Any]) -> pd.DataFrame:
    """Import and call the course author's function; any way it fails, ``sys.exit`` included, is an XlgenError."""
    try:
        function = load_reference(spec, base)
        table = function(**params)
    except XlgenError:
        raise
    except TypeError as error:
        raise XlgenError(f"--reference {spec}: {error}") from None
    except SystemExit as error:
        raise XlgenError(f"--reference {spec} called sys.exit({error.code!r}) instead of returning a table") from None
    except BaseException as error:  # a KeyboardInterrupt of its own too: the function does not end the check
        raise XlgenError(f"--reference {spec} failed: {type(error).__name__}: {error}") from None
    import pandas as pd  # here, not at import: xlgen's own reference needs none; the author's module imported it

    if not isinstance(table, pd.DataFrame):
        raise XlgenError(f"--reference {spec} returned {type(table).__name__}, not a DataFrame")
    return table


def _in_child(spec: str, base: Path | None, params: dict[str, Any]) -> pd.DataFrame:
    """:func:`_course_table` in a forked child, within ``TIME_LIMIT`` seconds; its answer comes back pickled."""
    from .engines.processes import _die_with_parent_hook

    die_with_parent = _die_with_parent_hook()
    sys.stdout.flush()  # or the child would write the parent's pending output a second time
    sys.stderr.flush()
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's coverage is not collected
        try:
            os.close(reading)
            # Signals end it at once (xlgen's own handlers are for xlgen); it dies with xlgen.
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            if die_with_parent:
                die_with_parent()
            os.dup2(2, 1)  # what it prints is not the report's
            sys.stdout = sys.stderr
            try:
                answer: tuple[str, Any] = ("table", _course_table(spec, base, params))
            except XlgenError as error:
                answer = ("error", str(error))
            try:
                data = pickle.dumps(answer)
            except BaseException as error:
                data = pickle.dumps(("error", f"--reference {spec} returned a table that cannot be passed back "
                                              f"({type(error).__name__}: {error})"))
            with os.fdopen(writing, "wb") as stream:
                stream.write(data)
            sys.stderr.flush()
        finally:
            os._exit(0)
    os.close(writing)
    try:
        data = _read_until(reading, time.monotonic() + TIME_LIMIT)
    finally:
        os.close(reading)
        status = _stop(child)
    if data is None:
        raise XlgenError(f"--reference {spec} returned no table within {TIME_LIMIT:g} s; it was stopped")
    if not data:
        ended = (f"killed by signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
                 else f"exit code {os.waitstatus_to_exitcode(status)}")
        raise XlgenError(f"--reference {spec} stopped without returning a table ({ended})")
    try:
        kind, payload = pickle.loads(data)
    except Exception:  # cut short: it was killed while it wrote
        raise XlgenError(f"--reference {spec} stopped before its table was passed back") from None
    if kind == "error":
        raise XlgenError(payload)
    return payload


def _read_until(descriptor: int, deadline: float) -> bytes | None:
    """Everything written to ``descriptor`` until its end, or None if the deadline passes first."""
    chunks = []
    with selectors.DefaultSelector() as selector:
        selector.register(descriptor, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                return None
            chunk = os.read(descriptor, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def _stop(child: int) -> int:
    """Kill the child if it still runs, reap it, and give its wait status."""
    finished, status = os.waitpid(child, os.WNOHANG)
    if not finished:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
        _, status = os.waitpid(child, 0)
    return status
