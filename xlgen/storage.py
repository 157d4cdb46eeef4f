"""How Excel stores formula text in a file: the one place xlgen applies Excel's storage rules.

A person types ``=LET(err, B4-E4, err^2)``; Excel saves
``_xlfn.LET(_xlpm.err,B4-E4,_xlpm.err^2)``:

- functions newer than Excel 2007 carry the ``_xlfn.`` prefix (FILTER, SORT
  and a few others ``_xlfn._xlws.``), so older Excel versions show ``#NAME?``
  instead of a wrong number;
- the parameters of LET and LAMBDA carry ``_xlpm.``, wherever they are used;
- calls to LAMBDA defined names are stored as written (``SGD_STEP(D4,lr,K4)``),
  and a LAMBDA defined name's text is ``_xlfn.LAMBDA(_xlpm.p,…)``.

XlsxWriter applies part of these rules itself, openpyxl none; xlgen applies
all of them here, before any writer sees the text, so the rules do not depend
on the writer (see the README's design section). Whitespace and line breaks
are kept exactly: Excel keeps them too, and they make long LET and LAMBDA
formulas readable in the formula bar.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

# Functions added after Excel 2007 that xlgen writes or reads, as Excel stores them.
FUTURE_FUNCTIONS: dict[str, str] = {
    name: f"_xlfn.{name}"
    for name in (
        "LET", "LAMBDA", "MAP", "REDUCE", "SCAN", "MAKEARRAY", "BYROW", "BYCOL", "ISOMITTED",
        "SEQUENCE", "XLOOKUP", "XMATCH", "UNIQUE", "SORTBY", "RANDARRAY", "HSTACK", "VSTACK",
        "TAKE", "DROP", "CHOOSEROWS", "CHOOSECOLS", "TOCOL", "TOROW", "WRAPROWS", "WRAPCOLS",
        "EXPAND", "TEXTSPLIT", "TEXTBEFORE", "TEXTAFTER", "IFS", "SWITCH", "MAXIFS", "MINIFS",
        "CONCAT", "TEXTJOIN", "XOR", "IFNA", "STDEV.S", "STDEV.P", "VAR.S", "VAR.P", "SINGLE",
        "ANCHORARRAY",
    )
}
FUTURE_FUNCTIONS.update({"FILTER": "_xlfn._xlws.FILTER", "SORT": "_xlfn._xlws.SORT"})
BINDING_FUNCTIONS = ("LET", "LAMBDA")

_TOKEN = re.compile(
    r"""
    (?P<string>"(?:[^"]|"")*")                       # "text" with "" escapes
  | (?P<sheet>'(?:[^']|'')*'!)                        # 'quoted sheet'!
  | (?P<name>[A-Za-z_\\][A-Za-z0-9_.\\]*)             # a name, function, cell or prefix
  | (?P<other>.)                                      # anything else, one character at a time
    """,
    re.VERBOSE | re.DOTALL,
)
_CELL_LIKE = re.compile(r"^\$?[A-Za-z]{1,3}\$?[0-9]+$|^[RrCc]$|^[Rr][0-9]*[Cc][0-9]*$")


def is_valid_parameter_name(name: str) -> bool:
    """A LET/LAMBDA parameter or defined name Excel accepts: not a cell (``ADD2``, ``LR1``) nor R/C."""
    return bool(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name)) and not _CELL_LIKE.match(name)


@dataclass
class _Call:
    """An open parenthesis: a function call (``LET``) or a grouping/inline-call parenthesis (``(``)."""

    function: str
    argument: int = 0
    started: bool = False  # has the current argument begun (a significant token seen)?
    declared: list[str] = field(default_factory=list)


def _bare(name: str) -> str:
    """``_xlfn._xlws.SORT`` -> ``SORT``; ``_xlpm.x`` -> ``x``."""
    return _PREFIX.sub("", name)


def to_file(formula: str) -> str:
    """The formula as Excel stores it: ``_xlfn.`` on newer functions, ``_xlpm.`` on LET/LAMBDA parameters.

    Accepts text with or without a leading ``=`` (kept as given) and text that
    already carries the prefixes (left alone: applying the rule twice changes nothing).
    """
    tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(formula)]
    significant = [i for i, (_, text) in enumerate(tokens) if not text.isspace()]
    following = {a: tokens[b][1] for a, b in zip(significant, significant[1:])}
    calls: list[_Call] = []
    output: list[str] = []
    opens_call = False

    def declared(name: str) -> bool:
        folded = name.casefold()
        return any(folded == d.casefold() for call in calls for d in call.declared)

    for index, (kind, text) in enumerate(tokens):
        top = calls[-1] if calls else None
        if text.isspace():
            output.append(text)
            continue
        if kind == "name" and following.get(index) == "(":
            function = _bare(text).upper()
            stored = text
            if text == _bare(text) and function in FUTURE_FUNCTIONS:
                stored = FUTURE_FUNCTIONS[function]
            elif text == _bare(text) and declared(text):
                stored = f"_xlpm.{text}"  # a parameter holding a LAMBDA, called
            if top:
                top.started = True
            calls.append(_Call(function))
            opens_call = True
            output.append(stored)
            continue
        if kind == "name":
            name = _bare(text)
            declaring = (
                top is not None
                and top.function in BINDING_FUNCTIONS
                and not top.started
                and following.get(index) == ","
                and (top.function == "LAMBDA" or top.argument % 2 == 0)
            )
            if declaring:
                top.declared.append(name)
            if top:
                top.started = True
            output.append(f"_xlpm.{name}" if declaring or declared(name) else text)
            continue
        if text == "(":
            if opens_call:
                opens_call = False  # the "(" of the function whose frame was pushed with its name
            else:  # a grouping parenthesis, or the argument list of an inline LAMBDA call
                if top:
                    top.started = True
                calls.append(_Call("("))
            output.append(text)
            continue
        if text == ")":
            if calls:
                calls.pop()
            output.append(text)
            continue
        if text == "," and top:
            top.argument += 1
            top.started = False
            output.append(text)
            continue
        if top:
            top.started = True
        output.append(text)
    return "".join(output)


_PREFIX = re.compile(r"_xlfn\._xlws\.|_xlfn\.|_xlpm\.", re.IGNORECASE)


def to_display(stored: str) -> str:
    """The formula as Excel shows it in the formula bar: the storage prefixes removed."""
    parts = []
    for match in _TOKEN.finditer(stored):
        text = match.group()
        parts.append(_PREFIX.sub("", text) if match.lastgroup == "name" else text)
    return "".join(parts)


def dedent_formula(template: str) -> str:
    """A formula written over several indented lines in Python, as Excel's formula bar will show it."""
    text = textwrap.dedent(template).strip()
    return text if text.startswith("=") else "=" + text
