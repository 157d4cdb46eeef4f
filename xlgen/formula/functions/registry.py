"""The table of functions and the decorator that fills it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Function:
    name: str
    call: Callable  # call(context, args) -> value
    min_args: int
    max_args: int
    arrays: bool = False  # its arguments are evaluated as arrays even in a plain formula (SUMPRODUCT)


FUNCTIONS: dict[str, Function] = {}

REFUSED: dict[str, str] = {
    "RAND": "volatile, cannot be checked reproducibly",
    "RANDBETWEEN": "volatile, cannot be checked reproducibly",
    "RANDARRAY": "volatile, cannot be checked reproducibly",
    "NOW": "volatile, cannot be checked reproducibly",
    "TODAY": "volatile, cannot be checked reproducibly",
    "INDIRECT": "builds references from text",
    "OFFSET": "builds references at run time",
    "WEBSERVICE": "reaches the network",
    "FILTERXML": "parses outside data",
    "HYPERLINK": "opens links",
    "CELL": "depends on the application",
    "INFO": "depends on the application",
    "RTD": "reaches outside the workbook",
    "CALL": "calls outside code",
    "REGISTER.ID": "calls outside code",
}


def register(*names: str, min_args: int = 1, max_args: int | None = None, arrays: bool = False):
    """Decorator adding ``call(context, args)`` under every name in ``names``."""

    def add(call: Callable) -> Callable:
        for name in names:
            FUNCTIONS[name] = Function(name, call, min_args, min_args if max_args is None else max_args, arrays)
        return call

    return add
