"""How Excel stores formula text in a file: the one place xlgen applies Excel's storage rules.

A person types ``=LET(err, B4-E4, err^2)``; Excel saves
``_xlfn.LET(_xlpm.err,B4-E4,_xlpm.err^2)``:

- functions newer than Excel 2007 carry the ``_xlfn.`` prefix (FILTER and
  SORT ``_xlfn._xlws.``), so older Excel versions show ``#NAME?`` instead of a
  wrong number; which functions these are is :mod:`xlgen.formula.excel_functions`;
- the parameters of LET and LAMBDA carry ``_xlpm.``, wherever they are used;
  an optional LAMBDA parameter ``[y]`` is declared ``_xlop.y`` (and used ``_xlpm.y``);
  a sheet name spelled like a parameter (``data!A1``) stays a sheet name;
- the implicit-intersection operator ``@A1:A3`` is ``_xlfn.SINGLE(A1:A3)``
  and a spill reference ``C1#`` is ``_xlfn.ANCHORARRAY(C1)``;
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

from .formula.excel_functions import is_future, stored_name

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
_REFERENCE_PART = re.compile(r"[$A-Za-z0-9_.:]+")  # the tokens an A1 reference is made of
_CELL = re.compile(r"^\$?[A-Za-z]{1,3}\$?[0-9]+$")
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


def _operators(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``C1#`` -> ``_xlfn.ANCHORARRAY(C1)``, ``@x`` -> ``_xlfn.SINGLE(x)``, ``[y]`` after ``(`` or ``,`` -> one token."""
    tokens = list(tokens)
    index = 0
    while index < len(tokens):
        kind, text = tokens[index]
        after = tokens[index + 1][1] if index + 1 < len(tokens) else ""
        if text == "#" and index and tokens[index - 1][0] in ("name", "other"):
            first = index  # the cell before "#" may be several tokens: $, B, $, 2
            while first and _REFERENCE_PART.fullmatch(tokens[first - 1][1]):
                first -= 1
            if _CELL.match("".join(text for _, text in tokens[first:index])):
                start = _sheet_start(tokens, first)
                tokens[index] = ("other", ")")
                tokens[start:start] = [("name", "_xlfn.ANCHORARRAY"), ("other", "(")]
                index += 3
                continue
        if text == "[" and index + 2 < len(tokens) and tokens[index + 1][0] == "name" \
                and tokens[index + 2][1] == "]" and _previous(tokens, index) in ("(", ","):
            tokens[index:index + 3] = [("optional", "[" + tokens[index + 1][1] + "]")]
        index += 1
    index = len(tokens) - 1
    while index >= 0:  # from the right, so that @ of an operand holding @ sees it already rewritten
        operand = tokens[index + 1] if index + 1 < len(tokens) else ("", "")
        if tokens[index][1] == "@" and (operand[0] in ("name", "sheet") or operand[1] == "$") \
                and not (index and tokens[index - 1][1] == "["):  # Table1[@Col] is a structured reference
            end = _operand_end(tokens, index + 1)
            if end is not None:
                tokens[end + 1:end + 1] = [("other", ")")]
                tokens[index:index + 1] = [("name", "_xlfn.SINGLE"), ("other", "(")]
        index -= 1
    return tokens


def _previous(tokens: list[tuple[str, str]], index: int) -> str:
    """The last significant token before ``index`` ("" at the start)."""
    for kind, text in reversed(tokens[:index]):
        if not text.isspace():
            return text
    return ""


def _sheet_start(tokens: list[tuple[str, str]], index: int) -> int:
    """Where the reference whose cell is ``tokens[index]`` begins: at its sheet, if it has one."""
    if index >= 1 and tokens[index - 1][0] == "sheet":
        return index - 1
    if index >= 2 and tokens[index - 1][1] == "!" and tokens[index - 2][0] == "name":
        return index - 2
    return index


def _operand_end(tokens: list[tuple[str, str]], start: int) -> int | None:
    """The last token of the operand starting at ``start``: a reference (``Sheet!A1:B2``) or a call."""
    index = start
    if tokens[index][0] == "sheet":
        index += 1
    elif index + 1 < len(tokens) and tokens[index + 1][1] == "!":
        index += 2
    if index >= len(tokens):
        return None
    if tokens[index][0] == "name" and index + 1 < len(tokens) and tokens[index + 1][1] == "(":
        depth = 0
        for position in range(index + 1, len(tokens)):
            depth += {"(": 1, ")": -1}.get(tokens[position][1], 0) if tokens[position][0] == "other" else 0
            if depth == 0:
                return position
        return None
    end = index - 1
    while end + 1 < len(tokens) and _REFERENCE_PART.fullmatch(tokens[end + 1][1]):
        end += 1
    return end if end >= index else None


def to_file(formula: str) -> str:
    """The formula as Excel stores it: ``_xlfn.`` on newer functions, ``_xlpm.`` on LET/LAMBDA parameters.

    Accepts text with or without a leading ``=`` (kept as given) and text that
    already carries the prefixes (left alone: applying the rule twice changes nothing).
    """
    tokens = _operators([(m.lastgroup, m.group()) for m in _TOKEN.finditer(formula)])
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
            if text == _bare(text) and is_future(function):
                stored = stored_name(function)
            elif text == _bare(text) and declared(text):
                stored = f"_xlpm.{text}"  # a parameter holding a LAMBDA, called
            if top:
                top.started = True
            calls.append(_Call(function))
            opens_call = True
            output.append(stored)
            continue
        if kind == "optional":  # [y]: an optional LAMBDA parameter
            name = text[1:-1]
            if top is not None and top.function == "LAMBDA" and not top.started:
                top.declared.append(name)
                text = f"_xlop.{name}"
            if top:
                top.started = True
            output.append(text)
            continue
        if kind == "name" and following.get(index) == "!":  # a sheet name, even one spelled like a parameter
            if top:
                top.started = True
            output.append(text)
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
            stored_as = text if text.lower().startswith("_xlop.") else f"_xlpm.{name}"  # declared optional
            output.append(stored_as if declaring or declared(name) else text)
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


_PREFIX = re.compile(r"_xlfn\._xlws\.|_xlfn\.|_xlpm\.|_xlop\.", re.IGNORECASE)
_SHOWN_AS_OPERATORS = {"_XLFN.SINGLE": ("@", ""), "_XLFN.ANCHORARRAY": ("", "#")}  # before, after the argument


def to_display(stored: str) -> str:
    """The formula as Excel shows it in the formula bar: the storage prefixes removed, ``@`` and ``#`` back."""
    tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(stored)]
    parts = []
    closers: list[str] = []
    skip_open = False
    for index, (kind, text) in enumerate(tokens):
        if kind == "name":
            operator = _SHOWN_AS_OPERATORS.get(text.upper())
            if operator is not None and index + 1 < len(tokens) and tokens[index + 1][1] == "(":
                parts.append(operator[0])
                closers.append(operator[1])
                skip_open = True
                continue
            if text.lower().startswith("_xlop."):
                parts.append(f"[{text[6:]}]")
                continue
            parts.append(_PREFIX.sub("", text))
        elif text == "(":
            if skip_open:
                skip_open = False
            else:
                closers.append(")")
                parts.append(text)
        elif text == ")" and closers:
            parts.append(closers.pop())
        else:
            parts.append(text)
    return "".join(parts)


def check_names(stored: str) -> None:
    """Refuse LET/LAMBDA parameters Excel would reject: names that read as cells (``lr1``) or R/C."""
    for name in re.findall(r"_xlpm\.([A-Za-z0-9_.]+)", stored):
        if not is_valid_parameter_name(name):
            raise ValueError(f"{name!r} is not a valid LET/LAMBDA name in Excel (it reads as a cell): {stored}")


def dedent_formula(template: str) -> str:
    """A formula written over several indented lines in Python, as Excel's formula bar will show it."""
    text = textwrap.dedent(template).strip()
    return text if text.startswith("=") else "=" + text
