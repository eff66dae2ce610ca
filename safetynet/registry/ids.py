"""Resident ID numbers (公民身份号码, GB 11643): validation, derived facts and masking."""

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _
from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent


class IdNumberError(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class IdFacts:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F": the 17th digit is odd for men
    region_code: str  # the six-digit code of the registering county


def parse_id_number(value: str, *, today: dt.date | None = None) -> IdFacts:
    """Validate an 18-digit ID number and return what it encodes; raise IdNumberError if invalid."""
    number = (value or "").strip().upper()
    if len(number) != 18:
        raise IdNumberError(
            "id_length",
            _("An ID number has 18 characters, this one has %(n)d.") % {"n": len(number)},
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdNumberError("id_format", _("An ID number is 17 digits followed by a digit or X."))
    try:
        birth = ric.get_birth_date(number)
    except InvalidComponent:
        raise IdNumberError(
            "id_birth_date", _("The birth date in the ID number does not exist.")
        ) from None
    if birth > (today or dt.date.today()) or birth.year < 1880:
        raise IdNumberError("id_birth_date", _("The birth date in the ID number is impossible."))
    if ric.calc_check_digit(number) != number[17]:
        raise IdNumberError("id_checksum", _("The ID number's check digit is wrong."))
    if not is_known_region(number[:6]):
        raise IdNumberError("id_region", _("The ID number's region code is unknown."))
    return IdFacts(
        number=number,
        birth_date=birth,
        sex="M" if int(number[16]) % 2 == 1 else "F",
        region_code=number[:6],
    )


def is_known_region(code: str) -> bool:
    """Whether a six-digit code names a county in GB/T 2260, in any year.

    python-stdnum's own check also requires the county to have existed in the birth year, which
    refuses real numbers: a person born in 1950 in Xiamen holds a 350203 (思明区, 1983-) number,
    because the 18-digit number was issued later with the code in force then.
    """
    parts = dict(numdb.get("cn/loc").info(code))
    return len(parts) == 2 and "county" in parts.get(code[2:], {})


def build_id_number(region: str, birth: dt.date, seq: int, sex: str) -> str:
    """A valid 18-digit ID number from its parts: six-digit region code, birth date, sequence
    (the order code is odd for men, even for women), check digit. For generated data (tests,
    benchmarks); the caller keeps (region, birth, seq, sex) unique."""
    order = seq * 2 + (1 if sex == "M" else 0)
    if not 0 <= order <= 999:
        raise ValueError(f"sequence {seq} gives no three-digit order code (0-499 only)")
    body = f"{region}{birth:%Y%m%d}{order:03d}"
    return body + ric.calc_check_digit(body + "0")  # it reads the first 17 of 18


def mask_id_number(number: str) -> str:
    """`350203199001011234` -> `350203********1234`: the region and the last four only."""
    if len(number) != 18:
        return "*" * len(number)
    return f"{number[:6]}{'*' * 8}{number[14:]}"
