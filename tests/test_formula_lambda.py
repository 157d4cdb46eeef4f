"""LAMBDA as Excel stores what a person types: optional parameters, ISOMITTED, built-ins passed by name,
LAMBDAs returned from LAMBDAs, and ``A1#`` of a one-cell dynamic array.

The first table's formulas are stored exactly as Excel saves them, and the expected values are the ones
Excel cached for them. They are written into a hand-made .xlsx (formulas in ``<f>``, dynamic arrays as
``t="array" ref=".." cm="1"``) and evaluated through the reader, so the whole path is tested.
"""

from __future__ import annotations

import zipfile
from xml.sax.saxutils import escape

import pytest

from xlgen.cells import parse_range
from xlgen.formula.evaluator import WorkbookEvaluator
from xlgen.formula.memory import evaluate
from xlgen.values import VALUE, Unsupported

ANA_GROW = ("_xlfn.LAMBDA(_xlpm.x,_xlpm.r,_xlop.n,"
            "_xlpm.x*(1+_xlpm.r)^IF(_xlfn.ISOMITTED(_xlpm.n),1,_xlpm.n))")  # typed LAMBDA(x, r, [n], ...)

# (cell, stored formula, Excel's cached value); A1:A3 hold -1, 2, -3.
EXCEL_SAVED = [
    ("C1", "_xlfn.LAMBDA(_xlpm.x,_xlop.y, _xlpm.x + IF(_xlfn.ISOMITTED(_xlpm.y), 10, _xlpm.y))(1)", 11.0),
    ("C2", "_xlfn.MAP(A1:A3, _xleta.ABS)", 1.0),
    ("C5", "_xlfn.BYROW(A1:A3, _xleta.SUM)", -1.0),
    ("C8", "ANA.GROW(100, 0.1)", 110.00000000000001),
    ("C9", '_xlfn.LAMBDA(_xlop.p, IF(_xlfn.ISOMITTED(_xlpm.p), "none", _xlpm.p))()', "none"),
    ("E1", "_xlfn.SEQUENCE(1)", 1.0),
    ("F1", "ROWS(_xlfn.ANCHORARRAY(E1))", 1.0),
]
SPILLS = {"C2": "C2:C4", "C5": "C5:C7"}  # the areas Excel stored for the spilled results


def _cell_xml(cell: str, formula: str, value: object) -> str:
    area = SPILLS.get(cell, cell)
    cached = f'<v>{value!r}</v>' if type(value) is float else f"<v>{escape(value)}</v>"
    kind = ' t="str"' if type(value) is str else ""
    return f'<c r="{cell}" cm="1"{kind}><f t="array" ref="{area}">{escape(formula)}</f>{cached}</c>'


def _excel_saved_workbook(path) -> str:
    rows: dict[int, list[str]] = {1: ['<c r="A1"><v>-1</v></c>'], 2: ['<c r="A2"><v>2</v></c>'],
                                  3: ['<c r="A3"><v>-3</v></c>']}
    for cell, formula, value in EXCEL_SAVED:
        rows.setdefault(int(cell[1:]), []).append(_cell_xml(cell, formula, value))
    data = "".join(f'<row r="{r}">{"".join(sorted(cells, key=lambda c: c[6]))}</row>'
                   for r, cells in sorted(rows.items()))
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'))
        archive.writestr("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{main}" '
            f'xmlns:r="{relationships}"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets>'
            f'<definedNames><definedName name="ANA.GROW">{escape(ANA_GROW)}</definedName></definedNames>'
            "</workbook>"))
        archive.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"))
        archive.writestr("xl/worksheets/sheet1.xml", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{main}">'
            f"<sheetData>{data}</sheetData></worksheet>"))
    return path


@pytest.mark.parametrize("compile_blocks", [True, False])
def test_excel_saved_lambda_forms_give_excels_values(tmp_path, compile_blocks):
    path = _excel_saved_workbook(tmp_path / "lambda.xlsx")
    evaluator = WorkbookEvaluator(path, compile_blocks=compile_blocks)
    got = evaluator.evaluate([parse_range(f"S!{cell}") for cell, _, _ in EXCEL_SAVED])
    for (cell, formula, expected), (value,) in zip(EXCEL_SAVED, got):
        assert type(value) is type(expected) and value == expected, (formula, value)


def test_spilled_results_of_builtins_passed_by_name(tmp_path):
    path = _excel_saved_workbook(tmp_path / "lambda.xlsx")
    got = WorkbookEvaluator(path).evaluate([parse_range("S!C2:C4"), parse_range("S!C5:C7")])
    assert got == [[1.0, 2.0, 3.0], [-1.0, 2.0, -3.0]]  # ABS and SUM of -1, 2, -3 by hand


NAMES = {
    "ADDER": "_xlfn.LAMBDA(_xlpm.x,_xlfn.LAMBDA(_xlpm.y,_xlpm.x+_xlpm.y))",
    "ANA.GROW": ANA_GROW,
}

# Hand-checked values over A1:A3 = -1, 2, -3.
CASES = [
    ("=ANA.GROW(100,0.1,2)", 100 * ((1 + 0.1) * (1 + 0.1))),  # x^2 multiplies, as Excel does  # the optional parameter given
    ("=_xlfn.LAMBDA(_xlpm.a,_xlpm.b,IF(_xlfn.ISOMITTED(_xlpm.b),\"left empty\",_xlpm.b))(1,)", "left empty"),
    ("=_xlfn.LAMBDA(_xlpm.a,_xlop.b,_xlfn.ISOMITTED(_xlpm.b))(1,2)", False),
    ("=_xlfn.ISOMITTED(A1)", False),
    ("=_xlfn.LAMBDA(_xlpm.a,_xlpm.b,_xlpm.a)(1)", VALUE),  # a required parameter left out
    ("=_xlfn.LAMBDA(_xlpm.a,_xlop.b,_xlpm.a)(1,2,3)", VALUE),  # one argument too many
    # LAMBDAs returned from LAMBDAs
    ("=_xlfn.LAMBDA(_xlpm.x,_xlfn.LAMBDA(_xlpm.y,_xlpm.x*_xlpm.y))(3)(4)", 12.0),
    ("=ADDER(1)(2)", 3.0),
    ("=_xlfn.LET(_xlpm.add10,ADDER(10),_xlpm.add10(5))", 15.0),
    ("=SUM(_xlfn.MAP(A1:A3,ADDER(10)))", 28.0),
    # built-ins passed by name in every LAMBDA helper
    ("=_xlfn.REDUCE(0,A1:A3,_xleta.SUM)", -2.0),
    ("=INDEX(_xlfn.SCAN(0,A1:A3,_xleta.MAX),3)", 2.0),
    ("=SUM(_xlfn.MAKEARRAY(2,3,_xleta.PRODUCT))", 18.0),
    ("=INDEX(_xlfn.BYCOL(A1:B3,_xleta.SUM),2)", 6.0),
    ("=SUM(_xlfn.MAP(A1:A3,_xleta.ABS))", 6.0),
]


@pytest.mark.parametrize("formula, expected", CASES, ids=[case[0] for case in CASES])
def test_lambda_forms(formula, expected):
    sheet = {"A1": -1.0, "A2": 2.0, "A3": -3.0, "B1": 1.0, "B2": 2.0, "B3": 3.0}
    for compile_blocks in (True, False):
        for row in (10, 11, 12):
            sheet[f"E{row}"] = formula
        got = evaluate({"S": sheet}, ["S!E11"], names=NAMES, compile_blocks=compile_blocks)[0][0]
        assert type(got) is type(expected) and got == expected, (compile_blocks, got)


@pytest.mark.parametrize("formula, reason", [
    ("=_xlfn.MAP(A1:A3,_xleta.FOOBAR)", "unsupported function FOOBAR at S!C1"),
    ("=_xlfn.MAP(A1:A3,_xleta.RANDBETWEEN)", "unsupported function RANDBETWEEN"),
    ("=_xlfn.MAP(A1:A3,_xleta.POWER)", "POWER with 1 arguments at S!C1"),
    ("=_xlfn.LAMBDA(_xlpm.a,_xlop.b,_xlpm.a+_xlpm.b)(1)", "the omitted LAMBDA argument b used as a value at S!C1"),
    ("=_xlfn.SOMEFUTURE+1", "unsupported name _xlfn.somefuture at S!C1"),
])
def test_what_the_engine_lacks_is_unsupported_never_an_error_value(formula, reason):
    (value,), = evaluate({"S": {"A1": -1.0, "A2": 2.0, "A3": -3.0, "C1": formula}}, ["S!C1"], arrays={"S!C1": "C1"})
    assert type(value) is Unsupported and reason in value.reason


def test_a_parameter_spelled_like_a_defined_name_reads_the_argument():
    # the block compiler inlines LAMBDA calls: the optional parameter n must not read the workbook's name n
    names = {"n": "5", "SCALE": "_xlfn.LAMBDA(_xlpm.x,_xlop.n,_xlpm.x*_xlpm.n)"}
    sheet = {f"E{row}": "=SCALE(3,2)" for row in (1, 2, 3)}
    assert evaluate({"S": sheet}, ["S!E1:E3"], names=names) == [[6.0, 6.0, 6.0]]
