"""The plan's printable progress report (规划实施进展报告) for the bureau office, as a PDF in
Chinese (WeasyPrint, Noto Sans CJK SC; the same helper shape as the fund statement's): the
targets with their lights for the actor's division and its children, the tasks by responsible
unit with the overdue ones named, and the facilities and projects in figures."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Sum
from django.template.loader import render_to_string
from django.utils import translation

from safetynet.accounts.models import User

from . import selectors
from .models import HomeStatus, TaskStatus, Unit


def report_context(*, actor: User, as_of: dt.date) -> dict:
    board = selectors.dashboard(actor=actor, as_of=as_of)
    tasks = selectors.tasks_visible_to(actor)
    overdue = tasks.filter(selectors.overdue_q(as_of)).order_by("due_on", "code")
    by_unit = []
    for value, label in Unit.choices:
        qs = tasks.filter(unit=value)
        n = qs.count()
        if n:
            by_unit.append(
                (
                    label,
                    n,
                    qs.filter(status=TaskStatus.DONE).count(),
                    qs.filter(selectors.overdue_q(as_of)).count(),
                )
            )
    homes = selectors.homes_visible_to(actor)
    home_counts = dict(
        homes.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    coverage = selectors.station_coverage(actor=actor)
    purchases = selectors.purchase_totals(selectors.purchases_visible_to(actor))
    projects = selectors.projects_visible_to(actor)
    weak, total = selectors.weak_village_share(projects)
    return {
        "title": f"{board.division.name}困难群众帮扶实施方案进展报告",
        "as_of": as_of,
        "board": board,
        "by_unit": by_unit,
        "overdue": overdue,
        "latest": selectors.latest_reports(t.pk for t in overdue),
        "homes": [(label, home_counts.get(v, 0)) for v, label in HomeStatus.choices],
        "home_subsidy": int(homes.aggregate(s=Sum("subsidy_fen"))["s"] or 0),
        "stations": selectors.stations_visible_to(actor).count(),
        "communities": len(coverage),
        "covered": sum(1 for c in coverage if c.stations),
        "purchases": purchases,
        "projects": projects.count(),
        "weak_fen": weak,
        "project_fen": total,
    }


def progress_report_pdf(*, actor: User, as_of: dt.date) -> bytes:
    """The report rendered to PDF bytes; always in Chinese, whatever the UI language."""
    from weasyprint import HTML  # heavy: imported only when a report is rendered

    with translation.override("zh-hans"):
        html = render_to_string("plan/report_pdf.html", report_context(actor=actor, as_of=as_of))
    return HTML(string=html).write_pdf()
