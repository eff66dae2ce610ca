"""The institutions' monthly reimbursement by bank file (ADR 1103, ADR 1131, ADR 1140): one
implementation for the hospitals' statements (medical/reimbursement.py) and the funeral homes'
(funerals/homes.py).

`payable_files_make`: one payable file per bank (the bank-file format of docs/bank-files.md),
one line per statement to the institution's settlement account (the institution code in the
ID column); the ledger moves the money from the treasuries to the bank clearing account.
`results_import`: the bank's answer, all or nothing — paid lines settle the payable, failed
lines return the money and free the statement for the next file.

What differs between the programs is passed in: the statement and file models, the field that
names the institution on the statement, the file reference's prefix, the funding rows of a list
of statements (`rows_of`), the error class and the ledger's reference namespace.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.core.files.base import ContentFile

from safetynet.core.files import store_file
from safetynet.funds import services as funds
from safetynet.payments import bank_format

from .errors import InstitutionRequestError


@dataclass(frozen=True)
class Program:
    """How one program's reimbursement is kept."""

    statement_model: Any  # .amount_fen, .bank_file, .paid_on, .<payee> → Institution
    file_model: Any  # .reference, .month, .bank_code, .file, .line_count, .total_fen, .made_by
    payee: str  # the statement's field naming the institution
    prefix: str  # of the file reference: MA (medical assistance), BZ (殡葬)
    ledger: str  # the ledger's reference namespace: medical, funerals
    memo: str  # of the funding posting
    error: type[InstitutionRequestError]
    rows_of: Callable[[Sequence[Any]], list[dict]]  # the statements' funding rows
    file_fields: Callable[[Any], dict] = lambda today: {}  # extra fields of a file row


class ResultSummary(NamedTuple):
    paid: int
    failed: int


def payable_files_make(
    *, program: Program, actor, month: str, statements: Sequence[Any], fmt: str, today
) -> list:
    """One payable file per bank of `statements` (locked, ordered by bank and institution)."""
    if not statements:
        raise program.error("nothing_to_pay", "month", f"no statement up to {month} to pay")
    by_bank: dict[str, list] = defaultdict(list)
    for st in statements:
        by_bank[getattr(st, program.payee).bank_code].append(st)
    made = []
    for bank_code, mine in sorted(by_bank.items()):
        first = getattr(mine[0], program.payee)
        n = program.file_model.objects.filter(month=month, bank_code=bank_code).count() + 1
        reference = f"{program.prefix}{month.replace('-', '')}{bank_code}-{n}"
        pf = bank_format.PaymentFile(
            reference=reference,
            month=month,
            bank_code=bank_code,
            bank_name=first.bank_name,
            created=today,
            rows=[
                bank_format.PaymentRow(
                    account=getattr(st, program.payee).account_number,
                    name=getattr(st, program.payee).account_holder,
                    id_number=getattr(st, program.payee).code,
                    amount_fen=st.amount_fen,
                    reference=f"{reference}-{st.pk}",
                )
                for st in mine
            ],
        )
        rf = program.file_model(
            month=month,
            reference=reference,
            bank_code=bank_code,
            line_count=pf.count,
            total_fen=pf.total_fen,
            made_by=actor if getattr(actor, "pk", None) else None,
            **program.file_fields(today),
        )
        content = ContentFile(bank_format.write_payment_file(pf, fmt))
        store_file(rf.file, f"{reference}.{fmt}", content)
        rf.save()
        program.statement_model.objects.filter(pk__in=[st.pk for st in mine]).update(bank_file=rf)
        funds.post_bank_funding(
            actor=actor,
            ref=f"{program.ledger}:{reference}",
            on=today,
            rows=program.rows_of(mine),
            memo=f"{program.memo} {reference}",
        )
        made.append(rf)
    return made


def results_import(*, program: Program, actor, content: bytes, today) -> ResultSummary:
    """The bank's result file of one of the program's payable files, all or nothing (a row
    that names no line of the file, or another amount, refuses the whole file)."""
    try:
        result = bank_format.read_result_file(content)
    except bank_format.BankFileFormatError as exc:
        raise program.error("result_file_invalid", "file", str(exc)) from None
    rf = program.file_model.objects.select_for_update().filter(reference=result.reference).first()
    if rf is None:
        raise program.error("result_file_invalid", "file", f"no file {result.reference}")
    on_file = list(rf.statements.select_for_update())
    lines = {f"{rf.reference}-{st.pk}": st for st in on_file}
    paid, failed, seen = [], [], set()
    for row in result.rows:
        st = lines.get(row.reference)
        if st is None or row.amount_fen != st.amount_fen:
            raise program.error(
                "result_file_invalid", f"row {row.row}", f"unknown line {row.reference}"
            )
        if row.reference in seen:  # a line answered twice would be booked twice
            raise program.error(
                "result_file_invalid", f"row {row.row}", f"line {row.reference} appears twice"
            )
        if st.paid_on is not None:  # answered by an earlier result file
            raise program.error(
                "result_file_invalid", f"row {row.row}", f"line {row.reference} already paid"
            )
        seen.add(row.reference)
        (paid if row.outcome == "paid" else failed).append(st)
    # The ledger books each answer once by its source: the first answer of a file keeps the
    # file's reference; a later part (a bank answering in several files) gets its own source.
    first_answer = len(on_file) == rf.line_count and not any(st.paid_on for st in on_file)
    ref = f"{program.ledger}:{rf.reference}"
    if not first_answer:
        ref += f":{hashlib.sha256(content).hexdigest()[:12]}"
    model = program.statement_model
    if paid:
        model.objects.filter(pk__in=[s.pk for s in paid]).update(paid_on=today)
        funds.post_payments_paid(actor=actor, ref=ref, on=today, rows=program.rows_of(paid))
    if failed:
        # the line waits for the next file (the institution's account corrected first)
        model.objects.filter(pk__in=[s.pk for s in failed]).update(bank_file=None)
        funds.post_payments_failed(actor=actor, ref=ref, on=today, rows=program.rows_of(failed))
    return ResultSummary(len(paid), len(failed))
