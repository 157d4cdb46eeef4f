"""The ``xlgen`` command: a thin layer over the reference, the generator and the checker.

Bad input or usage is one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .errors import XlgenError


def parse_settings(pairs: Sequence[str] | None) -> dict[str, str]:
    """``["lr=0.01", "epochs=3"]`` -> ``{"lr": "0.01", "epochs": "3"}``."""
    settings = {}
    for pair in pairs or ():
        key, equals, value = pair.partition("=")
        if not equals or not key.strip():
            raise XlgenError(f"--set expects key=value, got {pair!r}")
        settings[key.strip()] = value
    return settings


def command_list(args: argparse.Namespace) -> int:
    from .experiments import all_experiments

    for experiment in all_experiments():
        print(f"{experiment.name}\t{experiment.title}")
    return 0


def command_reference(args: argparse.Namespace) -> int:
    from .atomic import atomic_write_text
    from .experiments import reference_table

    table = reference_table(args.name, parse_settings(args.set))
    text = table.to_csv(index=False, lineterminator="\n")
    if args.csv in (None, "-"):
        sys.stdout.write(text)
    else:
        atomic_write_text(args.csv, text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xlgen",
        description="Formula-driven Excel workbooks for SGD, momentum and weight decay, "
        "checked cell by cell against a numpy reference.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    listing = commands.add_parser("list", help="the experiments, one per line: name<TAB>title")
    listing.set_defaults(run=command_list)

    ref = commands.add_parser("reference", help="an experiment's reference table as CSV")
    ref.add_argument("name", help="an experiment from `xlgen list`")
    ref.add_argument("--set", action="append", metavar="KEY=VALUE", help="a parameter (repeatable)")
    ref.add_argument("--csv", metavar="PATH", help="write the CSV here ('-' or nothing: standard output)")
    ref.set_defaults(run=command_reference)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except XlgenError as error:
        print(f"xlgen: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("xlgen: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
