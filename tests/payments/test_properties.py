"""Property tests of the payroll (hypothesis): for random enrolled households,
- the lines add up to the rules engine's amounts for the enrolled caseload, computed through
  the engine's other door (`safetynet.rules.calculate`, one household situation at a time);
- every line's funding split adds up and no part is negative;
- a re-run after the facts changed never changes a line already paid (or sent)."""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safetynet.payments.compute import HOUSEHOLD_PROGRAMS, MONTHLY_PROGRAMS
from safetynet.payments.models import AmountBasisPerson, PaymentLine
from safetynet.payments.services import payroll_run
from safetynet.rules import calculate
from tests.helpers.city import ZHONGHUA_C1, ZHONGHUA_C2
from tests.helpers.payments import account, basis, enrol, household, person

pytestmark = [pytest.mark.slow, pytest.mark.django_db]
MONTH = "2019-08"

member = st.fixed_dictionaries(
    {
        "birth": st.dates(dt.date(1925, 1, 1), dt.date(2012, 12, 31)),
        "wage": st.integers(0, 120_000),
        "pension": st.sampled_from([0, 0, 50_000, 150_000]),
        "disability": st.sampled_from([None, None, None, 1, 2, 3]),
        "supporter": st.booleans(),
        "account": st.booleans(),
        "died": st.sampled_from([None, None, None, dt.date(2019, 7, 20), dt.date(2019, 8, 3)]),
    }
)
family = st.fixed_dictionaries(
    {
        "members": st.lists(member, min_size=1, max_size=4),
        "dibao": st.booleans(),
        "assets": st.sampled_from([0, 100_000, 10_000_000]),
        "community": st.sampled_from([ZHONGHUA_C1, ZHONGHUA_C2]),
    }
)


def _build(families):
    """The households in the registry (+ bases, accounts) and their engine situations."""
    situations = []
    for i, f in enumerate(families):
        people = []
        for j, m in enumerate(f["members"]):
            p = person(
                f"测{i}{j}",
                m["birth"],
                division=f["community"],
                has_capable_supporter=m["supporter"],
                selfcare_failed_items=0,
                disability_grade=m["disability"],
                disability_kind="physical" if m["disability"] else "",
                death_date=None if j == 0 else m["died"],
            )
            people.append((p, m))
        roles = [(p, "head" if j == 0 else "other") for j, (p, _) in enumerate(people)]
        h = household(f"PROP-{i}", f["community"], roles)
        incomes = {p: {"income_wage_fen": m["wage"], "income_pension_fen": m["pension"]}
                   for p, m in people}  # fmt: skip
        basis(h, incomes=incomes, declared_financial_assets_fen=f["assets"])
        situation_persons = []
        for j, (p, m) in enumerate(people):
            cats = []
            if f["dibao"]:
                cats.append("dibao")
            age = (dt.date(2019, 7, 31) - m["birth"]).days // 365
            if age >= 81:
                cats.append("elderly_80")
            if age >= 61 and not m["supporter"]:
                cats.append("tekun")
            if m["disability"]:
                cats.append("disabled")
            for c in cats:
                enrol(p, h, c)
            if m["account"]:
                account(p, f"62220200{p.pk:011d}")
            situation_persons.append(
                {
                    "id": p.pk,
                    "birth_date": m["birth"].isoformat(),
                    "relation": "head" if j == 0 else "other",
                    "death_date": p.death_date.isoformat() if p.death_date else None,
                    "disability": {"grade": m["disability"], "kind": "physical"}
                    if m["disability"]
                    else None,
                    "income": {"wage_fen": m["wage"], "pension_fen": m["pension"]},
                    "selfcare_failed_items": 0,
                    "has_capable_supporter": m["supporter"],
                    "enrolments": [{"category": c, "start_date": "2018-01-01"} for c in cats],
                    "_cats": cats,
                }
            )
        situations.append((h, situation_persons, f["assets"], f["community"]))
    return situations


def _engine_total(situations) -> int:
    """Σ over households of calculate()'s amounts, for the enrolled beneficiaries."""
    total = 0
    for h, persons, assets, community in situations:
        situation = {
            "household": {"id": h.pk, "division_code": community, "financial_assets_fen": assets},
            "persons": [
                {k: v for k, v in p.items() if k != "_cats" and v is not None} for p in persons
            ],
            "programs": list(MONTHLY_PROGRAMS),
        }
        result = calculate(situation, MONTH)["programs"]
        for program, category in MONTHLY_PROGRAMS.items():
            enrolled = {p["id"] for p in persons if category in p["_cats"]}
            if program in HOUSEHOLD_PROGRAMS:
                if enrolled:
                    total += result[program]["amount_fen"]
            else:
                total += sum(
                    x["amount_fen"] for x in result[program]["persons"] if x["person"] in enrolled
                )
    return total


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(families=st.lists(family, min_size=1, max_size=4), paid_every=st.integers(1, 3))
def test_lines_are_the_engines_amounts_and_paid_lines_never_change(
    divisions, users, families, paid_every
):
    with transaction.atomic():
        situations = _build(families)
        payroll_run(actor=users["city_admin"], month=MONTH)
        lines = list(PaymentLine.objects.order_by("id"))
        assert sum(x.amount_fen for x in lines) == _engine_total(situations)
        for x in lines:
            assert x.city_fen + x.district_fen + x.street_fen == x.amount_fen
            assert min(x.amount_fen, x.city_fen, x.district_fen, x.street_fen) >= 0
            assert x.amount_fen > 0
            assert (x.status == "held_no_account") == (x.bank_account_id is None)
        # some lines are paid (or sent); the facts change; the draft is recomputed
        done = {}
        for k, x in enumerate(lines):
            if k % paid_every == 0:
                x.status = "paid" if k % 2 else "sent"
                x.save(update_fields=["status"])
                done[x.pk] = (x.beneficiary_key, x.program, x.amount_fen, x.status)
        AmountBasisPerson.objects.update(income_wage_fen=0)
        payroll_run(actor=users["city_admin"], month=MONTH)
        after = {x.pk: (x.beneficiary_key, x.program, x.amount_fen, x.status)
                 for x in PaymentLine.objects.filter(pk__in=done)}  # fmt: skip
        assert after == done
        keys = list(
            PaymentLine.objects.values_list("beneficiary_key", "program", "benefit_month", "kind")
        )
        assert len(keys) == len(set(keys))
        transaction.set_rollback(True)
