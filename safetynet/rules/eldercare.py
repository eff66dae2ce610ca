"""Elderly care (POLICY §5, ㈡): the government-paid monthly service credit and the
providers' suspension and exit thresholds. Pure Python, no Django (ADR 1202).

Service credit (政府购买居家养老服务额度) for month M, per person, parameters dated at M's
first day:

    covered   = holds one of `eldercare.credit_categories` in M (dibao, tekun, low-income)
    tier      = the six-item self-care assessment (POLICY §3): items failed
                ≥ tekun.fully_disabled_min_failed → fully; ≥ tekun.partly_disabled_min_failed
                → partly; else capable (the tekun care tiers' thresholds: one policy)
    eligible  = alive on M's first day, aged ≥ eldercare.min_age, covered, and
                (aged ≥ eldercare.credit_min_age or tier partly/fully)
    amount    = eldercare.credit_monthly[tier]
    split     = the funding split of eldercare.credit_funding (the rules' one rounding)

Age is in whole years on M's first day. A provider is suspended when, within the last
`eldercare.provider_window_days`, it had `provider_suspend_complaints` complaints or
`provider_suspend_bad_ratings` ratings ≤ `provider_bad_rating_max`; it exits at
`provider_exit_complaints` complaints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from .engine import split_by_shares
from .parameters import ParameterSet, load_parameters

PROGRAM = "eldercare_credit"
TIERS = ("capable", "partly", "fully")


def month_start(month: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(f"{month}-01")
    except (TypeError, ValueError):
        raise ValueError(f"month {month!r} is not YYYY-MM") from None
    return day


def age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def selfcare_tier(failed_items: int | None, on: dt.date, params: ParameterSet) -> str:
    """capable / partly / fully from the number of the six items failed (None: not assessed,
    counted as capable)."""
    if failed_items is None:
        return "capable"
    if failed_items >= int(params.at("tekun.fully_disabled_min_failed", on).value):
        return "fully"
    if failed_items >= int(params.at("tekun.partly_disabled_min_failed", on).value):
        return "partly"
    return "capable"


@dataclass(frozen=True)
class Credit:
    eligible: bool
    reason: str  # ELIGIBLE, NOT_ALIVE, UNDER_AGE, NOT_COVERED, CAPABLE_UNDER_AGE
    tier: str
    age: int
    category: str  # the covered category held ("" if none)
    amount_fen: int
    city_fen: int
    district_fen: int
    street_fen: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def monthly_credit(
    *,
    month: str,
    birth_date: dt.date,
    categories: Iterable[str],
    selfcare_failed_items: int | None,
    death_date: dt.date | None = None,
    params: ParameterSet | None = None,
) -> Credit:
    """One person's service credit for `month` (see the module's docstring)."""
    params = params or load_parameters()
    on = month_start(month)
    age = age_on(birth_date, on)
    tier = selfcare_tier(selfcare_failed_items, on, params)
    covered_list = list(params.at("eldercare.credit_categories", on).value)
    held = set(categories)
    category = next((c for c in covered_list if c in held), "")

    def no(reason: str) -> Credit:
        return Credit(False, reason, tier, age, category, 0, 0, 0, 0)

    if death_date is not None and death_date < on:
        return no("NOT_ALIVE")
    if age < int(params.at("eldercare.min_age", on).value):
        return no("UNDER_AGE")
    if not category:
        return no("NOT_COVERED")
    if tier == "capable" and age < int(params.at("eldercare.credit_min_age", on).value):
        return no("CAPABLE_UNDER_AGE")
    amount = int(params.at("eldercare.credit_monthly", on).value[tier])
    shares = dict(params.at("eldercare.credit_funding", on).value)
    city, district, street = (int(x) for x in split_by_shares(amount, shares))
    return Credit(True, "ELIGIBLE", tier, age, category, amount, city, district, street)


def spend_split(amount_fen: int, on: dt.date, params: ParameterSet | None = None) -> tuple:
    """The funding split (city, district, street) of credit spent on `on`."""
    params = params or load_parameters()
    shares = dict(params.at("eldercare.credit_funding", on).value)
    return tuple(int(x) for x in split_by_shares(amount_fen, shares))


def settle_amounts(price_fen: int, balance_fen: int) -> tuple[int, int]:
    """An order's price paid from the credit balance first, the rest by the person:
    (credit_fen, self_pay_fen)."""
    if price_fen < 0 or balance_fen < 0:
        raise ValueError("amounts must not be negative")
    credit = min(price_fen, balance_fen)
    return credit, price_fen - credit


@dataclass(frozen=True)
class ProviderVerdict:
    action: str  # "none", "suspend" or "exit"
    complaints: int
    bad_ratings: int
    reason: str


def provider_verdict(
    *, complaints: int, ratings: Iterable[int], on: dt.date, params: ParameterSet | None = None
) -> ProviderVerdict:
    """What the admission-and-exit mechanism says of a provider, given the complaints and the
    ratings of the window (the caller counts them over `eldercare.provider_window_days`)."""
    params = params or load_parameters()
    bad_max = int(params.at("eldercare.provider_bad_rating_max", on).value)
    bad = sum(1 for r in ratings if r <= bad_max)
    if complaints >= int(params.at("eldercare.provider_exit_complaints", on).value):
        return ProviderVerdict("exit", complaints, bad, "EXIT_COMPLAINTS")
    if complaints >= int(params.at("eldercare.provider_suspend_complaints", on).value):
        return ProviderVerdict("suspend", complaints, bad, "SUSPEND_COMPLAINTS")
    if bad >= int(params.at("eldercare.provider_suspend_bad_ratings", on).value):
        return ProviderVerdict("suspend", complaints, bad, "SUSPEND_BAD_RATINGS")
    return ProviderVerdict("none", complaints, bad, "OK")


def window_days(on: dt.date, params: ParameterSet | None = None) -> int:
    params = params or load_parameters()
    return int(params.at("eldercare.provider_window_days", on).value)
