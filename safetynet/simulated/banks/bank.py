"""The simulated bank's decisions: which line of a payment file is paid, which fails and why, which
is answered late. Deterministic: every draw is a hash of (seed, line reference), so the same file
and seed give the same answers, run after run and whichever order files arrive in.

What the bank knows of its accounts is the city's `ground_truth/bank_faults.parquet` (written by
the generator's bank-account post-pass): closed accounts, and the real holder name of accounts the
bureau holds with a wrong name. Every other account is open and its name taken as right. On top,
a configurable share of lines fails at random (`no_such_account` / `account_frozen`: a typo in a
manually keyed account, a court freeze), a share fails for the bank's own reasons
(`bank_technical` / `timeout`: not about the account, sent again unchanged), and a share is
answered late, in a second result file, and a share of the paid lines is returned afterwards
(the account closed after all), in a last result file with the outcome `returned`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from safetynet.payments.bank_format import PaymentFile, ResultFile, ResultRow

FAULTS_FILE = "ground_truth/bank_faults.parquet"
RANDOM_REASONS = ("no_such_account", "account_frozen")
TECHNICAL_REASONS = ("bank_technical", "timeout")


@dataclass(frozen=True)
class BankBehaviour:
    failure_rate: float = 0.01  # share of lines failing at random (besides the known faults)
    late_rate: float = 0.05  # share of lines answered in the later result file
    technical_rate: float = 0.0  # share of lines failing for the bank's own technical reasons
    return_rate: float = 0.0  # share of paid lines returned afterwards (ADR 0951)
    seed: int = 0
    answer_days: int = 1  # the first result file's date: the payment file's date + this
    late_days: int = 3  # the late file's date
    return_days: int = 7  # the returns file's date

    def __post_init__(self) -> None:
        for name in ("failure_rate", "late_rate", "technical_rate", "return_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")


@dataclass(frozen=True)
class Fault:
    kind: str  # account_closed | name_mismatch
    bank_holder_name: str


def load_faults(city: Path | str | None) -> dict[tuple[str, str], Fault]:
    """(bank_code, account_number) -> the bank's knowledge of a broken account."""
    if city is None:
        return {}
    path = Path(city) / FAULTS_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path}: the city has no bank faults file (regenerate it)")
    t = pq.read_table(path, columns=["bank_code", "account_number", "fault", "bank_holder_name"])
    return {
        (b, a): Fault(f, n)
        for b, a, f, n in zip(
            t["bank_code"].to_pylist(),
            t["account_number"].to_pylist(),
            t["fault"].to_pylist(),
            t["bank_holder_name"].to_pylist(),
            strict=True,
        )
    }


def _draw(seed: int, reference: str, what: str) -> float:
    h = hashlib.blake2b(f"{seed}|{what}|{reference}".encode(), digest_size=8).digest()
    return int.from_bytes(h, "big") / 2**64


class SimulatedBank:
    def __init__(self, faults: dict[tuple[str, str], Fault], behaviour: BankBehaviour):
        self.faults = faults
        self.behaviour = behaviour

    def answer(self, payment: PaymentFile) -> list[ResultFile]:
        """The result files for a payment file: the on-time answers, then (if any) the late
        ones, then (if any) the paid lines the bank returned (outcome `returned`, ADR 0951)."""
        b = self.behaviour
        first = payment.created + dt.timedelta(days=b.answer_days)
        late = payment.created + dt.timedelta(days=b.late_days)
        now: list[ResultRow] = []
        later: list[ResultRow] = []
        returned: list[ResultRow] = []
        back = payment.created + dt.timedelta(days=b.return_days)
        for row in payment.rows:
            outcome, reason = "paid", ""
            fault = self.faults.get((payment.bank_code, row.account))
            if fault and fault.kind == "account_closed":
                outcome, reason = "failed", "account_closed"
            elif fault and fault.kind == "name_mismatch" and row.name != fault.bank_holder_name:
                outcome, reason = "failed", "name_mismatch"
            elif _draw(b.seed, row.reference, "fail") < b.failure_rate:
                pick = int(_draw(b.seed, row.reference, "reason") * len(RANDOM_REASONS))
                outcome, reason = "failed", RANDOM_REASONS[pick]
            elif _draw(b.seed, row.reference, "technical") < b.technical_rate:
                pick = int(_draw(b.seed, row.reference, "technical_reason") * 2)
                outcome, reason = "failed", TECHNICAL_REASONS[pick]
            if outcome == "paid" and _draw(b.seed, row.reference, "return") < b.return_rate:
                returned.append(
                    ResultRow(
                        row.reference,
                        row.account,
                        row.amount_fen,
                        "returned",
                        "account_closed",
                        back,
                    )
                )
            is_late = _draw(b.seed, row.reference, "late") < b.late_rate
            (later if is_late else now).append(
                ResultRow(
                    row.reference,
                    row.account,
                    row.amount_fen,
                    outcome,
                    reason,
                    late if is_late else first,
                )
            )
        files = [ResultFile(payment.reference, payment.bank_code, first, now)]
        if later:
            files.append(ResultFile(payment.reference, payment.bank_code, late, later))
        if returned:
            files.append(ResultFile(payment.reference, payment.bank_code, back, returned))
        return files
