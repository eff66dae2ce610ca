"""Payments writes (POLICY §10). Every service: keyword-only arguments, the actor's ability
checked first (`require`), one transaction, a PayrollEvent row (docs/payments.md)."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import re
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from safetynet.accounts.permissions import require
from safetynet.batch.job import duckdb_connect
from safetynet.registry.loading import bulk_insert, constant_column, db_timestamp
from safetynet.registry.models import Person
from safetynet.registry.selectors import person_get

from . import compute, oneoff
from . import errors as E
from .events import payroll_event_record
from .models import (
    REPLACEABLE_STATUSES,
    AmountBasis,
    AmountBasisPerson,
    BankAccount,
    LineStatus,
    PaymentLine,
    Payroll,
    PayrollEventKind,
)
from .states import RECOMPUTABLE, PayrollTransitionNotAllowed, payroll_target

ACCOUNT_NUMBER = re.compile(r"[0-9]{8,32}")


# ============================================================================ the payroll steps
def payroll_transition(
    payroll: Payroll, to: str, actor, event_kind: str, data: dict[str, Any] | None = None
) -> Payroll:
    """Move `payroll` to status `to` and write the event, in one transaction with the payroll
    row locked. The caller (a step's service) has checked the actor's ability and its own rules
    (maker-checker, files written …) before, inside its own transaction if it writes more.
    Refuses a move the table does not allow (`payroll_transition_not_allowed`, field `status`).
    Returns the locked, updated payroll; `payroll` itself gets the new status too."""
    with transaction.atomic():
        locked = Payroll.objects.select_for_update().get(pk=payroll.pk)
        try:
            target = payroll_target(locked.status, to)
        except PayrollTransitionNotAllowed as exc:
            E.refuse(
                E.PAYROLL_TRANSITION_NOT_ALLOWED,
                f"payroll {locked.month} is {exc.from_status}: it cannot go to {exc.to_status}",
                "status",
            )
        from_status = locked.status
        locked.status = target.value
        locked.save(update_fields=["status", "updated_at"])
        payroll_event_record(
            payroll=locked,
            kind=event_kind,
            actor=actor,
            from_status=from_status,
            to_status=target.value,
            **(data or {}),
        )
    payroll.status = locked.status
    payroll.updated_at = locked.updated_at
    return locked


# ============================================================================ bank accounts
def _clean(value: Any, field: str, max_len: int) -> str:
    text = str(value or "").strip()
    if not text:
        E.refuse(E.BANK_ACCOUNT_INVALID, f"{field} is required", field)
    if len(text) > max_len:
        E.refuse(E.BANK_ACCOUNT_INVALID, f"{field} is longer than {max_len} characters", field)
    return text


def bank_account_set(
    *,
    actor,
    person: Person | int,
    bank_code: str,
    bank_name: str,
    account_number: str,
    holder_name: str,
    on: dt.date,
) -> BankAccount:
    """Record a recipient's bank account (一卡通) from date `on`: the current one is closed
    (valid_to = `on`) and the new one opened (valid_from = `on`); history kept. The same
    account again changes nothing. The person must be in the actor's jurisdiction."""
    require(actor, "payments.manage_bank_accounts")
    person_id = person.pk if isinstance(person, Person) else int(person)
    target = person_get(actor=actor, person_id=person_id)
    bank_code = _clean(bank_code, "bank_code", 16)
    bank_name = _clean(bank_name, "bank_name", 64)
    holder_name = _clean(holder_name, "holder_name", 64)
    account_number = re.sub(r"\s", "", str(account_number or ""))
    if not ACCOUNT_NUMBER.fullmatch(account_number):
        E.refuse(
            E.BANK_ACCOUNT_INVALID,
            f"account_number {account_number!r} must be 8 to 32 digits",
            "account_number",
        )
    if not isinstance(on, dt.date):
        E.refuse(E.BANK_ACCOUNT_INVALID, "on must be a date", "on")
    with transaction.atomic():
        # lock the person's row: two changes at once queue here
        Person.objects.select_for_update().filter(pk=target.pk).first()
        current = BankAccount.objects.filter(person=target, valid_to__isnull=True).first()
        if current is not None:
            same = (
                current.bank_code == bank_code
                and current.account_number == account_number
                and current.holder_name == holder_name
                and current.bank_name == bank_name
            )
            if same:
                return current
            if on < current.valid_from:
                E.refuse(
                    E.BANK_ACCOUNT_INVALID,
                    f"on {on} is before the current account's start {current.valid_from}",
                    "on",
                )
            current.valid_to = on
            current._change_reason = "replaced"
            current.save(update_fields=["valid_to"])
        account = BankAccount(
            person=target,
            bank_code=bank_code,
            bank_name=bank_name,
            account_number=account_number,
            holder_name=holder_name,
            valid_from=on,
        )
        account._change_reason = f"set by {getattr(actor, 'username', '')}"[:100]
        account.save()
    return account


# ============================================================================ the monthly run
ENGINES = ("duckdb", "spark")
# Fault injection (docs/payments.md "Crash safety"): with SAFETYNET_PAYROLL_STOP_AT=<phase> a run
# stops itself (SIGSTOP) on reaching that phase, for a crash test to kill -9 it exactly there.
# Unset in production: the run then only writes its phase marker.
STOP_AT_ENV = "SAFETYNET_PAYROLL_STOP_AT"


@dataclass
class RunReport:
    """What `payroll_run` did: the payroll, its totals, and the changes since the previous
    draft (ADR 0901)."""

    payroll: Payroll
    month: str
    lines: int
    amount_fen: int
    programs: dict[str, dict[str, int]]
    held_no_account: int
    needs_review_count: int
    needs_review: list[dict]
    overpayments: list[dict]
    arrears_months: list[str]
    grants_skipped: list[dict]
    changes: dict[str, Any]
    seconds: dict[str, float] = field(default_factory=dict)
    first_run: bool = False


def _phase(work_dir: Path, name: str) -> None:
    """Mark the phase reached in `<work dir>.phase` (where a run is, or where it died); stop
    here if the fault-injection checkpoint names this phase (STOP_AT_ENV)."""
    with contextlib.suppress(OSError):
        (work_dir.parent / f"{work_dir.name}.phase").write_text(name)
    if os.environ.get(STOP_AT_ENV) == name:
        os.kill(os.getpid(), signal.SIGSTOP)


@contextlib.contextmanager
def _run_lock(work_root: Path, month: str) -> Iterator[None]:
    """One payroll run at a time on this work directory (ADR 0915): runs share it (the month's
    caseload, the arrears months' recomputations), and two runs of one month would both write
    its payroll row. A second run is refused at once with a clear message instead of failing
    later on the database's uniqueness of the month. An OS file lock: released by the kernel
    when the process ends, even by kill -9, so a crashed run never blocks the next one."""
    work_root.mkdir(parents=True, exist_ok=True)
    with open(work_root / "run.lock", "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            running = fh.read().strip() or "?"
            E.refuse(
                E.RUN_IN_PROGRESS,
                f"payroll {month}: a payroll run (month {running}) is already in progress; "
                "wait for it to end, then run again to recompute the draft",
                "month",
            )
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(month)
            fh.flush()
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _check_month(month: Any) -> str:
    try:
        canonical, _, _ = compute.month_bounds(str(month or ""))
    except ValueError:
        E.refuse(E.MONTH_INVALID, f"month {month!r} must be YYYY-MM", "month")
    if canonical != month:
        E.refuse(E.MONTH_INVALID, f"month {month!r} must be YYYY-MM", "month")
    return canonical


def _refuse_unless_draft(payroll: Payroll | None) -> None:
    if payroll is not None and payroll.status not in RECOMPUTABLE:
        E.refuse(
            E.PAYROLL_NOT_DRAFT,
            f"payroll {payroll.month} is {payroll.status}: its lines are final; a run "
            "recomputes a draft only (differences go to the next month's payroll)",
            "month",
        )


_REPLACEABLE_SQL = ", ".join(f"'{s}'" for s in REPLACEABLE_STATUSES)
_SNAPSHOT_SCHEMA = pa.schema(
    [
        ("beneficiary_key", pa.string()),
        ("program", pa.string()),
        ("benefit_month", pa.string()),
        ("kind", pa.string()),
        ("source_ref", pa.string()),
        ("amount_fen", pa.int64()),
    ]
)


def _snapshot(payroll: Payroll) -> pa.Table:
    return compute.fetch_arrow(
        "SELECT beneficiary_key, program, benefit_month, kind, source_ref, amount_fen "
        f"FROM payments_paymentline WHERE payroll_id = %(p)s AND status IN ({_REPLACEABLE_SQL})",
        {"p": payroll.pk},
        _SNAPSHOT_SCHEMA,
    )


def _changes(before: pa.Table, after: pa.Table) -> dict[str, Any]:
    """Added, removed and changed lines, and the totals per program, before → after."""
    con = duckdb_connect()
    con.register("b", before)
    con.register("a", after.select(_SNAPSHOT_SCHEMA.names))
    keys = "beneficiary_key, program, benefit_month, kind, source_ref"
    joined = f"""
SELECT COALESCE(a.program, b.program) AS program, b.amount_fen AS old, a.amount_fen AS new,
  COALESCE(a.beneficiary_key, b.beneficiary_key) AS beneficiary_key,
  COALESCE(a.benefit_month, b.benefit_month) AS benefit_month,
  COALESCE(a.kind, b.kind) AS kind
FROM a FULL OUTER JOIN b USING ({keys})"""
    counts = con.sql(
        f"""
SELECT COUNT(*) FILTER (WHERE old IS NULL), COUNT(*) FILTER (WHERE new IS NULL),
  COUNT(*) FILTER (WHERE old IS NOT NULL AND new IS NOT NULL AND old <> new)
FROM ({joined})"""
    ).fetchall()[0]
    per_program = {}
    for program, old, new in con.sql(
        f"""SELECT program, COALESCE(SUM(old), 0), COALESCE(SUM(new), 0) FROM ({joined})
GROUP BY program ORDER BY program"""
    ).fetchall():
        per_program[program] = {"before_fen": int(old), "after_fen": int(new)}
    sample = [
        {"beneficiary_key": k, "program": p, "benefit_month": m, "kind": kd, "old": o, "new": n}
        for k, p, m, kd, o, n in con.sql(
            f"""SELECT beneficiary_key, program, benefit_month, kind, old, new FROM ({joined})
WHERE old IS DISTINCT FROM new ORDER BY program, beneficiary_key LIMIT 50"""
        ).fetchall()
    ]
    con.close()
    return {
        "added": int(counts[0]),
        "removed": int(counts[1]),
        "changed": int(counts[2]),
        "programs": per_program,
        "sample": sample,
    }


def _insert(payroll: Payroll, lines: pa.Table, now) -> int:
    n = lines.num_rows
    if not n:
        return 0
    stamp = db_timestamp(now)
    values = {
        "payroll_id": constant_column(payroll.pk, n, pa.int64()),
        "payroll_month": constant_column(payroll.month, n, pa.string()),
        **{
            name if name not in ("person_id",) else "person_id": lines.column(name)
            for name in compute.LINE_SCHEMA.names
        },
        "created_at": constant_column(stamp, n, pa.string()),
        "updated_at": constant_column(stamp, n, pa.string()),
    }
    return bulk_insert(PaymentLine, values)


def _totals(payroll: Payroll) -> dict[str, Any]:
    programs: dict[str, dict[str, int]] = {}
    lines = amount = held = 0
    rows = (
        PaymentLine.objects.filter(payroll=payroll)
        .exclude(status=LineStatus.CANCELLED)
        .values_list("program", "kind", "status")
        .annotate(n=Count("id"), fen=Sum("amount_fen"))
    )
    for program, kind, status, n, fen in rows:
        t = programs.setdefault(program, {"lines": 0, "amount_fen": 0})
        t["lines"] += n
        t["amount_fen"] += int(fen or 0)
        t[f"{kind}_fen"] = t.get(f"{kind}_fen", 0) + int(fen or 0)
        lines += n
        amount += int(fen or 0)
        if status == LineStatus.HELD_NO_ACCOUNT:
            held += n
    return {
        "lines": lines,
        "amount_fen": amount,
        "held_no_account": held,
        "programs": dict(sorted(programs.items())),
    }


def payroll_run(*, actor, month: str, engine: str = "duckdb") -> RunReport:
    """Compute the payroll of benefit `month` (ADR 0900, 0901): the caseload exported for the
    rules engine, one batch call, the regular lines (enrolled, amount > 0), the one-off grants
    decided by then and the arrears of retroactive changes; written in one transaction that
    replaces the draft's unsent lines. A payroll past draft is refused. Crash-safe: the database
    changes only in that transaction; the work directory is emptied at each start."""
    require(actor, "payments.prepare_payroll")
    month = _check_month(month)
    if engine not in ENGINES:
        E.refuse(
            E.ENGINE_INVALID, f"engine {engine!r}: choose one of {', '.join(ENGINES)}", "engine"
        )
    if actor.scope_prefix is None:
        raise E.NotFoundError("jurisdiction")
    work_root = Path(settings.PAYROLL_WORK_DIR)
    with _run_lock(work_root, month):
        return _payroll_run(actor, month, engine, work_root)


def _payroll_run(actor, month: str, engine: str, work_root: Path) -> RunReport:
    _refuse_unless_draft(Payroll.objects.filter(month=month).first())
    existing = Payroll.objects.filter(month=month).first()
    work = work_root / month
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    _phase(work, "export")
    compute.caseload_export(work, month)
    t1 = time.perf_counter()
    seconds["export"] = round(t1 - t0, 3)
    _phase(work, "engine")
    try:
        outputs = list(compute.engine_results(work, month, engine))
    except ValueError as exc:
        E.refuse(E.RULES_REFUSED, f"rules engine: {exc}", "month")
    t2 = time.perf_counter()
    seconds["engine"] = round(t2 - t1, 3)
    _phase(work, "lines")
    regular = compute.regular_lines(work, month, outputs)
    grants, skipped = oneoff.grant_lines(month, existing)
    arrears, over, arrears_months = oneoff.arrears_lines(month, existing, work_root, engine)
    extra = pa.concat_tables([grants, arrears])
    lines = pa.concat_tables([regular.lines, compute.attach_accounts(extra)])
    t3 = time.perf_counter()
    seconds["lines"] = round(t3 - t2, 3)
    _phase(work, "write")
    digest = compute.parameters_digest(month)
    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                payroll, created = Payroll.objects.get_or_create(
                    month=month, defaults={"prepared_by": actor}
                )
        except IntegrityError:  # another host's run created the month meanwhile (ADR 0915)
            E.refuse(
                E.RUN_IN_PROGRESS,
                f"payroll {month} was created by another run at the same moment; "
                "run again once it has ended to recompute the draft",
                "month",
            )
        payroll = Payroll.objects.select_for_update().get(pk=payroll.pk)
        _refuse_unless_draft(payroll)
        before = _snapshot(payroll)
        PaymentLine.objects.filter(payroll=payroll, status__in=REPLACEABLE_STATUSES).delete()
        lines = _drop_final(lines, payroll)
        _insert(payroll, lines, now)
        changes = _changes(before, lines)
        totals = _totals(payroll)
        # Overpayments become recoveries, withheld from this draft (ADR 0941), same transaction.
        from .recoveries import recoveries_after_run

        recovered = recoveries_after_run(payroll=payroll, actor=actor, overpayments=over)
        payroll.prepared_by = actor
        payroll.runs += 1
        payroll.totals = totals
        payroll.parameters_digest = digest
        payroll.summary = {
            "needs_review_count": regular.needs_review_count,
            "needs_review": regular.needs_review,
            "engine_total_fen": regular.engine_total_fen,
            "overpayments": over[:500],
            "overpayments_count": len(over),
            "recoveries": recovered,
            "arrears_months": arrears_months,
            "grants_skipped": skipped[:500],
            "changes": changes,
            "engine": engine,
        }
        payroll.save()
        payroll_event_record(
            payroll=payroll,
            kind=PayrollEventKind.RUN,
            actor=actor,
            from_status=payroll.status,
            to_status=payroll.status,
            run=payroll.runs,
            lines=totals["lines"],
            amount_fen=totals["amount_fen"],
            added=changes["added"],
            removed=changes["removed"],
            changed=changes["changed"],
            engine=engine,
        )
        _phase(work, "commit")
    seconds["write"] = round(time.perf_counter() - t3, 3)
    _phase(work, "done")
    return RunReport(
        payroll=payroll,
        month=month,
        lines=totals["lines"],
        amount_fen=totals["amount_fen"],
        programs=totals["programs"],
        held_no_account=totals["held_no_account"],
        needs_review_count=regular.needs_review_count,
        needs_review=regular.needs_review,
        overpayments=over,
        arrears_months=arrears_months,
        grants_skipped=skipped,
        changes=changes,
        seconds=seconds,
        first_run=created,
    )


def _drop_final(lines: pa.Table, payroll: Payroll) -> pa.Table:
    """Leave out regular lines whose (beneficiary, program, month) is already on a line this run
    does not replace (sent, paid, failed … in any payroll): they are final (ADR 0901)."""
    months = sorted(set(pc.unique(lines.column("benefit_month")).to_pylist()))
    if not months:
        return lines
    # validated 'YYYY-MM' strings (month_bounds), inlined: SQLite binds no tuples
    in_months = ", ".join(f"'{compute.month_bounds(m)[0]}'" for m in months)
    final = compute.fetch_arrow(
        "SELECT beneficiary_key, program, benefit_month FROM payments_paymentline "
        f"WHERE kind = 'regular' AND benefit_month IN ({in_months}) AND status <> 'cancelled' "
        f"AND NOT (payroll_id = %(p)s AND status IN ({_REPLACEABLE_SQL}))",
        {"p": payroll.pk},
        pa.schema(
            [
                ("beneficiary_key", pa.string()),
                ("program", pa.string()),
                ("benefit_month", pa.string()),
            ]
        ),
    )
    if not final.num_rows:
        return lines
    con = duckdb_connect()
    con.register("l", lines)
    con.register("f", final)
    out = con.sql(
        """SELECT l.* FROM l WHERE l.kind <> 'regular' OR NOT EXISTS (
  SELECT 1 FROM f WHERE f.beneficiary_key = l.beneficiary_key AND f.program = l.program
    AND f.benefit_month = l.benefit_month)"""
    ).to_arrow_table()
    con.close()
    return out.cast(compute.LINE_SCHEMA)


# ============================================================================ amount basis
def amount_basis_record(
    *,
    household_id: int,
    valid_from: str,
    situation: dict,
    source: str,
    source_ref: str,
) -> AmountBasis:
    """Record the amount basis of a household from a rules-engine situation (a case's frozen
    proposal situation, docs/rules-situation-schema.md): the household's assets and each
    person's income and engine facts, valid from benefit month `valid_from` (replacing a basis
    of the same month). Called inside the deciding service's transaction (its caller checked
    the actor: `case_decide`, a review's decision)."""
    valid_from = _check_month(valid_from)
    h = situation.get("household") or {}
    with transaction.atomic():
        AmountBasis.objects.filter(household_id=household_id, valid_from=valid_from).delete()
        basis = AmountBasis.objects.create(
            household_id=household_id,
            valid_from=valid_from,
            source=source,
            source_ref=str(source_ref)[:100],
            declared_financial_assets_fen=int(h.get("financial_assets_fen") or 0),
            declared_vehicles=int(h.get("vehicles") or 0),
            declared_homes=int(h.get("homes") or 0),
            declared_businesses=int(h.get("businesses") or 0),
            medical_oop_12m_fen=int(h.get("medical_oop_12m_fen") or 0),
        )
        rows = []
        for p in situation.get("persons") or []:
            income = p.get("income") or {}
            values = {}
            for column in compute.INCOME_COLUMNS:
                key = column.removeprefix("income_")  # the situation's "wage_fen" …
                values[column] = int(income.get(key, income.get(column, 0)) or 0)
            rows.append(
                AmountBasisPerson(
                    basis=basis,
                    person_id=int(p["id"]),
                    entitled_kind=str(p.get("entitled_kind") or ""),
                    tekun_support_form=str(p.get("tekun_support_form") or ""),
                    unemployment_insurance=bool(p.get("unemployment_insurance") or False),
                    is_orphan=bool(p.get("is_orphan") or False),
                    **values,
                )
            )
        AmountBasisPerson.objects.bulk_create(rows)
    return basis
