"""Medical assistance one-stop settlement (医疗救助“一站式”结算, POLICY §9): the split of one
hospital bill between basic insurance, medical assistance and the patient. Pure Python, no Django.

Per bill, in integer fen (parameters dated at the discharge date):

    policy-scope out-of-pocket  oop   = policy_scope − insurance_paid      (政策范围内个人自付)
    deductible borne now        ded   = min(oop, max(0, deductible − deductible used this year))
    assistance before the cap   raw   = (oop − ded) × ratio, rounded half up to the fen
    room this year              room  = max(0, annual cap − assistance used this year)
    medical assistance          aid   = min(raw, room)
    patient                     pays  = total − insurance_paid − aid

so insurance + assistance + patient = total exactly. Amounts outside the policy scope are always
the patient's. The year is the calendar year of the discharge date. A person in several covered
categories is settled by the first of `medical_assistance.categories` (most favourable first).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

from .engine import split_by_shares
from .money import mul_ratio, ratio_str
from .parameters import ParameterSet, load_parameters

PROGRAM = "medical_assistance"
BILL_FIELDS = ("total_fen", "policy_scope_fen", "insurance_paid_fen")


class BillError(ValueError):
    """A bill that cannot be settled: a stable code and the field at fault."""

    def __init__(self, code: str, field: str, message: str):
        super().__init__(message)
        self.code = code
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Bill:
    total_fen: int  # the whole bill (医疗总费用)
    policy_scope_fen: int  # within the insurance policy's scope (政策范围内费用)
    insurance_paid_fen: int  # what basic (and critical-illness) insurance paid (医保统筹支付)

    @classmethod
    def parse(cls, data: Any) -> Bill:
        """A bill from a mapping of integer fen; BillError names the first bad field."""
        if not isinstance(data, Mapping):
            raise BillError("bill_malformed", "bill", "the bill must be an object")
        values = {}
        for name in BILL_FIELDS:
            value = data.get(name)
            if value is None:
                raise BillError("bill_malformed", f"bill.{name}", f"{name} is missing")
            if isinstance(value, bool) or not isinstance(value, int):
                raise BillError(
                    "amount_invalid", f"bill.{name}", f"{name} must be whole fen (an integer)"
                )
            if value < 0:
                raise BillError("amount_invalid", f"bill.{name}", f"{name} must not be negative")
            values[name] = value
        bill = cls(**values)
        bill.check()
        return bill

    def check(self) -> None:
        if self.policy_scope_fen > self.total_fen:
            raise BillError(
                "amounts_inconsistent",
                "bill.policy_scope_fen",
                "the policy-scope amount exceeds the bill's total",
            )
        if self.insurance_paid_fen > self.policy_scope_fen:
            raise BillError(
                "amounts_inconsistent",
                "bill.insurance_paid_fen",
                "insurance paid more than the policy-scope amount",
            )


@dataclass(frozen=True)
class YearUsage:
    """What the person's earlier settlements of the year used (the annual room row)."""

    assistance_fen: int = 0
    deductible_fen: int = 0


@dataclass(frozen=True)
class Settlement:
    category: str
    ratio: str
    total_fen: int
    insurance_fen: int
    assistance_fen: int
    patient_fen: int
    policy_oop_fen: int
    deductible_fen: int  # the year's deductible of the category
    deductible_applied_fen: int  # borne by the patient in this bill
    deductible_remaining_fen: int  # still to bear this year after this bill
    assistance_uncapped_fen: int
    capped: bool
    annual_cap_fen: int
    room_before_fen: int
    room_after_fen: int
    city_fen: int
    district_fen: int
    street_fen: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def settlement_category(
    held: Iterable[str], on: dt.date, params: ParameterSet | None = None
) -> str | None:
    """The category a person is settled by, of those held on `on`; None if none is covered."""
    params = params or load_parameters()
    held = set(held)
    for category in params.at(f"{PROGRAM}.categories", on).value:
        if category in held:
            return category
    return None


def settle(
    bill: Bill,
    category: str,
    on: dt.date,
    used: YearUsage = YearUsage(),
    params: ParameterSet | None = None,
) -> Settlement:
    """Split one bill for a recipient of `category` discharged on `on` (see module doc)."""
    params = params or load_parameters()
    bill.check()
    ratios: dict[str, Fraction] = params.at(f"{PROGRAM}.ratio", on).value
    deductibles: dict[str, int] = params.at(f"{PROGRAM}.deductible", on).value
    if category not in ratios or category not in deductibles:
        raise BillError("not_eligible", "category", f"category {category!r} is not settled")
    ratio = ratios[category]
    cap = params.at(f"{PROGRAM}.annual_cap", on).value
    deductible = deductibles[category]

    oop = bill.policy_scope_fen - bill.insurance_paid_fen
    deductible_left = max(0, deductible - used.deductible_fen)
    applied = min(oop, deductible_left)
    raw = int(mul_ratio(oop - applied, ratio))
    room = max(0, cap - used.assistance_fen)
    aid = min(raw, room)
    city, district, street = split_by_shares(aid, params.at(f"{PROGRAM}.funding", on).value)
    return Settlement(
        category=category,
        ratio=ratio_str(ratio),
        total_fen=bill.total_fen,
        insurance_fen=bill.insurance_paid_fen,
        assistance_fen=aid,
        patient_fen=bill.total_fen - bill.insurance_paid_fen - aid,
        policy_oop_fen=oop,
        deductible_fen=deductible,
        deductible_applied_fen=applied,
        deductible_remaining_fen=deductible_left - applied,
        assistance_uncapped_fen=raw,
        capped=aid < raw,
        annual_cap_fen=cap,
        room_before_fen=room,
        room_after_fen=room - aid,
        city_fen=int(city),
        district_fen=int(district),
        street_fen=int(street),
    )
