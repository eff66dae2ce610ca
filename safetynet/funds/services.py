"""Writes to the books (docs/funds.md, ADR 0920–0922). One service posts every entry:
`journal_post`. The posting functions below (`post_*`) are called by the payments services
inside their own transaction, after they checked their actor; the services a user calls directly
(`budget_allocate`, `income_record`, `ta_fund_raise`, `budget_override`) check the funds
abilities themselves.

The general ledger books aggregates, never one posting per payment line: an approval posts one
leg per (program, level, district) and the payment lines stay the sub-ledger (ADR 0920)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from safetynet.accounts.permissions import require
from safetynet.rules.catalog import name_zh as program_name_zh

from . import chart
from .chart import AccountSpec
from .errors import (
    ALREADY_POSTED,
    BUDGET_INVALID,
    INCOME_INVALID,
    OVERRIDE_NOT_NEEDED,
    OVERRIDE_REASON_REQUIRED,
    POSTINGS_INVALID,
    SOURCE_INVALID,
    UNBALANCED,
    FieldProblem,
    ServiceError,
)
from .models import Account, Budget, BudgetOverride, EntryKind, FundIncome, JournalEntry, Posting


@dataclass(frozen=True)
class Leg:
    """One posting to be: an account of the chart, a signed amount (debit > 0), a district."""

    account: AccountSpec
    amount_fen: int
    district: str = ""
    program: str = ""  # defaults to the account's program


# ------------------------------------------------------------------------------ accounts
def _district_names() -> dict[str, str]:
    from safetynet.registry.models import Division

    return dict(Division.objects.filter(level="district").values_list("code", "name"))


def account_get(spec: AccountSpec, *, on: dt.date) -> Account:
    """The account of the chart named `spec.code`, opened on first use."""
    found = Account.objects.filter(code=spec.code).first()
    if found is not None:
        return found
    district_name = _district_names().get(spec.district, "") if spec.district else ""
    account, _created = Account.objects.get_or_create(
        code=spec.code,
        defaults={
            "root": spec.root,
            "fund": spec.fund,
            "level": spec.level,
            "district": spec.district,
            "program": spec.program,
            "name_zh": chart.name_zh(
                spec, program_name_zh(spec.program) if spec.program else "", district_name
            ),
            "opened_on": on,
        },
    )
    return account


# ------------------------------------------------------------------------------ the one service
def journal_post(
    *,
    actor,
    on: dt.date,
    memo: str,
    source: str,
    postings: Iterable[Leg],
) -> JournalEntry:
    """Book one balanced entry. `source` is `<kind>:<reference>` (e.g. `approval:payroll:12`),
    booked once ever (a second call raises `journal_already_posted`). Legs on the same account
    and district are merged; the database checks the balance again (ADR 0921)."""
    kind = source.split(":", 1)[0]
    if kind not in EntryKind.values or ":" not in source or not source.split(":", 1)[1]:
        raise ServiceError(SOURCE_INVALID, f"source {source!r} is not kind:reference")
    merged: dict[tuple[str, str, str], int] = defaultdict(int)
    specs: dict[str, AccountSpec] = {}
    for leg in postings:
        if type(leg.amount_fen) is not int:
            raise ServiceError(POSTINGS_INVALID, f"{leg.account.code}: amount is not whole fen")
        program = leg.program or leg.account.program
        merged[(leg.account.code, leg.district, program)] += leg.amount_fen
        specs[leg.account.code] = leg.account
    legs = [(key, amount) for key, amount in merged.items() if amount]
    if len(legs) < 2:
        raise ServiceError(POSTINGS_INVALID, f"{source}: fewer than two non-zero postings")
    total = sum(amount for _key, amount in legs)
    if total != 0:
        raise ServiceError(UNBALANCED, f"{source}: postings add up to {total} fen, not 0")
    with transaction.atomic():
        if JournalEntry.objects.filter(source=source).exists():
            raise ServiceError(ALREADY_POSTED, f"{source} is already booked")
        accounts = {a.code: a for a in Account.objects.filter(code__in=list(specs))}
        for code, spec in specs.items():
            if code not in accounts:
                accounts[code] = account_get(spec, on=on)
        try:
            with transaction.atomic():
                entry = JournalEntry.objects.create(
                    on=on,
                    kind=kind,
                    memo=memo[:200],
                    source=source,
                    actor=actor if getattr(actor, "pk", None) else None,
                    posting_count=len(legs),
                )
        except IntegrityError:
            raise ServiceError(ALREADY_POSTED, f"{source} is already booked") from None
        Posting.objects.bulk_create(
            Posting(entry=entry, account=accounts[code], amount_fen=amount, district=d, program=p)
            for (code, d, p), amount in legs
        )
    return entry


def entry_for(source: str) -> JournalEntry | None:
    return JournalEntry.objects.filter(source=source).first()


# ------------------------------------------------------------------------------ payroll rows
@dataclass(frozen=True)
class Split:
    """Fen of one program in one district, by the level that pays them."""

    program: str
    district: str
    city_fen: int
    district_fen: int
    street_fen: int

    @property
    def amount_fen(self) -> int:
        return self.city_fen + self.district_fen + self.street_fen

    def by_level(self) -> dict[str, int]:
        return {"city": self.city_fen, "district": self.district_fen, "street": self.street_fen}


def splits_of(rows: Iterable[Mapping]) -> list[Split]:
    """Payment lines (or their aggregates) → one Split per (program, district). Each row has
    `program`, `district` (or a `division_id` whose first 6 digits are the district) and
    `city_fen`, `district_fen`, `street_fen`."""
    acc: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        district = row.get("district") or str(row.get("division_id") or "")[:6]
        a = acc[(row["program"], district)]
        a[0] += int(row["city_fen"])
        a[1] += int(row["district_fen"])
        a[2] += int(row["street_fen"])
    return [Split(p, d, *v) for (p, d), v in sorted(acc.items())]


def _level_district(level: str, district: str) -> str:
    return "" if level == "city" else district


def _expense_legs(splits: list[Split], sign: int) -> list[Leg]:
    legs = []
    for s in splits:
        for level, fen in s.by_level().items():
            if fen:
                spec = chart.benefit_expense(level, _level_district(level, s.district), s.program)
                legs.append(Leg(spec, sign * fen, s.district))
    return legs


def _treasury_legs(splits: list[Split], sign: int) -> list[Leg]:
    legs = []
    for s in splits:
        for level, fen in s.by_level().items():
            if fen:
                spec = chart.treasury(level, _level_district(level, s.district))
                legs.append(Leg(spec, sign * fen, s.district, s.program))
    return legs


def _book(*, actor, on: dt.date, source: str, memo: str, legs: list[Leg]) -> JournalEntry:
    """Post unless `source` is booked already (a re-run never books twice)."""
    existing = entry_for(source)
    if existing is not None:
        return existing
    return journal_post(actor=actor, on=on, memo=memo, source=source, postings=legs)


def _split_legs(
    rows: Iterable[Mapping], *, treasury: int = 0, payable: int = 0, clearing: int = 0
) -> list[Leg]:
    """The legs of the payment events, per (program, district) of `rows`: each level's
    treasury (by the split), the program's payable and the bank clearing account, each with
    the sign given (0: not posted). Empty when the rows add up to nothing."""
    legs: list[Leg] = []
    for s in splits_of(rows):
        if not s.amount_fen:
            continue
        if treasury:
            legs += _treasury_legs([s], treasury)
        if payable:
            legs.append(Leg(chart.payable(s.program), payable * s.amount_fen, s.district))
        if clearing:
            legs.append(Leg(chart.bank_clearing(), clearing * s.amount_fen, s.district, s.program))
    return legs


# ------------------------------------------------------------------------------ payroll postings
def post_payroll_approval(
    *, actor, payroll_id: int, month: str, on: dt.date, rows: Iterable[Mapping]
) -> JournalEntry | None:
    """Approval: each level's benefit expense (by the lines' funding split) against the payable
    to beneficiaries. None if the payroll has nothing to pay."""
    splits = [s for s in splits_of(rows) if s.amount_fen]
    if not splits:
        return None
    legs = _expense_legs(splits, +1)
    legs += [Leg(chart.payable(s.program), -s.amount_fen, s.district) for s in splits]
    return _book(
        actor=actor,
        on=on,
        source=f"approval:payroll:{payroll_id}",
        memo=f"发放名册 {month} 审批",
        legs=legs,
    )


# What each payment event books (ADR 0922, 0943): the sign of each leg, the entry's kind and
# its default memo.
PAYMENT_EVENTS = {
    # a bank file sent: each level's treasury funds the bank clearing account
    "funding": ({"treasury": -1, "clearing": +1}, "代发资金划拨"),
    # a bank's result: the paid lines settle the payable out of the clearing account
    "paid": ({"payable": +1, "clearing": -1}, "银行回盘 已支付"),
    # the failed lines' money returns to each level's treasury; the lines stay payable
    # (re-issued in a later file, funded again then)
    "failed": ({"treasury": +1, "clearing": -1}, "银行回盘 失败退回"),
    # a payment the bank returned after reporting it paid: the money is back in each level's
    # treasury and the line is payable again (paid in a later file, funded again then)
    "refund": ({"treasury": +1, "payable": -1}, "银行退回"),
}


def _post_payment_event(
    kind: str, *, actor, ref: str, on: dt.date, rows: Iterable[Mapping], memo: str = ""
) -> JournalEntry | None:
    signs, default_memo = PAYMENT_EVENTS[kind]
    legs = _split_legs(rows, **signs)
    if not legs:
        return None
    source = f"{kind}:{ref}"
    return _book(actor=actor, on=on, source=source, memo=memo or f"{default_memo} {ref}", legs=legs)


def post_bank_funding(
    *, actor, ref: str, on: dt.date, rows: Iterable[Mapping], memo: str = ""
) -> JournalEntry | None:
    """A bank file sent: each level's treasury funds the bank clearing account."""
    return _post_payment_event("funding", actor=actor, ref=ref, on=on, rows=rows, memo=memo)


def post_payments_paid(
    *, actor, ref: str, on: dt.date, rows: Iterable[Mapping], memo: str = ""
) -> JournalEntry | None:
    """A bank's result: the paid lines settle the payable out of the clearing account."""
    return _post_payment_event("paid", actor=actor, ref=ref, on=on, rows=rows, memo=memo)


def post_payments_failed(
    *, actor, ref: str, on: dt.date, rows: Iterable[Mapping], memo: str = ""
) -> JournalEntry | None:
    """A bank's result: the failed lines' money returns from the clearing account to each
    level's treasury; the lines stay payable."""
    return _post_payment_event("failed", actor=actor, ref=ref, on=on, rows=rows, memo=memo)


def post_bank_return(
    *, actor, ref: str, on: dt.date, rows: Iterable[Mapping], memo: str = ""
) -> JournalEntry | None:
    """A payment the bank returned after reporting it paid (ADR 0943): the money back in each
    level's treasury, the line payable again."""
    return _post_payment_event("refund", actor=actor, ref=ref, on=on, rows=rows, memo=memo)


# ------------------------------------------------------------------------------ recoveries
def post_recovery(
    *, actor, ref: str, on: dt.date, split: Split, memo: str = ""
) -> JournalEntry | None:
    """An overpayment found: a receivable, and the levels' expense reduced by the split of the
    line that overpaid."""
    if not split.amount_fen:
        return None
    legs = _expense_legs([split], -1)
    legs.append(Leg(chart.recoveries_receivable(split.program), split.amount_fen, split.district))
    return _book(
        actor=actor, on=on, source=f"recovery:{ref}", memo=memo or f"多发追回 {ref}", legs=legs
    )


def post_recovery_deduction(
    *,
    actor,
    ref: str,
    on: dt.date,
    program: str,
    line_program: str,
    district: str,
    amount_fen: int,
    memo: str = "",
) -> JournalEntry | None:
    """A recovery deducted from a later payment: that payment's payable is settled by the
    receivable (the bank pays the rest)."""
    if not amount_fen:
        return None
    legs = [
        Leg(chart.payable(line_program), amount_fen, district),
        Leg(chart.recoveries_receivable(program), -amount_fen, district),
    ]
    return _book(
        actor=actor, on=on, source=f"deduction:{ref}", memo=memo or f"追回抵扣 {ref}", legs=legs
    )


def post_refund(
    *, actor, ref: str, on: dt.date, program: str, district: str, amount_fen: int, memo: str = ""
) -> JournalEntry | None:
    """Money paid back against a recovery, received into the city treasury."""
    if not amount_fen:
        return None
    legs = [
        Leg(chart.treasury("city"), amount_fen, district, program),
        Leg(chart.recoveries_receivable(program), -amount_fen, district),
    ]
    return _book(
        actor=actor, on=on, source=f"refund:{ref}", memo=memo or f"退回款 {ref}", legs=legs
    )


def post_write_off(
    *, actor, ref: str, on: dt.date, program: str, district: str, amount_fen: int, reason: str
) -> JournalEntry | None:
    """A recovery written off (by the district, with a reason)."""
    if not amount_fen:
        return None
    legs = [
        Leg(chart.write_off(program), amount_fen, district),
        Leg(chart.recoveries_receivable(program), -amount_fen, district),
    ]
    return _book(
        actor=actor, on=on, source=f"write_off:{ref}", memo=f"核销 {ref}：{reason}", legs=legs
    )


# ------------------------------------------------------------------------------ budgets
def _bad(code: str, field: str, message: str) -> ServiceError:
    return ServiceError(code, message, [FieldProblem(field=field, message=message, code=code)])


def budget_allocate(
    *,
    actor,
    year: int,
    program: str,
    level: str,
    district: str = "",
    amount_fen: int,
    on: dt.date | None = None,
    memo: str = "",
) -> Budget:
    """Allocate (or add to) the year's budget of a program at a level: the level's treasury
    receives the appropriation. District and street budgets are per district."""
    from safetynet.rules.catalog import PROGRAM_CODES

    require(actor, "funds.manage_budgets")
    if program not in PROGRAM_CODES:
        raise _bad(BUDGET_INVALID, "program", f"program: {program!r} is not a program")
    if level not in chart.LEVELS:
        raise _bad(BUDGET_INVALID, "level", f"level: {level!r} is not city, district or street")
    district = "" if level == "city" else (district or "")
    if level != "city" and district not in _district_names():
        raise _bad(BUDGET_INVALID, "district", f"district: {district!r} is not a district")
    if type(amount_fen) is not int or amount_fen <= 0:
        raise _bad(BUDGET_INVALID, "amount_fen", "amount_fen: must be a positive whole fen")
    if not 2000 <= int(year) <= 2100:
        raise _bad(BUDGET_INVALID, "year", f"year: {year!r} is out of range")
    on = on or timezone.localdate()
    with transaction.atomic():
        budget, _created = Budget.objects.select_for_update().get_or_create(
            year=year,
            program=program,
            level=level,
            district=district,
            defaults={"amount_fen": 0},
        )
        budget.amount_fen += amount_fen
        budget.allocations += 1
        budget.save(update_fields=["amount_fen", "allocations", "updated_at"])
        journal_post(
            actor=actor,
            on=on,
            memo=memo or f"{year}年预算拨款 {program_name_zh(program)}",
            source=f"allocation:budget:{budget.pk}:{budget.allocations}",
            postings=[
                Leg(chart.treasury(level, district), amount_fen, district, program),
                Leg(chart.budget_income(level, district, program), -amount_fen, district),
            ],
        )
    return budget


@dataclass(frozen=True)
class Shortfall:
    program: str
    level: str
    district: str
    budget_fen: int
    spent_fen: int
    payroll_fen: int

    @property
    def over_fen(self) -> int:
        return self.spent_fen + self.payroll_fen - self.budget_fen

    def as_dict(self) -> dict:
        return {
            "program": self.program,
            "level": self.level,
            "district": self.district,
            "budget_fen": self.budget_fen,
            "spent_fen": self.spent_fen,
            "payroll_fen": self.payroll_fen,
            "over_fen": self.over_fen,
        }


def payroll_rows(payroll) -> list[dict]:
    """The payroll's lines aggregated per (program, division) with their funding split (the
    payments app's PaymentLine; cancelled lines excluded)."""
    from django.db.models import Sum

    from safetynet.payments.models import PaymentLine

    return list(
        PaymentLine.objects.filter(payroll_id=payroll.pk)
        .exclude(status="cancelled")
        .values("program", "division_id")
        .annotate(
            city_fen=Sum("city_fen"), district_fen=Sum("district_fen"), street_fen=Sum("street_fen")
        )
        .order_by()
    )


def budget_check(payroll, *, rows: Iterable[Mapping] | None = None) -> list[Shortfall]:
    """The budgets the payroll's approval would exceed: per (program, level, district), the
    year's budget, the spending booked so far this year, and this payroll's amount. Budget
    control starts when the city enters the year's budgets: a year without any budget is not
    checked; once one exists, spending without a budget is a shortfall (ADR 0922)."""
    from .selectors import spent_by_budget_key

    year = int(str(payroll.month)[:4])
    budgets = {
        (b.program, b.level, b.district): b.amount_fen for b in Budget.objects.filter(year=year)
    }
    if not budgets:
        return []
    if entry_for(f"approval:payroll:{payroll.pk}") is not None:
        return []  # booked already: its spending is in `spent`
    needed: dict[tuple[str, str, str], int] = defaultdict(int)
    for s in splits_of(payroll_rows(payroll) if rows is None else rows):
        for level, fen in s.by_level().items():
            if fen:
                needed[(s.program, level, _level_district(level, s.district))] += fen
    spent = spent_by_budget_key(year)
    out = []
    for key, fen in sorted(needed.items()):
        budget = budgets.get(key, 0)
        if spent.get(key, 0) + fen > budget:
            out.append(
                Shortfall(*key, budget_fen=budget, spent_fen=spent.get(key, 0), payroll_fen=fen)
            )
    return out


def budget_override(*, actor, payroll, reason: str, rows: Iterable[Mapping] | None = None):
    """The city's explicit override of the budgets a payroll would exceed, with a reason."""
    require(actor, "funds.override_budget")
    reason = (reason or "").strip()
    if not reason:
        raise _bad(OVERRIDE_REASON_REQUIRED, "reason", "reason: an override needs a reason")
    shortfalls = budget_check(payroll, rows=rows)
    if not shortfalls:
        raise ServiceError(OVERRIDE_NOT_NEEDED, "the payroll is within its budgets")
    with transaction.atomic():
        override, _created = BudgetOverride.objects.update_or_create(
            payroll_id=payroll.pk,
            defaults={
                "payroll_month": str(payroll.month),
                "actor": actor,
                "reason": reason[:500],
                "shortfalls": [s.as_dict() for s in shortfalls],
            },
        )
    return override


def budget_require_within(payroll, *, rows: Iterable[Mapping] | None = None) -> None:
    """For the approval: refuse (`budget_exceeded`, naming each budget) unless the payroll stays
    within its budgets or the city's override covers every shortfall as it is now."""
    from .errors import BUDGET_EXCEEDED

    shortfalls = budget_check(payroll, rows=rows)
    if not shortfalls:
        return
    override = BudgetOverride.objects.filter(payroll_id=payroll.pk).first()
    if override is not None:
        allowed = {
            (s["program"], s["level"], s["district"]): s["over_fen"] for s in override.shortfalls
        }
        key = lambda s: (s.program, s.level, s.district)  # noqa: E731
        if all(s.over_fen <= allowed.get(key(s), -1) for s in shortfalls):
            return
    names = "; ".join(
        f"{program_name_zh(s.program)} {chart.LEVEL_ZH[s.level]}{s.district}: "
        f"超出 {s.over_fen / 100:.2f} 元"
        for s in shortfalls
    )
    raise ServiceError(BUDGET_EXCEEDED, f"budget exceeded: {names}")


# ------------------------------------------------------------------------------ fund income
INCOME_KINDS = ("lottery", "donation")


def income_record(
    *, actor, kind: str, on: dt.date, amount_fen: int, payer: str, receipt: str, memo: str = ""
) -> FundIncome:
    """Lottery public-welfare money or a donation received (once per receipt number)."""
    require(actor, "funds.record_income")
    problems = []
    if kind not in INCOME_KINDS:
        problems.append(
            FieldProblem("kind", f"kind: {kind!r} is not lottery or donation", INCOME_INVALID)
        )
    if type(amount_fen) is not int or amount_fen <= 0:
        problems.append(
            FieldProblem("amount_fen", "amount_fen: must be a positive whole fen", INCOME_INVALID)
        )
    if not (payer or "").strip():
        problems.append(FieldProblem("payer", "payer: required", INCOME_INVALID))
    receipt = (receipt or "").strip()
    if not receipt or len(receipt) > 60:
        problems.append(
            FieldProblem("receipt", "receipt: required (at most 60 characters)", INCOME_INVALID)
        )
    if problems:
        raise ServiceError(INCOME_INVALID, "; ".join(p.message for p in problems), problems)
    with transaction.atomic():
        entry = journal_post(
            actor=actor,
            on=on,
            memo=memo or f"{'福利彩票公益金' if kind == 'lottery' else '社会捐赠'} {payer}",
            source=f"{kind}:{receipt}",
            postings=[
                Leg(chart.fund_asset(kind), amount_fen),
                Leg(chart.fund_income(kind), -amount_fen),
            ],
        )
        return FundIncome.objects.create(
            kind=kind, on=on, amount_fen=amount_fen, payer=payer.strip(), memo=memo, entry=entry
        )


def registered_population() -> int:
    """Persons with a registered residence (户籍) in the city's registry."""
    from safetynet.registry.models import Person

    return Person.objects.filter(hukou_division__isnull=False, death_date__isnull=True).count()


def ta_fund_raise(
    *, actor, year: int, population: int | None = None, on: dt.date | None = None
) -> FundIncome:
    """Raise the year's temporary-assistance fund: the rules' per-capita amount (10 yuan) × the
    registered population, once per year."""
    from safetynet.rules.programs import temporary_assistance_fund

    require(actor, "funds.record_income")
    population = registered_population() if population is None else int(population)
    if population <= 0:
        raise _bad(INCOME_INVALID, "population", "population: must be positive")
    amount = int(temporary_assistance_fund(int(year), population))
    on = on or dt.date(int(year), 1, 1)
    with transaction.atomic():
        entry = journal_post(
            actor=actor,
            on=on,
            memo=f"{year}年临时救助资金筹集 {population}人",
            source=f"ta_fund:{year}",
            postings=[
                Leg(chart.fund_asset("temporary_assistance"), amount),
                Leg(chart.fund_income("temporary_assistance"), -amount),
            ],
        )
        return FundIncome.objects.create(
            kind="ta_fund",
            on=on,
            amount_fen=amount,
            payer=f"{year}年财政",
            memo=f"population {population}",
            entry=entry,
        )
