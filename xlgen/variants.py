"""The forms every workbook is built in: plain formulas, LET, and calls of the LAMBDA names."""

from __future__ import annotations

from .errors import XlgenError

VARIANTS = ("plain", "let", "lambda")


def known_variant(variant: str) -> str:
    """``variant`` itself, or a one-line error naming the choices."""
    if variant not in VARIANTS:
        raise XlgenError(f"unknown variant {variant!r} (choose {', '.join(VARIANTS)} or all)")
    return variant
