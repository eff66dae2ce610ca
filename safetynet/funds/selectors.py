"""Reads of the books, scoped to the actor's jurisdiction (docs/funds.md): the city and the
auditor read everything, a district reads its own district's postings and budgets."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet, Sum

from safetynet.accounts.permissions import require
from safetynet.core.errors import NotFoundError, ServiceError

from .errors import DISTRICT_INVALID, MONTH_INVALID
from .models import Account, Budget, FundIncome, JournalEntry, Posting

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    m = MONTH_RE.match(month or "")
    if not m:
        raise ServiceError(MONTH_INVALID, f"month: {month!r} is not YYYY-MM")
    y, mo = int(m.group(1)), int(m.group(2))
    return dt.date(y, mo, 1), dt.date(y, mo, calendar.monthrange(y, mo)[1])


def district_scope(actor) -> str | None:
    """None: every district (the city's jurisdiction); else the one district code the actor
    sees. An actor below a district (a street) sees the district of its street's code."""
    prefix = actor.scope_prefix or ""
    if len(prefix) < 6:
        return None
    return prefix[:6]


def districts_visible(actor) -> list[tuple[str, str]]:
    from safetynet.registry.models import Division

    qs = Division.objects.filter(level="district").order_by("code")
    scope = district_scope(actor)
    if scope is not None:
        qs = qs.filter(code=scope)
    return list(qs.values_list("code", "name"))


def check_district(actor, district: str) -> str:
    if district not in dict(districts_visible(actor)):
        if district_scope(actor) is None:
            raise ServiceError(DISTRICT_INVALID, f"district: {district!r} is not a district")
        raise NotFoundError("district")
    return district


# ------------------------------------------------------------------------------ budgets
def spent_by_budget_key(year: int) -> dict[tuple[str, str, str], int]:
    """Benefit spending booked in `year`, per (program, level, district of the level)."""
    rows = (
        Posting.objects.filter(
            account__root="Expenses",
            account__fund="budget",
            entry__on__gte=dt.date(year, 1, 1),
            entry__on__lte=dt.date(year, 12, 31),
        )
        .values("account__program", "account__level", "account__district")
        .annotate(fen=Sum("amount_fen"))
        .order_by()
    )
    return {
        (r["account__program"], r["account__level"], r["account__district"]): int(r["fen"])
        for r in rows
    }


@dataclass
class ExecutionRow:
    program: str
    level: str
    district: str
    budget_fen: int
    spent_fen: int

    @property
    def rate(self) -> float | None:
        """Execution rate (for display only; the amounts stay in fen)."""
        return None if not self.budget_fen else self.spent_fen / self.budget_fen

    @property
    def rate_percent(self) -> str:
        if not self.budget_fen:
            return "—"
        # exact rounding of the percentage to one decimal, from integers
        tenths = (self.spent_fen * 1000 * 2 + self.budget_fen) // (2 * self.budget_fen)
        return f"{tenths // 10}.{tenths % 10}%"

    def as_dict(self) -> dict:
        return {
            "program": self.program,
            "level": self.level,
            "district": self.district,
            "budget_fen": self.budget_fen,
            "spent_fen": self.spent_fen,
            "rate_percent": self.rate_percent,
        }


def budget_execution(actor, year: int) -> list[ExecutionRow]:
    """Each budget of the year with the spending booked against it (and spending without a
    budget, budget 0). A district sees its district's and streets' budgets."""
    require(actor, "funds.view_funds")
    scope = district_scope(actor)
    keys: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for b in Budget.objects.filter(year=year):
        keys[(b.program, b.level, b.district)][0] = b.amount_fen
    for key, fen in spent_by_budget_key(year).items():
        keys[key][1] = fen
    rows = [ExecutionRow(*k, budget_fen=v[0], spent_fen=v[1]) for k, v in sorted(keys.items())]
    if scope is not None:
        rows = [r for r in rows if r.district == scope]
    return rows


def budgets_visible(actor, year: int | None = None) -> QuerySet[Budget]:
    require(actor, "funds.view_funds")
    qs = Budget.objects.all()
    if year:
        qs = qs.filter(year=year)
    scope = district_scope(actor)
    return qs.filter(district=scope) if scope is not None else qs


# ------------------------------------------------------------------------------ journal
def entries_visible(
    actor, *, kind: str = "", month: str = "", source: str = "", q: str = "", district: str = ""
) -> QuerySet[JournalEntry]:
    """The journal, newest first; a district sees the entries touching its district. `q`: a
    word of the memo or the start of the source; `district`: the entries touching it."""
    require(actor, "funds.view_funds")
    qs = JournalEntry.objects.select_related("actor").order_by("-on", "-id")
    scope = district_scope(actor)
    if scope is not None:
        qs = qs.filter(postings__district=scope).distinct()
    if kind:
        qs = qs.filter(kind=kind)
    if month:
        start, end = month_bounds(month)
        qs = qs.filter(on__gte=start, on__lte=end)
    if source:
        qs = qs.filter(source__startswith=source)
    if q:
        qs = qs.filter(Q(memo__contains=q) | Q(source__startswith=q))
    if district and scope is None:
        qs = qs.filter(postings__district=district[:6]).distinct()
    return qs


def incomes_visible(actor, *, q: str = "", kind: str = "") -> QuerySet[FundIncome]:
    """The city's fund income (lottery, donations, the temporary-assistance fund), newest first.
    `q`: a word of the payer or the memo."""
    require(actor, "funds.view_funds")
    qs = FundIncome.objects.order_by("-on", "-id")
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(payer__contains=q) | Q(memo__contains=q))
    return qs


def postings_visible(actor, entry: JournalEntry) -> QuerySet[Posting]:
    require(actor, "funds.view_funds")
    qs = entry.postings.select_related("account").order_by("id")
    scope = district_scope(actor)
    return qs.filter(district=scope) if scope is not None else qs


def entry_get(actor, entry_id: int) -> JournalEntry:
    entry = entries_visible(actor).filter(pk=entry_id).first()
    if entry is None:
        raise NotFoundError("journal entry")
    return entry


def account_balances(*, upto: dt.date | None = None) -> dict[str, int]:
    qs = Posting.objects.all()
    if upto is not None:
        qs = qs.filter(entry__on__lte=upto)
    return {
        r["account__code"]: int(r["fen"])
        for r in qs.values("account__code").annotate(fen=Sum("amount_fen")).order_by()
    }


def trial_balance() -> int:
    """The sum of every posting: 0 in balanced books."""
    return int(Posting.objects.aggregate(s=Sum("amount_fen"))["s"] or 0)


def unbalanced_entries() -> list[int]:
    """Entries whose postings do not add up to zero or are not as many as declared (never any:
    the database refuses them; SQLite checks when the last declared posting arrives)."""
    from django.db.models import Count, F, Q

    return list(
        JournalEntry.objects.annotate(s=Sum("postings__amount_fen"), n=Count("postings"))
        .filter(Q(s__isnull=True) | ~Q(s=0) | ~Q(n=F("posting_count")))
        .values_list("pk", flat=True)
    )


# ------------------------------------------------------------------------------ statements
@dataclass
class LevelRow:
    program: str
    level: str
    budget_fen: int = 0
    spent_before_fen: int = 0  # this year, before the month
    approved_fen: int = 0  # the month's approvals
    recovered_fen: int = 0  # the month's overpayments found (reduce the spending)

    @property
    def spent_ytd_fen(self) -> int:
        return self.spent_before_fen + self.approved_fen - self.recovered_fen

    @property
    def rate_percent(self) -> str:
        return ExecutionRow(
            self.program, self.level, "", self.budget_fen, self.spent_ytd_fen
        ).rate_percent


@dataclass
class ProgramRow:
    program: str
    payable_start_fen: int = 0
    approved_fen: int = 0
    paid_fen: int = 0
    deducted_fen: int = 0
    payable_end_fen: int = 0
    failed_fen: int = 0  # returned by the banks (stays payable)
    recovery_raised_fen: int = 0
    refunded_fen: int = 0
    written_off_fen: int = 0
    receivable_end_fen: int = 0


@dataclass
class Statement:
    month: str
    district: str
    district_name: str
    levels: list[LevelRow] = field(default_factory=list)
    programs: list[ProgramRow] = field(default_factory=list)
    entries: int = 0


def fund_statement(actor, *, month: str, district: str) -> Statement:
    """The month's fund statement of a district (月度资金报表): per program and level, the
    budget, the month's spending and the year's execution; per program, the movement of the
    payable to beneficiaries and of the recoveries."""
    require(actor, "funds.view_funds")
    start, end = month_bounds(month)
    check_district(actor, district)
    names = dict(districts_visible(actor))
    year_start = dt.date(start.year, 1, 1)
    base = Posting.objects.filter(district=district, entry__on__lte=end)
    fields = ("account__code", "account__root", "account__fund", "account__level")
    group = (*fields, "account__program", "entry__kind")

    def agg(qs):
        return qs.values(*group).annotate(fen=Sum("amount_fen")).order_by()

    before_year = agg(base.filter(entry__on__lt=year_start))
    year_before = agg(base.filter(entry__on__gte=year_start, entry__on__lt=start))
    in_month = agg(base.filter(entry__on__gte=start))
    levels: dict[tuple[str, str], LevelRow] = {}
    programs: dict[str, ProgramRow] = {}

    def lrow(p, lv):
        return levels.setdefault((p, lv), LevelRow(p, lv))

    def prow(p):
        return programs.setdefault(p, ProgramRow(p))

    for period, rows in (("old", before_year), ("ytd", year_before), ("month", in_month)):
        for r in rows:
            code, fund, kind, fen = (
                r["account__code"],
                r["account__fund"],
                r["entry__kind"],
                r["fen"],
            )
            program, level = r["account__program"], r["account__level"]
            if code.startswith("Expenses:Benefits:"):
                if period == "ytd":
                    lrow(program, level).spent_before_fen += fen
                elif period == "month":
                    if kind == "recovery":
                        lrow(program, level).recovered_fen -= fen
                    else:
                        lrow(program, level).approved_fen += fen
            elif fund == "payable":
                p = prow(program)
                p.payable_end_fen -= fen
                if period != "month":
                    p.payable_start_fen -= fen
                elif kind == "approval":
                    p.approved_fen -= fen
                elif kind in ("paid", "refund"):
                    # a bank's return after payment (refund, ADR 0943) is paid no more
                    p.paid_fen += fen
                elif kind == "deduction":
                    p.deducted_fen += fen
            elif code.startswith("Assets:Receivable:"):
                p = prow(program)
                p.receivable_end_fen += fen
                if period == "month":
                    if kind == "recovery":
                        p.recovery_raised_fen += fen
                    elif kind == "refund":
                        p.refunded_fen -= fen
                    elif kind == "write_off":
                        p.written_off_fen -= fen
    # the month's failures: money back from the clearing account (the lines stay payable)
    failed = (
        Posting.objects.filter(
            district=district,
            entry__kind="failed",
            entry__on__gte=start,
            entry__on__lte=end,
            account__code="Assets:Clearing:Bank",
        )
        .values("program")
        .annotate(fen=Sum("amount_fen"))
        .order_by()
    )
    for r in failed:
        prow(r["program"]).failed_fen -= int(r["fen"])
    budgets = Budget.objects.filter(year=start.year).filter(district__in=["", district])
    for b in budgets:
        if b.level == "city":
            lrow(b.program, "city").budget_fen = b.amount_fen
        else:
            lrow(b.program, b.level).budget_fen = b.amount_fen
    order = {"city": 0, "district": 1, "street": 2}
    return Statement(
        month=month,
        district=district,
        district_name=names.get(district, district),
        levels=sorted(levels.values(), key=lambda r: (r.program, order.get(r.level, 9))),
        programs=sorted(programs.values(), key=lambda r: r.program),
        entries=JournalEntry.objects.filter(postings__district=district, on__gte=start, on__lte=end)
        .distinct()
        .count(),
    )


def accounts_in_use() -> QuerySet[Account]:
    return Account.objects.order_by("code")
