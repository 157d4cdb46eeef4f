"""Make average_grad.xlsx: the forum's average_grad LAMBDA, laid out as a learner built it by hand.

The workbook is not built by xlgen: it has its own layout, its own LAMBDA
(``AvgGrad``, with its own parameter names and order), no manifest. It is
written with openpyxl, storing the LAMBDA the way Excel stores it, and is
committed beside this script; `xlgen check` verifies it with the spec and the
reference function in this folder.

    python make_workbook.py
"""

from pathlib import Path

from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.formula import ArrayFormula

HERE = Path(__file__).parent


def make(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "avg grad"
    sheet["A1"] = "fastai's average_grad in Excel, with a LAMBDA"
    sheet["A2"], sheet["B2"] = "mom", 0.9
    sheet["A4"] = "grad"
    for column, value in zip("BCD", (4, 5, 6)):
        sheet[f"{column}4"] = value
    sheet["A6"], sheet["A10"] = "grad_avg (dampening FALSE)", "grad_avg (dampening TRUE)"
    # AvgGrad(prev, g, m, damp): the learner's own names and order.
    book.defined_names["AvgGrad"] = DefinedName(
        "AvgGrad",
        attr_text="_xlfn.LAMBDA(_xlpm.prev,_xlpm.g,_xlpm.m,_xlpm.damp,"
                  "_xlpm.prev*_xlpm.m+IF(_xlpm.damp,1-_xlpm.m,1)*_xlpm.g)",
    )
    book.defined_names["mom"] = DefinedName("mom", attr_text="'avg grad'!$B$2")
    for start, dampening in ((7, "FALSE"), (11, "TRUE")):
        previous = "0"
        for call in range(3):
            row = start + call
            sheet[f"A{row}"] = f"call {call + 1}"
            sheet[f"B{row}"] = ArrayFormula(f"B{row}:D{row}", f"=AvgGrad({previous},$B$4:$D$4,mom,{dampening})")
            previous = f"B{row}:D{row}"
    book.save(path)


if __name__ == "__main__":
    make(HERE / "average_grad.xlsx")
