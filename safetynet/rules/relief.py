"""Disaster relief amounts that are not a monthly program (pure, no Django): the staged release
of a housing grant and the transitional living aid. The grant itself is the engine's
`disaster_housing` program (caps, full cost), decided through casework."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from .parameters import load_parameters

STAGES = ("start", "completion", "inspection")


def stage_amount(total_fen: int, stage: str, on: dt.date, params=None) -> int:
    """The part of `total_fen` released at `stage`: floor(total × share) for every stage but the
    last, which takes what the earlier stages left (the sum is exactly the grant)."""
    shares = (params or load_parameters()).at("disaster_housing.stage_shares", on).value
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}")
    parts = {}
    for s in STAGES[:-1]:
        share = Fraction(shares[s])
        parts[s] = (int(total_fen) * share.numerator) // share.denominator
    parts[STAGES[-1]] = int(total_fen) - sum(parts.values())
    return parts[stage]


def living_aid_amount(persons: int, days: int, on: dt.date, params=None) -> tuple[int, int]:
    """(daily rate, persons × days × daily rate), fen."""
    daily = int(
        (params or load_parameters()).at("disaster_housing.transitional_aid_daily", on).value
    )
    return daily, int(persons) * int(days) * daily
