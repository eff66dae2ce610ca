"""Reads of the home page (ADR 1000): what waits for the user, and the dashboard's aggregates.

Every read starts from a scoped selector of its app (cases, verification, payments, funds,
registry) or from the actor's division prefix, so it is limited to the jurisdiction by
construction, and each block is asked only of the roles whose ability it needs (the one
permission map, ADR 0720): a role without it gets no block, never an error.

Cost: the waiting counts are small indexed counts, except the cases' per step, which are the
workbench's own (kept a minute, ADR 0820). The chart aggregates visit every recipient of the
jurisdiction (a grouped count over the enrolments in force): they are kept CHART_TTL seconds per
jurisdiction, drill-down level and day, the same for everyone there (`make bench-home`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safetynet.accounts.models import User
from safetynet.core import labels
from safetynet.registry.models import Category, Division, Enrolment
from safetynet.rules.money import yuan

# Aggregates that move with the month, not the minute: kept ten minutes per jurisdiction.
CHART_TTL = 600
# A division code's length at each level below the city: district, street, community.
CHILD_LENGTH = {6: 9, 9: 12}
CITY_CHILD_LENGTH = 6
TREND_MONTHS = 24


def _cached[T](key: str, ttl: int, compute: Callable[[], T]) -> T:
    found = cache.get(key)
    if found is not None:
        return found
    value = compute()
    cache.set(key, value, ttl)
    return value


def _prefix(actor: User) -> str | None:
    if not actor.is_authenticated or not actor.is_active:
        return None
    return actor.scope_prefix


# --------------------------------------------------------------------------- what waits for me
@dataclass(frozen=True)
class Waiting:
    """One count of work waiting for the user, with the list that shows it."""

    key: str  # stable, for tests and the page's data-testid
    label: str
    count: int
    url: str
    group: str  # the block it belongs to: verification, cases, payments, funds
    urgent: bool = False  # overdue: shown in red when not zero


def _url(name: str, **query: str) -> str:
    base = reverse(name)
    return f"{base}?{'&'.join(f'{k}={v}' for k, v in query.items())}" if query else base


def _verification_waiting(actor: User) -> list[Waiting]:
    from safetynet.verification import selectors as vs
    from safetynet.verification.models import RequestStatus, TaskStatus

    counts = vs.review_task_counts(actor=actor)
    requests = vs.requests_visible_to(actor)
    by_status = dict(
        requests.filter(status__in=[RequestStatus.AWAITING_MANUAL, RequestStatus.READY])
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    undecided = vs.reports_awaiting_decision(actor=actor).count()
    return [
        Waiting(
            "tasks_open",
            _("Review tasks not started"),
            counts[TaskStatus.OPEN],
            _url("verification:task-list", status=TaskStatus.OPEN),
            "verification",
        ),
        Waiting(
            "tasks_in_progress",
            _("Review tasks in progress"),
            counts[TaskStatus.IN_PROGRESS],
            _url("verification:task-list", status=TaskStatus.IN_PROGRESS),
            "verification",
        ),
        Waiting(
            "requests_manual",
            _("Requests waiting for manual sources"),
            by_status.get(RequestStatus.AWAITING_MANUAL, 0),
            _url("verification:request-list", status=RequestStatus.AWAITING_MANUAL),
            "verification",
        ),
        Waiting(
            "requests_ready",
            _("Requests waiting for their report"),
            by_status.get(RequestStatus.READY, 0),
            _url("verification:request-list", status=RequestStatus.READY),
            "verification",
        ),
        Waiting(
            "reports_undecided",
            _("Reports awaiting a decision"),
            undecided,
            _url("verification:request-list", status=RequestStatus.REPORTED, undecided="1"),
            "verification",
        ),
    ]


def _cases_waiting(actor: User) -> list[Waiting]:
    from safetynet.cases import screens
    from safetynet.cases.dynamic_selectors import lists_to_confirm, reviews_open
    from safetynet.cases.models import CaseStatus

    steps = screens.step_counts(actor=actor)  # the workbench's counts, kept a minute (ADR 0820)
    out = [
        Waiting(
            "cases_overdue",
            _("Overdue cases"),
            steps["overdue"],
            _url("cases:workbench", overdue="on"),
            "cases",
            urgent=True,
        )
    ]
    for step in screens.STEPS:
        url = (
            reverse("cases:queue")
            if step == CaseStatus.AWAITING_DECISION and actor.has_perm("cases.decide")
            else _url("cases:workbench", step=step.value)
        )
        label = labels.label("case_status", step.value)
        out.append(Waiting(f"cases_{step.value}", label, steps[step.value], url, "cases"))
    out.append(
        Waiting(
            "reviews_open",
            _("Open reviews"),
            reviews_open(actor=actor).count(),
            reverse("cases:reviews"),
            "cases",
        )
    )
    if actor.has_perm("cases.confirm_lists"):
        out.append(
            Waiting(
                "lists_to_confirm",
                _("No-application lists to confirm"),
                lists_to_confirm(actor=actor).count(),
                reverse("cases:lists"),
                "cases",
            )
        )
    return out


def _payroll_waiting(actor: User) -> list[Waiting]:
    from safetynet.payments.approval import scope_of_user
    from safetynet.payments.flow_models import PayrollApproval
    from safetynet.payments.models import Payroll
    from safetynet.payments.states import PayrollStatus

    out = []
    if actor.has_perm("payments.check_payroll"):
        out.append(
            Waiting(
                "payrolls_to_check",
                _("Payrolls to check"),
                Payroll.objects.filter(status=PayrollStatus.DRAFT).count(),
                _url("payments:payrolls", status=PayrollStatus.DRAFT),
                "payments",
            )
        )
    scope = scope_of_user(actor)
    if actor.has_perm("payments.approve_payroll") and scope is not None:
        out.append(
            Waiting(
                "payrolls_to_approve",
                _("Payrolls to approve"),
                PayrollApproval.objects.filter(
                    payroll__status=PayrollStatus.CHECKED, scope=scope, approved_by__isnull=True
                )
                .values("payroll_id")
                .distinct()
                .count(),
                _url("payments:payrolls", status=PayrollStatus.CHECKED),
                "payments",
            )
        )
    if actor.has_perm("payments.close_payroll"):
        out.append(
            Waiting(
                "payrolls_to_close",
                _("Payrolls to close"),
                Payroll.objects.filter(status=PayrollStatus.RECONCILED).count(),
                _url("payments:payrolls", status=PayrollStatus.RECONCILED),
                "payments",
            )
        )
    return out


def _funds_waiting(actor: User) -> list[Waiting]:
    from safetynet.funds import services as funds
    from safetynet.funds.models import BudgetOverride
    from safetynet.payments.models import Payroll
    from safetynet.payments.states import PayrollStatus

    pending = Payroll.objects.filter(status__in=[PayrollStatus.DRAFT, PayrollStatus.CHECKED])
    overridden = set(BudgetOverride.objects.values_list("payroll_id", flat=True))
    # A handful of payrolls at most are before their approval: each one's check is one grouped
    # read of its lines (the funds screen does the same).
    over = sum(1 for p in pending if p.pk not in overridden and funds.budget_check(p))
    return [
        Waiting(
            "budget_overrides",
            _("Payrolls over budget awaiting an override"),
            over,
            reverse("funds:overrides"),
            "funds",
        )
    ]


def waiting_for(*, actor: User) -> list[Waiting]:
    """The counts of work waiting in the actor's jurisdiction, for the abilities the role has."""
    if _prefix(actor) is None:
        return []
    out: list[Waiting] = []
    if actor.has_perm("verification.view_verification"):
        out += _verification_waiting(actor)
    if actor.has_perm("cases.view_cases"):
        out += _cases_waiting(actor)
    if actor.has_perm("payments.see_payrolls"):
        out += _payroll_waiting(actor)
    if actor.has_perm("funds.override_budget"):
        out += _funds_waiting(actor)
    return out


WAITING_GROUPS = {
    "verification": _("Verification"),
    "cases": _("Casework"),
    "payments": _("Payrolls"),
    "funds": _("Funds"),
}


def group_waiting(waiting: list[Waiting]) -> list[tuple[str, str, list[Waiting]]]:
    """[(group, its label, its counts)] in the page's order, only the groups present."""
    return [
        (g, str(label), [w for w in waiting if w.group == g])
        for g, label in WAITING_GROUPS.items()
        if any(w.group == g for w in waiting)
    ]


def cases_due(*, actor: User, limit: int = 8) -> list:
    """The open cases to act on first: the overdue ones, then the others, each oldest whole-case
    due date first (the workbench's index scans, one page each; empty without the ability)."""
    from safetynet.cases import screens

    if _prefix(actor) is None or not actor.has_perm("cases.view_cases"):
        return []
    overdue = list(screens.workbench(actor=actor, overdue=True)[:limit])
    rows = overdue
    if len(rows) < limit:
        seen = {c.pk for c in rows}
        more = screens.workbench(actor=actor)[: limit + len(seen)]
        rows += [c for c in more if c.pk not in seen][: limit - len(rows)]
    return screens.decorate(rows)


# --------------------------------------------------------------------------- recipients
def _current(today: dt.date) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today), start_date__lte=today
    )


def _located(qs: QuerySet[Enrolment], prefix: str) -> QuerySet[Enrolment]:
    """Enrolments of persons living in the subtree: where their household is (the copy on the
    person, ADR 0751), else their registered residence (户籍) when they are in no household."""
    # the first filter is the indexed one (both divisions, ADR 0751's indexes): it narrows a
    # street or a community to its own persons before the exact rule is applied
    return (
        qs.filter(
            Q(person__household_division__code__startswith=prefix)
            | Q(person__hukou_division__code__startswith=prefix)
        )
        .annotate(loc=Coalesce("person__household_division_id", "person__hukou_division_id"))
        .filter(loc__startswith=prefix)
    )


@dataclass
class DivisionRow:
    code: str
    name: str
    by_category: dict[str, int]
    leaf: bool  # no level below (a community): a click opens the person list
    cells: list[tuple[str, int]] = field(default_factory=list)  # (category, n) in table order

    @property
    def total(self) -> int:
        return sum(self.by_category.values())


@dataclass
class Breakdown:
    """Recipients in force today per category, under one division, by the next level."""

    at: Division | None  # the division drilled into (None: the actor's whole jurisdiction)
    path: list[Division]  # from the jurisdiction down to `at`, for the way back up
    rows: list[DivisionRow]
    categories: list[tuple[str, str]]  # (code, label) of the categories that have recipients
    by_category: dict[str, int] = field(default_factory=dict)  # the whole of `at`


def _child_length(prefix: str) -> int | None:
    if len(prefix) == 4:  # the city's prefix (ADR 0001: 3502 for 厦门市 350200)
        return CITY_CHILD_LENGTH
    return CHILD_LENGTH.get(len(prefix))


def drill_target(*, actor: User, code: str | None) -> Division | None:
    """The division to drill into: `code` when it lies in the actor's subtree, else None (the
    whole jurisdiction). A code outside it is ignored, not an error: it reveals nothing."""
    prefix = _prefix(actor)
    if not code or prefix is None or not code.startswith(prefix):
        return None
    return Division.objects.filter(code=code).first()


def _breakdown_counts(prefix: str, today: dt.date) -> tuple[dict, dict]:
    """({child code: {category: persons}}, {category: persons}) under the prefix, in one grouped
    read (a community, the last level, is its own only child)."""
    located = _located(_current(today), prefix)
    length = _child_length(prefix) or len(prefix)
    # One person's periods in one category never overlap (registry.enrolment_add): on a day,
    # enrolments per category are persons, and a plain count needs no sort.
    rows = (
        located.annotate(child=Substr("loc", 1, length))
        .order_by()
        .values_list("child", "category")
        .annotate(n=Count("id"))
    )
    children: dict[str, dict[str, int]] = defaultdict(dict)
    whole: dict[str, int] = defaultdict(int)
    for child, category, n in rows:
        children[child][category] = n
        whole[category] += n
    if _child_length(prefix) is None:
        children = defaultdict(dict)  # a community has no level below to show
    return dict(children), dict(whole)


def recipients_breakdown(
    *, actor: User, at: Division | None = None, today: dt.date | None = None
) -> Breakdown:
    """Recipients in force `today` in the actor's jurisdiction (or under `at`, one of its
    divisions), per category and per division of the next level. Kept CHART_TTL seconds."""
    prefix = _prefix(actor)
    if prefix is None:
        return Breakdown(None, [], [], [])
    today = today or timezone.localdate()
    under = at.scope_prefix if at is not None else prefix
    children, whole = _cached(
        f"home:recipients:{under}:{today.isoformat()}",
        CHART_TTL,
        lambda: _breakdown_counts(under, today),
    )
    leaf = _child_length(under) == 12
    rows = [
        DivisionRow(code, labels.division_name(code), counts, leaf)
        for code, counts in sorted(children.items())
    ]
    used = [(c, labels.label("category", c)) for c in Category.values if whole.get(c)]
    for row in rows:
        row.cells = [(c, row.by_category.get(c, 0)) for c, _label in used]
    return Breakdown(at, _path(prefix, at), rows, used, whole)


def _path(prefix: str, at: Division | None) -> list[Division]:
    """The divisions from the actor's jurisdiction down to `at` (for the drill-down's way up)."""
    if at is None:
        return []
    code = at.code
    codes = [c for c in (code[:6], code[:9], code[:12]) if len(c) <= len(code)]
    codes = [c for c in dict.fromkeys(codes) if c.startswith(prefix) and len(c) > len(prefix)]
    found = {d.code: d for d in Division.objects.filter(code__in=codes)}
    return [found[c] for c in codes if c in found]


# --------------------------------------------------------------------------- trend
@dataclass
class Trend:
    months: list[str]  # "YYYY-MM", oldest first
    series: dict[str, list[int]]  # category → recipients in force on each month's last day
    categories: list[tuple[str, str]]


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _trend_counts(prefix: str, today: dt.date, months: int) -> tuple[list[str], dict]:
    """One grouped read of the jurisdiction's enrolments by (category, start, end) — a few
    thousand rows even for a city of millions, starts being first days of months (ADR 0903) —
    then the month ends counted from it."""
    rows = list(
        _located(Enrolment.objects.filter(start_date__lte=today), prefix)
        .order_by()
        .values_list("category", "start_date", "end_date")
        .annotate(n=Count("id"))
    )
    changes = [d for _c, start, end, _n in rows for d in (start, end) if d and d <= today]
    last = max(changes) if changes else today
    y, m = last.year, last.month
    ends = []
    for _i in range(months):
        ends.append(_month_end(y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    ends.reverse()
    series: dict[str, list[int]] = {}
    for category in {c for c, *_rest in rows}:
        mine = [(start, end, n) for c, start, end, n in rows if c == category]
        # in force on the month's last day: started by then, not ended before it (an enrolment
        # is in force on its end date)
        series[category] = [
            sum(n for start, end, n in mine if start <= d and (end is None or end >= d))
            for d in ends
        ]
    return [f"{d:%Y-%m}" for d in ends], series


def recipient_trend(
    *, actor: User, today: dt.date | None = None, months: int = TREND_MONTHS
) -> Trend:
    """Recipients in force at the end of each month, per category, over the `months` months up
    to the last change of the enrolment history (never after `today`). Kept CHART_TTL seconds."""
    prefix = _prefix(actor)
    if prefix is None:
        return Trend([], {}, [])
    today = today or timezone.localdate()
    months_shown, series = _cached(
        f"home:trend:{prefix}:{today.isoformat()}:{months}",
        CHART_TTL,
        lambda: _trend_counts(prefix, today, months),
    )
    used = [(c, labels.label("category", c)) for c in Category.values if any(series.get(c, ()))]
    return Trend(months_shown, {c: series[c] for c, _label in used}, used)


# --------------------------------------------------------------------------- coverage, spending
def verification_coverage(*, actor: User, today: dt.date | None = None):
    """The verification app's coverage (POLICY §1: every covered household verified within 12
    months), kept CHART_TTL seconds per jurisdiction and day; None without the ability."""
    from safetynet.verification import selectors as vs

    prefix = _prefix(actor)
    if prefix is None or not actor.has_perm("verification.view_coverage"):
        return None
    today = today or timezone.localdate()
    return _cached(
        f"home:coverage:{prefix}:{today.isoformat()}",
        CHART_TTL,
        lambda: vs.coverage(actor=actor, as_of=today),
    )


@dataclass(frozen=True)
class SpendingRow:
    program: str
    label: str
    budget_fen: int
    spent_fen: int

    @property
    def budget_display(self) -> str:
        return yuan(self.budget_fen)

    @property
    def spent_display(self) -> str:
        return yuan(self.spent_fen)

    @property
    def budget_yuan(self) -> str:
        return _chart_yuan(self.budget_fen)

    @property
    def spent_yuan(self) -> str:
        return _chart_yuan(self.spent_fen)


def _chart_yuan(fen: int) -> str:
    """Yuan for the chart to draw (no thousands separator: JavaScript's Number reads it);
    the page formats the numbers it shows."""
    return yuan(fen).replace(",", "")


def spending_by_program(*, actor: User, year: int) -> list[SpendingRow] | None:
    """The year's budgets and spending per program (every level the actor sees, summed), from
    the funds app's budget execution; None without the ability."""
    from safetynet.funds import selectors as fs

    if _prefix(actor) is None or not actor.has_perm("funds.view_funds"):
        return None
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in fs.budget_execution(actor, year):
        sums[row.program][0] += row.budget_fen
        sums[row.program][1] += row.spent_fen
    return [
        SpendingRow(program, labels.label("program", program), budget, spent)
        for program, (budget, spent) in sorted(sums.items())
    ]


def charts_data(
    *,
    breakdown: Breakdown,
    trend: Trend,
    coverage: Any,
    spending: list[SpendingRow] | None,
    person_list_url: str,
    home_url: str,
) -> dict:
    """The charts' data for the page's json_script block (numbers as integers, money as yuan
    strings from integer fen: the chart only draws them)."""
    cats = breakdown.categories
    return {
        "categories": {
            "labels": [label for _c, label in cats],
            "codes": [c for c, _label in cats],
            "values": [breakdown.by_category.get(c, 0) for c, _label in cats],
            "url": person_list_url,
            "division": breakdown.at.code if breakdown.at else "",
        },
        "divisions": {
            "labels": [r.name for r in breakdown.rows],
            "codes": [r.code for r in breakdown.rows],
            "leaf": bool(breakdown.rows and breakdown.rows[0].leaf),
            "series": [
                {"name": label, "data": [r.by_category.get(c, 0) for r in breakdown.rows]}
                for c, label in cats
            ],
            "drill_url": home_url,
            "list_url": person_list_url,
        },
        "trend": {
            "months": trend.months,
            "series": [{"name": label, "data": trend.series[c]} for c, label in trend.categories],
        },
        "coverage": None
        if coverage is None
        else {
            "labels": [r.name for r in coverage.districts],
            "verified": [r.verified for r in coverage.districts],
            "missing": [r.households - r.verified for r in coverage.districts],
            "verified_name": str(_("Verified")),
            "missing_name": str(_("Not verified")),
        },
        "spending": None
        if spending is None
        else {
            "labels": [r.label for r in spending],
            "budget": [r.budget_yuan for r in spending],
            "spent": [r.spent_yuan for r in spending],
            "budget_name": str(_("Budget (yuan)")),
            "spent_name": str(_("Spent (yuan)")),
        },
    }
