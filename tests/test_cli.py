"""The command line: list and reference for every experiment, and one-line errors with exit code 2."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import reference
from xlgen.cli import main

ROOT = Path(__file__).resolve().parents[1]
NAMES = [
    "basic-sgd", "momentum", "rmsprop", "adam", "adam-annealing", "two-neuron-collapse", "two-neuron-relu",
    "two-neuron-relu-momentum", "momentum-sin", "derivative-d", "average-grad", "fastai-sgd", "fastai-rmsprop",
    "fastai-adam", "wd-vs-l2",
]


def test_list_shows_every_experiment(capsys):
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == NAMES
    assert all(len(line.split("\t")) == 2 and line.split("\t")[1] for line in lines)


@pytest.mark.parametrize("name", NAMES)
def test_reference_writes_the_table_as_csv(capsys, name):
    assert main(["reference", name]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    experiment = reference.experiment(name)
    assert {q.name for q in experiment.quantities} <= set(table.columns)
    assert {"epoch", "step"} <= set(table.columns)
    assert len(table) == len(reference.run(name))


def test_reference_with_settings_and_a_file(tmp_path, capsys):
    path = tmp_path / "basic.csv"
    assert main(["reference", "basic-sgd", "--set", "lr=0.001", "--set", "epochs=2", "--csv", str(path)]) == 0
    table = pd.read_csv(path)
    assert len(table) == 58
    assert table.loc[0, "new_b"] == 1 - (-86.0) * 0.001  # by hand: b − de/db·lr with de/db = 2·(15 − 58)


@pytest.mark.parametrize("argv, message", [
    (["reference", "nope"], "unknown experiment 'nope'"),
    (["reference", "basic-sgd", "--set", "lr"], "--set expects key=value"),
    (["reference", "basic-sgd", "--set", "speed=3"], "has no parameter 'speed'"),
    (["reference", "basic-sgd", "--set", "epochs=two"], "bad parameter value"),
    (["build", "basic-sgd", "--variant", "plain", "--set", "epochs=1.5"], "bad parameter value"),
])
def test_bad_usage_is_one_line_and_exit_2(capsys, tmp_path, argv, message):
    code = main(argv + (["--out", str(tmp_path)] if argv[0] == "build" else []))
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("xlgen: error:") and message in err and err.count("\n") == 1


# -- start-up: a command imports only what it uses -------------------------------------------------------------

_LIBRARIES = ("pandas", "openpyxl", "matplotlib", "xlsxwriter", "numpy")
_RUN_AND_LIST_LIBRARIES = f"""
import sys
from xlgen.cli import main
code = main(sys.argv[1:])
print(code, *sorted({{name.partition(".")[0] for name in sys.modules}} & set({_LIBRARIES!r})))
"""


@pytest.mark.parametrize("argv, unused", [
    (["list"], {"pandas", "openpyxl", "matplotlib", "xlsxwriter"}),
    (["check", "workbooks/basic-sgd.xlsx"], {"pandas", "openpyxl", "matplotlib", "xlsxwriter"}),
])
def test_commands_import_no_library_they_do_not_use(argv, unused):
    """Each library costs tens of milliseconds of start-up: `xlgen check` reads, evaluates and compares with
    numpy alone (the reference as plain columns, openpyxl's tokenizer file without its package)."""
    done = subprocess.run([sys.executable, "-c", _RUN_AND_LIST_LIBRARIES, *argv], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    code, *loaded = done.stdout.splitlines()[-1].split()
    assert code == "0", done.stdout + done.stderr
    assert set(loaded) & unused == set()


@pytest.mark.parametrize("argv", [["list"], ["check", "workbooks/basic-sgd.xlsx"]])
def test_a_reader_that_leaves_ends_the_command_as_sigpipe_does(argv):
    """`xlgen check ... | head`: no traceback, no error line, and no exit code that reads as a verdict (0, 1)
    or as bad input (2): 141, as for a program that SIGPIPE stops."""
    process = subprocess.Popen([sys.executable, "-m", "xlgen.cli", *argv], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, cwd=ROOT)
    process.stdout.close()  # before the command writes a byte
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == 141
    assert stderr == b""
