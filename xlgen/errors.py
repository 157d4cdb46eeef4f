"""The one exception type the command line turns into a one-line message and exit code 2."""


class XlgenError(Exception):
    """Bad input or usage: an unreadable file, an unknown experiment, a formula an engine cannot evaluate.

    The message is one line and names the file, sheet and cell where it can.
    """


class UnsupportedFormula(XlgenError):
    """A formula uses something an engine cannot evaluate (e.g. ``unsupported function OFFSET at basic!C4``)."""


class CircularReference(XlgenError):
    """Cells depend on themselves; Excel's iterative calculation is off by default, so this is an error."""
