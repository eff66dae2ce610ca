"""Bank files out, bank results in (docs/bank-files.md, ADR 0910–0912). Two services, one per
bank event, each in one transaction with a PayrollEvent (the ledger posts from these events):

- `bank_files_make(*, actor, payroll)`: an approved payroll's lines become one payment file per
  bank; lines without a current bank account stay held and are listed; failed lines of earlier
  payrolls whose account has since been changed, and their held lines that now have one, ride
  along, and so do failed lines whose failure was not about the account (a bank's technical
  failure, a timeout: `RESEND_UNCHANGED_REASONS`, ADR 0942), to the same account. The lines are
  not rewritten: a line is shown sent while it has a pending entry (ADR 0950); payroll →
  files_sent.
- `bank_results_import(*, actor, files)`: the banks' result files mark each sent line paid or
  failed. All or nothing: an unknown or doubled line reference, a wrong amount or account, an
  unknown payment file or a malformed file refuses the whole import, naming file, row and field.
  A payroll whose lines are all answered → results_in.

A line is paid at most once: the database holds one paid entry per payment line at most
(constraint `payments_entry_paid_once`) and one pending entry at most (`…_one_pending`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import signal
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safetynet.accounts.permissions import require
from safetynet.core.errors import FieldProblem, ServiceError
from safetynet.core.files import store_file, stored_files_removed_on_failure
from safetynet.core.uploads import FileRefused, check_xlsx
from safetynet.funds.payments_hooks import book_bank_files, book_bank_results
from safetynet.registry.loading import _write as bulk_write
from safetynet.registry.loading import _write_postgres, _write_sqlite

from .bank_format import (
    RESEND_UNCHANGED_REASONS,
    XLSX_MAGIC,
    BankFileFormatError,
    PaymentFile,
    PaymentRow,
    ResultRow,
    read_result_file,
    write_payment_file,
)
from .events import payroll_event_record
from .models import (
    BankFile,
    BankFileEntry,
    BankResultFile,
    EntryResult,
    LineStatus,
    PaymentLine,
    Payroll,
    RecoveryDeduction,
)
from .services import STOP_AT_ENV, payroll_transition
from .states import PayrollStatus

BANK_FILES_NOT_APPROVED = "bank_files_payroll_not_approved"
BANK_FORMAT_INVALID = "bank_files_format_invalid"
BANK_RESULTS_REFUSED = "bank_results_refused"
CHUNK = 5000
SENT_STATUSES = (
    PayrollStatus.FILES_SENT.value,
    PayrollStatus.RESULTS_IN.value,
    PayrollStatus.RECONCILED.value,
    PayrollStatus.CLOSED.value,
)


def _checkpoint(name: str) -> None:
    """Fault injection for the kill -9 tests (as `payroll_run`'s, STOP_AT_ENV): the process
    stops itself here, inside the service's transaction, when the variable names this point."""
    if os.environ.get(STOP_AT_ENV) == name:
        os.kill(os.getpid(), signal.SIGSTOP)


def _chunks(seq: Sequence, n: int = CHUNK):
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def file_reference(month: str, bank_code: str) -> str:
    return f"PR{month}-{bank_code}"


def line_reference(line_id: int, attempt: int) -> str:
    """The reference of a payment line's n-th sending (unique in the database)."""
    return f"L{line_id}-{attempt}"


# ============================================================================ files out
@dataclass
class BankFilesReport:
    payroll: Payroll
    files: list[BankFile] = field(default_factory=list)
    held: list[int] = field(default_factory=list)  # payment line ids without a bank account
    resent: int = 0  # earlier payrolls' lines sent again
    seconds: dict[str, float] = field(default_factory=dict)  # step -> seconds (benchmarks)

    @property
    def lines(self) -> int:
        return sum(f.count for f in self.files)

    @property
    def total_fen(self) -> int:
        return sum(f.total_fen for f in self.files)


def _candidates(payroll: Payroll) -> list[tuple]:
    """(line id, payroll id, net amount (less recovery deductions), id number, account id,
    bank code, bank name, account number, holder name, status) of every line to send now,
    ordered by line id; account id None = held.

    This payroll's pending and held lines; earlier sent payrolls' held lines that now have an
    account; their failed lines whose person's current account never failed that line for a
    reason about the account: changed after the failure (bank_account_set), or failed only for
    a reason that is not about the account (RESEND_UNCHANGED_REASONS, ADR 0942)."""
    line = PaymentLine._meta.db_table
    person = "registry_person"
    account = "payments_bankaccount"
    entry = BankFileEntry._meta.db_table
    payrolls = Payroll._meta.db_table
    statuses = ", ".join(f"'{s}'" for s in SENT_STATUSES)
    unchanged = ", ".join(f"'{r}'" for r in RESEND_UNCHANGED_REASONS)
    deduction = RecoveryDeduction._meta.db_table
    # the net amount: what a recovery withholds from the line is not paid (ADR 0941)
    columns = f"""
        SELECT l.id, l.payroll_id,
               l.amount_fen - COALESCE((SELECT CAST(SUM(d.amount_fen) AS BIGINT)
                                        FROM {deduction} d WHERE d.line_id = l.id), 0),
               p.id_number, a.id, a.bank_code, a.bank_name,
               a.account_number, a.holder_name, l.status
        FROM {line} l
        JOIN {person} p ON p.id = l.person_id
        LEFT JOIN {account} a ON a.person_id = l.person_id AND a.valid_to IS NULL"""
    # two queries, each served by the (payroll, status) index
    this_payroll = f"""{columns}
        WHERE l.payroll_id = %s AND l.status IN ('pending', 'held_no_account')
          AND l.amount_fen > 0"""
    earlier = f"""{columns}
        WHERE l.payroll_id IN (SELECT id FROM {payrolls} WHERE status IN ({statuses}))
          AND l.status IN ('failed', 'held_no_account') AND l.amount_fen > 0
          AND a.id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM {entry} e
                          WHERE e.line_id = l.id AND e.bank_account_id = a.id
                            AND e.reason NOT IN ({unchanged}))"""
    with connection.cursor() as cursor:
        cursor.execute(this_payroll, [payroll.pk])
        rows = cursor.fetchall()
        cursor.execute(earlier)
        rows += cursor.fetchall()
    rows = [r for r in rows if r[2] > 0]
    rows.sort(key=lambda r: r[0])
    return rows


def _attempts(line_ids: list[int]) -> dict[int, int]:
    """How many times each line was sent before."""
    out: dict[int, int] = {}
    for chunk in _chunks(line_ids):
        rows = BankFileEntry.objects.filter(line_id__in=chunk).values_list("line_id", flat=True)
        for lid in rows:
            out[lid] = out.get(lid, 0) + 1
    return out


def bank_files_make(
    *, actor, payroll: Payroll, fmt: str = "xlsx", on: dt.date | None = None
) -> BankFilesReport:
    """Make the payment files of an approved payroll (one per bank) and mark its lines sent."""
    require(actor, "payments.send_bank_files")
    if fmt not in ("xlsx", "csv"):
        raise ServiceError(
            BANK_FORMAT_INVALID,
            _("Unknown bank file format %(fmt)s: use xlsx or csv.") % {"fmt": fmt},
            [FieldProblem(field="format", message=_("Use xlsx or csv."), code=BANK_FORMAT_INVALID)],
        )
    on = on or timezone.localdate()
    report = BankFilesReport(payroll=payroll)
    mark = [time.perf_counter()]

    def step(name: str) -> None:
        now = time.perf_counter()
        report.seconds[name] = round(now - mark[0], 3)
        mark[0] = now

    with stored_files_removed_on_failure(), transaction.atomic():
        locked = Payroll.objects.select_for_update().get(pk=payroll.pk)
        if locked.status != PayrollStatus.APPROVED.value:
            msg = _("Payroll %(month)s is %(status)s: bank files are made once it is approved.") % {
                "month": locked.month,
                "status": locked.status,
            }
            raise ServiceError(
                BANK_FILES_NOT_APPROVED,
                msg,
                [FieldProblem(field="status", message=msg, code=BANK_FILES_NOT_APPROVED)],
            )
        rows = _candidates(locked)
        step("select")
        earlier = [r[0] for r in rows if r[1] != locked.pk]
        attempts = _attempts(earlier) if earlier else {}
        report.resent = sum(1 for r in rows if r[1] != locked.pk and r[4] is not None)
        held = [r[0] for r in rows if r[4] is None]
        report.held = held
        by_bank: dict[str, list[tuple]] = defaultdict(list)
        for r in rows:
            if r[4] is not None:
                by_bank[r[5]].append(r)
        entry_cols: dict[str, list] = defaultdict(list)
        for bank_code in sorted(by_bank):
            lines = by_bank[bank_code]
            pf = PaymentFile(
                reference=file_reference(locked.month, bank_code),
                month=locked.month,
                bank_code=bank_code,
                bank_name=lines[0][6],
                created=on,
            )
            refs = [line_reference(r[0], attempts.get(r[0], 0) + 1) for r in lines]
            pf.rows = [
                PaymentRow(r[7], r[8], r[3], r[2], ref) for r, ref in zip(lines, refs, strict=True)
            ]
            data = write_payment_file(pf, fmt)
            bf = BankFile(
                payroll=locked,
                reference=pf.reference,
                bank_code=bank_code,
                bank_name=pf.bank_name,
                format=fmt,
                count=pf.count,
                total_fen=pf.total_fen,
                checksum=hashlib.sha256(data).hexdigest(),
                created_by=actor,
            )
            store_file(bf.file, f"{pf.reference}.{fmt}", ContentFile(data))
            bf.save()
            report.files.append(bf)
            entry_cols["file_id"].append(np.full(len(lines), bf.pk, dtype=np.int64))
            entry_cols["line_id"].append(np.array([r[0] for r in lines], dtype=np.int64))
            entry_cols["reference"].extend(refs)
            entry_cols["amount_fen"].append(np.array([r[2] for r in lines], dtype=np.int64))
            entry_cols["bank_account_id"].append(np.array([r[4] for r in lines], dtype=np.int64))
            entry_cols["account_number"].extend(r[7] for r in lines)
            entry_cols["holder_name"].extend(r[8] for r in lines)
        step("files")
        n = sum(f.count for f in report.files)
        if n:
            values = {
                "file_id": pa.array(np.concatenate(entry_cols["file_id"])),
                "line_id": pa.array(np.concatenate(entry_cols["line_id"])),
                "reference": pa.array(entry_cols["reference"], pa.string()),
                "amount_fen": pa.array(np.concatenate(entry_cols["amount_fen"])),
                "bank_account_id": pa.array(np.concatenate(entry_cols["bank_account_id"])),
                "account_number": pa.array(entry_cols["account_number"], pa.string()),
                "holder_name": pa.array(entry_cols["holder_name"], pa.string()),
                "result": pa.array(["pending"] * n, pa.string()),
                "reason": pa.array([""] * n, pa.string()),
            }
            bulk_write(BankFileEntry, values, lambda k: None)
            book_bank_files(actor=actor, files=report.files, on=on)  # the ledger (funds)
        step("entries")
        # A sent line is not rewritten (ADR 0950): its pending entry says it is with a bank.
        # Only the few lines whose stored status changes are updated: held or failed lines now
        # sent become pending (the stored status of every line a bank holds), this payroll's
        # pending lines without an account become held.
        now = timezone.now()
        to_pending = [r[0] for r in rows if r[4] is not None and r[9] != LineStatus.PENDING]
        to_held = [
            r[0]
            for r in rows
            if r[4] is None and r[1] == locked.pk and r[9] != LineStatus.HELD_NO_ACCOUNT
        ]
        for ids, status in (
            (to_pending, LineStatus.PENDING),
            (to_held, LineStatus.HELD_NO_ACCOUNT),
        ):
            for chunk in _chunks(ids):
                PaymentLine.objects.filter(pk__in=chunk).update(status=status, updated_at=now)
        step("lines")
        _checkpoint("bank_files_written")
        payroll_transition(
            locked,
            PayrollStatus.FILES_SENT.value,
            actor,
            "files_sent",
            {
                "files": [f.reference for f in report.files],
                "lines": report.lines,
                "total_fen": report.total_fen,
                "held": len(held),
                "resent": report.resent,
            },
        )
        payroll.status = locked.status
    step("commit")
    return report


# ============================================================================ results in
@dataclass
class ResultsReport:
    files: list[BankResultFile] = field(default_factory=list)
    paid: int = 0
    failed: int = 0
    paid_fen: int = 0
    failed_fen: int = 0
    returned: int = 0  # paid lines the bank sent back (outcome `returned`, ADR 0951)
    returned_fen: int = 0
    seconds: dict[str, float] = field(default_factory=dict)  # step -> seconds (benchmarks)
    payrolls_complete: list[str] = field(default_factory=list)  # months now results_in


def _message(code: str, **kw) -> str:
    messages = {
        "unknown_line": _("Line reference %(ref)s is not in that payment file."),
        "doubled_line": _("Line reference %(ref)s is doubled: the line already has a result."),
        "wrong_amount": _("Line reference %(ref)s: amount %(got)s differs from the sent %(want)s."),
        "wrong_account": _("Line reference %(ref)s: the account differs from the one sent."),
        "unknown_file": _("File reference %(ref)s is not a payment file made here."),
        "wrong_bank": _("Bank code %(got)s differs from the payment file's bank %(want)s."),
        "malformed": _("The file is malformed: %(detail)s"),
        "already_paid": _("A line in these files was already paid: nothing was imported."),
        "not_paid": _("Line reference %(ref)s is returned but was not paid."),
        "return_before_payment": _("Line reference %(ref)s is returned before it was paid."),
    }
    return messages[code] % kw


def _fmt_yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _refuse(problems: list[FieldProblem]) -> None:
    first = problems[0]
    where = f"{first.field}" + (f" 第 {first.row} 行" if first.row else "")
    raise ServiceError(
        BANK_RESULTS_REFUSED,
        _("The result files were refused, nothing was imported (%(where)s: %(what)s).")
        % {"where": where, "what": first.message},
        problems,
    )


# The rows of an import, in a temporary table of the transaction (ADR 0950): the checks are one
# join with the entries and the writes one UPDATE … FROM each, on PostgreSQL and SQLite alike.
ROWS = "payments_result_rows"
ROWS_COLUMNS = (
    ("n", "BIGINT"),
    ("file_no", "INTEGER"),
    ("file_id", "BIGINT"),
    ("reference", "TEXT"),  # TEXT: a bank's overlong value is a refused row, not a crash
    ("account", "TEXT"),
    ("amount_fen", "BIGINT"),
    ("outcome", "TEXT"),
    ("reason", "TEXT"),
    ("day", "DATE"),
)
ROWS_TYPES = {
    "n": pa.int64(),
    "file_no": pa.int32(),
    "file_id": pa.int64(),
    "amount_fen": pa.int64(),
    "day": pa.date32(),
}


def _rows_table_drop() -> None:
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {ROWS}")


def _rows_table_fill(cols: dict[str, list]) -> None:
    """The import's rows into a new temporary table (dropped at commit or rollback on
    PostgreSQL; on SQLite its creation is rolled back with the transaction, dropped after)."""
    _rows_table_drop()
    ddl = ", ".join(f"{c} {t}" for c, t in ROWS_COLUMNS)
    tail = " ON COMMIT DROP" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cur:
        cur.execute(f"CREATE TEMPORARY TABLE {ROWS} ({ddl}){tail}")
    names = [c for c, _t in ROWS_COLUMNS]
    if not cols.get("n"):
        return
    table = pa.table({c: pa.array(cols[c], ROWS_TYPES.get(c, pa.string())) for c in names})
    if connection.vendor == "postgresql":
        _write_postgres(ROWS, table, lambda k: None)
        with connection.cursor() as cur:
            cur.execute(f"ANALYZE {ROWS}")  # autovacuum never analyses a temporary table
    else:
        _write_sqlite(ROWS, table, lambda k: None)


def _rows_problems() -> list[tuple[int, str, int | None]]:
    """(row number, problem code, amount sent) of each row that does not answer a pending
    entry of its payment file exactly: one join, in row order."""
    entry = BankFileEntry._meta.db_table
    bad = (
        "e.id IS NULL OR e.file_id <> t.file_id OR e.result <> 'pending' "
        "OR e.amount_fen <> t.amount_fen OR e.account_number <> t.account"
    )
    with connection.cursor() as cur:
        cur.execute(
            f"""SELECT t.n,
                  CASE WHEN e.id IS NULL OR e.file_id <> t.file_id THEN 'unknown_line'
                       WHEN e.result <> 'pending' THEN 'doubled_line'
                       WHEN e.amount_fen <> t.amount_fen THEN 'wrong_amount'
                       ELSE 'wrong_account' END,
                  e.amount_fen
                FROM {ROWS} t LEFT JOIN {entry} e ON e.reference = t.reference
                WHERE {bad}
                ORDER BY t.n"""
        )
        return [(int(n), code, fen) for n, code, fen in cur.fetchall()]


def _rows_write(result_files: list[tuple[int, int]], now) -> None:
    """Each row's entry answered (result, reason, date, result file), then each answered
    entry's line paid or failed: two statements. A second paid entry of a line raises
    IntegrityError (`payments_entry_paid_once`)."""
    entry = BankFileEntry._meta.db_table
    line = PaymentLine._meta.db_table
    whens = " ".join("WHEN %s THEN %s" for _ in result_files)
    params: list = [v for pair in result_files for v in pair]
    with connection.cursor() as cur:
        cur.execute(
            f"""UPDATE {entry} SET result = t.outcome, reason = t.reason, result_date = t.day,
                  result_file_id = CASE t.file_no {whens} END
                FROM {ROWS} t
                WHERE {entry}.reference = t.reference AND {entry}.result = 'pending'""",
            params,
        )
        cur.execute(
            f"""UPDATE {line} SET status = t.outcome, updated_at = %s
                FROM {ROWS} t JOIN {entry} e ON e.reference = t.reference
                WHERE {line}.id = e.line_id""",
            [now],
        )


def _rows_paid_before() -> int | None:
    """The first row paying a line that already has a paid entry (after the refused write)."""
    entry = BankFileEntry._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"""SELECT t.n FROM {ROWS} t JOIN {entry} e ON e.reference = t.reference
                WHERE t.outcome = 'paid' AND EXISTS (
                    SELECT 1 FROM {entry} p WHERE p.line_id = e.line_id AND p.result = 'paid')
                ORDER BY t.n LIMIT 1"""
        )
        row = cur.fetchone()
    return int(row[0]) if row else None


def _returns_record(actor, returns: list[tuple[str, BankFile, ResultRow]]) -> None:
    """The `returned` rows of an import (ADR 0951), after its paid and failed rows are written
    (a line paid by one file of the import may be returned by a later one): each must answer a
    paid entry of its payment file with the amount and account sent, on or after the day it was
    paid, once. Any problem refuses the whole import (the caller's transaction rolls back)."""
    from .refunds import record_bank_return

    problems: list[FieldProblem] = []
    entries = {
        e.reference: e
        for e in BankFileEntry.objects.select_for_update()
        .select_related("line", "file__payroll")
        .filter(reference__in=[r.reference for _n, _b, r in returns])
        .order_by("id")
    }
    seen: set[str] = set()
    for name, bf, r in returns:
        e = entries.get(r.reference)
        code, fld, kw = None, "行参考号", {}
        if e is None or e.file_id != bf.pk:
            code = "unknown_line"
        elif r.reference in seen:
            code = "doubled_line"
        elif e.result != EntryResult.PAID:
            code = "not_paid"
        elif r.amount_fen != e.amount_fen:
            code, fld = "wrong_amount", "金额"
            kw = {"got": _fmt_yuan(r.amount_fen), "want": _fmt_yuan(e.amount_fen)}
        elif r.account != e.account_number:
            code, fld = "wrong_account", "账号"
        elif e.result_date and r.date < e.result_date:
            code, fld = "return_before_payment", "日期"
        seen.add(r.reference)
        if code:
            problems.append(
                FieldProblem(
                    field=f"{name}: {fld}",
                    row=r.row,
                    message=_message(code, ref=r.reference, **kw),
                    code=code,
                )
            )
    if problems:
        _refuse(problems)
    for name, _bf, r in returns:
        record_bank_return(
            actor=actor, entry=entries[r.reference], on=r.date, reason=r.reason, note=name[:200]
        )


def bank_results_import(*, actor, files: Sequence[tuple[str, bytes]]) -> ResultsReport:
    """Import the banks' result files [(name, content)]: all of them, or nothing."""
    require(actor, "payments.import_bank_results")
    report = ResultsReport()
    mark = [time.perf_counter()]

    def step(name: str) -> None:
        now = time.perf_counter()
        report.seconds[name] = round(now - mark[0], 3)
        mark[0] = now

    problems: list[FieldProblem] = []
    parsed = []
    for name, content in files:
        try:
            if content.startswith(XLSX_MAGIC):
                check_xlsx(content, field=name)
            parsed.append((name, content, read_result_file(content)))
        except FileRefused as exc:
            problems.append(FieldProblem(field=name, message=exc.message, code="malformed"))
        except BankFileFormatError as exc:
            for p in exc.problems:
                detail = f"{p.field} {p.code} {p.detail}".strip()
                problems.append(
                    FieldProblem(
                        field=f"{name}: {p.field}",
                        row=p.row,
                        message=_message("malformed", detail=detail),
                        code=p.code,
                    )
                )
    if problems:
        _refuse(problems)
    step("parse")
    with stored_files_removed_on_failure(), transaction.atomic():
        refs = sorted({pf.reference for _n, _c, pf in parsed})
        bank_files = {
            bf.reference: bf
            for bf in BankFile.objects.select_for_update().filter(reference__in=refs)
        }
        # every row of the files whose header is right goes into a temporary table; one join
        # with the entries finds the problems, one UPDATE … FROM writes them (ADR 0950)
        seen: set[str] = set()
        doubled: set[int] = set()  # row numbers in the import answering a line already answered
        where: list[tuple[str, ResultRow]] = []  # row number in the import -> (file, row)
        cols: dict[str, list] = defaultdict(list)
        returns: list[tuple[str, BankFile, ResultRow]] = []
        for file_no, (name, _c, pf) in enumerate(parsed):
            bf = bank_files.get(pf.reference)
            if bf is None:
                problems.append(
                    FieldProblem(
                        field=f"{name}: 原文件编号",
                        message=_message("unknown_file", ref=pf.reference),
                        code="unknown_file",
                    )
                )
                continue
            if pf.bank_code != bf.bank_code:
                problems.append(
                    FieldProblem(
                        field=f"{name}: 银行代码",
                        message=_message("wrong_bank", got=pf.bank_code, want=bf.bank_code),
                        code="wrong_bank",
                    )
                )
                continue
            for r in pf.rows:
                if r.outcome == "returned":  # after the other rows are written (ADR 0951)
                    returns.append((name, bf, r))
                    continue
                n = len(where)
                where.append((name, r))
                if r.reference in seen:
                    doubled.add(n)
                seen.add(r.reference)
                cols["n"].append(n)
                cols["file_no"].append(file_no)
                cols["file_id"].append(bf.pk)
                cols["reference"].append(r.reference)
                cols["account"].append(r.account)
                cols["amount_fen"].append(r.amount_fen)
                cols["outcome"].append(r.outcome)
                cols["reason"].append(r.reason)
                cols["day"].append(r.date)
        _rows_table_fill(cols)
        step("rows_table")
        found: dict[int, tuple[str, int | None]] = {n: ("doubled_line", None) for n in doubled}
        for n, code, sent_fen in _rows_problems():
            found.setdefault(n, (code, sent_fen))
        fields = {
            "unknown_line": "行参考号",
            "doubled_line": "行参考号",
            "wrong_amount": "金额",
            "wrong_account": "账号",
        }
        for n in sorted(found):
            code, sent_fen = found[n]
            name, r = where[n]
            kw = {"got": _fmt_yuan(r.amount_fen), "want": _fmt_yuan(sent_fen or 0)}
            problems.append(
                FieldProblem(
                    field=f"{name}: {fields[code]}",
                    row=r.row,
                    message=_message(
                        code, ref=r.reference, **(kw if code == "wrong_amount" else {})
                    ),
                    code=code,
                )
            )
        if problems:
            _refuse(problems)
        step("check")
        # ---- every row checked: write
        touched: set[int] = set()
        result_files: list[tuple[int, int]] = []  # (file_no, result file id)
        for file_no, (name, content, pf) in enumerate(parsed):
            bf = bank_files[pf.reference]
            touched.add(bf.payroll_id)
            rf = BankResultFile(
                bank_file=bf,
                original_name=name[:200],
                checksum=hashlib.sha256(content).hexdigest(),
                answered=pf.answered,
                lines=len(pf.rows),
                paid=sum(r.outcome == "paid" for r in pf.rows),
                failed=sum(r.outcome == "failed" for r in pf.rows),
                imported_by=actor,
            )
            ext = "xlsx" if content.startswith(XLSX_MAGIC) else "csv"
            store_file(rf.file, f"{pf.reference}-result.{ext}", ContentFile(content))
            rf.save()
            report.files.append(rf)
            result_files.append((file_no, rf.pk))
            for r in pf.rows:
                if r.outcome == "paid":
                    report.paid += 1
                    report.paid_fen += r.amount_fen
                elif r.outcome == "returned":
                    report.returned += 1
                    report.returned_fen += r.amount_fen
                else:
                    report.failed += 1
                    report.failed_fen += r.amount_fen
        try:
            with transaction.atomic():
                if result_files:
                    _rows_write(result_files, timezone.now())
        except IntegrityError:
            n = _rows_paid_before()
            name, r = where[n] if n is not None else (parsed[0][0], None)
            _refuse(
                [
                    FieldProblem(
                        field=f"{name}: 行参考号" if r else name,
                        row=r.row if r else None,
                        message=_message("already_paid"),
                        code="already_paid",
                    )
                ]
            )
        step("write")
        for rf in report.files:
            book_bank_results(actor=actor, result_file=rf)  # the ledger (funds)
        step("ledger")
        _rows_table_drop()
        if returns:
            _returns_record(actor, returns)
        _checkpoint("bank_results_written")
        for payroll in Payroll.objects.select_for_update().filter(pk__in=touched).order_by("pk"):
            waiting = BankFileEntry.objects.filter(
                file__payroll=payroll, result=EntryResult.PENDING
            ).exists()
            data = {
                "result_files": [
                    rf.bank_file.reference
                    for rf in report.files
                    if rf.bank_file.payroll_id == payroll.pk
                ],
                "paid": report.paid,
                "failed": report.failed,
            }
            if not waiting and payroll.status == PayrollStatus.FILES_SENT.value:
                payroll_transition(
                    payroll, PayrollStatus.RESULTS_IN.value, actor, "results_in", data
                )
                report.payrolls_complete.append(payroll.month)
            else:
                payroll_event_record(
                    payroll=payroll, kind="bank_results", actor=actor, waiting=waiting, **data
                )
        step("payrolls")
    step("commit")
    return report
