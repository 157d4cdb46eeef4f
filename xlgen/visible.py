"""Workbook text made safe to show: every character that could steer a terminal or break a report, escaped.

A workbook's text (its file name, sheet names, formulas, strings, manifest
fields, and the error messages quoting them) is written by whoever wrote the
workbook. Shown raw, an ESC sequence recolours or clears the terminal, a
newline forges a "PASS" line, a bidi override shows text in another order than
it is read, and a character XML 1.0 forbids makes a JUnit file unreadable.
:func:`visible` writes each such character as the escape Python would write
(``\\x1b``, ``\\n``, ``\\u202e``), so what is shown is one line of plain
characters, valid in XML 1.0, JSON and HTML.
"""

from __future__ import annotations

import re

# C0 controls (tab, CR and LF included), DEL and C1 controls; the bidi marks, embeddings, overrides and
# isolates; line and paragraph separators; lone surrogates (a file name's undecodable bytes) and U+FFFE/FFFF,
# which XML 1.0 forbids and UTF-8 cannot encode.
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                    "\ud800-\udfff\ufffe\uffff]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: object) -> str:
    """``text`` (or ``str(text)``) with every unsafe character written as its escape: ``"a\\x1b[2J"``."""
    text = text if isinstance(text, str) else str(text)
    return UNSAFE.sub(_escape, text) if UNSAFE.search(text) else text


__all__ = ["UNSAFE", "visible"]
