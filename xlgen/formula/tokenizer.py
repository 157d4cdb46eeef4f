"""openpyxl's formula tokenizer, loaded without the rest of openpyxl.

:mod:`openpyxl.formula.tokenizer` is one file that imports only :mod:`re`, but importing it the usual way runs
``openpyxl/__init__.py``, which loads openpyxl's workbook reader and writer: most of the start-up time of
``xlgen check``, which never uses them. The file is found through openpyxl's installed package (nothing is
copied) and loaded under a name of xlgen's own, so it never stands in for openpyxl's module. Should a future
openpyxl make the file need its package, it is imported the usual way.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

_NAME = "xlgen.formula._openpyxl_tokenizer"
__all__ = ["Token", "Tokenizer", "TokenizerError"]


def _load() -> ModuleType:
    if _NAME in sys.modules:
        return sys.modules[_NAME]
    try:
        package = importlib.util.find_spec("openpyxl")  # finds the package; does not import it
        path = Path(package.submodule_search_locations[0]) / "formula" / "tokenizer.py"
        spec = importlib.util.spec_from_file_location(_NAME, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[_NAME] = module
        spec.loader.exec_module(module)
        if not all(hasattr(module, name) for name in __all__):
            raise ImportError(f"{path} lacks one of {__all__}")
        return module
    except Exception:  # whatever went wrong, openpyxl's own import is right
        sys.modules.pop(_NAME, None)
        from openpyxl.formula import tokenizer

        return tokenizer


_module = _load()
Tokenizer = _module.Tokenizer
TokenizerError = _module.TokenizerError
Token = _module.Token
