"""Engines: a workbook in, the values of the requested cells out.

Every engine has the same small interface (:class:`Engine`); the checker does
not know which one it talks to. ``get_engine(name)`` builds one by name.
"""

from __future__ import annotations

from importlib import import_module

from .base import Engine, EngineResult

ENGINES = {  # name: (module, class); a module is imported only when its engine is asked for
    "fast": ("fast", "FastEngine"),
    "formulas": ("formulas_engine", "FormulasEngine"),
    "libreoffice": ("libreoffice", "LibreOfficeEngine"),
    "cached": ("cached", "CachedEngine"),
}


def get_engine(name: str, **options) -> Engine:
    """The engine called ``name``, one of :data:`ENGINES`."""
    from ..errors import XlgenError

    if name not in ENGINES:
        raise XlgenError(f"unknown engine {name!r} (choose {', '.join(ENGINES)})")
    module, cls = ENGINES[name]
    return getattr(import_module(f".{module}", __name__), cls)(**options)


__all__ = ["Engine", "EngineResult", "get_engine", "ENGINES"]
