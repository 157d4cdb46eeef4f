"""The ``xlgen`` command: a thin layer over the reference, the generator and the checker.

Bad input or usage is one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Iterator, Sequence

from .errors import XlgenError
from .visible import visible


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

    if args.quantities:
        return list_quantities(args.quantities)
    for experiment in all_experiments():
        print(f"{experiment.name}\t{experiment.title}")
    return 0


def command_specs(args: argparse.Namespace) -> int:
    from .spec import shipped_specs

    for name, description in shipped_specs():
        print(f"{name}\t{description}")
    return 0


def list_quantities(name: str) -> int:
    """The quantities of ``name``'s workbook, one per line: name<TAB>label, ``*`` on those an exercise blanks."""
    from .builder import workbook_spec
    from .exercise import lesson_quantities
    from .experiments import get_experiment

    experiment = get_experiment(name)
    spec = workbook_spec(name)
    lesson = set(lesson_quantities(spec))
    for quantity in spec.quantities:
        mark = "\t*" if quantity in lesson else ""
        print(f"{quantity}\t{experiment.quantity(quantity).label}{mark}")
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


def command_build(args: argparse.Namespace) -> int:
    from .builder import build, refuse_edited, target_paths
    from .experiments import all_experiments
    from .variants import VARIANTS

    names = args.names or [e.name for e in all_experiments()]
    variant = args.variant or ("plain" if args.exercise else "all")
    variants = VARIANTS if variant == "all" else (variant,)
    settings = parse_settings(args.set)
    if args.blank and not args.exercise:
        raise XlgenError("--blank goes with --exercise")
    blank = [part.strip() for part in args.blank.split(",") if part.strip()] if args.blank else None
    if not args.force:  # every target of the command checked before any is written
        refuse_edited([path for name in names for path in target_paths(name, variants, args.out, args.exercise)])
    for name in names:
        build(name, variants, settings, args.out, force=args.force, exercise=args.exercise, blank=blank,
              on_done=lambda built: print(f"{'wrote' if built.written else 'unchanged'} {built.path}", flush=True))
    return 0


def command_check(args: argparse.Namespace) -> int:
    from .atomic import atomic_write_text
    from .batch import check_paths
    from .compare import ATOL, RTOL, check_tolerances
    from .discovery import refuse_outputs_over_inputs, workbook_paths
    from .results import exit_code
    from .engines import get_engine
    from .gradebook import gradebook_csv, gradebook_row
    from .report import json_report, junit_report, summary_line, terminal_lines
    from .workers import TIMEOUT, CheckOptions, Progress, check_in_processes, default_jobs

    def skipped(path, why: str) -> None:
        print(visible(f"SKIP   {path}: {why}"))

    paths = workbook_paths(args.paths, skipped)
    inputs = [*paths, *([args.spec] if args.spec else []),
              *([args.reference.rpartition(":")[0]] if args.reference else [])]
    refuse_outputs_over_inputs([args.json, args.html, args.junit, args.gradebook], inputs)
    check_tolerances(RTOL if args.rtol is None else args.rtol, ATOL if args.atol is None else args.atol)
    jobs = args.jobs if args.jobs is not None else default_jobs()
    if jobs < 1:
        raise XlgenError(f"--jobs must be 1 or more, got {jobs}")
    if args.timeout is not None and not 0 < args.timeout < float("inf"):
        raise XlgenError(f"--timeout must be a positive number of seconds, got {args.timeout:g}")
    # Several workbooks go to worker processes, each with a time limit. LibreOffice checks them in one session
    # of its own instead (with its own limit per workbook), unless processes are asked for.
    in_workers = bool(args.gradebook) or args.timeout is not None or (args.jobs or 0) > 1 or (
        len(paths) > 1 and args.engine != "libreoffice")
    if in_workers:
        options = CheckOptions(args.engine, args.spec, args.reference, args.rtol, args.atol, args.experiment)
        # With a gradebook, each file has its line as it finishes; without, the results are printed at the end.
        progress = Progress(len(paths), sys.stderr, lines=bool(args.gradebook))
        results = check_in_processes(paths, options, jobs, done=progress,
                                     timeout=TIMEOUT if args.timeout is None else args.timeout)
        progress.close()
    else:
        engine = get_engine(args.engine)
        interactive = sys.stderr.isatty() and len(paths) > 1

        def bar(index: int, total: int, path) -> None:
            if interactive:
                print(f"\r[{index}/{total}] {visible(path)}", end="", file=sys.stderr, flush=True)

        results = check_paths(paths, engine, spec=args.spec, reference=args.reference,
                              rtol=RTOL if args.rtol is None else args.rtol,
                              atol=ATOL if args.atol is None else args.atol, progress=bar,
                              experiment=args.experiment)
        if interactive:
            print("\r" + " " * 60 + "\r", end="", file=sys.stderr)
    if not args.gradebook:  # with a gradebook, each file had its line as it finished
        for result in results:
            if result.drafted_spec:  # check --experiment: the spec it used, for the learner to keep
                print("\n".join(visible(line) for line in result.drafted_spec.splitlines()) + "\n")
            for line in terminal_lines(result):
                print(line)
    print(summary_line(results))
    if args.gradebook:
        atomic_write_text(args.gradebook, gradebook_csv([gradebook_row(result) for result in results]))
        print(f"wrote {args.gradebook}")
    if args.json == "-":
        sys.stdout.write(json_report(results) + "\n")
    elif args.json:
        atomic_write_text(args.json, json_report(results) + "\n")
    if args.html:
        from .html_report import html_report

        atomic_write_text(args.html, html_report(results, explainer(args)))
    if args.junit:
        atomic_write_text(args.junit, junit_report(results))
    return exit_code(results)


def explainer(args: argparse.Namespace):
    """How the HTML report explains a cell: as ``xlgen explain`` would with the same spec (None where the
    reference is a course author's function, which the explanation cannot run)."""
    if args.reference:
        return None
    from functools import partial

    from .explanation import explain

    return partial(explain, spec=args.spec)


def command_spec(args: argparse.Namespace) -> int:
    from .atomic import atomic_write_text
    from .discovery import refuse_outputs_over_inputs
    from .draft_spec import draft_spec

    refuse_outputs_over_inputs([args.out], [args.path])
    text = draft_spec(args.path, args.experiment).toml()
    if args.out in (None, "-"):
        print("\n".join(visible(line) for line in text.splitlines()))
    else:
        atomic_write_text(args.out, text)
        print(visible(f"wrote {args.out}"))
    return 0


def command_explain(args: argparse.Namespace) -> int:
    from .explanation import explain

    for line in explain(args.path, args.cell, spec=args.spec, experiment=args.experiment).lines():
        print("\n".join(visible(part) for part in line.split("\n")))  # the layout's own line breaks
    return 0


def command_plot(args: argparse.Namespace) -> int:
    from .plot import plot

    for path in plot(args.name, args.out, parse_settings(args.set)):
        print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from .engines import ENGINES
    from .variants import VARIANTS
    from .workers import TIMEOUT

    parser = argparse.ArgumentParser(
        prog="xlgen",
        description="Formula-driven Excel workbooks for SGD, momentum and weight decay, "
        "checked cell by cell against a numpy reference.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    listing = commands.add_parser("list", help="the experiments, one per line: name<TAB>title")
    listing.add_argument("--quantities", metavar="NAME",
                         help="the quantities of NAME's workbook instead (* on those an exercise blanks)")
    listing.set_defaults(run=command_list)

    specs = commands.add_parser("specs", help="the specs shipped with xlgen, one per line: name<TAB>description")
    specs.set_defaults(run=command_specs)

    ref = commands.add_parser("reference", help="an experiment's reference table as CSV")
    ref.add_argument("name", help="an experiment from `xlgen list`")
    ref.add_argument("--set", action="append", metavar="KEY=VALUE", help="a parameter (repeatable)")
    ref.add_argument("--csv", metavar="PATH", help="write the CSV here ('-' or nothing: standard output)")
    ref.set_defaults(run=command_reference)

    build = commands.add_parser("build", help="write formula-driven workbooks (all experiments without names)")
    build.add_argument("names", nargs="*", metavar="NAME", help="experiments from `xlgen list`")
    build.add_argument("--variant", choices=[*VARIANTS, "all"], help="default: all (plain with --exercise)")
    build.add_argument("--set", action="append", metavar="KEY=VALUE", help="a parameter (repeatable)")
    build.add_argument("--out", default="workbooks", metavar="DIR", help="folder for the .xlsx files")
    build.add_argument("--force", action="store_true", help="overwrite workbooks edited since they were built")
    build.add_argument("--exercise", action="store_true",
                       help="write NAME-exercise.xlsx: the lesson's formulas left empty for a learner")
    build.add_argument("--blank", metavar="QUANTITY,...",
                       help="with --exercise: the quantities to leave empty (see `xlgen list --quantities NAME`)")
    build.set_defaults(run=command_build)

    check = commands.add_parser("check", help="recompute workbooks and diff them cell by cell against the reference")
    check.add_argument("paths", nargs="+", metavar="PATH", help="workbooks, or folders of them")
    check.add_argument("--spec", metavar="FILE", help="TOML spec for a workbook xlgen did not write: a file, or a name from `xlgen specs`")
    check.add_argument("--experiment", metavar="NAME", help="for a workbook without a spec: check with the spec "
                       "drafted from it for experiment NAME (as `xlgen spec` does), and print that spec")
    check.add_argument("--reference", metavar="MODULE:FUNCTION", help="your own reference function")
    check.add_argument("--engine", default="fast", choices=list(ENGINES))
    check.add_argument("--rtol", type=float, help="relative tolerance (default 1e-9)")
    check.add_argument("--atol", type=float, help="absolute tolerance (default 1e-12)")
    check.add_argument("--json", metavar="FILE", help="machine-readable report ('-': standard output)")
    check.add_argument("--html", metavar="FILE", help="a page for a learner: where the error starts, "
                       "then each failing quantity charted and listed beside the reference")
    check.add_argument("--junit", metavar="FILE", help="JUnit XML, one test case per workbook")
    check.add_argument("--jobs", type=int, metavar="N",
                       help="check several workbooks in N processes (default: the cores)")
    check.add_argument("--timeout", type=float, metavar="SECONDS",
                       help=f"time limit per workbook checked in a worker process (default {TIMEOUT:g})")
    check.add_argument("--gradebook", metavar="FILE",
                       help="CSV, one row per workbook: status, quantities right, first wrong cell, reason")
    check.set_defaults(run=command_check)

    explain = commands.add_parser("explain", help="one cell's formula laid out and evaluated step by step, "
                                  "against the reference where the workbook is checked")
    explain.add_argument("path", metavar="PATH", help="the workbook")
    explain.add_argument("cell", metavar="CELL", help="the cell, like momentum!J17 or \"'My SGD'!C23\"")
    explain.add_argument("--spec", metavar="FILE", help="TOML spec (or a shipped spec's name) for a workbook "
                         "xlgen did not write")
    explain.add_argument("--experiment", metavar="NAME", help="for a workbook without a spec: use the spec "
                         "drafted from it for experiment NAME")
    explain.set_defaults(run=command_explain)

    spec = commands.add_parser("spec", help="draft the TOML spec of a hand-made workbook, from its values, "
                               "formulas, headers and labels")
    spec.add_argument("path", metavar="PATH", help="the workbook")
    spec.add_argument("--experiment", required=True, metavar="NAME", help="what it computes, from `xlgen list`")
    spec.add_argument("--out", metavar="FILE", help="write the spec here ('-' or nothing: standard output)")
    spec.set_defaults(run=command_spec)

    plot = commands.add_parser("plot", help="PNGs of an experiment's charts, drawn from the reference")
    plot.add_argument("name", help="an experiment from `xlgen list`")
    plot.add_argument("--set", action="append", metavar="KEY=VALUE", help="a parameter (repeatable)")
    plot.add_argument("--out", default="plots", metavar="DIR", help="folder for the PNG files")
    plot.set_defaults(run=command_plot)
    return parser


class Terminated(BaseException):
    """SIGTERM, raised where the program is, so that what Ctrl-C cleans up (a half-written temporary file, an
    engine's child processes) is cleaned up the same way."""


def _raise_terminated(signum, frame) -> None:
    raise Terminated


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    try:
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:  # not the main thread: signals are not ours to handle
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with _sigterm_raises():
            code = args.run(args)
            sys.stdout.flush()  # a reader that left is met here, not in the interpreter's exit
            return code
    except BrokenPipeError:
        # stdout's reader left (`xlgen check ... | head`): end as a program stopped by SIGPIPE, with no verdict
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    except XlgenError as error:
        print(visible(f"xlgen: error: {' '.join(str(error).split())}"), file=sys.stderr)
        return 2
    except (MemoryError, RecursionError, OSError, ValueError) as error:
        if os.environ.get("XLGEN_DEBUG"):
            raise
        print(visible(f"xlgen: error: {type(error).__name__}: {' '.join(str(error).split())}"), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("xlgen: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("xlgen: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM


if __name__ == "__main__":
    sys.exit(main())
