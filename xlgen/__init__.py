"""xlgen: formula-driven Excel workbooks for SGD, momentum and weight decay, checked against a numpy reference.

The Python API has the command line's verbs: :func:`reference`, :func:`build`
and :func:`check` (see :mod:`xlgen.api`).
"""

from __future__ import annotations

__version__ = "0.1.0"

from .api import CheckResult, build, check, reference  # noqa: E402

__all__ = ["CheckResult", "build", "check", "reference", "__version__"]
