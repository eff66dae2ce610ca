"""POLICY §8's time limits as dated parameters, used with the working-day calendar."""

import datetime as dt

from safetynet.rules.parameters import load_parameters
from safetynet.workdays import load_calendar

D = dt.date


def test_casework_time_limits_are_dated_parameters():
    ps = load_parameters()
    on = D(2026, 1, 1)
    expected = {
        "casework.investigation_workdays": 15,
        "casework.decision_workdays": 10,
        "casework.refusal_notice_workdays": 3,
        "casework.total_workdays": 30,
        "casework.total_extended_workdays": 45,
        "casework.notice_days": 7,
        "casework.emergency_formalities_workdays": 5,
        "casework.gradual_exit_months": 6,
        "casework.review_interval_stable_months": 12,
        "casework.review_interval_unstable_months": 6,
        "casework.reconsideration_days": 60,
        "casework.lawsuit_months": 6,
    }
    for name, value in expected.items():
        v = ps.at(name, on)
        assert (v.value, v.unit) == (value, "count"), name
        assert v.reference
    to_confirm = {n for n in expected if ps.at(n, on).status == "default-to-confirm"}
    assert to_confirm == {"casework.emergency_formalities_workdays", "casework.gradual_exit_months"}


def test_investigation_deadline_from_the_parameter():
    n = load_parameters().at("casework.investigation_workdays", D(2025, 9, 26)).value
    assert load_calendar("/nonexistent").add_workdays(D(2025, 9, 26), n) == D(2025, 10, 23)
