"""Retroactive changes (追溯调整, ADR 1431): approving a value whose effective date lies in months
already paid computes, per household, program and month, the arrears (补发) or overpayment (多发)
with the rules engine's ``arrears`` — the old effective tree against the new one over each paid
month's caseload, exported exactly as the payroll exports it. The payroll then pays the arrears
and reports the overpayments (recoveries) at its next run (ADR 0901: a month whose parameters
digest changed is recomputed); the assessment is the bureau's list of them, kept with the change
and exported as a workbook.

A change effective after every paid month finds no month: past months are left untouched.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from pathlib import Path

import numpy as np
from django.db import transaction

from safetynet.rules.overlay import Change, effective_parameters
from safetynet.rules.retro import arrears

from .models import ParameterChange, RetroactiveArrears, RetroactiveAssessment


def _effective_month(change: ParameterChange) -> str:
    return change.effective[:7]


def paid_months(from_month: str) -> list[str]:
    """The months from ``from_month`` on whose payroll has gone beyond the draft (a draft is
    simply recomputed by its next run, no arrears needed), no further back than the payroll
    pays arrears (``ARREARS_MONTHS`` before the month after the latest payroll)."""
    from safetynet.payments.models import Payroll
    from safetynet.payments.oneoff import ARREARS_MONTHS
    from safetynet.rules.columns import month_str, parse_month

    paid = Payroll.objects.exclude(status="draft")
    latest = paid.order_by("-month").values_list("month", flat=True).first()
    if latest is None:
        return []
    earliest = month_str(parse_month(latest) + 1 - ARREARS_MONTHS)
    return list(
        paid.filter(month__gte=max(from_month, earliest))
        .order_by("month")
        .values_list("month", flat=True)
    )


def _enrolled_households(batch, category: str) -> np.ndarray:
    """Households with a member payable in ``category`` in the batch's month (the engine's
    timing, ADR 0903)."""
    _has, payable = batch.with_month(batch.ym).enrolment(category)
    return batch.hh_sum(payable.astype(np.int64)) > 0


def compute(
    months: list[str], old: tuple[Change, ...], new: tuple[Change, ...]
) -> list[tuple[int, str, str, int]]:
    """(household id, program, month, new − old in fen) of every non-zero difference over the
    enrolled caseload of ``months``, the rules engine's ``arrears`` month by month; a program
    counts only for households enrolled in its category that month (as the payroll pays)."""
    from safetynet.payments.compute import MONTHLY_PROGRAMS, caseload_export
    from safetynet.rules.readers import read_city

    old_p, new_p = effective_parameters(old), effective_parameters(new)
    out: list[tuple[int, str, str, int]] = []
    with tempfile.TemporaryDirectory(prefix="retro-") as tmp:
        for m in months:
            work = Path(tmp) / m
            caseload = caseload_export(work, m)
            if caseload.households == 0:
                continue
            batch = read_city(work, m)
            a = arrears(batch, [m], old_p, new_p, programs=list(MONTHLY_PROGRAMS))
            for program, diff in a.by_month[m].items():
                category = MONTHLY_PROGRAMS.get(program)
                if category is None:
                    continue
                diff = np.where(_enrolled_households(batch.with_month(m), category), diff, 0)
                for i in np.flatnonzero(diff):
                    out.append((int(a.household_id[i]), program, m, int(diff[i])))
    return out


def assess(
    change: ParameterChange, old: tuple[Change, ...], new: tuple[Change, ...]
) -> RetroactiveAssessment | None:
    """At approval of ``change`` (``old``/``new``: the overlay before and after it): the
    assessment of the paid months it reaches, or None when it reaches none."""
    months = paid_months(_effective_month(change))
    if not months:
        return None
    rows = compute(months, old, new)
    with transaction.atomic():
        a = RetroactiveAssessment.objects.create(
            change=change,
            months=months,
            arrears_fen=sum(r[3] for r in rows if r[3] > 0),
            overpayment_fen=-sum(r[3] for r in rows if r[3] < 0),
            households=len({r[0] for r in rows}),
        )
        RetroactiveArrears.objects.bulk_create(
            [
                RetroactiveArrears(
                    assessment=a, household_id=h, program=p, month=m, amount_fen=amount
                )
                for h, p, m, amount in rows
            ],
            batch_size=5000,
        )
    return a


def per_household(assessment: RetroactiveAssessment) -> dict[tuple[int, str], int]:
    """{(household id, program): Σ over months} of an assessment."""
    out: dict[tuple[int, str], int] = {}
    for r in assessment.rows.all():
        key = (r.household_id, r.program)
        out[key] = out.get(key, 0) + r.amount_fen
    return out


def workbook(assessment: RetroactiveAssessment) -> bytes:
    """The assessment as an Excel list (household number, program, month, arrears/overpayment
    in yuan) for the payroll office."""
    from django.utils.translation import gettext as _
    from openpyxl import Workbook

    from safetynet.core.labels import label
    from safetynet.core.spreadsheet import safe_row
    from safetynet.rules.money import yuan

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Retroactive arrears"))
    c = assessment.change
    ws.append(safe_row(ws, [_("Change"), f"#{c.pk}", label("parameter", c.name), c.effective]))
    ws.append(safe_row(ws, [_("Reference"), c.reference]))
    ws.append([])
    ws.append(
        safe_row(
            ws,
            [_("Household"), _("Program"), _("Month"), _("Arrears (yuan)"), _("Overpaid (yuan)")],
        )
    )
    for r in assessment.rows.select_related("household").order_by(
        "household__number", "program", "month"
    ):
        ws.append(
            safe_row(
                ws,
                [
                    r.household.number,
                    str(label("program", r.program)),
                    r.month,
                    yuan(r.amount_fen) if r.amount_fen > 0 else "",
                    yuan(-r.amount_fen) if r.amount_fen < 0 else "",
                ],
            )
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()
