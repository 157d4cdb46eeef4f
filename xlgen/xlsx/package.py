"""Safe access to the parts of a workbook's zip package.

XML safety: a part containing a document type declaration is refused (no DTD,
so no entity expansion). The small parts (workbook, relationships, shared
strings) are parsed by defusedxml. A part larger than 1 GiB uncompressed (or
``$XLGEN_MAX_PART_BYTES``) is refused, by its declared size before anything is
inflated and by the bytes actually inflated, so a zip bomb stops early.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from defusedxml import ElementTree

from ..errors import XlgenError

MAX_PART_BYTES = 1 << 30  # default limit on one part's uncompressed size; XLGEN_MAX_PART_BYTES overrides it


_COMPRESSIONS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}  # what Excel and LibreOffice read


def open_package(path: Path) -> zipfile.ZipFile:
    """The workbook's zip archive, or an :class:`XlgenError` saying why it is not one.

    A part name used twice is refused (readers disagree on which copy counts),
    and so is a compression method other than stored and deflate.
    """
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise XlgenError(f"{path}: no such file") from None
    except (zipfile.BadZipFile, OSError) as error:
        raise XlgenError(f"{path}: not an .xlsx workbook ({error})") from None
    seen: set[str] = set()
    for info in archive.infolist():
        problem = None
        if info.filename.casefold() in seen:
            problem = f"holds two parts named {info.filename!r}; refusing to guess which one counts"
        elif info.compress_type not in _COMPRESSIONS:
            problem = (f"part {info.filename!r} is compressed with zip method {info.compress_type}; "
                       "workbooks use only stored or deflate")
        if problem:
            archive.close()
            raise XlgenError(f"{path}: {problem}")
        seen.add(info.filename.casefold())
    return archive


def part_limit() -> int:
    try:
        return int(os.environ.get("XLGEN_MAX_PART_BYTES", MAX_PART_BYTES))
    except ValueError:
        return MAX_PART_BYTES


def refuse_large(path: Path, member: str, size: int) -> None:
    limit = part_limit()
    if size > limit:
        raise XlgenError(f"{path}: {member} is {size:,} bytes uncompressed, over the limit of {limit:,} "
                         "(XLGEN_MAX_PART_BYTES); refusing to inflate it")


def open_part(path: Path, archive: zipfile.ZipFile, member: str):
    """A stream of one part, after checking the size its directory entry declares."""
    try:
        info = archive.getinfo(member)
    except KeyError:
        raise XlgenError(f"{path}: {member} is missing") from None
    refuse_large(path, member, info.file_size)
    return archive.open(info)


def refuse_doctype(path: Path, member: str, head: bytes | str) -> None:
    marker = b"<!DOCTYPE" if isinstance(head, bytes) else "<!DOCTYPE"
    if marker in head:
        raise XlgenError(f"{path}: {member} declares a document type; refusing it (XML entities are not expanded)")


def parse_part(path: Path, archive: zipfile.ZipFile, member: str):
    """A small part's XML tree (defusedxml), within the size limit and without a document type."""
    with open_part(path, archive, member) as stream:
        data = stream.read(part_limit() + 1)
    refuse_large(path, member, len(data))
    refuse_doctype(path, member, data[:4096])
    try:
        return ElementTree.fromstring(data)
    except Exception as error:  # defusedxml refusals, malformed XML
        raise XlgenError(f"{path}: {member} is not valid XML ({error})") from None
