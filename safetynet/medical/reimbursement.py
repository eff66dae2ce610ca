"""Monthly reimbursement of hospitals (医疗救助垫付资金清算, POLICY §9, ADR 1102–1103).

1. `statement_make(month, hospital)`: the hospital's statement takes every settlement made and
   every reversal recorded before the month's end that no earlier statement took (a reversal of
   an already stated settlement is deducted on the next statement). The ledger books it at once:
   each level's medical-assistance expense (by the settlements' stored funding split) against
   `Liabilities:Payable:MedicalAssistance`. A statement with a negative balance is refused
   (the reversals wait for the next month's settlements).
2. `reimbursement_files_make(month)` (institutions/reimbursement.py, shared with the funeral
   homes): one payable file per bank (the bank-file format of
   docs/bank-files.md; one line per statement, to the hospital's settlement account, the
   institution code in the ID column); the ledger moves the money from the treasuries to the
   bank clearing account.
3. `reimbursement_results_import(content)`: the bank's result file; paid lines settle the
   payable, failed lines return the money and free the statement for the next file.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from safetynet.accounts.permissions import require
from safetynet.core.files import removes_stored_files_on_failure
from safetynet.funds import chart
from safetynet.funds import services as funds
from safetynet.institutions.models import Institution, InstitutionKind
from safetynet.institutions.reimbursement import (
    Program,
    ResultSummary,
    payable_files_make,
    results_import,
)

from .errors import MedicalError
from .models import HospitalStatement, ReimbursementFile, Settlement

PROGRAM = "medical_assistance"
MAKE = "medical.make_statements"
SEND = "medical.send_reimbursements"


def parse_month(month: str) -> tuple[int, int]:
    try:
        year, mon = (int(x) for x in str(month).split("-"))
        dt.date(year, mon, 1)
    except ValueError:
        raise MedicalError("month_invalid", "month", "month is YYYY-MM") from None
    return year, mon


def month_end(month: str) -> dt.date:
    year, mon = parse_month(month)
    return dt.date(year, mon, calendar.monthrange(year, mon)[1])


def _cutoff(month: str) -> dt.datetime:
    """The first instant after the month (local time)."""
    return timezone.make_aware(
        dt.datetime.combine(month_end(month) + dt.timedelta(days=1), dt.time())
    )


@dataclass(frozen=True)
class _Sums:
    count: int
    fen: int


def _sum(qs) -> _Sums:
    agg = qs.aggregate(fen=Sum("assistance_fen"))
    return _Sums(qs.count(), int(agg["fen"] or 0))


def _legs(settled, reversed_) -> list[funds.Leg]:
    """Expense per level and district (settlements minus reversals) against the payable."""
    by: dict[tuple[str, str], int] = defaultdict(int)
    for qs, sign in ((settled, +1), (reversed_, -1)):
        rows = qs.values("district").annotate(
            city=Sum("city_fen"), district_sum=Sum("district_fen"), street=Sum("street_fen")
        )
        for row in rows:
            for level, fen in (
                ("city", row["city"]),
                ("district", row["district_sum"]),
                ("street", row["street"]),
            ):
                by[(level, row["district"])] += sign * int(fen or 0)
    legs = []
    payable: dict[str, int] = defaultdict(int)
    for (level, district), fen in sorted(by.items()):
        if fen:
            spec = chart.benefit_expense(level, "" if level == "city" else district, PROGRAM)
            legs.append(funds.Leg(spec, fen, district))
            payable[district] -= fen
    legs += [funds.Leg(chart.payable(PROGRAM), fen, d) for d, fen in payable.items() if fen]
    return legs


@transaction.atomic
def statement_make(*, actor, hospital_code: str, month: str) -> HospitalStatement:
    """The hospital's statement of `month` (see module doc); booked in the ledger at once."""
    require(actor, MAKE)
    end = month_end(month)
    if end >= timezone.localdate():
        raise MedicalError("month_not_over", "month")
    hospital = Institution.objects.filter(code=hospital_code, kind=InstitutionKind.HOSPITAL).first()
    if hospital is None:
        raise MedicalError("settlement_not_found", "hospital", "no hospital with this code")
    # one statement maker at a time per hospital
    Institution.objects.select_for_update().filter(pk=hospital.pk).first()
    stated = HospitalStatement.objects.filter(hospital=hospital)
    if stated.filter(month=month).exists():
        raise MedicalError("statement_exists", "month")
    if stated.filter(month__gt=month).exists():
        raise MedicalError("statement_out_of_order", "month")
    cutoff = _cutoff(month)
    settled = Settlement.objects.filter(
        hospital=hospital, statement__isnull=True, settled_at__lt=cutoff
    )
    reversed_ = Settlement.objects.filter(
        hospital=hospital, reversal_statement__isnull=True, reversed_at__lt=cutoff
    )
    s, r = _sum(settled), _sum(reversed_)
    if s.fen - r.fen < 0:
        raise MedicalError("statement_negative", "month")
    statement = HospitalStatement.objects.create(
        hospital=hospital,
        month=month,
        settlements_count=s.count,
        reversals_count=r.count,
        settled_fen=s.fen,
        reversed_fen=r.fen,
        amount_fen=s.fen - r.fen,
        made_by=actor if getattr(actor, "pk", None) else None,
    )
    legs = _legs(settled, reversed_)
    if legs:
        source = f"approval:medical-statement:{statement.pk}"
        funds.journal_post(
            actor=actor,
            on=end,
            memo=f"医疗救助垫付清算 {hospital.name} {month}",
            source=source,
            postings=legs,
        )
        statement.journal_source = source
        statement.save(update_fields=["journal_source"])
    # the reversals first: a settlement made and reversed in the window takes both statements
    reversed_.update(reversal_statement=statement)
    settled.update(statement=statement)
    return statement


def statements_make_month(*, actor, month: str) -> list[HospitalStatement]:
    """The month's statement of every active hospital that has none yet."""
    require(actor, MAKE)
    made = []
    for h in Institution.objects.filter(kind=InstitutionKind.HOSPITAL, is_active=True).order_by(
        "code"
    ):
        if not h.medical_statements.filter(month=month).exists():
            made.append(statement_make(actor=actor, hospital_code=h.code, month=month))
    return made


def _statement_rows(statements) -> list[dict]:
    """The statements' funding split per district, for the funding postings."""
    rows = []
    for st in statements:
        by = defaultdict(lambda: [0, 0, 0])
        for qs, sign in ((st.settlements.all(), 1), (st.reversals.all(), -1)):
            for s in qs.values("district", "city_fen", "district_fen", "street_fen"):
                a = by[s["district"]]
                a[0] += sign * s["city_fen"]
                a[1] += sign * s["district_fen"]
                a[2] += sign * s["street_fen"]
        for district, (c, d, st_) in by.items():
            rows.append(
                {
                    "program": PROGRAM,
                    "district": district,
                    "city_fen": c,
                    "district_fen": d,
                    "street_fen": st_,
                }
            )
    return rows


PAYABLE = Program(
    statement_model=HospitalStatement,
    file_model=ReimbursementFile,
    payee="hospital",
    prefix="MA",
    ledger="medical",
    memo="医疗救助垫付资金拨付",
    error=MedicalError,
    rows_of=_statement_rows,
)


@removes_stored_files_on_failure
@transaction.atomic
def reimbursement_files_make(*, actor, month: str, fmt: str = "xlsx") -> list[ReimbursementFile]:
    """One payable file per bank of the statements of `month` (and earlier ones whose line
    failed) not yet on a file and due something (institutions/reimbursement.py)."""
    require(actor, SEND)
    parse_month(month)
    pending = list(
        HospitalStatement.objects.select_for_update()
        .filter(month__lte=month, bank_file__isnull=True, paid_on__isnull=True, amount_fen__gt=0)
        .select_related("hospital")
        .order_by("hospital__bank_code", "hospital__code", "month")
    )
    return payable_files_make(
        program=PAYABLE,
        actor=actor,
        month=month,
        statements=pending,
        fmt=fmt,
        today=timezone.localdate(),
    )


@transaction.atomic
def reimbursement_results_import(*, actor, content: bytes) -> ResultSummary:
    """The bank's answer to a reimbursement file: all or nothing (a bad row refuses the file)."""
    require(actor, SEND)
    return results_import(program=PAYABLE, actor=actor, content=content, today=timezone.localdate())


def statements_due(month: str):
    return HospitalStatement.objects.filter(month=month).filter(
        Q(bank_file__isnull=True) | Q(paid_on__isnull=True)
    )
