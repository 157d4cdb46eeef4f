"""The parser: Excel's precedence, references stored relative to the cell, and formulas as files store them."""

from __future__ import annotations

import pytest

from xlgen.formula import nodes as n
from xlgen.formula.parser import MAX_FORMULA_LENGTH, FormulaSyntaxError, function_name, name_key, parse


def num(value: float) -> n.Number:
    return n.Number(float(value))


def test_unary_minus_binds_tighter_than_power():
    assert parse("-2^2") == n.Binary("^", n.Unary("-", num(2)), num(2))


def test_power_is_left_associative():
    assert parse("2^3^2") == n.Binary("^", n.Binary("^", num(2), num(3)), num(2))


def test_precedence_ladder():
    # 1+2*3^2&"x"=TRUE  ->  ((1 + (2 * (3^2))) & "x") = TRUE
    tree = parse('1+2*3^2&"x"=TRUE')
    assert tree == n.Binary("=", n.Binary("&", n.Binary("+", num(1), n.Binary("*", num(2), n.Binary("^", num(3), num(2)))),
                                          n.Text("x")), n.Logical(True))


def test_percent_is_postfix_and_binds_tighter_than_power():
    assert parse("2^50%") == n.Binary("^", num(2), n.Unary("%", num(50)))


def test_references_are_relative_to_the_formula_cell():
    tree = parse("C5+$D$5*A$4+$B3", row=5, column=5)
    cells = [node for node in n.walk(tree) if type(node) is n.Cell]
    assert cells == [
        n.Cell(None, 0, -2, False, False),
        n.Cell(None, 5, 4, True, True),
        n.Cell(None, 4, -4, True, False),
        n.Cell(None, -2, 2, False, True),
    ]


def test_a_filled_down_formula_has_one_tree():
    assert parse("(B4-E4)^2", 4, 6) == parse("(B5-E5)^2", 5, 6) == parse("(B100003-E100003)^2", 100003, 6)


def test_sheet_names_quoted_and_plain():
    assert parse("'my sheet'!A1", 1, 1) == n.Cell("my sheet", 0, 0, False, False)
    assert parse("'O''Neil'!$A$1") == n.Cell("O'Neil", 1, 1, True, True)
    area = parse("Sheet2!$B$3:C4", 1, 1)
    assert area == n.Area("Sheet2", n.Cell(None, 3, 2, True, True), n.Cell(None, 3, 2, False, False))


def test_whole_columns_and_rows():
    column = parse("SUM(A:A)", 1, 2).args[0]
    assert column.first == n.Cell(None, 1, -1, True, False) and column.last.row == 1048576
    row = parse("SUM($1:$1)").args[0]
    assert row.first == n.Cell(None, 1, 1, True, True) and row.last.column == 16384


def test_stored_prefixes_are_removed():
    tree = parse("_xlfn.LET(_xlpm.err,B4-E4,_xlpm.err^2)", 4, 6)
    assert tree.name == "LET"
    assert tree.args[0] == n.Name("err")
    assert function_name("_xlfn._xlws.SORT") == "SORT"
    assert name_key("_xlpm.Err") == "err"


def test_formula_over_several_lines():
    text = "_xlfn.LET(\r\n\t_xlpm.b1, C5+0.01,\n    _xlpm.err, (_xlpm.b1+A5*D5)-B5,\n    _xlpm.err^2\n)"
    one_line = "_xlfn.LET(_xlpm.b1,C5+0.01,_xlpm.err,(_xlpm.b1+A5*D5)-B5,_xlpm.err^2)"
    assert parse(text, 5, 7) == parse(one_line, 5, 7)


def test_space_between_references_is_intersection():
    assert parse("A1:B2 B1:C3").operator == " "
    assert parse("1 + 2") == n.Binary("+", num(1), num(2))


def test_inline_lambda_call():
    tree = parse("_xlfn.LAMBDA(_xlpm.a,_xlpm.b,_xlpm.a+_xlpm.b)(1,2)")
    assert type(tree) is n.Invoke and tree.args == (num(1), num(2))
    assert tree.callee.name == "LAMBDA"


def test_array_constant():
    assert parse('{1,-2;"a",TRUE}') == n.ArrayConstant(((1.0, -2.0), ("a", True)))


def test_empty_arguments_and_errors():
    assert parse("IF(A1,,3)", 1, 2).args[1] == n.Missing()
    assert parse("#N/A") == n.Error("#N/A")
    assert parse("#REF!+1").left == n.BadReference()
    assert parse("Sheet1!#REF!") == n.BadReference()


def test_numbers_the_tokenizer_splits():
    assert parse("12E+3") == num(12000)
    assert parse("0.5E-3") == num(0.0005)


def test_names_and_cell_like_names():
    assert parse("avg_grad2/prev_grad2") == n.Binary("/", n.Name("avg_grad2"), n.Name("prev_grad2"))
    assert parse("ABCD1") == n.Name("abcd1", None, "ABCD1")  # four letters: not a column
    # Names compare without case and without _xlpm.; the spelling is kept where it differs (LibreOffice minds it).
    assert parse("_xlpm.myVar").key == parse("MYVAR").key == "myvar"
    assert parse("_xlpm.myVar").written == "myVar" and parse("_xlpm.x").written is None
    assert parse("LOG10(2)") == n.Call("LOG10", (num(2),))


def test_refused_references():
    assert type(parse("[1]Sheet1!A1")) is n.Refused
    assert type(parse("'[other.xlsx]Sheet1'!A1")) is n.Refused
    assert type(parse("SUM(Sheet1:Sheet3!A1)").args[0]) is n.Refused


def test_too_long_and_malformed():
    with pytest.raises(FormulaSyntaxError):
        parse("1+" * (MAX_FORMULA_LENGTH // 2) + "1")
    with pytest.raises(FormulaSyntaxError):
        parse("(1+2")


def test_the_tokenizer_is_openpyxls_file_loaded_alone():
    """openpyxl's tokenizer file, loaded without openpyxl's package, cuts formulas exactly as openpyxl does."""
    import openpyxl.formula.tokenizer as openpyxls

    from xlgen.formula import tokenizer

    assert tokenizer.Tokenizer is not openpyxls.Tokenizer  # loaded alone, under xlgen's own name
    assert tokenizer.Tokenizer.__module__ == "xlgen.formula._openpyxl_tokenizer"
    for text in ['=IF(A1<>"a""b",{1,2;3,4},#N/A)', "='my sheet'!A1:B2 C3", "=_xlfn.LET(_xlpm.x,1E+3,-x%)",
                 "=SUM(A:A)&TRUE"]:
        ours = [(t.value, t.type, t.subtype) for t in tokenizer.Tokenizer(text).items]
        theirs = [(t.value, t.type, t.subtype) for t in openpyxls.Tokenizer(text).items]
        assert ours == theirs and ours
    with pytest.raises(tokenizer.TokenizerError):
        tokenizer.Tokenizer('="unclosed')


@pytest.mark.parametrize("text", ["C11", "$C$11", "C$11", "$C11", "XFD1048576", "XFE1", "A1048577", "A0", "ABC12",
                                  "E5", "A01", "$A$1048576"])
def test_a_bare_cell_reads_as_inside_a_formula(text):
    # A bare reference skips the tokenizer; in parentheses it takes the general path, to the same tree.
    assert parse(text, 40, 3) == parse(f"({text})", 40, 3)
