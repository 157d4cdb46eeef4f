"""Excel's functions by name: how a file stores each, and which of them xlgen's evaluator computes.

Excel stores functions added after Excel 2007 with a prefix, so that an older
Excel shows ``#NAME?`` instead of a wrong number: ``_xlfn.`` in general
(``_xlfn.CEILING.MATH``, ``_xlfn.LET``), ``_xlfn._xlws.`` for FILTER and SORT.
The list of these "future functions" is the one XlsxWriter keeps from
Microsoft's documentation (a test holds the two equal). Storage (:mod:`xlgen.storage`) writes these prefixes, the
parser (:mod:`xlgen.formula.parser`) drops them.
"""

from __future__ import annotations

FUTURE_FUNCTIONS: frozenset[str] = frozenset({
    "ACOT", "ACOTH", "AGGREGATE", "ANCHORARRAY", "ARABIC", "ARRAYTOTEXT", "BASE", "BETA.DIST", "BETA.INV",
    "BINOM.DIST", "BINOM.DIST.RANGE", "BINOM.INV", "BITAND", "BITLSHIFT", "BITOR", "BITRSHIFT", "BITXOR",
    "BYCOL", "BYROW", "CEILING.MATH", "CEILING.PRECISE", "CHISQ.DIST", "CHISQ.DIST.RT", "CHISQ.INV",
    "CHISQ.INV.RT", "CHISQ.TEST", "CHOOSECOLS", "CHOOSEROWS", "COMBINA", "CONCAT", "CONFIDENCE.NORM",
    "CONFIDENCE.T", "COT", "COTH", "COVARIANCE.P", "COVARIANCE.S", "CSC", "CSCH", "DAYS", "DECIMAL", "DROP",
    "ERF.PRECISE", "ERFC.PRECISE", "EXPAND", "EXPON.DIST", "F.DIST", "F.DIST.RT", "F.INV", "F.INV.RT",
    "F.TEST", "FILTERXML", "FLOOR.MATH", "FLOOR.PRECISE", "FORECAST.ETS", "FORECAST.ETS.CONFINT",
    "FORECAST.ETS.SEASONALITY", "FORECAST.ETS.STAT", "FORECAST.LINEAR", "FORMULATEXT", "GAMMA", "GAMMA.DIST",
    "GAMMA.INV", "GAMMALN.PRECISE", "GAUSS", "HSTACK", "HYPGEOM.DIST", "IFNA", "IFS", "IMAGE", "IMCOSH",
    "IMCOT", "IMCSC", "IMCSCH", "IMSEC", "IMSECH", "IMSINH", "IMTAN", "ISFORMULA", "ISOMITTED", "ISOWEEKNUM",
    "LAMBDA", "LET", "LOGNORM.DIST", "LOGNORM.INV", "MAKEARRAY", "MAP", "MAXIFS", "MINIFS", "MODE.MULT",
    "MODE.SNGL", "MUNIT", "NEGBINOM.DIST", "NORM.DIST", "NORM.INV", "NORM.S.DIST", "NORM.S.INV",
    "NUMBERVALUE", "PDURATION", "PERCENTILE.EXC", "PERCENTILE.INC", "PERCENTRANK.EXC", "PERCENTRANK.INC",
    "PERMUTATIONA", "PHI", "POISSON.DIST", "QUARTILE.EXC", "QUARTILE.INC", "QUERYSTRING", "RANDARRAY",
    "RANK.AVG", "RANK.EQ", "REDUCE", "RRI", "SCAN", "SEC", "SECH", "SEQUENCE", "SHEET", "SHEETS", "SINGLE",
    "SKEW.P", "SORTBY", "STDEV.P", "STDEV.S", "SWITCH", "T.DIST", "T.DIST.2T", "T.DIST.RT", "T.INV",
    "T.INV.2T", "T.TEST", "TAKE", "TEXTAFTER", "TEXTBEFORE", "TEXTJOIN", "TEXTSPLIT", "TOCOL", "TOROW",
    "UNICHAR", "UNICODE", "UNIQUE", "VALUETOTEXT", "VAR.P", "VAR.S", "VSTACK", "WEBSERVICE", "WEIBULL.DIST",
    "WRAPCOLS", "WRAPROWS", "XLOOKUP", "XMATCH", "XOR", "Z.TEST",
})
"""Stored as ``_xlfn.NAME``."""

WORKSHEET_FUTURE_FUNCTIONS: frozenset[str] = frozenset({"FILTER", "SORT"})
"""Stored as ``_xlfn._xlws.NAME``."""


def stored_name(name: str) -> str:
    """``CEILING.MATH`` -> ``_xlfn.CEILING.MATH``, ``SORT`` -> ``_xlfn._xlws.SORT``, ``SUM`` -> ``SUM``."""
    upper = name.upper()
    if upper in WORKSHEET_FUTURE_FUNCTIONS:
        return f"_xlfn._xlws.{name}"
    if upper in FUTURE_FUNCTIONS:
        return f"_xlfn.{name}"
    return name


def is_future(name: str) -> bool:
    """Whether Excel stores ``name`` (without prefix) with one."""
    return name.upper() in FUTURE_FUNCTIONS or name.upper() in WORKSHEET_FUTURE_FUNCTIONS


def evaluated() -> frozenset[str]:
    """The functions xlgen's evaluator computes (its function library and the forms it evaluates lazily)."""
    from .functions import FUNCTIONS
    from .interpreter import SPECIAL_FORMS

    return frozenset(FUNCTIONS) | frozenset(SPECIAL_FORMS)


__all__ = ["FUTURE_FUNCTIONS", "WORKSHEET_FUTURE_FUNCTIONS", "evaluated", "is_future", "stored_name"]
