"""Uploads accepted by their content, never by their name (ARCHITECTURE "Files", ADR 0730).

- `scan_type(upload)`: a PDF, JPEG or PNG by its first bytes (magic numbers), else refused.
- `check_xlsx(data)`: a zip with the OOXML spreadsheet structure whose central directory promises a
  bounded expansion (total and per-member uncompressed size, compression ratio, member count),
  checked before openpyxl parses anything: a 200 KB file holding a 191 MB string is refused in
  milliseconds. Python's zipfile stops reading a member at its declared size and fails its CRC
  check if the member holds more, so the declared sizes cannot be exceeded by lying.

Refusals raise `FileRefused` (a ServiceError: stable code, a message for the user). No Django
models here; messages are gettext strings.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .errors import FieldProblem, ServiceError

MB = 1024 * 1024

FILE_TYPE = "file_type"
FILE_TOO_LARGE = "file_too_large"
FILE_EMPTY = "file_empty"
XLSX_EXPANDS_TOO_MUCH = "xlsx_expands_too_much"


class FileRefused(ServiceError):
    """An upload refused for its content or size; `field` names the form field."""

    def __init__(self, code: str, message: str, *, field: str = "file"):
        super().__init__(code, message, [FieldProblem(field=field, message=message, code=code)])
        self.field = field


@dataclass(frozen=True)
class FileType:
    ext: str
    content_type: str
    label: str


PDF = FileType("pdf", "application/pdf", "PDF")
JPEG = FileType("jpg", "image/jpeg", "JPEG")
PNG = FileType("png", "image/png", "PNG")
XLSX = FileType(
    "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel .xlsx"
)
SCAN_TYPES = (PDF, JPEG, PNG)
_MAGIC = ((b"%PDF-", PDF), (b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG))
SCAN_MAX_BYTES = 10 * MB


def sniff(head: bytes) -> FileType | None:
    """The scan type whose signature `head` starts with, else None."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return None


def _head(upload, n: int = 16) -> bytes:
    if isinstance(upload, bytes | bytearray):
        return bytes(upload[:n])
    pos = upload.tell() if hasattr(upload, "tell") else None
    if hasattr(upload, "seek"):
        upload.seek(0)
    head = upload.read(n)
    if hasattr(upload, "seek"):
        upload.seek(pos or 0)
    return head


def _size(upload) -> int | None:
    if isinstance(upload, bytes | bytearray):
        return len(upload)
    return getattr(upload, "size", None)


def scan_type(upload, *, field: str = "authorization_scan", max_bytes: int = SCAN_MAX_BYTES):
    """The FileType of an uploaded scan (PDF, JPEG or PNG by content), or FileRefused. The file's
    name and the browser's content type are ignored."""
    size = _size(upload)
    if size is not None and size > max_bytes:
        raise _too_large(max_bytes, field)
    head = _head(upload)
    if not head:
        raise FileRefused(FILE_EMPTY, _("The file is empty."), field=field)
    kind = sniff(head)
    if kind is None:
        raise FileRefused(
            FILE_TYPE,
            _("Only a PDF, JPEG or PNG scan is accepted; this file is none of them."),
            field=field,
        )
    return kind


@dataclass(frozen=True)
class XlsxLimits:
    """What an uploaded .xlsx may expand to. A 50,000-row roster (the importer's maximum) is a
    3.4 MB file whose sheet expands to 58 MB at a ratio of 17 (measured, ADR 0731)."""

    max_bytes: int = 20 * MB  # the file itself
    max_total: int = 200 * MB  # all members, uncompressed
    max_member: int = 100 * MB  # one member, uncompressed
    max_ratio: int = 100  # uncompressed / compressed, for members above `ratio_from`
    ratio_from: int = 1 * MB
    max_members: int = 1000


XLSX_LIMITS = XlsxLimits()
_OOXML_WORKBOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def check_xlsx(data: bytes, *, field: str = "file", limits: XlsxLimits = XLSX_LIMITS) -> None:
    """Refuse (FileRefused) unless `data` is an .xlsx workbook by content, whose expansion stays
    within `limits` — read from the zip's central directory, nothing is decompressed but the
    small `[Content_Types].xml`."""
    not_xlsx = _("This is not an Excel .xlsx file, or it is damaged.")
    if len(data) > limits.max_bytes:
        raise _too_large(limits.max_bytes, field)
    if not data.startswith(b"PK\x03\x04"):
        raise FileRefused(FILE_TYPE, not_xlsx, field=field)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise FileRefused(FILE_TYPE, not_xlsx, field=field) from None
    too_big = _(
        "This workbook would expand to %(mb)d MB when opened, beyond what an import may hold; "
        "it was refused unread. Remove unused sheets and very long cells, or split the file."
    )
    if len(members) > limits.max_members:
        raise FileRefused(
            XLSX_EXPANDS_TOO_MUCH,
            _("The workbook has more than %(n)d parts; it was refused unread.")
            % {"n": limits.max_members},
            field=field,
        )
    total = 0
    for m in members:
        if m.flag_bits & 0x1 or m.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise FileRefused(FILE_TYPE, not_xlsx, field=field)  # encrypted or exotic
        total += m.file_size
        ratio = m.file_size / max(m.compress_size, 1)
        if (
            m.file_size > limits.max_member
            or (m.file_size > limits.ratio_from and ratio > limits.max_ratio)
            or total > limits.max_total
        ):
            expands = sum(i.file_size for i in members)
            raise FileRefused(
                XLSX_EXPANDS_TOO_MUCH, too_big % {"mb": -(-expands // MB)}, field=field
            )
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise FileRefused(FILE_TYPE, not_xlsx, field=field)
    types = archive.getinfo("[Content_Types].xml")
    if types.file_size > MB:
        raise FileRefused(FILE_TYPE, not_xlsx, field=field)
    try:
        content_types = archive.read(types)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise FileRefused(FILE_TYPE, not_xlsx, field=field) from None
    if _OOXML_WORKBOOK.encode() not in content_types:
        raise FileRefused(FILE_TYPE, not_xlsx, field=field)  # e.g. .xlsm (macros) or .docx


def _too_large(max_bytes: int, field: str) -> FileRefused:
    return FileRefused(
        FILE_TOO_LARGE,
        _("The file is larger than %(mb)d MB.") % {"mb": max_bytes // MB},
        field=field,
    )


def read_upload(file, *, max_bytes: int, field: str = "file") -> bytes:
    """The bytes of an upload (bytes, a file object or a Django UploadedFile), refusing one larger
    than `max_bytes` before reading it when its size is known, and after `max_bytes + 1` bytes
    otherwise."""
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    else:
        size = _size(file)
        if size is not None and size > max_bytes:
            raise _too_large(max_bytes, field)
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_large(max_bytes, field)
    return data
