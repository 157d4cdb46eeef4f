"""The words people write over a column or beside an input, and how strongly they name a quantity.

A learner heads a column ``Intercept``, ``b (intercept)``, ``err^2`` or
``d err / d b``; the reference calls it ``b`` (label ``intercept``), ``err2``
(``err²``) and ``de_db`` (``de/db``). Texts are compared folded: lower case,
``²`` as ``2``, ``^`` dropped, only letters, digits and ``+`` kept, so
``err^2`` = ``err²`` = ``Err2``.
"""

from __future__ import annotations

import re

# Words people use for a quantity or a parameter, beside its own name and label (folded, see fold()).
SYNONYMS = {
    "x": ["x", "input", "inputs", "xvalue", "xi", "feature"],
    "y": ["y", "target", "targets", "yvalue", "actual", "yi", "label", "ytrue"],
    "b": ["b", "intercept", "bias", "bb", "oldb", "currentb"],
    "a": ["a", "slope", "weight", "w", "olda", "currenta"],
    "y_pred": ["prediction", "predicted", "pred", "yhat", "ypred", "ax+b", "b+ax", "output", "guess"],
    "err2": ["error", "err", "sqerr", "squarederror", "loss", "err2", "error2", "e2", "e", "sqrerr", "se"],
    "err2_b": ["errb1", "errb", "err2b", "errorb", "errb+h", "err2b+h", "lossb+h", "e2b"],
    "err2_a": ["erra1", "erra", "err2a", "errora", "erra+h", "err2a+h", "lossa+h", "e2a"],
    "est_de_db": ["estdedb", "estimateddedb", "finitedifferenceb", "fdb", "numdedb", "approxdedb"],
    "est_de_da": ["estdeda", "estimateddeda", "finitedifferencea", "fda", "numdeda", "approxdeda"],
    "de_db": ["dedb", "gradb", "gradientb", "derivb", "derivativeb", "bgrad", "gradientintercept", "dlossdb",
              "derrdb", "dldb", "db", "gb"],
    "de_da": ["deda", "grada", "gradienta", "deriva", "derivativea", "agrad", "gradientslope", "dlossda",
              "derrda", "dlda", "da", "ga"],
    "new_b": ["newb", "bnew", "nextb", "newintercept", "newbias", "updatedb", "b+1", "bnext"],
    "new_a": ["newa", "anew", "nexta", "newslope", "newweight", "updateda", "a+1", "anext"],
    "grad_avg_b": ["avgdedb", "momentumb", "momentumdedb", "momentumgradb", "avggradb", "gradavgb", "vb", "mb",
                   "velocityb", "velocitybias", "vbias", "avgb"],
    "grad_avg_a": ["avgdeda", "momentuma", "momentumdeda", "momentumgrada", "avggrada", "gradavga", "va", "ma",
                   "velocitya", "velocityw", "vw", "avga"],
    "sqr_avg_b": ["vb", "sqravgb", "avgsqb", "sb", "avgsqrb", "avgdedb2", "avggradb2", "vb2"],
    "sqr_avg_a": ["va", "sqravga", "avgsqa", "sa", "avgsqra", "avgdeda2", "avggrada2", "va2"],
    "lr": ["lr", "learningrate", "learn", "alpha", "eta", "stepsize", "rate"],
    "mom": ["mom", "momentum", "beta", "beta1", "b1", "gamma", "mu"],
    "sqr_mom": ["sqrmom", "beta2", "b2", "momentumofsquares", "rho"],
    "fd_step": ["fdstep", "h", "step", "nudge", "delta", "epsilonstep"],
    "b0": ["b0", "b", "intercept", "bias", "bstart", "startb", "initialb", "b_0", "bias0", "initialbias"],
    "a0": ["a0", "a", "slope", "weight", "astart", "starta", "initiala", "a_0", "w0", "winit", "initialw"],
    "wd": ["wd", "weightdecay", "decay", "lambda"],
    "eps": ["eps", "epsilon"],
}

EXACT, SYNONYM, WORD = 3, 2, 1  # how strongly a text names something: as its name or label, a synonym, a word of it


def fold(text: object) -> str:
    """A text as compared (``Err^2`` -> ``err2``, ``de/db`` -> ``dedb``)."""
    return re.sub(r"[^a-z0-9+]", "", str(text).lower().replace("²", "2").replace("^", "").replace("ŷ", "yhat"))


def _words(text: str) -> set[str]:
    """The folded words of ``text`` and of what is in its parentheses (``b (intercept)`` -> b, intercept)."""
    parts = re.split(r"[\s()\[\],;:=]+", str(text))
    return {fold(part) for part in parts if fold(part)}


def strength(texts: list[str] | tuple[str, ...], name: str, label: str = "") -> int:
    """How strongly any of ``texts`` names the quantity or parameter ``name`` (0: not at all)."""
    own = {fold(name), fold(label)} - {""}
    synonyms = {fold(word) for word in SYNONYMS.get(name, ())}
    best = 0
    for text in texts:
        folded = fold(text)
        if folded in own:
            return EXACT
        if folded in synonyms:
            best = max(best, SYNONYM)
        elif len(folded) > 1 and _words(text) & (own | synonyms) and len(_words(text)) > 1:
            best = max(best, WORD)
    return best


def header_strength(headers: tuple[str, ...], name: str, label: str = "") -> int:
    """:func:`strength` of a column's headers, nearest first: a text higher up (an input's label above the
    data, a title) counts one less."""
    if not headers:
        return 0
    return max(strength(headers[:1], name, label), strength(headers[1:], name, label) - 1)
