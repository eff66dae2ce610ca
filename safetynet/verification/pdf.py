"""The report as a PDF in Chinese (WeasyPrint; Noto Sans CJK SC from Debian's fonts-noto-cjk)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from .models import Report
from .report import report_context


def report_pdf(*, report: Report) -> bytes:
    """The numbered report rendered to PDF bytes; always in Chinese, whatever the UI language."""
    from weasyprint import HTML  # heavy: imported only when a report is rendered

    with translation.override("zh-hans"):
        html = render_to_string("verification/report_pdf.html", report_context(report))
    return HTML(string=html).write_pdf()
