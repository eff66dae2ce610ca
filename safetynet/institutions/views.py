"""What the institutions' staff screens share (the medical and funerals apps' views use it)."""

from __future__ import annotations

from safetynet.core.files import attachment_response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def payable_file_response(rf):
    """A reimbursement payable file (ADR 1140) as it was sent to the bank, as an attachment."""
    ext = rf.file.name.rsplit(".", 1)[-1]
    return attachment_response(
        rf.file, filename=f"{rf.reference}.{ext}", content_type="text/csv" if ext == "csv" else XLSX
    )
