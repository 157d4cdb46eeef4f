"""The wheel, as a pip user gets it: built from the source, installed in a fresh environment, run elsewhere.

The fresh environment borrows the dependencies (numpy, pandas, ...) of the
one running the tests through a path file, so nothing is downloaded; xlgen
itself comes from the wheel only, and the commands run in a folder that is not
the checkout.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow

NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
                                    ".hypothesis", "out")


def succeed(*command: object) -> str:
    """Run ``command``; its standard output, or the test fails showing its errors."""
    done = subprocess.run([str(part) for part in command], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The bin folder of a new virtual environment with the freshly built wheel installed in it."""
    pytest.importorskip("matplotlib", reason="xlgen plot needs the plot extra (matplotlib)")
    folder = tmp_path_factory.mktemp("wheel")
    source = folder / "source"  # a copy: building in place would leave build/ and *.egg-info in the checkout
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    succeed(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
            "--wheel-dir", folder / "dist", source)
    [wheel] = (folder / "dist").glob("xlgen-*.whl")

    environment = folder / "env"
    venv.create(environment, with_pip=False)
    python = environment / "bin" / "python"
    site = Path(succeed(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    # Plain path lines: the borrowed folders' own .pth files (an editable xlgen) are not run.
    borrowed = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site / "borrowed-dependencies.pth").write_text("".join(f"{path}\n" for path in borrowed))
    succeed(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "--quiet", wheel)
    return environment / "bin"


def run(bin_folder: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}
    env["MPLBACKEND"] = "Agg"
    return subprocess.run([str(bin_folder / args[0]), *args[1:]], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def test_xlgen_comes_from_the_wheel(installed, tmp_path):
    done = run(installed, tmp_path, "python", "-c", "import xlgen, reference; print(xlgen.__file__, reference.__file__)")
    assert done.returncode == 0, done.stderr
    environment = installed.parent.resolve()
    for module in done.stdout.split():
        assert Path(module).resolve().is_relative_to(environment), module


def test_list_build_check_reference_plot_from_another_folder(installed, tmp_path):
    listed = run(installed, tmp_path, "xlgen", "list")
    assert listed.returncode == 0, listed.stderr
    names = [line.split("\t")[0] for line in listed.stdout.splitlines()]
    assert {"basic-sgd", "momentum", "rmsprop", "adam", "adam-annealing"} <= set(names)

    built = run(installed, tmp_path, "xlgen", "build", "basic-sgd", "--out", "out")
    assert built.returncode == 0, built.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "basic-sgd-lambda.xlsx", "basic-sgd-let.xlsx", "basic-sgd.xlsx"]

    checked = run(installed, tmp_path, "xlgen", "check", "out")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    lines = checked.stdout.strip().splitlines()
    assert lines[-1] == "3 passed, 0 failed"
    assert all(line.startswith("PASS") for line in lines[:-1]) and len(lines) == 4

    table = run(installed, tmp_path, "xlgen", "reference", "basic-sgd")
    assert table.returncode == 0, table.stderr
    first = next(csv.DictReader(io.StringIO(table.stdout)))
    # Row 4 of the reset basic sheet, by hand: x=14, y=58, a=b=1.
    assert (float(first["x"]), float(first["y"]), float(first["a"]), float(first["b"])) == (14, 58, 1, 1)
    assert float(first["y_pred"]) == 15 and float(first["err2"]) == 43**2
    assert float(first["de_db"]) == -86 and float(first["de_da"]) == -86 * 14
    assert float(first["new_b"]) == 1 - (-86.0) * 1e-4

    plotted = run(installed, tmp_path, "xlgen", "plot", "basic-sgd", "--out", "plots")
    assert plotted.returncode == 0, plotted.stderr
    pictures = sorted((tmp_path / "plots").glob("*.png"))
    assert [p.name for p in pictures] == ["basic-sgd-1.png", "basic-sgd-2.png"]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pictures)


def test_shipped_specs_check_a_graddesc_workbook(installed, tmp_path, rebuilt_anchor):
    """The specs come with the wheel: ``--spec graddesc/momentum`` is a name, not a path in the checkout."""
    listed = run(installed, tmp_path, "xlgen", "specs")
    assert listed.returncode == 0, listed.stderr
    names = [line.split("\t")[0] for line in listed.stdout.splitlines()]
    assert {"graddesc/basic", "graddesc/momentum", "graddesc/rmsprop", "graddesc/adam", "graddesc/adam_ann"} <= set(
        names)
    workbook = shutil.copy(rebuilt_anchor("graddesc-course-v3.xlsm"), tmp_path / "graddesc.xlsx")
    checked = run(installed, tmp_path, "xlgen", "check", str(workbook), "--spec", "graddesc/momentum")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith("PASS") and checked.stdout.strip().endswith("1 passed, 0 failed")
