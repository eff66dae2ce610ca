"""Recipient enrolments, assigned (approximately) as the rules would from the declared data."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from safetynet.rules.columns import ENROLMENT_CATEGORIES

from .population import YEAR, YUAN, Population, add_years, day, dibao_standard

CATEGORIES = ENROLMENT_CATEGORIES  # the rules engine's list, in the registry's order
CAT = {c: i for i, c in enumerate(CATEGORIES)}
HOUSEHOLD_PROGRAMS = ("dibao", "tekun", "low_income", "illness_poverty")

# Take-up: not everyone eligible applies (or is found).
TAKE_UP = {"dibao": 0.9, "tekun": 0.9, "low_income": 0.6, "illness_poverty": 0.5}
FINANCIAL_ASSET_MONTHS = 48  # financial assets <= 48 x monthly standard per person


@dataclass
class Enrolments:
    person: np.ndarray  # person index
    category: np.ndarray  # index into CATEGORIES
    start: np.ndarray  # day: the first day of the first benefit month (ADR 0903)
    end: np.ndarray  # day or -1
    household_program: np.ndarray  # per household: index of dibao/tekun/low_income/illness or -1
    tekun_form: np.ndarray  # per person: -1, 0 concentrated, 1 dispersed

    def __len__(self) -> int:
        return int(self.person.shape[0])


def first_of_next_month(days: np.ndarray) -> np.ndarray:
    """The first day of the month after each day, as days."""
    month = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]")
    return (month + 1).astype("datetime64[D]").astype(np.int64)


def declared_household(p: Population) -> dict[str, np.ndarray]:
    """The household facts the assignment (and the ground truth) compare against."""
    alive = p.alive
    counted = sum(
        p.income[c]
        for c in (
            "income_wage_fen",
            "income_business_fen",
            "income_pension_fen",
            "income_property_fen",
            "income_transfer_fen",
        )
    )
    members = p.per_household(alive)
    return {
        "members": members,
        "counted_income": p.per_household(np.where(alive, counted, 0)),
        "financial_assets": p.per_household(p.deposits + p.securities),
        "vehicles": p.per_household(p.vehicles),
        "homes": p.per_household(p.homes),
        "businesses": p.per_household(p.businesses),
    }


def assign(p: Population) -> Enrolments:
    g = p.rng(20)
    ref = day(p.reference)
    std = dibao_standard(p.reference)
    d = declared_household(p)
    m = np.maximum(d["members"], 1)
    pc = d["counted_income"] // m
    assets_ok = (
        (d["financial_assets"] <= FINANCIAL_ASSET_MONTHS * std * m)
        & (d["vehicles"] == 0)
        & (d["homes"] <= 1)
        & (d["businesses"] == 0)
    )
    h = p.h
    dibao = assets_ok & (pc < std)
    low = assets_ok & ~dibao & (pc < 2 * std)
    after_medical = (d["counted_income"] * 12 - p.medical_oop) // (m * 12)
    illness = assets_ok & ~dibao & ~low & (p.medical_oop > 20000 * YUAN) & (after_medical < 2 * std)

    # 特困: a lone person with no working capacity and no capable supporter, poor by the dibao test.
    head = p.hh_start
    age = p.age[head]
    grade = p.disability_grade[head]
    kind = p.disability_kind[head]
    no_capacity = (age >= 60) | (age < 16) | (grade == 1) | ((grade == 2) & np.isin(kind, (4, 5)))
    tekun = dibao & (d["members"] == 1) & no_capacity & ~p.has_supporter[head]

    program = np.full(h, -1, dtype=np.int8)
    draw = g.random(h)
    program[illness & (draw < TAKE_UP["illness_poverty"])] = CAT["illness_poverty"]
    program[low & (draw < TAKE_UP["low_income"])] = CAT["low_income"]
    program[dibao & (draw < TAKE_UP["dibao"])] = CAT["dibao"]
    program[tekun & (draw < TAKE_UP["tekun"])] = CAT["tekun"]
    # Enrolled some time in the last six years, not before the household existed.
    hh_start_day = np.maximum(
        ref - 30 - np.floor(g.random(h) * 6 * YEAR).astype(np.int64), p.hh_established
    ).astype(np.int32)

    persons, cats, starts, ends = [], [], [], []

    def add(
        idx: np.ndarray,
        cat: str | np.ndarray,
        start: np.ndarray,
        end: np.ndarray,
        benefit: bool = True,
    ) -> None:
        """`start` is the approval day drawn; a benefit enrolment starts on the first day of the
        month after it (ADR 0903: the first benefit month), a `deceased` marker on the day. A
        benefit enrolment ending (death) before its first benefit month never paid: left out
        (the database requires start <= end)."""
        c = np.full(idx.shape[0], CAT[cat], np.int8) if isinstance(cat, str) else cat
        if benefit:
            start = first_of_next_month(start)
            keep = (end < 0) | (end >= start)
            idx, c, start, end = idx[keep], c[keep], start[keep], end[keep]
        persons.append(idx.astype(np.int64))
        cats.append(c.astype(np.int8))
        starts.append(start.astype(np.int32))
        ends.append(end.astype(np.int32))

    alive = p.alive
    enrolled = (program >= 0)[p.hh] & alive
    idx = np.flatnonzero(enrolled)
    add(
        idx,
        program[p.hh[idx]],
        np.maximum(hh_start_day[p.hh[idx]], p.birth[idx]),
        np.full(idx.size, -1),
    )

    tekun_form = np.full(p.n, -1, dtype=np.int8)
    tk = np.flatnonzero((program == CAT["tekun"])[p.hh] & alive)
    concentrated = g.random(tk.size) < np.where(p.selfcare_failed[tk] >= 4, 0.55, 0.1)
    tekun_form[tk] = np.where(concentrated, 0, 1)

    # Person categories.
    r = g.random(p.n)
    end_at_death = np.where(alive, -1, p.death)
    eighty = add_years(p.birth, 80)
    idx = np.flatnonzero(eighty <= np.where(alive, ref, p.death))
    add(idx, "elderly_80", eighty[idx], end_at_death[idx])

    disabled = np.flatnonzero(p.disability_grade > 0)
    cert = np.maximum(
        ref - np.floor(g.random(disabled.size) * 15 * YEAR).astype(np.int64), p.birth[disabled] + 30
    )
    cert = np.minimum(cert, np.where(alive[disabled], ref, p.death[disabled]))
    add(disabled, "disabled", cert, end_at_death[disabled])

    rural_child = alive & p.hh_rural[p.hh] & (p.age < 16) & (r < 0.04)
    idx = np.flatnonzero(rural_child)
    add(idx, "left_behind_child", np.maximum(ref - 400, p.birth[idx]), np.full(idx.size, -1))

    idx = np.flatnonzero(p.entitled_kind >= 0)
    add(idx, "entitled_group", ref - 3650 + (r[idx] * 3000).astype(np.int64), end_at_death[idx])

    five = (p.age >= 85) & (r > 0.9985)
    idx = np.flatnonzero(five)
    add(
        idx,
        "five_elders",
        np.full(idx.size, day(p.reference.replace(year=2000))),
        end_at_death[idx],
    )
    p.income["income_five_elder_subsidy_fen"][idx[alive[idx]]] = 1200 * YUAN

    retired40 = (p.age >= 78) & (r > 0.05) & (r < 0.0512)
    idx = np.flatnonzero(retired40)
    add(
        idx,
        "retired_40pct",
        np.full(idx.size, day(p.reference.replace(year=1990))),
        end_at_death[idx],
    )

    silicosis = p.male & (p.age >= 50) & (r > 0.2) & (r < 0.2004)
    idx = np.flatnonzero(silicosis)
    add(idx, "silicosis", ref - 2000 + (r[idx] * 1e6 % 1500).astype(np.int64), end_at_death[idx])

    dead = np.flatnonzero(~alive)
    add(dead, "deceased", p.death[dead], p.death[dead], benefit=False)

    person = np.concatenate(persons)
    category = np.concatenate(cats)
    order = np.lexsort((np.concatenate(starts), category, person))
    return Enrolments(
        person=person[order],
        category=category[order],
        start=np.concatenate(starts)[order],
        end=np.concatenate(ends)[order],
        household_program=program,
        tekun_form=tekun_form,
    )
