"""One-off payments and arrears of a payroll (ADR 0901).

- Grants decided by the month and not yet on a line: `cases.Grant` (confirmed no-application
  lists: funeral grants and exemptions, price-subsidy months), emergency aid (`EmergencyAid`),
  approved one-off cases (temporary assistance), and other apps' `GRANT_SOURCES` (the stages of
  a disaster-housing grant and transitional living aid). The decided amount is
  paid; the funding split is the rules' one rounding (`split_by_shares`) of the program's funding
  parameter in force in the benefit month.
- Arrears: earlier payrolls whose month's parameters changed since they ran (another digest)
  are recomputed by the same engine call; a beneficiary's amount now above everything already on
  lines for that month gets an arrears line for the difference; below is reported (recoveries).
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import pyarrow as pa
from django.db.models import Q

from safetynet.batch.job import duckdb_connect
from safetynet.rules.catalog import CATALOG
from safetynet.rules.columns import month_str, parse_month

from . import compute
from .models import REPLACEABLE_STATUSES, LineStatus, PaymentLine, Payroll

ARREARS_MONTHS = 12  # how far back a retroactive change is paid (earlier payrolls)
# One-off programs of approved cases (no enrolment; the decision's amount is paid once).
# A disaster-housing grant is paid by its construction stages (disaster app, ADR 1121), not here.
ONE_OFF_CASE_PROGRAMS = ("temporary_assistance",)
# Other apps' one-off amounts: callables (month, last day, refs taken) -> rows like grant_lines'
# (appended by those apps' AppConfig.ready; the payroll needs no import of them).
GRANT_SOURCES: list = []

_LINE_FIELDS = [f for f in compute.LINE_SCHEMA if f.name not in
                ("bank_account_id", "bank_code", "account_number", "status")]  # fmt: skip
UNPLACED_SCHEMA = pa.schema(_LINE_FIELDS)


def _shares(program: str, month: str) -> dict[str, Fraction]:
    from safetynet.rules import load_parameters

    _, first, _ = compute.month_bounds(month)
    try:
        return dict(load_parameters().at(f"{program}.funding", first).value)
    except LookupError:
        return {"city": Fraction(1)}


def split(program: str, month: str, amount: int) -> tuple[int, int, int]:
    from safetynet.rules.engine import split_by_shares

    c, d, s = split_by_shares(int(amount), _shares(program, month))
    return int(c), int(d), int(s)


def _taken_refs(payroll: Payroll | None) -> set[str]:
    """Grant references already on a line that this run does not replace."""
    qs = PaymentLine.objects.filter(kind="grant").exclude(status=LineStatus.CANCELLED)
    if payroll is not None and payroll.pk:
        qs = qs.exclude(Q(payroll=payroll) & Q(status__in=REPLACEABLE_STATUSES))
    return set(qs.values_list("source_ref", flat=True))


def _streets(household_ids: set[int], person_ids: set[int]) -> tuple[dict, dict]:
    from safetynet.registry.models import Household, Person

    by_h = dict(
        Household.objects.filter(pk__in=household_ids).values_list("pk", "division__parent_id")
    )
    by_p = dict(
        Person.objects.filter(pk__in=person_ids).values_list("pk", "hukou_division__parent_id")
    )
    return by_h, by_p


def grant_lines(month: str, payroll: Payroll | None) -> tuple[pa.Table, list[dict]]:
    """Lines for the one-off amounts decided up to `month` and not yet on a line, and the
    grants skipped (with why)."""
    from safetynet.cases.dynamic_models import EmergencyAid, Grant
    from safetynet.cases.models import Case, Decision

    month, _, last = compute.month_bounds(month)
    taken = _taken_refs(payroll)
    rows: list[dict] = []
    skipped: list[dict] = []
    for g in Grant.objects.filter(month__lte=month).order_by("id"):
        ref = f"grant:{g.pk}"
        if ref in taken or g.amount_fen <= 0:
            continue
        if g.program in compute.MONTHLY_PROGRAMS:
            # the monthly line of the death month carries the engine's grant (five elders)
            skipped.append({"source_ref": ref, "why": "paid with the monthly line"})
            continue
        rows.append(
            {
                "beneficiary_key": f"P{g.person_id}",
                "person_id": g.person_id,
                "household_id": g.household_id,
                "program": g.program,
                "benefit_month": g.month,
                "source_ref": ref,
                "amount_fen": int(g.amount_fen),
                "reason": f"{CATALOG[g.program].name_zh} {g.month} {g.legal_basis}"[:200],
            }
        )
    emergency_cases = set()
    for aid in EmergencyAid.objects.filter(granted_on__lte=last).select_related("case"):
        emergency_cases.add(aid.case_id)
        ref = f"emergency:{aid.pk}"
        if ref in taken:
            continue
        m = month_str(parse_month(aid.granted_on.strftime("%Y-%m")))
        rows.append(
            {
                "beneficiary_key": f"H{aid.case.household_id}",
                "person_id": aid.case.applicant_id,
                "household_id": aid.case.household_id,
                "program": "temporary_assistance",
                "benefit_month": m,
                "source_ref": ref,
                "amount_fen": int(aid.amount_fen),
                "reason": f"临时救助（急难先行救助） {aid.case.number}"[:200],
            }
        )
    decisions = Decision.objects.filter(
        outcome="approved",
        decided_on__lte=last,
        amount_fen__gt=0,
        case__program__in=ONE_OFF_CASE_PROGRAMS,
    ).select_related("case")
    for dec in decisions.order_by("id"):
        case: Case = dec.case
        if case.pk in emergency_cases:
            continue  # paid as the emergency aid
        ref = f"case:{case.number}"[:40]
        if ref in taken:
            continue
        rows.append(
            {
                "beneficiary_key": f"H{case.household_id}",
                "person_id": case.applicant_id,
                "household_id": case.household_id,
                "program": case.program,
                "benefit_month": dec.decided_on.strftime("%Y-%m"),
                "source_ref": ref,
                "amount_fen": int(dec.amount_fen),
                "reason": f"{CATALOG[case.program].name_zh} {case.number} 批准"[:200],
            }
        )
    for source in GRANT_SOURCES:
        rows.extend(source(month, last, taken))
    by_h, by_p = _streets(
        {r["household_id"] for r in rows if r["household_id"]}, {r["person_id"] for r in rows}
    )
    _pay_the_family_for_the_dead(rows)
    for r in rows:
        r["kind"] = "grant"
        r["city_fen"], r["district_fen"], r["street_fen"] = split(
            r["program"], r["benefit_month"], r["amount_fen"]
        )
        r["division_id"] = by_h.get(r["household_id"]) or by_p.get(r["person_id"])
        r["reason_code"] = "GRANT"
    return pa.Table.from_pylist(rows, schema=UNPLACED_SCHEMA), skipped


def _pay_the_family_for_the_dead(rows: list[dict]) -> None:
    """A grant for a deceased person (a funeral grant or exemption) is paid to the head of
    their household (the beneficiary key stays the deceased's)."""
    from safetynet.registry.models import Membership, Person

    dead = set(
        Person.objects.filter(
            pk__in={r["person_id"] for r in rows}, death_date__isnull=False
        ).values_list("pk", flat=True)
    )
    households = {r["household_id"] for r in rows if r["person_id"] in dead and r["household_id"]}
    heads = dict(
        Membership.objects.filter(
            household_id__in=households, relation="head", end_date__isnull=True
        ).values_list("household_id", "person_id")
    )
    for r in rows:
        if r["person_id"] in dead and heads.get(r["household_id"]):
            r["person_id"] = heads[r["household_id"]]


def arrears_months(month: str) -> list[str]:
    """Earlier payrolls (up to ARREARS_MONTHS back) whose month's parameters are not those
    they ran with: a retroactive change since."""
    ym = parse_month(month)
    lo = month_str(ym - ARREARS_MONTHS)
    out = []
    for p in Payroll.objects.filter(month__lt=month, month__gte=lo).order_by("month"):
        if p.parameters_digest and p.parameters_digest != compute.parameters_digest(p.month):
            out.append(p.month)
    return out


def _paid_so_far(month: str, payroll: Payroll | None) -> pa.Table:
    """Per (beneficiary, program) the sum of the lines for benefit `month` (regular and
    arrears), not counting cancelled lines nor the lines this run replaces."""
    qs = PaymentLine.objects.filter(benefit_month=month, kind__in=["regular", "arrears"]).exclude(
        status=LineStatus.CANCELLED
    )
    if payroll is not None and payroll.pk:
        qs = qs.exclude(Q(payroll=payroll) & Q(status__in=REPLACEABLE_STATUSES))
    sums: dict[tuple[str, str], list[int]] = {}
    for key, program, a, c, d, s in qs.values_list(
        "beneficiary_key", "program", "amount_fen", "city_fen", "district_fen", "street_fen"
    ).iterator(chunk_size=20_000):
        t = sums.setdefault((key, program), [0, 0, 0, 0])
        t[0] += a
        t[1] += c
        t[2] += d
        t[3] += s
    return pa.table(
        {
            "beneficiary_key": pa.array([k for k, _ in sums], pa.string()),
            "program": pa.array([p for _, p in sums], pa.string()),
            "paid_fen": pa.array([v[0] for v in sums.values()], pa.int64()),
            "paid_city": pa.array([v[1] for v in sums.values()], pa.int64()),
            "paid_district": pa.array([v[2] for v in sums.values()], pa.int64()),
            "paid_street": pa.array([v[3] for v in sums.values()], pa.int64()),
        }
    )


def arrears_lines(
    month: str, payroll: Payroll | None, work_root: Path, engine: str
) -> tuple[pa.Table, list[dict], list[str]]:
    """(arrears lines, overpayments found, months recomputed)."""
    months = arrears_months(month)
    parts: list[pa.Table] = []
    over: list[dict] = []
    for m in months:
        work = work_root / f"arrears-{m}"
        compute.caseload_export(work, m)
        outputs = list(compute.engine_results(work, m, engine))
        now = compute.regular_lines(work, m, outputs).lines
        paid = _paid_so_far(m, payroll)
        con = duckdb_connect()
        con.register("now_lines", now)
        con.register("paid", paid)
        diff = con.sql(
            """
SELECT n.beneficiary_key, n.person_id, n.household_id, n.program, n.benefit_month,
  n.amount_fen - COALESCE(p.paid_fen, 0) AS amount_fen,
  n.city_fen - COALESCE(p.paid_city, 0) AS city_fen,
  n.district_fen - COALESCE(p.paid_district, 0) AS district_fen,
  n.street_fen - COALESCE(p.paid_street, 0) AS street_fen,
  n.division_id
FROM now_lines n LEFT JOIN paid p
  ON p.beneficiary_key = n.beneficiary_key AND p.program = n.program
ORDER BY n.program, n.beneficiary_key"""
        ).to_arrow_table()
        gone = con.sql(
            """
SELECT p.beneficiary_key, p.program, p.paid_fen FROM paid p
WHERE NOT EXISTS (SELECT 1 FROM now_lines n
  WHERE n.beneficiary_key = p.beneficiary_key AND n.program = p.program)
ORDER BY p.program, p.beneficiary_key"""
        ).fetchall()
        con.close()
        rows = []
        for r in diff.to_pylist():
            if r["amount_fen"] < 0:
                over.append(
                    {
                        "beneficiary_key": r["beneficiary_key"],
                        "program": r["program"],
                        "benefit_month": m,
                        "overpaid_fen": -r["amount_fen"],
                    }
                )
                continue
            if r["amount_fen"] == 0:
                continue
            if min(r["city_fen"], r["district_fen"], r["street_fen"]) < 0:
                r["city_fen"], r["district_fen"], r["street_fen"] = split(
                    r["program"], m, r["amount_fen"]
                )
            r.update(
                kind="arrears",
                source_ref="",
                reason_code="ARREARS",
                reason=f"{CATALOG[r['program']].name_zh} {m} 补发（追溯调整）",
            )
            rows.append(r)
        for key, program, paid_fen in gone:
            over.append(
                {
                    "beneficiary_key": key,
                    "program": program,
                    "benefit_month": m,
                    "overpaid_fen": int(paid_fen),
                }
            )
        parts.append(pa.Table.from_pylist(rows, schema=UNPLACED_SCHEMA))
    table = pa.concat_tables(parts) if parts else UNPLACED_SCHEMA.empty_table()
    return table, over, months


def today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()
