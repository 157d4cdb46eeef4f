"""Formula text -> syntax tree (:mod:`xlgen.formula.nodes`), with Excel's operator precedence.

Tokens come from openpyxl's :class:`~openpyxl.formula.tokenizer.Tokenizer` (see :mod:`.tokenizer`),
which knows Excel's quoting rules (strings, quoted sheet names, error
literals, array constants). This module adds what it leaves out:

- whitespace: tabs and carriage returns count as spaces (the tokenizer only
  knows spaces and newlines), spaces between operands are Excel's
  intersection operator and are otherwise ignored, so formulas laid out over
  several lines parse;
- numbers like ``12E+3`` that the tokenizer splits in two;
- a tree built by precedence climbing, highest first: ``:`` (range), space
  (intersection), ``,`` (union, inside parentheses), prefix ``-``/``+``,
  postfix ``%``, ``^``, ``*`` ``/``, ``+`` ``-``, ``&``, comparisons.
  Prefix minus binds tighter than ``^`` (``-2^2`` is 4) and ``^`` is
  left-associative (``2^3^2`` is 64), as in Excel;
- references, stored relative to the formula's cell (see :mod:`.nodes`);
- calls of expressions, ``LAMBDA(x,x+1)(2)``.

Formulas are parsed once per distinct R1C1 shape, so this module favours
clarity over speed.
"""

from __future__ import annotations

import re

from ..cells import MAX_COLUMNS, MAX_ROWS, column_index
from ..errors import XlgenError
from ..values import as_error
from . import nodes as n
from .tokenizer import Tokenizer, TokenizerError

MAX_FORMULA_LENGTH = 8192
"""Excel's limit on the length of a formula's text, in characters."""

# Prefixes Excel adds to newer functions and to LET/LAMBDA parameters when it saves a file.
_FUNCTION_PREFIXES = ("_xlfn.", "_xlws.", "_xludf.")
_PARAMETER_PREFIX = "_xlpm."
_OPTIONAL_PREFIX = "_xlop."

_QUOTED_OR_SPACE = re.compile(r"\"(?:[^\"]|\"\")*\"|'(?:[^']|'')*'|[\t\r\n]")
_SPLIT_EXPONENT = re.compile(r"^(?:[0-9]+\.?[0-9]*|\.[0-9]+)[Ee]$")

_SHEET = r"(?:'(?:[^']|'')+'|[^'!\[\]:]+)"
_CELL = r"\$?[A-Za-z]{1,3}\$?[0-9]+"
_COLUMN = r"\$?[A-Za-z]{1,3}"
_ROW = r"\$?[0-9]+"
_REFERENCE = re.compile(
    rf"^(?:(?P<sheet>{_SHEET})!)?(?:(?P<cell>{_CELL})(?::(?:(?P<sheet2>{_SHEET})!)?(?P<cell2>{_CELL}))?"
    rf"|(?P<col>{_COLUMN}):(?P<col2>{_COLUMN})|(?P<row>{_ROW}):(?P<row2>{_ROW}))$"
)
_CELL_PARTS = re.compile(r"^(\$?)([A-Za-z]{1,3})(\$?)([0-9]+)$")
_NAME = re.compile(r"^(?:(?P<sheet>" + _SHEET + r")!)?(?P<name>[A-Za-z_\\][A-Za-z0-9_.\\?]*)$")

# Binding powers: the higher, the tighter an operator binds.
_INFIX = {
    "=": 10, "<>": 10, "<": 10, ">": 10, "<=": 10, ">=": 10,
    "&": 20,
    "+": 30, "-": 30,
    "*": 40, "/": 40,
    "^": 50,
    ",": 80, " ": 85, ":": 90,
}
_POSTFIX = 60  # %
_PREFIX = 70  # - and +
_CALL = 100  # expr(args)


BARE_CELL = re.compile(r"\$?[A-Z]{1,3}\$?[0-9]{1,7}")
"""A formula that is one cell reference (``C11``), read without the tokenizer."""


class FormulaSyntaxError(XlgenError):
    """The formula text is not a formula this parser understands."""


def parse(text: str, row: int = 1, column: int = 1) -> n.Node:
    """The tree of ``text`` (as stored in the file, with or without ``=``) written in cell (``row``, ``column``)."""
    if len(text) > MAX_FORMULA_LENGTH:
        raise FormulaSyntaxError(f"formula longer than Excel's {MAX_FORMULA_LENGTH} characters")
    text = text[1:] if text.startswith("=") else text
    if BARE_CELL.fullmatch(text):
        # A bare cell reference (an epoch's copy of the first epoch's data, thousands of them) is the one
        # operand the tokenizer would give: read it as the parser reads an operand.
        return _Parser([], row, column, text).reference(text)
    tokens = _tokens(text)
    parser = _Parser(tokens, row, column, text)
    tree = parser.expression(0)
    if parser.position != len(tokens):
        raise FormulaSyntaxError(f"unexpected {tokens[parser.position][1]!r} in {text!r}")
    return tree


def function_name(raw: str) -> str:
    """``_xlfn._xlws.SORT`` -> ``SORT``: the name Excel shows, upper-case."""
    name = raw.upper()
    changed = True
    while changed:
        changed = False
        for prefix in _FUNCTION_PREFIXES:
            if name.startswith(prefix.upper()):
                name, changed = name[len(prefix):], True
    return name


def name_key(raw: str) -> str:
    """``_xlpm.Err`` -> ``err``: how names are compared (case-insensitive, without Excel's parameter prefix)."""
    key = raw.casefold()
    return key[len(_PARAMETER_PREFIX):] if key.startswith(_PARAMETER_PREFIX) else key


def parameter_key(key: str) -> tuple[str, bool]:
    """A LAMBDA parameter's name key and whether it is optional: Excel stores ``[y]`` as ``_xlop.y``."""
    return (key[len(_OPTIONAL_PREFIX):], True) if key.startswith(_OPTIONAL_PREFIX) else (key, False)


def spellings(text: str) -> dict[str, str]:
    """How ``text`` writes its names, for showing them: key -> the first spelling, without Excel's prefixes
    (``_xlpm.Err`` -> ``Err``, ``_xlop.n`` -> ``n``). The tree keeps only case-folded keys."""
    found: dict[str, str] = {}
    for kind, value in _tokens(text[1:] if text.startswith("=") else text):
        if kind == "func":
            value = value.rpartition(":")[2]
            key = name_key(function_name(value))
        elif kind == "ref" and _NAME.match(value) and not _REFERENCE.match(value) and "!" not in value:
            key = parameter_key(name_key(value))[0]
        else:
            continue
        shown = value
        for prefix in (*_FUNCTION_PREFIXES, _PARAMETER_PREFIX, _OPTIONAL_PREFIX):
            if shown.lower().startswith(prefix):
                shown = shown[len(prefix):]
        found.setdefault(key, shown)
    return found


def _tokens(text: str) -> list[tuple[str, object]]:
    """(kind, value) pairs: num, text, bool, error, ref, func, open, close, comma, semicolon,
    array_open, array_close, prefix, infix, postfix, space."""
    # Tabs and carriage returns outside quotes become spaces, which the tokenizer understands.
    text = _QUOTED_OR_SPACE.sub(lambda m: " " if len(m.group()) == 1 else m.group(), text)
    try:
        raw = Tokenizer("=" + text).items
    except TokenizerError as error:
        raise FormulaSyntaxError(str(error)) from None
    tokens: list[tuple[str, object]] = []
    index = 0
    while index < len(raw):
        token = raw[index]
        kind, subtype, value = token.type, token.subtype, token.value
        if kind == "OPERAND" and subtype == "RANGE" and _SPLIT_EXPONENT.match(value):
            # "12E", "+", "3": one number the tokenizer split in two.
            if index + 2 < len(raw) and raw[index + 1].value in "+-" and raw[index + 2].subtype == "NUMBER":
                tokens.append(("num", float(value + raw[index + 1].value + raw[index + 2].value)))
                index += 3
                continue
        index += 1
        if kind == "OPERAND":
            if subtype == "NUMBER":
                number = float(value)
                if number - number != 0.0:
                    raise FormulaSyntaxError(f"number {value} is beyond Excel's range")
                tokens.append(("num", number))
            elif subtype == "TEXT":
                tokens.append(("text", value[1:-1].replace('""', '"')))
            elif subtype == "LOGICAL":
                tokens.append(("bool", value.upper() == "TRUE"))
            elif subtype == "ERROR":
                tokens.append(("error", as_error(value.upper())))
            elif value.startswith(":") and len(value) > 1:
                tokens += [("infix", ":"), ("ref", value[1:])]  # INDEX(...):B4, the tokenizer keeps ":" on B4
            else:
                tokens.append(("ref", value))
        elif kind == "FUNC":
            if subtype == "OPEN":
                name = value[:-1]
                if ":" in name:  # "A1:INDEX(" is a range whose end is a function call
                    left, _, name = name.rpartition(":")
                    tokens += [("ref", left), ("infix", ":")]
                tokens.append(("func", name))
            else:
                tokens.append(("close", ")"))
        elif kind == "PAREN":
            tokens.append(("open", "(") if subtype == "OPEN" else ("close", ")"))
        elif kind == "ARRAY":
            tokens.append(("array_open", "{") if subtype == "OPEN" else ("array_close", "}"))
        elif kind == "SEP":
            tokens.append(("comma", ",") if value == "," else ("semicolon", ";"))
        elif kind == "OPERATOR-INFIX":
            tokens.append(("comma", ",") if value == "," else ("infix", value))
        elif kind == "OPERATOR-PREFIX":
            tokens.append(("prefix", value))
        elif kind == "OPERATOR-POSTFIX":
            tokens.append(("postfix", value))
        elif kind == "WHITE-SPACE":
            tokens.append(("space", " "))
        else:
            raise FormulaSyntaxError(f"unexpected token {value!r} in {text!r}")
    return _intersections(tokens)


def _intersections(tokens: list[tuple[str, object]]) -> list[tuple[str, object]]:
    """Keep a space only between two references (Excel's intersection operator); drop other spaces."""
    kept: list[tuple[str, object]] = []
    for index, token in enumerate(tokens):
        if token[0] != "space":
            kept.append(token)
            continue
        before = kept[-1][0] if kept else None
        after = tokens[index + 1][0] if index + 1 < len(tokens) else None
        if before in ("ref", "close") and after in ("ref", "open", "func"):
            kept.append(("infix", " "))
    return kept


class _Parser:
    def __init__(self, tokens: list[tuple[str, object]], row: int, column: int, text: str):
        self.tokens = tokens
        self.position = 0
        self.row = row
        self.column = column
        self.text = text

    def peek(self) -> tuple[str, object]:
        return self.tokens[self.position] if self.position < len(self.tokens) else ("end", None)

    def take(self, kind: str) -> object:
        token = self.peek()
        if token[0] != kind:
            raise FormulaSyntaxError(f"expected {kind} but found {token[1]!r} in {self.text!r}")
        self.position += 1
        return token[1]

    def expression(self, right_power: int, union: bool = False) -> n.Node:
        """Precedence climbing: an operand, then every operator binding tighter than ``right_power``."""
        left = self.operand(union)
        while True:
            kind, value = self.peek()
            if kind == "infix" and _INFIX[value] > right_power:
                self.position += 1
                left = n.Binary(value, left, self.expression(_INFIX[value], union))
            elif kind == "comma" and union and _INFIX[","] > right_power:
                self.position += 1
                left = n.Binary(",", left, self.expression(_INFIX[","], union))
            elif kind == "postfix" and _POSTFIX > right_power:
                self.position += 1
                left = n.Unary("%", left)
            elif kind == "open" and _CALL > right_power and isinstance(left, (n.Call, n.Invoke, n.Name)):
                self.position += 1
                left = n.Invoke(left, self.arguments())
            else:
                return left

    def operand(self, union: bool) -> n.Node:
        kind, value = self.peek()
        self.position += 1
        if kind == "num":
            return n.Number(value)
        if kind == "text":
            return n.Text(value)
        if kind == "bool":
            return n.Logical(value)
        if kind == "error":
            return n.BadReference() if value == "#REF!" else n.Error(value)
        if kind == "ref":
            return self.reference(value)
        if kind == "prefix":
            return n.Unary(value, self.expression(_PREFIX, union))
        if kind == "open":
            inner = self.expression(0, union=True)
            self.take("close")
            return inner
        if kind == "func":
            return n.Call(function_name(value), self.arguments())
        if kind == "array_open":
            return self.array()
        if kind in ("comma", "close", "semicolon", "end"):
            self.position -= 1
            return n.Missing()
        raise FormulaSyntaxError(f"unexpected {value!r} in {self.text!r}")

    def arguments(self) -> tuple[n.Node, ...]:
        """Arguments up to the closing parenthesis (already past the opening one)."""
        args: list[n.Node] = []
        if self.peek()[0] == "close":
            self.position += 1
            return ()
        while True:
            args.append(self.expression(0))
            kind, value = self.peek()
            self.position += 1
            if kind == "close":
                return tuple(args)
            if kind != "comma":
                raise FormulaSyntaxError(f"expected , or ) but found {value!r} in {self.text!r}")

    def array(self) -> n.ArrayConstant:
        rows: list[list[object]] = [[]]
        while True:
            sign = 1.0
            while self.peek()[0] == "prefix":
                sign = -sign if self.take("prefix") == "-" else sign
            kind, value = self.peek()
            self.position += 1
            if kind == "num":
                rows[-1].append(sign * value)
            elif kind in ("text", "bool", "error") and sign == 1.0:
                rows[-1].append(value)
            else:
                raise FormulaSyntaxError(f"unexpected {value!r} in an array constant in {self.text!r}")
            kind, value = self.peek()
            self.position += 1
            if kind == "array_close":
                break
            if kind == "semicolon":
                rows.append([])
            elif kind != "comma":
                raise FormulaSyntaxError(f"unexpected {value!r} in an array constant in {self.text!r}")
        if len({len(row) for row in rows}) != 1:
            raise FormulaSyntaxError(f"ragged array constant in {self.text!r}")
        return n.ArrayConstant(tuple(tuple(row) for row in rows))

    def reference(self, text: str) -> n.Node:
        if text.startswith("[") or "]" in text.partition("!")[0].replace("''", ""):
            return n.Refused(f"external workbook reference {text}")
        if text.endswith("#REF!"):
            return n.BadReference()
        if ":" in _first_sheet(text):  # sheet names cannot hold ":", so Sheet1:Sheet3!A1 spans sheets
            return n.Refused(f"3-D reference {text}")
        match = _REFERENCE.match(text)
        if match is None:
            named = _NAME.match(text)
            if named is None:
                raise FormulaSyntaxError(f"cannot read the reference {text!r}")
            sheet = _sheet_name(named.group("sheet"))
            if sheet is not None and ":" in sheet:
                return n.Refused(f"3-D reference {text}")
            return _name(named.group("name"), sheet)
        sheet = _sheet_name(match.group("sheet"))
        sheet2 = _sheet_name(match.group("sheet2"))
        if sheet2 is not None and (sheet is None or sheet2.casefold() != sheet.casefold()):
            return n.Refused(f"reference spanning sheets {text}")
        if match.group("cell"):
            first = self.cell(match.group("cell"))
            if first is None:
                return self.name_or_bad(text, sheet)
            if not match.group("cell2"):
                return n.Cell(sheet, first.row, first.column, first.row_absolute, first.column_absolute)
            last = self.cell(match.group("cell2"))
            if last is None:
                return n.BadReference()
            return n.Area(sheet, first, last)
        if match.group("col"):
            first_column, first_absolute = self.axis(match.group("col"), self.column, letters=True)
            last_column, last_absolute = self.axis(match.group("col2"), self.column, letters=True)
            if first_column is None or last_column is None:
                return self.name_or_bad(text, sheet)
            return n.Area(sheet, n.Cell(None, 1, first_column, True, first_absolute),
                          n.Cell(None, MAX_ROWS, last_column, True, last_absolute))
        first_row, first_absolute = self.axis(match.group("row"), self.row, letters=False)
        last_row, last_absolute = self.axis(match.group("row2"), self.row, letters=False)
        if first_row is None or last_row is None:
            return n.BadReference()
        return n.Area(sheet, n.Cell(None, first_row, 1, first_absolute, True),
                      n.Cell(None, last_row, MAX_COLUMNS, last_absolute, True))

    def name_or_bad(self, text: str, sheet: str | None) -> n.Node:
        """A cell-like text outside the grid (``ABCD1`` has too many letters to be a cell) is a name."""
        named = _NAME.match(text)
        return _name(named.group("name"), sheet) if named else n.BadReference()

    def cell(self, text: str) -> n.Cell | None:
        dollar_column, letters, dollar_row, digits = _CELL_PARTS.match(text).groups()
        column, row = column_index(letters), int(digits)
        if not (1 <= row <= MAX_ROWS and 1 <= column <= MAX_COLUMNS):
            return None
        return n.Cell(
            None,
            row if dollar_row else row - self.row,
            column if dollar_column else column - self.column,
            bool(dollar_row),
            bool(dollar_column),
        )

    @staticmethod
    def axis(text: str, origin: int, letters: bool) -> tuple[int | None, bool]:
        absolute = text.startswith("$")
        body = text.lstrip("$")
        number = column_index(body) if letters else int(body)
        if not 1 <= number <= (MAX_COLUMNS if letters else MAX_ROWS):
            return None, absolute
        return (number if absolute else number - origin), absolute


def _name(raw: str, sheet: str | None) -> n.Name:
    key = name_key(raw)
    written = raw[len(_PARAMETER_PREFIX):] if raw.casefold().startswith(_PARAMETER_PREFIX) else raw
    return n.Name(key, sheet, None if written == key else written)


def _first_sheet(text: str) -> str:
    """The sheet part before the first ``!`` of a reference (quotes respected), or ``""``."""
    if text.startswith("'"):
        match = re.match(r"'(?:[^']|'')*'", text)
        return match.group() if match and text[match.end():match.end() + 1] == "!" else ""
    head, bang, _ = text.partition("!")
    return head if bang else ""


def _sheet_name(text: str | None) -> str | None:
    if text is None:
        return None
    if text.startswith("'") and text.endswith("'"):
        return text[1:-1].replace("''", "'")
    return text
