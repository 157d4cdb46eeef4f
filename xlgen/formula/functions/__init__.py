"""Excel's worksheet functions, by name.

Each function is a Python callable ``function(context, args)`` taking its
arguments already evaluated (a reference stays a :class:`~..operands.Ref`, so
that ``ROW(A3)`` and ``SUM(A1:A9)`` see it) and returning a value. IF, IFERROR,
LET, LAMBDA and the other functions that must not evaluate all their
arguments are part of the interpreter (:mod:`xlgen.formula.interpreter`).

:data:`REFUSED` lists functions the engine deliberately does not evaluate:
their results cannot be checked reproducibly (``RAND``, ``NOW``) or they reach
outside the workbook (``INDIRECT``, ``WEBSERVICE``). Any function missing
from :data:`FUNCTIONS` is unsupported as well; a formula using one evaluates
to :class:`~xlgen.values.Unsupported`, never to a guessed number.
"""

from __future__ import annotations

from .registry import FUNCTIONS, REFUSED, Function

# Importing the modules fills the registry.
from . import aggregate, dynamic, logic, lookup, numeric  # noqa: E402,F401

__all__ = ["FUNCTIONS", "REFUSED", "Function"]
