"""Runs every YAML scenario beside the parameters (safetynet/rules/parameters/*/tests)."""

from collections import Counter

import pytest

from safetynet.rules.engine import PROGRAMS
from safetynet.rules.scenarios import discover, run

SCENARIOS = list(discover())


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_scenario(scenario):
    errors = run(scenario)
    assert not errors, "\n".join(errors)


def test_every_program_has_at_least_six_scenarios():
    counts = Counter(s.program for s in SCENARIOS)
    for name in [*PROGRAMS, "dibao_adjustment"]:
        assert counts[name] >= 6, f"{name} has {counts[name]} scenarios"


def test_a_wrong_expectation_is_reported():
    """The runner really compares: a scenario with a wrong amount fails."""
    import copy

    sc = copy.deepcopy(next(s for s in SCENARIOS if s.program == "dibao"))
    sc.data["expect"] = {
        **sc.data["expect"],
        "amount_fen": sc.data["expect"].get("amount_fen", 0) + 1,
    }
    assert run(sc)
    sc.data["expect"] = {"no_such_key": 1}
    assert run(sc) == ["dibao.no_such_key: missing in result"]
