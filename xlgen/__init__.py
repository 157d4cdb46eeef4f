"""xlgen: formula-driven Excel workbooks for SGD, momentum and weight decay, checked against a numpy reference.

The Python API has the command line's verbs: :func:`reference`, :func:`build`,
:func:`check` and :func:`explain` (see :mod:`xlgen.api`).
"""

from __future__ import annotations

__version__ = "0.1.0"

_API = ("CheckResult", "build", "check", "explain", "reference")


def __getattr__(name: str):
    # The API (and pandas with it) is imported on first use, so that `xlgen list` starts fast.
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'xlgen' has no attribute {name!r}")


__all__ = ["CheckResult", "build", "check", "explain", "reference", "__version__"]
