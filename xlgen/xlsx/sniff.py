"""What a file is, when it is not the .xlsx it claims to be: one clear sentence for the error message.

Looks only at the first bytes and, for zip files, at the names of the entries:
nothing is decompressed, nothing is executed.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")  # Microsoft's compound file: .xls, .doc, and encrypted .xlsx
ZIP = b"PK\x03\x04"
EMPTY_ZIP = b"PK\x05\x06"
MAX_SCAN = 64 << 20  # bytes of a compound file searched for the encryption streams' names


def describe(path: Path) -> str | None:
    """Why ``path`` is not an .xlsx/.xlsm workbook, or None when it looks like one."""
    from ..discovery import not_a_regular_file

    why = not_a_regular_file(path)
    if why is not None:
        return why  # never opened: a named pipe would block until someone writes to it
    try:
        with open(path, "rb") as stream:
            head = stream.read(1 << 16)
    except IsADirectoryError:
        return "is a folder, not a workbook"
    except OSError as error:
        return f"cannot be read ({error.strerror or error})"
    if not head:
        return "is empty (0 bytes), not a workbook"
    if head.startswith(OLE2):
        # An encrypted .xlsx is a compound file holding the streams EncryptionInfo and EncryptedPackage;
        # their names (UTF-16) sit in the directory, which may be anywhere in the file.
        with open(path, "rb") as stream:
            content = stream.read(MAX_SCAN)
        if "EncryptionInfo".encode("utf-16-le") in content or "EncryptedPackage".encode("utf-16-le") in content:
            return "is a password-protected (encrypted) workbook; save an unprotected copy to check it"
        return "is an Excel 97-2003 .xls file (or another OLE2 document); save it as .xlsx to check it"
    if head.startswith(EMPTY_ZIP):
        return "is an empty zip archive, not a workbook"
    if not head.startswith(ZIP):
        if head.lstrip().startswith((b"<?xml", b"<")):
            return "is an XML or HTML file, not an .xlsx workbook (a zip archive)"
        return "is not an .xlsx workbook (not a zip archive)"
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except zipfile.BadZipFile:
        return "is a damaged or truncated zip archive, not a readable workbook"
    except (OSError, EOFError, ValueError) as error:
        return f"is a zip archive that cannot be read ({error})"
    if b"opendocument.spreadsheet" in mimetype:
        return "is an OpenDocument spreadsheet (.ods); save it as .xlsx to check it"
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names or "ppt/presentation.xml" in names:
            return "is a Word or PowerPoint file, not an Excel workbook"
        return "is a zip archive without xl/workbook.xml, not an .xlsx workbook"
    return None
