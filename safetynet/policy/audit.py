"""The policy audit trail (政策审计记录, ADR 1432): every proposal, approval and rejection of a
parameter change and every price-index entry, correction and import — who, when, with which
reference — filterable, for the auditor. A selector: reads only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from safetynet.accounts.permissions import require

from .models import IndexImport, ParameterChangeEvent, PriceIndexEvent

VIEW = "policy.view_policy_audit"
AREAS = ("parameter", "index")
EVENTS = ("proposed", "approved", "rejected", "entered", "corrected", "imported")


@dataclass(frozen=True)
class AuditRow:
    at: dt.datetime
    actor: str
    area: str  # parameter | index
    event: str  # one of EVENTS
    subject: str  # the parameter's name (code) or the index month and kind
    subject_code: str  # parameter name or index kind, for labels
    item: str  # change #ID, index month, import #ID
    reference: str  # legal reference (document number and date) or the index's source
    detail: dict[str, Any]


def _parameter_rows(qs) -> list[AuditRow]:
    out = []
    for e in qs:
        c = e.change
        detail = {"effective": c.effective, "value": c.value, "kind": c.kind}
        note = (e.data or {}).get("note") or (e.data or {}).get("reason") or ""
        if note:
            detail["note"] = note
        if e.kind == "approved":
            a = getattr(c, "retroactive", None)
            if a is not None:  # a retroactive change: its arrears (ADR 1431)
                detail["arrears"] = {
                    "months": a.months,
                    "arrears_fen": a.arrears_fen,
                    "overpayment_fen": a.overpayment_fen,
                }
        out.append(
            AuditRow(
                e.at,
                e.actor.username,
                "parameter",
                e.kind,
                c.name,
                c.name,
                f"#{c.pk}",
                c.reference,
                detail,
            )
        )
    return out


def _index_rows(qs) -> list[AuditRow]:
    out = []
    for e in qs:
        i = e.index
        data = e.data or {}
        detail = {"value": data.get("value"), "cumulative": data.get("cumulative")}
        if "old" in data:
            detail["old"] = data["old"]
        if e.source_file_id:
            detail["file"] = e.source_file.file_name
        out.append(
            AuditRow(
                e.at,
                e.actor.username,
                "index",
                e.kind,
                f"{i.month} {i.kind}",
                i.kind,
                i.month,
                data.get("source") or i.source,
                detail,
            )
        )
    return out


def _import_rows(qs) -> list[AuditRow]:
    return [
        AuditRow(
            imp.imported_at,
            imp.imported_by.username,
            "index",
            "imported",
            imp.file_name,
            "",
            f"#{imp.pk}",
            imp.file_name,
            {"rows": imp.rows, "sha256": imp.sha256},
        )
        for imp in qs
    ]


def audit_trail(
    actor,
    *,
    area: str = "",
    event: str = "",
    user: str = "",
    text: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[AuditRow]:
    """The policy audit trail, newest first, filtered by area (parameter/index), event, the
    actor's user name, a text in the subject or reference, and a date range (inclusive)."""
    require(actor, VIEW)
    pe = ParameterChangeEvent.objects.select_related("change", "change__retroactive", "actor")
    ie = PriceIndexEvent.objects.select_related("index", "actor", "source_file")
    im = IndexImport.objects.select_related("imported_by")
    tz = timezone.get_current_timezone()
    if since:
        start = dt.datetime.combine(since, dt.time.min, tzinfo=tz)
        pe, ie, im = (
            pe.filter(at__gte=start),
            ie.filter(at__gte=start),
            im.filter(imported_at__gte=start),
        )
    if until:
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        pe, ie, im = pe.filter(at__lt=end), ie.filter(at__lt=end), im.filter(imported_at__lt=end)
    if user:
        pe = pe.filter(actor__username=user)
        ie = ie.filter(actor__username=user)
        im = im.filter(imported_by__username=user)
    if event:
        pe, ie = pe.filter(kind=event), ie.filter(kind=event)
        if event != "imported":
            im = im.none()
    if text:
        pe = pe.filter(change__name__icontains=text) | pe.filter(
            change__reference_number__icontains=text
        )
        ie = (
            ie.filter(index__month__icontains=text)
            | ie.filter(index__kind__icontains=text)
            | ie.filter(index__source__icontains=text)
        )
        im = im.filter(file_name__icontains=text)
    rows: list[AuditRow] = []
    if area in ("", "parameter"):
        rows += _parameter_rows(pe)
    if area in ("", "index"):
        rows += _index_rows(ie) + _import_rows(im)
    rows.sort(key=lambda r: (r.at, r.area, r.item), reverse=True)
    return rows
