"""The engines' child processes die with xlgen: on Ctrl-C, on SIGTERM, and when xlgen is killed outright."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import ROOT, in_the_foreground, needs_libreoffice

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads processes from /proc")


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (children listed by /proc, recursively)."""
    found: set[int] = set()
    pending = [pid]
    while pending:
        parent = pending.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    pending.append(child)
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for its parent to read its status does not)."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return status.rsplit(")", 1)[1].split()[0] != "Z"


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.fixture(scope="module")
def slow_for_formulas(tmp_path_factory) -> Path:
    """A workbook the formulas engine takes well over a few seconds on (about 18,000 formula cells, under its limit of 20,000)."""
    out = tmp_path_factory.mktemp("big")
    from xlgen.builder import build

    build("basic-sgd", ["plain"], {"epochs": "45"}, out=out)
    return out / "basic-sgd.xlsx"


def start_check(path: Path, engine: str, **options) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "xlgen.cli", "check", str(path), "--engine", engine],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            preexec_fn=in_the_foreground, **options)


def wait_for_children(check: subprocess.Popen, name: str) -> set[int]:
    """The check's descendants, once one of them runs ``name`` (e.g. soffice) and has had a second to work."""
    def started() -> bool:
        return any(name in _command(pid) for pid in descendants(check.pid))

    assert wait_for(started, 120), "the engine's child never started"
    time.sleep(1)
    found = descendants(check.pid)
    assert found
    return found


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


@pytest.mark.parametrize("stop, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupting_a_formulas_check_stops_its_child(slow_for_formulas, stop, code):
    check = start_check(slow_for_formulas, "formulas")
    try:
        children = wait_for_children(check, "formulas_engine")
        check.send_signal(stop)
        _, err = check.communicate(timeout=60)
        assert check.returncode == code, err
        assert "Traceback" not in err
        assert wait_for(lambda: not any(alive(pid) for pid in children), 10), "the formulas child outlived xlgen"
    finally:
        check.kill()


def test_killing_xlgen_outright_stops_the_formulas_child(slow_for_formulas):
    check = start_check(slow_for_formulas, "formulas")
    try:
        children = wait_for_children(check, "formulas_engine")
        check.kill()  # SIGKILL: no Python code of xlgen runs
        check.wait(timeout=10)
        assert wait_for(lambda: not any(alive(pid) for pid in children), 10), "the formulas child outlived xlgen"
    finally:
        check.kill()


@needs_libreoffice
@pytest.mark.libreoffice
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGKILL])
def test_stopping_a_libreoffice_check_stops_soffice(slow_for_formulas, stop):
    check = start_check(slow_for_formulas, "libreoffice")
    try:
        children = wait_for_children(check, "soffice")
        check.send_signal(stop)
        check.communicate(timeout=60)
        assert wait_for(lambda: not any(alive(pid) for pid in children), 20), "soffice outlived xlgen"
    finally:
        check.kill()


def test_sigterm_during_a_build_leaves_no_temporary_file(tmp_path, monkeypatch):
    """SIGTERM arrives while the workbook's temporary file is half written: it is removed, as on Ctrl-C."""
    from xlgen import atomic
    from xlgen.cli import main

    def terminated_midway(self, data):
        with open(self, "wb") as stream:
            stream.write(data[: len(data) // 2])
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(atomic.Path, "write_bytes", terminated_midway)
    assert main(["build", "momentum-sin", "--variant", "plain", "--out", str(tmp_path)]) == 143
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
