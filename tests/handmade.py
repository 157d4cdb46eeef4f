"""Workbooks written by hand, as a learner would, with openpyxl: not in xlgen's layout, and without a manifest."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from reference.data import GRADDESC_X, GRADDESC_Y

BASIC_COLUMNS = ["x", "y", "intercept", "slope", "y_pred", "err^2", "errb1", "est de/db", "erra1", "est de/da",
                 "de/db", "de/da", "new a", "new b"]


def basic_sgd_sheet(path: Path, epochs: int = 1, lr: float = 1e-4) -> Path:
    """graddesc's ``basic`` sheet (rows 4..32 per epoch), its epochs one below the other, as the Run button does.

    The first row of a later epoch takes the b and a that entered the previous epoch's last row.
    """
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "basic"
    sheet["B1"], sheet["C1"], sheet["E1"], sheet["F1"] = "intercept", 1.0, "learn", lr
    sheet["B2"], sheet["C2"] = "slope", 1.0
    for column, header in enumerate(BASIC_COLUMNS, 1):
        sheet.cell(3, column, header)
    rows = len(GRADDESC_X)
    for epoch in range(epochs):
        for index, (x, y) in enumerate(zip(GRADDESC_X, GRADDESC_Y)):
            r = 4 + epoch * rows + index
            sheet[f"A{r}"], sheet[f"B{r}"] = x, y
            if r == 4:
                sheet["C4"], sheet["D4"] = "=C1", "=C2"
            elif index == 0:
                sheet[f"C{r}"], sheet[f"D{r}"] = f"=C{r - 1}", f"=D{r - 1}"
            else:
                sheet[f"C{r}"], sheet[f"D{r}"] = f"=N{r - 1}", f"=M{r - 1}"
            sheet[f"E{r}"] = f"=C{r}+D{r}*A{r}"
            sheet[f"F{r}"] = f"=(B{r}-E{r})^2"
            sheet[f"G{r}"] = f"=(((C{r}+0.01)+A{r}*D{r})-B{r})^2"
            sheet[f"H{r}"] = f"=(G{r}-F{r})/0.01"
            sheet[f"I{r}"] = f"=(((D{r}+0.01)*A{r}+C{r})-B{r})^2"
            sheet[f"J{r}"] = f"=(I{r}-F{r})/0.01"
            sheet[f"K{r}"] = f"=2*(E{r}-B{r})"
            sheet[f"L{r}"] = f"=K{r}*A{r}"
            sheet[f"M{r}"] = f"=D{r}-L{r}*$F$1"
            sheet[f"N{r}"] = f"=C{r}-K{r}*$F$1"
    book.save(path)
    return path


def basic_sgd_spec(path: Path, last_row: int, epochs: int | None = None) -> Path:
    """A complete spec of :func:`basic_sgd_sheet` down to ``last_row``, with ``epochs`` only when given."""
    letters = dict(b="C", a="D", y_pred="E", err2="F", err2_b="G", est_de_db="H", err2_a="I", est_de_da="J",
                   de_db="K", de_da="L", new_a="M", new_b="N")
    lines = ['experiment = "basic-sgd"', "[params]", 'x = "basic!A4:A32"', 'y = "basic!B4:B32"',
             'b0 = "basic!C1"', 'a0 = "basic!C2"', 'lr = "basic!F1"', "fd_step = 0.01"]
    if epochs is not None:
        lines.append(f"epochs = {epochs}")
    lines.append("[columns]")
    lines += [f'{name} = "basic!{column}4:{column}{last_row}"' for name, column in letters.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
