"""Child processes that die with xlgen: the `formulas` interpreter, LibreOffice's client and its soffice.

A child starts as the leader of its own process group, so that one signal stops it and all it started
(soffice forks soffice.bin). It never outlives xlgen:

- xlgen stopped by Ctrl-C, SIGTERM or an error: :func:`group_of` kills the group on the way out;
- xlgen killed outright (SIGKILL, the OOM killer): on Linux the kernel sends the child SIGTERM
  (``prctl(PR_SET_PDEATHSIG)``, set between fork and exec), and a child that started others kills its group
  on SIGTERM (LibreOffice's client does).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
from collections.abc import Iterator

_PR_SET_PDEATHSIG = 1


def _die_with_parent_hook():
    """A ``preexec_fn`` asking the kernel for SIGTERM when the parent dies (Linux), or None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None
    prctl = libc.prctl  # looked up here: nothing may be loaded between fork and exec
    parent = os.getpid()

    def die_with_parent() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the request was made
            os._exit(1)

    return die_with_parent


def start_group(command: list[str], **options) -> subprocess.Popen:
    """``subprocess.Popen(command, **options)`` as the leader of a new process group that dies with xlgen."""
    return subprocess.Popen(command, start_new_session=True, preexec_fn=_die_with_parent_hook(), **options)


def kill_group(process: subprocess.Popen) -> None:
    """Kill ``process`` and everything it started (it leads its own process group)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@contextlib.contextmanager
def group_of(process: subprocess.Popen) -> Iterator[subprocess.Popen]:
    """The block that waits for ``process``; leaving it by any exception (Ctrl-C too) kills the group."""
    try:
        yield process
    except BaseException:
        kill_group(process)
        raise



__all__ = ["start_group", "kill_group", "group_of"]
