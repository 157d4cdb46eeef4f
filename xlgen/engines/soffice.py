"""Finding LibreOffice and starting it headless, with a private profile that recalculates and runs no macros.

Used by the ``libreoffice`` engine and by :mod:`xlgen.render`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..errors import XlgenError
from .processes import group_of, kill_group, start_group

INSTALL_HINT = "install it (Debian bookworm: apt-get install -t bookworm-backports libreoffice-calc-nogui python3-uno)"

_REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse">\
<value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" \
oor:op="fuse"><value>true</value></prop></item>
</oor:items>
"""


def find_soffice(explicit: str | None = None) -> str:
    """``explicit``, else ``$XLGEN_SOFFICE``, else ``soffice`` or ``libreoffice`` on the PATH."""
    for candidate in (explicit, os.environ.get("XLGEN_SOFFICE"), "soffice", "libreoffice"):
        if candidate and (found := shutil.which(candidate)):
            return found
    raise XlgenError(f"LibreOffice (soffice) not found; {INSTALL_HINT}, or set XLGEN_SOFFICE")


def find_uno_python(soffice: str, explicit: str | None = None) -> str:
    """A Python that can ``import uno``: ``explicit``, ``$XLGEN_LO_PYTHON``, LibreOffice's own, or the system's.

    Debian's ``python3-uno`` is built for ``/usr/bin/python3``, which need not be
    the interpreter running xlgen; the LibreOffice packages from
    libreoffice.org bring their own ``program/python``.
    """
    program = Path(os.path.realpath(soffice)).parent
    for candidate in (explicit, os.environ.get("XLGEN_LO_PYTHON"), str(program / "python"), "/usr/bin/python3"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return sys.executable


def write_profile(directory: Path) -> str:
    """A LibreOffice user profile in ``directory`` that recalculates on load and never runs macros; its URL."""
    user = directory / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(_REGISTRY, encoding="utf-8")
    return directory.as_uri()


def soffice_command(soffice: str, profile_url: str) -> list[str]:
    """The start of every headless LibreOffice command line xlgen runs."""
    return [soffice, "--headless", "--invisible", "--norestore", "--nolockcheck", "--nologo", "--nodefault",
            f"-env:UserInstallation={profile_url}"]


def run_group(command: list[str], timeout: float, what: str) -> subprocess.CompletedProcess:
    """Run ``command`` in its own process group; on timeout kill the group and raise ``XlgenError``."""
    process = start_group(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)
    with group_of(process):
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(process)
            raise XlgenError(f"{what}: LibreOffice did not finish within {timeout:g} s") from None
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


__all__ = ["INSTALL_HINT", "find_soffice", "find_uno_python", "run_group", "soffice_command", "write_profile"]
