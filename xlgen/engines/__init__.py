"""Engines: a workbook in, the values of the requested cells out.

Every engine has the same small interface (:class:`Engine`); the checker does
not know which one it talks to. ``get_engine(name)`` builds one by name.
"""

from __future__ import annotations

from .base import Engine, EngineResult


def get_engine(name: str, **options) -> Engine:
    """``fast``, ``formulas``, ``libreoffice`` or ``cached``."""
    from ..errors import XlgenError

    if name == "cached":
        from .cached import CachedEngine

        return CachedEngine(**options)
    if name == "fast":
        from .fast import FastEngine

        return FastEngine(**options)
    if name == "formulas":
        from .formulas_engine import FormulasEngine

        return FormulasEngine(**options)
    if name == "libreoffice":
        from .libreoffice import LibreOfficeEngine

        return LibreOfficeEngine(**options)
    raise XlgenError(f"unknown engine {name!r} (choose fast, formulas, libreoffice or cached)")


ENGINE_NAMES = ("fast", "formulas", "libreoffice", "cached")

__all__ = ["Engine", "EngineResult", "get_engine", "ENGINE_NAMES"]
