"""xlgen's own formula evaluator, behind the ``fast`` engine (:mod:`xlgen.engines.fast`).

From text to values, module by module:

- :mod:`.parser` -- formula text (as the file stores it) to a syntax tree (:mod:`.nodes`) whose references are
  relative to the formula's cell, so a filled-down column has one tree; tokens from openpyxl's tokenizer.
- :mod:`.shapes` -- a run of formula text filled down a column (read by :mod:`xlgen.xlsx` as a
  :class:`xlgen.row_templates.RowTemplate`) turned into *pieces*, rows of one column that hold one tree.
- :mod:`.interpreter` -- a tree compiled to Python closures with Excel's full semantics: :mod:`.operators`,
  :mod:`.coerce` (conversions and ordering), :mod:`.functions` (the function library), :mod:`.operands`
  (references, arrays, LAMBDA values), :mod:`.context` (the cell being evaluated).
- :mod:`.references` -- which cells a formula reads; :mod:`.blocks` -- rows where every column repeats one
  formula, evaluated as a unit; :mod:`.compiler` -- a block's rows as one generated Python loop over floats,
  handing any other row to the interpreter.
- :mod:`.evaluator` -- a workbook: the cells the requested ranges need, in dependency order, circular
  references reported; :mod:`.memory` -- a workbook built from a dict, for evaluating without a file.

Numbers are Python floats computed in the formula's operation order (``^`` multiplies for a whole exponent, as
Excel does, else ``math.pow``; functions come
from ``math``), so results are bit for bit what Python gives; every result that is not a finite double is
``#NUM!``.
"""
