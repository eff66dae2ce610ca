"""Bank-file test helpers: an approved payroll with hand-made lines (without the rules engine),
accounts set through the service, and the simulated bank's answer as result files."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from safetynet.payments.bank_format import PaymentFile, read_payment_file
from safetynet.payments.models import BankFile, PaymentLine, Payroll
from safetynet.payments.services import bank_account_set
from safetynet.simulated.banks.bank import BankBehaviour, Fault, SimulatedBank
from safetynet.simulated.banks.server import answer_payment_file

ON = dt.date(2020, 7, 1)


def set_account(actor, person, account: str, *, bank="ICBC", holder=None, on=ON):
    return bank_account_set(
        actor=actor,
        person=person,
        bank_code=bank,
        bank_name={"ICBC": "中国工商银行", "CCB": "中国建设银行"}.get(bank, bank),
        account_number=account,
        holder_name=holder or person.name,
        on=on,
    )


def approved_payroll(month: str, lines: list[tuple]) -> tuple[Payroll, list[PaymentLine]]:
    """An approved payroll whose lines are (person, program, amount_fen); the split is all city."""
    payroll = Payroll.objects.create(month=month, status="approved")
    now = timezone.now()
    made = []
    for person, program, amount in lines:
        account = person.bank_accounts.filter(valid_to__isnull=True).first()
        made.append(
            PaymentLine.objects.create(
                payroll=payroll,
                payroll_month=month,
                beneficiary_key=f"P{person.pk}",
                person=person,
                program=program,
                benefit_month=month,
                kind="regular",
                amount_fen=amount,
                city_fen=amount,
                division_id=person.hukou_division_id,
                bank_account=account,
                bank_code=account.bank_code if account else "",
                account_number=account.account_number if account else "",
                status="pending" if account else "held_no_account",
                created_at=now,
                updated_at=now,
            )
        )
    return payroll, made


def file_content(bf: BankFile) -> bytes:
    with bf.file.open("rb") as fh:
        return fh.read()


def bank_answer(
    bf: BankFile, faults: dict | None = None, *, failure_rate=0.0, late_rate=0.0, seed=0
) -> list[tuple[str, bytes, int]]:
    bank = SimulatedBank(
        faults or {}, BankBehaviour(failure_rate=failure_rate, late_rate=late_rate, seed=seed)
    )
    return answer_payment_file(bank, file_content(bf))


def payment_file(bf: BankFile) -> PaymentFile:
    return read_payment_file(file_content(bf))


__all__ = [
    "Fault",
    "approved_payroll",
    "bank_answer",
    "file_content",
    "payment_file",
    "set_account",
]
