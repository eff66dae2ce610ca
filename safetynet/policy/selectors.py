"""Reads of parameter changes, and the approved overlay the rules engine takes (ADR 1400)."""

from __future__ import annotations

import threading

from django.db.models import Count, Max, Q, QuerySet

from safetynet.rules.overlay import Change

from .models import ChangeStatus, ParameterChange, ParameterChangeEvent

_lock = threading.Lock()
_cached: tuple[tuple, tuple[Change, ...]] | None = None


def as_change(c: ParameterChange) -> Change:
    """A stored change as the rules take it."""
    return Change(
        name=c.name,
        effective=c.effective,
        value=c.value or None,
        kind=c.kind,
        reference=c.reference,
        id=c.pk,
        approved_at=c.decided_at,
    )


def approved_changes() -> tuple[Change, ...]:
    """Every approved change, in order of approval: the overlay source of the rules.

    Cached per process; each call costs one aggregate query (count and latest decision) that
    tells whether another process approved something since, so no process computes with a
    stale tree and a rolled-back approval is never kept."""
    global _cached
    version = tuple(
        ParameterChange.objects.filter(status=ChangeStatus.APPROVED)
        .aggregate(n=Count("id"), last=Max("decided_at"), top=Max("id"))
        .values()
    )
    cached = _cached
    if cached is not None and cached[0] == version:
        return cached[1]
    rows = ParameterChange.objects.filter(status=ChangeStatus.APPROVED).order_by("decided_at", "id")
    changes = tuple(as_change(c) for c in rows)
    with _lock:
        _cached = (version, changes)
    return changes


def invalidate() -> None:
    """Forget the cached overlay (called on approval)."""
    global _cached
    with _lock:
        _cached = None


def changes_list(status: str | None = None, q: str = "") -> QuerySet[ParameterChange]:
    """Parameter changes (of a status); `q`: a part of the parameter's key or of its Chinese
    name (ADR 1033)."""
    qs = ParameterChange.objects.select_related("author", "approver")
    text = (q or "").strip()
    if text:
        from safetynet.core.labels import PARAMETER_NAMES_ZH

        named = [key for key, zh in PARAMETER_NAMES_ZH.items() if text in zh]
        qs = qs.filter(
            Q(name__icontains=text) | Q(name__in=named) | Q(reference_number__contains=text)
        )
    return qs.filter(status=status) if status else qs


def change_events(change: ParameterChange | None = None) -> QuerySet[ParameterChangeEvent]:
    """The audit trail of parameter changes (all, or one change's)."""
    qs = ParameterChangeEvent.objects.select_related("change", "actor")
    return qs.filter(change=change) if change is not None else qs


def change_rows(changes) -> list[dict]:
    """Each change beside the shipped value and the value in force now at its date (the
    parameters page shows proposed, approved and shipped values side by side)."""
    import datetime as dt

    from safetynet.core.labels import parameter_value
    from safetynet.rules.overlay import effective_parameters
    from safetynet.rules.parameters import MissingParameterValue, load_shipped

    shipped, effective = load_shipped(), effective_parameters()

    def shown(params, c) -> str:
        try:
            p = params.get(c.name)
            v = p.month(c.effective) if p.kind == "monthly_series" else None
            if p.kind == "dated":
                v = p.at(dt.date.fromisoformat(c.effective))
        except (MissingParameterValue, ValueError):
            return "—"
        return parameter_value(p.name, p.unit, v.value) if v is not None else "—"

    rows = []
    for c in changes:
        unit = shipped.get(c.name).unit if c.name in shipped else ""
        rows.append(
            {
                "change": c,
                "shipped": shown(shipped, c),
                "in_force": shown(effective, c),
                "proposed": c.value if c.value else "—",
                "unit": unit,
            }
        )
    return rows
