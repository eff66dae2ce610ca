"""Column schema of a batch: the canonical person and household arrays every program reads.

Dates are held as month numbers ``ym = year * 12 + (month - 1)`` (int32), which makes the
month-based rules (start the month after, stop after the death month) exact integer tests.
"""

from __future__ import annotations

import numpy as np

NO_DATE_LOW = np.int32(-1)  # "no start" sentinel
NO_DATE_HIGH = np.int32(2**30)  # "no end / no death" sentinel

DISABILITY_KINDS = (
    "",
    "visual",
    "hearing",
    "speech",
    "physical",
    "intellectual",
    "mental",
    "multiple",
)
ENTITLED_KINDS = ("", "disabled_serviceman", "martyr_family", "veteran", "other_entitled")
SUPPORT_FORMS = ("", "concentrated", "dispersed")
TEMP_KINDS = ("", "emergency", "expenditure")
DISASTER_KINDS = ("", "new_build", "repair")

ENROLMENT_CATEGORIES = (
    "dibao",
    "tekun",
    "low_income",
    "illness_poverty",
    "left_behind_child",
    "entitled_group",
    "five_elders",
    "retired_40pct",
    "silicosis",
    "elderly_80",
    "disabled",
    "deceased",
)

COUNTED_INCOME = (
    "income_wage_fen",
    "income_business_fen",
    "income_pension_fen",
    "income_property_fen",
    "income_transfer_fen",
)
EXCLUDED_INCOME = (
    "income_five_elder_subsidy_fen",
    "income_entitled_pension_fen",
    "income_age_allowance_fen",
    "income_disability_subsidy_fen",
    "income_temporary_aid_fen",
    "income_award_fen",
)

# name -> (dtype, default). Columns absent from an input are filled with the default.
PERSON_COLUMNS: dict[str, tuple[type, object]] = {
    "person_id": (np.int64, 0),
    "household_id": (np.int64, 0),
    "birth_ym": (np.int32, 0),
    "hukou_xiamen": (np.bool_, False),
    "disability_grade": (np.int8, 0),  # 0 = none, 1..4
    "disability_kind": (np.int8, 0),  # index into DISABILITY_KINDS
    "death_ym": (np.int32, NO_DATE_HIGH),
    **{c: (np.int64, 0) for c in COUNTED_INCOME + EXCLUDED_INCOME},
    "selfcare_failed_items": (np.int8, 0),
    "has_capable_supporter": (np.bool_, True),
    "entitled_kind": (np.int8, 0),  # index into ENTITLED_KINDS
    "tekun_support_form": (np.int8, 0),  # index into SUPPORT_FORMS
    "unemployment_insurance": (np.bool_, False),
    "is_orphan": (np.bool_, False),
    "died_in_xiamen": (np.bool_, True),
    "residence_permit_months": (np.int16, 0),
    "has_funeral_subsidy": (np.bool_, False),
    **{f"enr_{c}_start": (np.int32, NO_DATE_LOW) for c in ENROLMENT_CATEGORIES},
    **{f"enr_{c}_end": (np.int32, NO_DATE_HIGH) for c in ENROLMENT_CATEGORIES},
}

HOUSEHOLD_COLUMNS: dict[str, tuple[type, object]] = {
    "household_id": (np.int64, 0),
    "division_xiamen": (np.bool_, True),
    "district_code": (np.int32, 0),
    "is_rural": (np.bool_, False),
    "declared_financial_assets_fen": (np.int64, 0),
    "declared_vehicles": (np.int8, 0),
    "declared_homes": (np.int8, 0),
    "declared_businesses": (np.int8, 0),
    "medical_oop_12m_fen": (np.int64, 0),
    "temp_kind": (np.int8, 0),  # index into TEMP_KINDS
    "temp_requested_fen": (np.int64, 0),
    "disaster_kind": (np.int8, 0),  # index into DISASTER_KINDS
    "disaster_cost_fen": (np.int64, 0),
}


def ym_of(year: int, month: int) -> int:
    return year * 12 + (month - 1)


def parse_month(month: str) -> int:
    """``"2019-07"`` → ym. Raises ValueError on a malformed month."""
    if not isinstance(month, str) or len(month) != 7 or month[4] != "-":
        raise ValueError(f"month {month!r} must be YYYY-MM")
    y, m = month.split("-")
    if not (y.isdigit() and m.isdigit()) or not 1 <= int(m) <= 12:
        raise ValueError(f"month {month!r} must be YYYY-MM")
    return ym_of(int(y), int(m))


def month_str(ym: int) -> str:
    return f"{ym // 12:04d}-{ym % 12 + 1:02d}"
