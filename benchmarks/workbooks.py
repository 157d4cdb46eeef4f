"""The benchmark workbook: one basic-SGD sheet, in three forms (plain formulas, LET, LAMBDA names).

The sheet follows the layout of the ``basic`` sheet of Jeremy Howard's graddesc
workbook: x, y, then per row the intercept b and slope a entering the row, the
prediction, the squared error, forward finite-difference estimates of the two
derivatives, the analytic derivatives and the updated a and b. Every row reads
the row above (b and a are the previous row's new b and new a), so the sheet is
one long recurrence.

The three forms compute the same operations in the same order, so one Python
recomputation (:func:`recompute`) is the expected value of every form, bit for
bit. Formulas are stored as Excel stores them: ``_xlfn.``/``_xlpm.`` prefixes,
LAMBDA names as workbook names, cells that call them as dynamic-array formulas
(as XlsxWriter's documentation writes them).
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

FORMS = ("plain", "let", "lambda")
SHEET = "basic"
FIRST_ROW = 4  # the first data row, as in the graddesc workbook
X = (14.0, 86.0, 28.0, 51.0, 28.0, 29.0, 72.0, 62.0, 84.0, 15.0, 42.0, 62.0, 47.0, 35.0, 9.0,
     38.0, 44.0, 99.0, 13.0, 21.0, 28.0, 20.0, 8.0, 64.0, 99.0, 70.0, 27.0, 17.0, 8.0)
B0, A0, LR = 1.0, 1.0, 1e-4
COLUMNS = ("b", "a", "y_pred", "err2", "errb1", "est_de_db", "erra1", "est_de_da",
           "de_db", "de_da", "new_a", "new_b")  # columns C..N
FIRST_FORMULA_COLUMN = 3  # C

# Row formulas for data row {r}; {p} is the row above. Columns C..N.
PLAIN = (
    "N{p}", "M{p}", "C{r}+D{r}*A{r}", "(B{r}-E{r})^2", "(((C{r}+0.01)+A{r}*D{r})-B{r})^2",
    "(G{r}-F{r})/0.01", "(((D{r}+0.01)*A{r}+C{r})-B{r})^2", "(I{r}-F{r})/0.01",
    "2*(E{r}-B{r})", "K{r}*A{r}", "D{r}-L{r}*$F$1", "C{r}-K{r}*$F$1",
)
LET = (
    "N{p}", "M{p}",
    "_xlfn.LET(_xlpm.b,C{r},_xlpm.a,D{r},_xlpm.x,A{r},_xlpm.b+_xlpm.a*_xlpm.x)",
    "_xlfn.LET(_xlpm.err,B{r}-E{r},_xlpm.err^2)",
    # Laid out over several lines, as Excel's formula bar stores Alt+Enter breaks.
    "_xlfn.LET(\n    _xlpm.b1, C{r}+0.01,\n    _xlpm.err, (_xlpm.b1+A{r}*D{r})-B{r},\n    _xlpm.err^2\n)",
    "_xlfn.LET(_xlpm.h,0.01,(G{r}-F{r})/_xlpm.h)",
    "_xlfn.LET(\n    _xlpm.a1, D{r}+0.01,\n    _xlpm.err, (_xlpm.a1*A{r}+C{r})-B{r},\n    _xlpm.err^2\n)",
    "_xlfn.LET(_xlpm.h,0.01,(I{r}-F{r})/_xlpm.h)",
    "_xlfn.LET(_xlpm.err,E{r}-B{r},2*_xlpm.err)",
    "_xlfn.LET(_xlpm.g,K{r},_xlpm.g*A{r})",
    "_xlfn.LET(_xlpm.lr,$F$1,D{r}-L{r}*_xlpm.lr)",
    "_xlfn.LET(_xlpm.lr,$F$1,C{r}-K{r}*_xlpm.lr)",
)
LAMBDA_NAMES = {
    "PREDICT": "_xlfn.LAMBDA(_xlpm.x,_xlpm.b,_xlpm.a,_xlpm.b+_xlpm.a*_xlpm.x)",
    "SQERR": "_xlfn.LAMBDA(_xlpm.y,_xlpm.p,(_xlpm.y-_xlpm.p)^2)",
    # Names calling names: the finite-difference errors reuse SQERR.
    "ERRB1": "_xlfn.LAMBDA(_xlpm.x,_xlpm.y,_xlpm.b,_xlpm.a,SQERR((_xlpm.b+0.01)+_xlpm.x*_xlpm.a,_xlpm.y))",
    "ERRA1": "_xlfn.LAMBDA(_xlpm.x,_xlpm.y,_xlpm.b,_xlpm.a,SQERR((_xlpm.a+0.01)*_xlpm.x+_xlpm.b,_xlpm.y))",
    "FDIFF": "_xlfn.LAMBDA(_xlpm.e1,_xlpm.e0,(_xlpm.e1-_xlpm.e0)/0.01)",
    "DEDB": "_xlfn.LAMBDA(_xlpm.p,_xlpm.y,2*(_xlpm.p-_xlpm.y))",
    "DEDA": "_xlfn.LAMBDA(_xlpm.g,_xlpm.x,_xlpm.g*_xlpm.x)",
    "STEP": "_xlfn.LAMBDA(_xlpm.p,_xlpm.g,_xlpm.lr,_xlpm.p-_xlpm.g*_xlpm.lr)",
}
LAMBDA = (
    "N{p}", "M{p}", "PREDICT(A{r},C{r},D{r})", "SQERR(B{r},E{r})", "ERRB1(A{r},B{r},C{r},D{r})",
    "FDIFF(G{r},F{r})", "ERRA1(A{r},B{r},C{r},D{r})", "FDIFF(I{r},F{r})", "DEDB(E{r},B{r})",
    "DEDA(K{r},A{r})", "STEP(D{r},L{r},lr)", "STEP(C{r},K{r},lr)",
)
ROW_FORMULAS = {"plain": PLAIN, "let": LET, "lambda": LAMBDA}


def build(path: Path, rows: int, form: str) -> Path:
    """Write the ``form`` workbook with ``rows`` data rows to ``path``."""
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet(SHEET)
    if form == "lambda":
        for name, text in LAMBDA_NAMES.items():
            workbook.define_name(name, "=" + text)
        workbook.define_name("lr", f"={SHEET}!$F$1")
    sheet.write_row(0, 1, ["b0", B0, None, "lr", LR])  # C1 = b0, F1 = lr (as in graddesc's basic sheet)
    sheet.write_row(1, 1, ["a0", A0])  # C2 = a0
    sheet.write_row(2, 0, ["x", "y", *COLUMNS])
    write = sheet.write_dynamic_array_formula if form == "lambda" else sheet.write_formula
    for index in range(rows):
        row = FIRST_ROW + index
        x = X[index % len(X)]
        sheet.write_number(row - 1, 0, x)
        sheet.write_number(row - 1, 1, 2.0 * x + 30.0)
        for offset, template in enumerate(ROW_FORMULAS[form]):
            column = FIRST_FORMULA_COLUMN - 1 + offset
            if index == 0 and offset < 2:
                text = ("$C$1", "$C$2")[offset]  # the first row starts from b0 and a0
            else:
                text = template.format(r=row, p=row - 1)
            if form == "lambda" and offset >= 2:
                write(row - 1, column, row - 1, column, "=" + text)
            else:
                sheet.write_formula(row - 1, column, "=" + text)
    workbook.close()
    return path


# The reference's name of each column C..N (``xlgen spec --experiment basic-sgd`` drafts the same mapping).
QUANTITIES = ("b", "a", "y_pred", "err2", "err2_b", "est_de_db", "err2_a", "est_de_da", "de_db", "de_da",
              "new_a", "new_b")


def spec(rows: int) -> str:
    """The spec that checks the sheet against xlgen's basic-sgd reference, as a learner's hand-made sheet is."""
    last = last_row(rows)
    columns = "\n".join(f'{name} = "{SHEET}!{chr(ord("C") + offset)}{FIRST_ROW}:{chr(ord("C") + offset)}{last}"'
                        for offset, name in enumerate(QUANTITIES))
    return (f'experiment = "basic-sgd"\n\n[params]\nx = "{SHEET}!A{FIRST_ROW}:A{last}"\n'
            f'y = "{SHEET}!B{FIRST_ROW}:B{last}"\nlr = "{SHEET}!F1"\nb0 = "{SHEET}!C1"\na0 = "{SHEET}!C2"\n'
            f"fd_step = 0.01\n\n[columns]\n{columns}\n")


def last_row(rows: int) -> int:
    return FIRST_ROW + rows - 1


def formula_range(rows: int) -> str:
    """The formula cells of the sheet, e.g. ``basic!C4:N103``."""
    return f"{SHEET}!C{FIRST_ROW}:N{last_row(rows)}"


def square(value: float) -> float:
    """``value^2`` as Excel computes it: ``value*value``."""
    return value * value


def recompute(rows: int) -> list[float]:
    """The values of :func:`formula_range`, row by row, recomputed in Python with the formulas' operation order."""
    values: list[float] = []
    b, a = B0, A0
    for index in range(rows):
        x = X[index % len(X)]
        y = 2.0 * x + 30.0
        y_pred = b + a * x
        err2 = square(y - y_pred)
        errb1 = square(((b + 0.01) + x * a) - y)
        est_de_db = (errb1 - err2) / 0.01
        erra1 = square(((a + 0.01) * x + b) - y)
        est_de_da = (erra1 - err2) / 0.01
        de_db = 2.0 * (y_pred - y)
        de_da = de_db * x
        new_a = a - de_da * LR
        new_b = b - de_db * LR
        values += [b, a, y_pred, err2, errb1, est_de_db, erra1, est_de_da, de_db, de_da, new_a, new_b]
        b, a = new_b, new_a
    return values
