"""Make the hand-made workbooks of this folder: optimizer lessons laid out as learners lay them out.

None of them is in xlgen's layout and none carries a manifest: data on another
sheet, columns in another order, human headers, helper columns, title rows, LAMBDA names,
LET cells, defined names for the learning rate, a sheet saved by LibreOffice.
They are written cell by cell with openpyxl, formulas stored as Excel stores
them (``_xlfn.LET``, ``_xlpm.``); the ``*-libreoffice.xlsx`` ones are then
opened and saved by LibreOffice, so that they carry the cached values (and the
formula text) an application writes. Each workbook has a spec beside it (``NAME.toml``) saying where its
quantities are. The committed .xlsx files are what the tests read.

    python tests/data/handmade/make_workbooks.py      # needs soffice for the LibreOffice ones
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.workbook.defined_name import DefinedName

HERE = Path(__file__).parent

# The graddesc lesson's 29 points, typed in; y = 2x + 30.
X = [14, 86, 28, 51, 28, 29, 72, 62, 84, 15, 42, 62, 47, 35, 9, 38, 44, 99, 13, 21, 28, 20, 8, 64, 99, 70, 27,
     17, 8]
Y = [2 * x + 30 for x in X]
N = len(X)


def name(book: Workbook, label: str, cell: str) -> None:
    book.defined_names[label] = DefinedName(label, attr_text=cell)


def sgd_named_lr(path: Path) -> None:
    """Basic SGD, one epoch: x and y on sheet "data" (y as a formula), the fit on "sgd", lr a defined name."""
    book = Workbook()
    data = book.active
    data.title = "data"
    data["A1"], data["B1"] = "x", "y"
    for i, x in enumerate(X):
        data[f"A{i + 2}"], data[f"B{i + 2}"] = x, f"=2*A{i + 2}+30"
    sgd = book.create_sheet("sgd")
    sgd["A1"], sgd["B1"] = "Learning rate", 0.0001
    sgd["A2"], sgd["B2"] = "Initial intercept", 1
    sgd["A3"], sgd["B3"] = "Initial slope", 1
    name(book, "lr", "sgd!$B$1")
    for column, header in zip("ABCDEFGHI", ["Row", "Intercept", "Slope", "Prediction", "Squared error", "dE/db",
                                           "dE/da", "New intercept", "New slope"]):
        sgd[f"{column}5"] = header
    for i in range(N):
        r, d = 6 + i, i + 2
        x, y = f"data!A{d}", f"data!B{d}"
        sgd[f"A{r}"] = i + 1
        sgd[f"B{r}"], sgd[f"C{r}"] = ("=B2", "=B3") if i == 0 else (f"=H{r - 1}", f"=I{r - 1}")
        sgd[f"D{r}"] = f"=B{r}+C{r}*{x}"
        sgd[f"E{r}"] = f"=({y}-D{r})^2"
        sgd[f"F{r}"] = f"=2*(D{r}-{y})"
        sgd[f"G{r}"] = f"=F{r}*{x}"
        sgd[f"H{r}"] = f"=B{r}-F{r}*lr"
        sgd[f"I{r}"] = f"=C{r}-G{r}*lr"
    sgd["D35"], sgd["E35"] = "RMSE", "=SQRT(SUM(E6:E34))"
    book.save(path)


def sgd_learningrate_two_epochs(path: Path) -> None:
    """Basic SGD, two epochs: settings, data (y before x) and fit on three sheets, ``LearningRate`` a defined name.

    The second epoch starts as graddesc's Run button starts it: from the intercept and slope that entered
    the last row. A helper column "Error" (prediction − y) sits between the prediction and its square.
    """
    book = Workbook()
    settings = book.active
    settings.title = "Settings"
    settings["A1"], settings["B1"] = "Setting", "Value"
    settings["A2"], settings["B2"] = "LearningRate", 0.0001
    settings["A3"], settings["B3"] = "Start b", 1
    settings["A4"], settings["B4"] = "Start a", 1
    name(book, "LearningRate", "Settings!$B$2")
    data = book.create_sheet("Data")
    data["A1"], data["B1"] = "y", "x"
    for i, (x, y) in enumerate(zip(X, Y)):
        data[f"A{i + 2}"], data[f"B{i + 2}"] = y, x
    fit = book.create_sheet("Fit")
    for column, header in zip("ABCDEFGHIJ", ["Epoch", "Intercept", "Slope", "Prediction", "Error", "Error²",
                                            "Gradient b", "Gradient a", "Updated intercept", "Updated slope"]):
        fit[f"{column}1"] = header
    for epoch in range(2):
        for i in range(N):
            r, d = 2 + epoch * N + i, i + 2
            fit[f"A{r}"] = epoch + 1
            if r == 2:
                fit["B2"], fit["C2"] = "=Settings!B3", "=Settings!B4"
            elif i == 0:  # Run: the b and a that entered the previous epoch's last row
                fit[f"B{r}"], fit[f"C{r}"] = f"=B{r - 1}", f"=C{r - 1}"
            else:
                fit[f"B{r}"], fit[f"C{r}"] = f"=I{r - 1}", f"=J{r - 1}"
            fit[f"D{r}"] = f"=B{r}+C{r}*Data!B{d}"
            fit[f"E{r}"] = f"=D{r}-Data!A{d}"
            fit[f"F{r}"] = f"=E{r}^2"
            fit[f"G{r}"] = f"=2*E{r}"
            fit[f"H{r}"] = f"=G{r}*Data!B{d}"
            fit[f"I{r}"] = f"=B{r}-G{r}*LearningRate"
            fit[f"J{r}"] = f"=C{r}-H{r}*LearningRate"
    fit["B31"].comment = Comment("Epoch 2 restarts from the b and a of the last row, as the Run button does", "me")
    book.save(path)


def sgd_reordered(path: Path) -> None:
    """Basic SGD with the finite differences, one epoch: a before b, derivatives before the error, lower-case
    headers with units and spaces, h and lr in plain cells read with absolute references."""
    book = Workbook()
    sheet = book.active
    sheet.title = "My SGD"
    sheet["A1"], sheet["B1"] = "learning rate (lr)", 0.0001
    sheet["A2"], sheet["B2"] = "h (finite difference step)", 0.01
    sheet["A3"], sheet["B3"] = "a at start", 1
    sheet["A4"], sheet["B4"] = "b at start", 1
    headers = ["x value", "y value", "a (slope)", "b (intercept)", "y_hat = a*x + b", "de/da (analytic)",
               "de/db (analytic)", "squared error (y - y_hat)^2", "err² with a + h", "est. de/da (finite diff.)",
               "err² with b + h", "est. de/db (finite diff.)", "new a", "new b"]
    for column, header in zip("ABCDEFGHIJKLMN", headers):
        sheet[f"{column}6"] = header
    for i, (x, y) in enumerate(zip(X, Y)):
        r = 7 + i
        sheet[f"A{r}"], sheet[f"B{r}"] = x, y
        sheet[f"C{r}"], sheet[f"D{r}"] = ("=B3", "=B4") if i == 0 else (f"=M{r - 1}", f"=N{r - 1}")
        sheet[f"E{r}"] = f"=C{r}*A{r}+D{r}"
        sheet[f"F{r}"] = f"=G{r}*A{r}"
        sheet[f"G{r}"] = f"=2*(E{r}-B{r})"
        sheet[f"H{r}"] = f"=(B{r}-E{r})^2"
        sheet[f"I{r}"] = f"=((C{r}+$B$2)*A{r}+D{r}-B{r})^2"
        sheet[f"J{r}"] = f"=(I{r}-H{r})/$B$2"
        sheet[f"K{r}"] = f"=(D{r}+$B$2+C{r}*A{r}-B{r})^2"
        sheet[f"L{r}"] = f"=(K{r}-H{r})/$B$2"
        sheet[f"M{r}"] = f"=C{r}-F{r}*$B$1"
        sheet[f"N{r}"] = f"=D{r}-G{r}*$B$1"
    book.save(path)


def momentum_let(path: Path) -> None:
    """Momentum, one epoch, written with LET: the averages start from a row of zeros above the table."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Momentum"
    sheet["A1"], sheet["B1"] = "lr", 0.0001
    sheet["A2"], sheet["B2"] = "beta (momentum)", 0.9
    sheet["A3"], sheet["B3"] = "b0", 1
    sheet["A4"], sheet["B4"] = "a0", 1
    for column, header in zip("ABCDEFGHIJKL", ["x", "y", "b", "a", "pred", "grad b", "grad a", "avg grad b",
                                              "avg grad a", "b next", "a next", "loss (err²)"]):
        sheet[f"{column}6"] = header
    sheet["A7"], sheet["H7"], sheet["I7"] = "start", 0, 0
    for i, (x, y) in enumerate(zip(X, Y)):
        r = 8 + i
        sheet[f"A{r}"], sheet[f"B{r}"] = x, y
        sheet[f"C{r}"], sheet[f"D{r}"] = ("=B3", "=B4") if i == 0 else (f"=J{r - 1}", f"=K{r - 1}")
        sheet[f"E{r}"] = f"=C{r}+D{r}*A{r}"
        sheet[f"F{r}"] = f"=_xlfn.LET(_xlpm.err,E{r}-B{r},2*_xlpm.err)"
        sheet[f"G{r}"] = f"=_xlfn.LET(_xlpm.err,E{r}-B{r},_xlpm.g,2*_xlpm.err,_xlpm.g*A{r})"
        sheet[f"H{r}"] = f"=_xlfn.LET(_xlpm.beta,$B$2,H{r - 1}*_xlpm.beta+(1-_xlpm.beta)*F{r})"
        sheet[f"I{r}"] = f"=_xlfn.LET(_xlpm.beta,$B$2,I{r - 1}*_xlpm.beta+(1-_xlpm.beta)*G{r})"
        sheet[f"J{r}"] = f"=_xlfn.LET(_xlpm.step,H{r}*$B$1,C{r}-_xlpm.step)"
        sheet[f"K{r}"] = f"=_xlfn.LET(_xlpm.step,I{r}*$B$1,D{r}-_xlpm.step)"
        sheet[f"L{r}"] = f"=_xlfn.LET(_xlpm.e,B{r}-E{r},_xlpm.e^2)"
    sheet["K37"], sheet["L37"] = "rmse", "=SQRT(SUM(L8:L36))"
    book.save(path)


def momentum_title_helper(path: Path) -> None:
    """Momentum, two epochs, on the sheet openpyxl names "Sheet": a title and blank rows above, inputs in a
    column, a step column, a helper "residual" column in the middle, and 1 − momentum in its own cell."""
    book = Workbook()
    sheet = book.active
    sheet["A1"] = "Momentum by hand"
    sheet["A2"] = "after the fast.ai lesson, two epochs"
    sheet["A4"], sheet["B4"] = "learning rate", 0.0001
    sheet["A5"], sheet["B5"], sheet["C5"], sheet["D5"] = "momentum", 0.9, "1 - momentum", "=1-B5"
    sheet["A6"], sheet["B6"] = "starting intercept", 1
    sheet["A7"], sheet["B7"] = "starting slope", 1
    sheet["A8"], sheet["B8"] = "avg de/db at start", 0
    sheet["A9"], sheet["B9"] = "avg de/da at start", 0
    headers = ["step", "x", "y", "intercept", "slope", "prediction", "residual", "de/db", "de/da",
               "momentum de/db", "momentum de/da", "new intercept", "new slope", "squared error"]
    for column, header in zip("ABCDEFGHIJKLMN", headers):
        sheet[f"{column}11"] = header
    for epoch in range(2):
        for i, (x, y) in enumerate(zip(X, Y)):
            r = 12 + epoch * N + i
            sheet[f"A{r}"], sheet[f"B{r}"], sheet[f"C{r}"] = epoch * N + i + 1, x, y
            if r == 12:
                sheet["D12"], sheet["E12"] = "=B6", "=B7"
                sheet["J12"], sheet["K12"] = "=$B$8*$B$5+$D$5*H12", "=$B$9*$B$5+$D$5*I12"
            else:
                if i == 0:  # the Run button restarts from the b and a of the last row
                    sheet[f"D{r}"], sheet[f"E{r}"] = f"=D{r - 1}", f"=E{r - 1}"
                else:
                    sheet[f"D{r}"], sheet[f"E{r}"] = f"=L{r - 1}", f"=M{r - 1}"
                sheet[f"J{r}"] = f"=J{r - 1}*$B$5+$D$5*H{r}"
                sheet[f"K{r}"] = f"=K{r - 1}*$B$5+$D$5*I{r}"
            sheet[f"F{r}"] = f"=D{r}+E{r}*B{r}"
            sheet[f"G{r}"] = f"=F{r}-C{r}"
            sheet[f"H{r}"] = f"=2*G{r}"
            sheet[f"I{r}"] = f"=H{r}*B{r}"
            sheet[f"L{r}"] = f"=D{r}-J{r}*$B$4"
            sheet[f"M{r}"] = f"=E{r}-K{r}*$B$4"
            sheet[f"N{r}"] = f"=G{r}^2"
    book.save(path)


def fastai_sgd_forum(path: Path) -> None:
    """fastai's SGD as a forum reader writes it: weight_decay, average_grad, momentum_step columns, two epochs.

    Hyper-parameters on sheet "hyper" as defined names ``lr``, ``mom``, ``wd``; the data on "data", copied into
    the steps by reference. The first average is the first gradient (fastai's starts at zero, undampened);
    the second epoch goes on from the updated parameters, as a training loop does.
    """
    book = Workbook()
    hyper = book.active
    hyper.title = "hyper"
    for row, (label, value) in enumerate([("lr", 1e-5), ("mom", 0.9), ("wd", 0.1), ("b start", 1),
                                          ("a start", 1)], 1):
        hyper[f"A{row}"], hyper[f"B{row}"] = label, value
    for label, row in (("lr", 1), ("mom", 2), ("wd", 3)):
        name(book, label, f"hyper!$B${row}")
    data = book.create_sheet("data")
    data["A1"], data["B1"] = "x", "y"
    for i, (x, y) in enumerate(zip(X, Y)):
        data[f"A{i + 2}"], data[f"B{i + 2}"] = x, y
    steps = book.create_sheet("steps")
    headers = ["x", "y", "b", "a", "y_pred", "err^2", "b.grad", "a.grad", "weight_decay(b)", "weight_decay(a)",
               "average_grad(b)", "average_grad(a)", "momentum_step(b)", "momentum_step(a)"]
    for column, header in zip("ABCDEFGHIJKLMN", headers):
        steps[f"{column}1"] = header
    for epoch in range(2):
        for i in range(N):
            r, d = 2 + epoch * N + i, i + 2
            steps[f"A{r}"], steps[f"B{r}"] = f"=data!A{d}", f"=data!B{d}"
            steps[f"C{r}"], steps[f"D{r}"] = ("=hyper!B4", "=hyper!B5") if r == 2 else (f"=M{r - 1}", f"=N{r - 1}")
            steps[f"E{r}"] = f"=C{r}+D{r}*A{r}"
            steps[f"F{r}"] = f"=(B{r}-E{r})^2"
            steps[f"G{r}"] = f"=2*(E{r}-B{r})"
            steps[f"H{r}"] = f"=G{r}*A{r}"
            steps[f"I{r}"] = f"=C{r}*(1-lr*wd)"
            steps[f"J{r}"] = f"=D{r}*(1-lr*wd)"
            steps[f"K{r}"], steps[f"L{r}"] = (f"=G{r}", f"=H{r}") if r == 2 else (f"=K{r - 1}*mom+G{r}",
                                                                                   f"=L{r - 1}*mom+H{r}")
            steps[f"M{r}"] = f"=I{r}-lr*K{r}"
            steps[f"N{r}"] = f"=J{r}-lr*L{r}"
    book.save(path)


def adam_per_parameter(path: Path) -> None:
    """The graddesc Adam (no bias correction, no eps), one epoch, in ML notation: a block of columns per
    parameter (b, g_b, m_b, v_b, b'), the prediction before them, the hyper-parameters as defined names
    ``eta``, ``beta1``, ``beta2`` in a row, and a "t = 0" row holding the starting b, a and averages."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Adam"
    for column, (label, value) in zip("ACE", [("eta", 1), ("beta1", 0.9), ("beta2", 0.9)]):
        value_column = chr(ord(column) + 1)
        sheet[f"{column}1"], sheet[f"{value_column}1"] = label, value
        name(book, label, f"Adam!${value_column}$1")
    headers = ["t", "x", "y", "ŷ", "b", "g_b", "m_b", "v_b", "b'", "a", "g_a", "m_a", "v_a", "a'"]
    for column, header in zip("ABCDEFGHIJKLMN", headers):
        sheet[f"{column}4"] = header
    sheet["A5"], sheet["G5"], sheet["H5"], sheet["I5"], sheet["L5"], sheet["M5"], sheet["N5"] = 0, 0, 0, 1, 0, 0, 1
    for i, (x, y) in enumerate(zip(X, Y)):
        r = 6 + i
        sheet[f"A{r}"], sheet[f"B{r}"], sheet[f"C{r}"] = i + 1, x, y
        sheet[f"D{r}"] = f"=E{r}+J{r}*B{r}"
        for p, g, m, v, new in ("EFGHI", "JKLMN"):
            sheet[f"{p}{r}"] = f"={new}{r - 1}"
            sheet[f"{m}{r}"] = f"=beta1*{m}{r - 1}+(1-beta1)*{g}{r}"
            sheet[f"{v}{r}"] = f"=beta2*{v}{r - 1}+(1-beta2)*{g}{r}^2"
            sheet[f"{new}{r}"] = f"={p}{r}-eta*{m}{r}/SQRT({v}{r})"
        sheet[f"F{r}"] = f"=2*(D{r}-C{r})"
        sheet[f"K{r}"] = f"=F{r}*B{r}"
    book.save(path)


def sgd_lambda(path: Path) -> None:
    """Basic SGD, one epoch, with the learner's own LAMBDA names (``Predict``, ``SqErr``, ``dEdb``, ``Step``)
    and the learning rate as the defined name ``learning_rate``."""
    book = Workbook()
    sheet = book.active
    sheet.title = "SGD with LAMBDA"
    sheet["A1"], sheet["B1"] = "learning_rate", 0.0001
    sheet["A2"], sheet["B2"] = "b", 1
    sheet["A3"], sheet["B3"] = "a", 1
    name(book, "learning_rate", "'SGD with LAMBDA'!$B$1")
    lambdas = {
        "Predict": ("b,a,x", "b+a*x"),
        "SqErr": ("pred,y", "(y-pred)^2"),
        "dEdb": ("pred,y", "2*(pred-y)"),
        "Step": ("p,g,rate", "p-g*rate"),
    }
    for label, (parameters, body) in lambdas.items():
        names = parameters.split(",")
        for parameter in names:
            body = re.sub(rf"\b{parameter}\b", f"_xlpm.{parameter}", body)
        arguments = ",".join(f"_xlpm.{parameter}" for parameter in names)
        name(book, label, f"_xlfn.LAMBDA({arguments},{body})")
    for column, header in zip("ABCDEFGHIJ", ["x", "y", "b", "a", "prediction", "squared error", "de/db", "de/da",
                                            "new b", "new a"]):
        sheet[f"{column}5"] = header
    for i, (x, y) in enumerate(zip(X, Y)):
        r = 6 + i
        sheet[f"A{r}"], sheet[f"B{r}"] = x, y
        sheet[f"C{r}"], sheet[f"D{r}"] = ("=B2", "=B3") if i == 0 else (f"=I{r - 1}", f"=J{r - 1}")
        sheet[f"E{r}"] = f"=Predict(C{r},D{r},A{r})"
        sheet[f"F{r}"] = f"=SqErr(E{r},B{r})"
        sheet[f"G{r}"] = f"=dEdb(E{r},B{r})"
        sheet[f"H{r}"] = f"=G{r}*A{r}"
        sheet[f"I{r}"] = f"=Step(C{r},G{r},learning_rate)"
        sheet[f"J{r}"] = f"=Step(D{r},H{r},learning_rate)"
    book.save(path)


def lesson_two_sheets(path: Path) -> None:
    """One workbook for the lesson, as graddesc is: the data on "data", basic SGD on "basic" and momentum on
    "momentum", both reading the data sheet, each with its own inputs at the top; one epoch each."""
    book = Workbook()
    data = book.active
    data.title = "data"
    data["A1"], data["B1"] = "x", "y"
    for i, (x, y) in enumerate(zip(X, Y)):
        data[f"A{i + 2}"], data[f"B{i + 2}"] = x, y
    basic = book.create_sheet("basic")
    basic["A1"], basic["B1"], basic["A2"], basic["B2"], basic["A3"], basic["B3"] = "lr", 0.0001, "b", 1, "a", 1
    for column, header in zip("ABCDEFG", ["b", "a", "prediction", "err²", "de/db", "de/da", "error"]):
        basic[f"{column}5"] = header
    momentum = book.create_sheet("momentum")
    momentum["A1"], momentum["B1"], momentum["A2"], momentum["B2"] = "lr", 0.0001, "mom", 0.9
    momentum["A3"], momentum["B3"], momentum["A4"], momentum["B4"] = "b", 1, "a", 1
    for column, header in zip("ABCDEFGHIJ", ["b", "a", "prediction", "de/db", "de/da", "avg de/db", "avg de/da",
                                            "new b", "new a", "err²"]):
        momentum[f"{column}6"] = header
    momentum["F7"], momentum["G7"] = 0, 0
    for i in range(N):
        d, r, m = i + 2, 6 + i, 8 + i
        x, y = f"data!A{d}", f"data!B{d}"
        basic[f"A{r}"], basic[f"B{r}"] = ("=B2", "=B3") if i == 0 else (f"=A{r - 1}-E{r - 1}*$B$1",
                                                                       f"=B{r - 1}-F{r - 1}*$B$1")
        basic[f"C{r}"] = f"=A{r}+B{r}*{x}"
        basic[f"D{r}"] = f"=({y}-C{r})^2"
        basic[f"E{r}"] = f"=2*(C{r}-{y})"
        basic[f"F{r}"] = f"=E{r}*{x}"
        basic[f"G{r}"] = f"=SQRT(D{r})"
        momentum[f"A{m}"], momentum[f"B{m}"] = ("=B3", "=B4") if i == 0 else (f"=H{m - 1}", f"=I{m - 1}")
        momentum[f"C{m}"] = f"=A{m}+B{m}*{x}"
        momentum[f"D{m}"] = f"=2*(C{m}-{y})"
        momentum[f"E{m}"] = f"=D{m}*{x}"
        momentum[f"F{m}"] = f"=F{m - 1}*$B$2+(1-$B$2)*D{m}"
        momentum[f"G{m}"] = f"=G{m - 1}*$B$2+(1-$B$2)*E{m}"
        momentum[f"H{m}"] = f"=A{m}-F{m}*$B$1"
        momentum[f"I{m}"] = f"=B{m}-G{m}*$B$1"
        momentum[f"J{m}"] = f"=({y}-C{m})^2"
    book.save(path)


def sgd_lr_in_formulas(path: Path) -> None:
    """Basic SGD, one epoch, the learning rate typed into the formulas (no cell holds it), the update written
    into the next row's b and a, the start values to the right of the table."""
    book = Workbook()
    sheet = book.active
    sheet.title = "sgd"
    for column, header in zip("ABCDEFGH", ["x", "y", "b", "a", "pred", "dE/db", "dE/da", "sq err"]):
        sheet[f"{column}1"] = header
    sheet["K1"], sheet["L1"], sheet["K2"], sheet["L2"] = "b start", 1, "a start", 1
    for i, (x, y) in enumerate(zip(X, Y)):
        r = 2 + i
        sheet[f"A{r}"], sheet[f"B{r}"] = x, y
        sheet[f"C{r}"], sheet[f"D{r}"] = ("=L1", "=L2") if i == 0 else (f"=C{r - 1}-F{r - 1}*0.0001",
                                                                       f"=D{r - 1}-G{r - 1}*0.0001")
        sheet[f"E{r}"] = f"=C{r}+D{r}*A{r}"
        sheet[f"F{r}"] = f"=2*(E{r}-B{r})"
        sheet[f"G{r}"] = f"=F{r}*A{r}"
        sheet[f"H{r}"] = f"=(E{r}-B{r})^2"
    book.save(path)


def sgd_updates_only(path: Path) -> None:
    """Basic SGD, one epoch, each row showing only the updated b and a: the prediction reads the row above,
    whose b and a are the start values in the "start" row."""
    book = Workbook()
    sheet = book.active
    sheet.title = "fit"
    sheet["A1"], sheet["B1"] = "learning rate", 0.0001
    for column, header in zip("ABCDEFG", ["x", "y", "prediction", "gradient b", "gradient a", "b", "a"]):
        sheet[f"{column}2"] = header
    sheet["A3"], sheet["F3"], sheet["G3"] = "start", 1, 1
    for i, (x, y) in enumerate(zip(X, Y)):
        r = 4 + i
        sheet[f"A{r}"], sheet[f"B{r}"] = x, y
        sheet[f"C{r}"] = f"=F{r - 1}+G{r - 1}*A{r}"
        sheet[f"D{r}"] = f"=2*(C{r}-B{r})"
        sheet[f"E{r}"] = f"=D{r}*A{r}"
        sheet[f"F{r}"] = f"=F{r - 1}-D{r}*$B$1"
        sheet[f"G{r}"] = f"=G{r - 1}-E{r}*$B$1"
    book.save(path)


OWN_X = [1.5, 3, 4.25, 6, 7, 9.5, 10, 12, 13.75, 15]


def momentum_own_data(path: Path, xs: list[float] = OWN_X, epochs: int = 2) -> None:
    """Momentum on the learner's own ten points (y = 3x + 5), two epochs, in the words of another course: w and
    bias, y_hat, dL/dbias, "velocity" for the averages, loss; ``alpha`` and ``gamma`` defined names; the update
    written into the next row's w and bias; the second epoch restarts as graddesc's Run button does."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Velocity"
    for row, (label, value) in enumerate([("alpha", 0.001), ("gamma", 0.8), ("w0", 0.5), ("b0", 0)], 1):
        sheet[f"A{row}"], sheet[f"B{row}"] = label, value
    name(book, "alpha", "Velocity!$B$1")
    name(book, "gamma", "Velocity!$B$2")
    for column, header in zip("ABCDEFGHIJ", ["x", "y", "w", "bias", "y_hat", "dL/dbias", "dL/dw", "velocity bias",
                                            "velocity w", "loss"]):
        sheet[f"{column}6"] = header
    sheet["H7"], sheet["I7"] = 0, 0
    for epoch in range(epochs):
        for i, x in enumerate(xs):
            r = 8 + epoch * len(xs) + i
            sheet[f"A{r}"], sheet[f"B{r}"] = x, 3 * x + 5
            if r == 8:
                sheet["C8"], sheet["D8"] = "=B3", "=B4"
            elif i == 0:
                sheet[f"C{r}"], sheet[f"D{r}"] = f"=C{r - 1}", f"=D{r - 1}"
            else:
                sheet[f"C{r}"], sheet[f"D{r}"] = f"=C{r - 1}-alpha*I{r - 1}", f"=D{r - 1}-alpha*H{r - 1}"
            sheet[f"E{r}"] = f"=D{r}+C{r}*A{r}"
            sheet[f"F{r}"] = f"=2*(E{r}-B{r})"
            sheet[f"G{r}"] = f"=F{r}*A{r}"
            sheet[f"H{r}"] = f"=gamma*H{r - 1}+(1-gamma)*F{r}"
            sheet[f"I{r}"] = f"=gamma*I{r - 1}+(1-gamma)*G{r}"
            sheet[f"J{r}"] = f"=(B{r}-E{r})^2"
    book.save(path)


def momentum_data_typed_thrice(path: Path) -> None:
    """:func:`momentum_own_data` over one epoch of thirty points: the ten points typed in three times, each row
    going on from the row above (the data repeat, but no epoch restarts)."""
    momentum_own_data(path, OWN_X * 3, epochs=1)


def rmsprop_sheet(path: Path) -> None:
    """RMSProp, one epoch, as the graddesc sheet computes it (the step divides by the previous row's mean
    square, no eps), the mean squares before the updates, starting from 1000 in a row above the table."""
    book = Workbook()
    sheet = book.active
    sheet.title = "RMSProp"
    sheet["A1"], sheet["B1"] = "learning rate", 0.02
    sheet["A2"], sheet["B2"] = "decay of the mean square", 0.9
    sheet["A3"], sheet["B3"] = "b at start", 1
    sheet["A4"], sheet["B4"] = "a at start", 1
    headers = ["x", "y", "b", "a", "prediction", "de/db", "de/da", "mean sq de/db", "mean sq de/da", "new b", "new a"]
    for column, header in zip("ABCDEFGHIJK", headers):
        sheet[f"{column}7"] = header
    sheet["A8"], sheet["H8"], sheet["I8"] = "start", 1000, 1000
    for i, (x, y) in enumerate(zip(X, Y)):
        r = 9 + i
        sheet[f"A{r}"], sheet[f"B{r}"] = x, y
        sheet[f"C{r}"], sheet[f"D{r}"] = ("=B3", "=B4") if i == 0 else (f"=J{r - 1}", f"=K{r - 1}")
        sheet[f"E{r}"] = f"=C{r}+D{r}*A{r}"
        sheet[f"F{r}"] = f"=2*(E{r}-B{r})"
        sheet[f"G{r}"] = f"=F{r}*A{r}"
        sheet[f"H{r}"] = f"=H{r - 1}*$B$2+(1-$B$2)*F{r}^2"
        sheet[f"I{r}"] = f"=I{r - 1}*$B$2+(1-$B$2)*G{r}^2"
        sheet[f"J{r}"] = f"=C{r}-F{r}*$B$1/SQRT(H{r - 1})"
        sheet[f"K{r}"] = f"=D{r}-G{r}*$B$1/SQRT(I{r - 1})"
    book.save(path)


def saved_by_libreoffice(source: Path, target: Path) -> None:
    """Open ``source`` in LibreOffice, recalculate, and save it as ``target`` (Excel 2007-365 format)."""
    with tempfile.TemporaryDirectory() as scratch:
        profile = Path(scratch) / "profile"
        out = Path(scratch) / "out"
        subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                        "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(source)],
                       check=True, capture_output=True, timeout=180)
        shutil.move(out / source.name, target)


WORKBOOKS = {
    "sgd-named-lr.xlsx": sgd_named_lr,
    "sgd-learningrate-two-epochs.xlsx": sgd_learningrate_two_epochs,
    "sgd-reordered.xlsx": sgd_reordered,
    "momentum-let.xlsx": momentum_let,
    "momentum-title-helper.xlsx": momentum_title_helper,
    "fastai-sgd-forum.xlsx": fastai_sgd_forum,
    "adam-per-parameter.xlsx": adam_per_parameter,
    "sgd-lambda.xlsx": sgd_lambda,
    "lesson-two-sheets.xlsx": lesson_two_sheets,
    "sgd-lr-in-formulas.xlsx": sgd_lr_in_formulas,
    "sgd-updates-only.xlsx": sgd_updates_only,
    "momentum-own-data.xlsx": momentum_own_data,
    "momentum-data-typed-thrice.xlsx": momentum_data_typed_thrice,
}

SAVED_BY_LIBREOFFICE = {
    "rmsprop-libreoffice.xlsx": rmsprop_sheet,
    "momentum-let-libreoffice.xlsx": momentum_let,  # LET as LibreOffice stores it
}


def make(folder: Path = HERE) -> None:
    for file, write in WORKBOOKS.items():
        write(folder / file)
    for file, write in SAVED_BY_LIBREOFFICE.items():
        with tempfile.TemporaryDirectory() as scratch:
            source = Path(scratch) / file
            write(source)
            saved_by_libreoffice(source, folder / file)


if __name__ == "__main__":
    make(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
