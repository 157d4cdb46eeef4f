"""Text as worksheet XML holds it: XML's predefined entities, XML newlines, and OOXML's ``_xHHHH_`` escapes."""

from __future__ import annotations

import re

from ..errors import XlgenError

_ENTITY = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#([0-9]+)|#x([0-9A-Fa-f]+));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def xml_unescape(text: str) -> str:
    """XML's predefined entities and character references; anything else is an error (no DTD, no entities)."""
    if "&" not in text:
        return text
    if "&" in _ENTITY.sub("", text):
        raise XlgenError(f"undefined XML entity in {text[:60]!r}")

    def replace(match: re.Match) -> str:
        named, decimal, hexadecimal = match.groups()
        if named:
            return _NAMED[named]
        return chr(int(decimal) if decimal else int(hexadecimal, 16))

    return _ENTITY.sub(replace, text)


def normalize_newlines(text: str) -> str:
    """XML reads CR LF and lone CR as LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def ooxml_unescape(text: str) -> str:
    """``_x000D_`` and friends: how OOXML writes characters XML cannot hold."""
    return _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text
