"""One policy for every caller (ADR 0710): the same households through the verification report and
the batch re-verification reach the same conclusion with the same figures.

Planted cases (benefit month 2020-06, dibao standard 800 yuan, window 2020-01..2020-06):
- a one-person household whose 10,000-yuan job ended the month before: 5 of the 6 months count,
  10,000 × 5 / 6 = 8,333.33 yuan, above the line (the batch used to see no job, the report no wage);
- a job of 3,000 yuan started on 2020-05-20: May counts 12/31 of it (1,161.29), June in full,
  (1,161.29 + 3,000) / 6 = 693.55 yuan, below the line (both used to count 3,000);
- a difference inside the tolerance (1,500 declared, 1,550 found: 50 ≤ max(5% × 1,500, 100)): no
  discrepancy on either side, and the found wage is what counts (the household stays eligible);
- a difference inside the tolerance that still lifts a two-person household over the line;
- an undeclared deposit above the asset limit; an honest household.
"""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from safetynet.simulated.generator import generate
from safetynet.verification.batch import verify_batch
from safetynet.verification.batch.job import INPUTS
from safetynet.verification.policy import average_wage_of_records
from safetynet.verification.report import QueryData, build_figures
from safetynet.verification.sources.catalog import SOURCES
from tests.helpers.city import make_id

MONTH = "2020-06"
STANDARD = 80_000  # dibao.standard in force on 2020-06-01, fen
DIVISION = "350203002001"
BIRTH = dt.date(1985, 3, 1)


def _person(hid: int, seq: int, wage: int = 0) -> dict:
    return {
        "person_id": hid * 10 + seq,
        "household_id": hid,
        "id_number": make_id("350203", BIRTH, hid * 10 + seq, "M"),
        "name": f"户{hid}成员{seq}",
        "wage": wage,
    }


def _job(person: dict, wage: int, start: str, end: str | None = None) -> dict:
    return {
        "id_number": person["id_number"],
        "employer_uscc": f"91350200MA{person['person_id']:08d}",
        "employer_name": "厦门演示公司",
        "start_date": dt.date.fromisoformat(start),
        "end_date": dt.date.fromisoformat(end) if end else None,
        "monthly_wage_fen": wage,
    }


# household id -> (members, employment records, bank deposits, declared financial assets)
def _cases() -> dict[int, dict]:
    ended = _person(1, 1)
    started = _person(2, 1)
    small = _person(3, 1, wage=150_000)
    small_b = _person(3, 2)
    over = _person(4, 1, wage=158_000)
    over_b = _person(4, 2)
    deposit = _person(5, 1)
    honest = _person(6, 1, wage=50_000)
    return {
        1: {"members": [ended], "jobs": [_job(ended, 1_000_000, "2018-01-01", "2020-05-31")]},
        2: {"members": [started], "jobs": [_job(started, 300_000, "2020-05-20")]},
        3: {"members": [small, small_b], "jobs": [_job(small, 155_000, "2019-01-01")]},
        4: {"members": [over, over_b], "jobs": [_job(over, 160_500, "2019-01-01")]},
        5: {"members": [deposit], "jobs": [], "deposit": 5_000_000},
        6: {"members": [honest], "jobs": [_job(honest, 50_000, "2015-06-01")]},
    }


# --------------------------------------------------------------------------- the batch's city
def _write_city(root, cases) -> None:
    """A city of just these households, in the generator's layout (its schemas)."""
    generate(out=root, persons=200, seed=11)
    schema = {name: pq.read_schema(root / rel) for name, rel in INPUTS.items()}
    rows: dict[str, list[dict]] = {name: [] for name in INPUTS}
    for hid, case in cases.items():
        rows["households"].append(
            {
                "household_id": hid,
                "household_number": f"T-{hid}",
                "division_code": DIVISION,
                "declared_financial_assets_fen": 0,
                "declared_vehicles": 0,
                "declared_homes": 1,
                "declared_businesses": 0,
                "medical_oop_12m_fen": 0,
                "is_rural": False,
            }
        )
        for p in case["members"]:
            rows["persons"].append(
                {
                    "person_id": p["person_id"],
                    "household_id": hid,
                    "id_number": p["id_number"],
                    "name": p["name"],
                    "sex": "M",
                    "birth_date": BIRTH,
                    "relation": "head",
                    "hukou_division": DIVISION,
                    "hukou_xiamen": True,
                    **{c: 0 for c in schema["persons"].names if c.startswith("income_")},
                    "income_wage_fen": p["wage"],
                }
            )
            rows["enrolments"].append(
                {
                    "person_id": p["person_id"],
                    "household_id": hid,
                    "category": "dibao",
                    "start_date": dt.date(2019, 1, 1),
                    "end_date": None,
                    "legal_basis": "test",
                }
            )
        rows["employment"] += case["jobs"]
        if case.get("deposit"):
            rows["bank_deposits"].append(
                {
                    "id_number": case["members"][0]["id_number"],
                    "bank_code": "icbc",
                    "bank_name": "工商银行",
                    "account_number": f"62220000{hid:08d}",
                    "balance_fen": case["deposit"],
                    "as_of": dt.date(2020, 5, 31),
                }
            )
    for name, rel in INPUTS.items():
        pq.write_table(pa.Table.from_pylist(rows[name], schema=schema[name]), root / rel)


# --------------------------------------------------------------------------- the report
def _report(case: dict):
    members = case["members"]
    declared = {
        "household": {
            "id": 1,
            "number": "T",
            "division_code": DIVISION,
            "financial_assets_fen": 0,
            "vehicles": 0,
            "homes": 1,
            "businesses": 0,
        },
        "persons": [
            {
                "id": p["person_id"],
                "id_number": p["id_number"],
                "name": p["name"],
                "sex": "M",
                "birth_date": BIRTH.isoformat(),
                "relation": "head",
                "hukou_division": DIVISION,
                "income": {"wage_fen": p["wage"]} if p["wage"] else {},
            }
            for p in members
        ],
    }
    records: dict[str, list[dict]] = {code: [] for code in SOURCES}
    records["hrss_employment"] = [
        {
            **j,
            "start_date": j["start_date"].isoformat(),
            "end_date": j["end_date"] and str(j["end_date"]),
        }
        for j in case["jobs"]
    ]
    if case.get("deposit"):
        records["bank_icbc"] = [
            {"id_number": members[0]["id_number"], "balance_fen": case["deposit"]}
        ]
    queries = [QueryData(code, "answered", recs) for code, recs in records.items()]
    return build_figures(declared=declared, queries=queries, program="dibao", month=MONTH)


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    cases = _cases()
    city = tmp_path_factory.mktemp("one-policy-city")
    _write_city(city, cases)
    out = tmp_path_factory.mktemp("one-policy-out")
    verify_batch(city, MONTH, out)
    findings = pq.read_table(out / "findings.parquet").to_pylist()
    checked = pq.read_table(out / "checked.parquet").to_pylist()
    assert {c["household_id"] for c in checked} == set(cases)
    by_household = {hid: [f for f in findings if f["household_id"] == hid] for hid in cases}
    reports = {hid: _report(case) for hid, case in cases.items()}
    return cases, reports, by_household


def _one(findings, kind, program=None):
    got = [
        f for f in findings if f["kind"] == kind and (program is None or f["program"] == program)
    ]
    assert len(got) <= 1, got
    return got[0] if got else None


@pytest.mark.parametrize("hid", [1, 2, 3, 4, 5, 6])
def test_report_and_batch_agree(both, hid):
    _, reports, findings = both
    report, mine = reports[hid], findings[hid]
    verified = report.figures["verified"]
    income = _one(mine, "income_above_line", "dibao")
    assets = _one(mine, "assets_above_limit", "dibao")

    # the same conclusion
    assert report.conclusion in ("meets", "does_not_meet")
    assert (report.conclusion == "meets") == (income is None and assets is None), (
        report.reasons,
        mine,
    )
    assert (verified["reason"] == "INCOME_AT_OR_ABOVE_STANDARD") == (income is not None)
    assert (verified["reason"] == "ASSETS_ABOVE_LIMIT") == (assets is not None)

    # the same figures
    if income is not None:
        assert income["verified_fen"] == report.counted_income_fen
        assert income["limit_fen"] == verified["standard_fen"] * verified["members"]
        assert json.loads(income["detail"])["members_verified"] == verified["members"]
    if assets is not None:
        assert assets["verified_fen"] == report.financial_assets_fen
        assert assets["limit_fen"] == verified["financial_asset_limit_fen"]

    # the same discrepancies, by the same tolerance
    wage = [d for d in report.discrepancies if d["item"] == "wage_fen"]
    undeclared = [f for f in mine if f["kind"] == "undeclared_income"]
    assert [(d["person_id"], d["declared"], d["found"]) for d in wage] == [
        (f["person_id"], f["declared_fen"], f["verified_fen"]) for f in undeclared
    ]
    fin = [d for d in report.discrepancies if d["item"] == "financial_assets_fen"]
    undeclared_assets = [f for f in mine if f["kind"] == "undeclared_assets"]
    assert [(d["declared"], d["found"]) for d in fin] == [
        (f["declared_fen"], f["verified_fen"]) for f in undeclared_assets
    ]


def test_a_job_that_ended_the_month_before_counts_in_the_average(both):
    _c, reports, findings = both
    expected = (2 * 5 * 1_000_000 + 6) // 12  # 5 whole months of 10,000 yuan over 6, half up
    assert expected == 833_333
    assert reports[1].counted_income_fen == expected
    assert reports[1].conclusion == "does_not_meet"
    income = _one(findings[1], "income_above_line", "dibao")
    assert (income["verified_fen"], income["limit_fen"]) == (expected, STANDARD)
    assert _one(findings[1], "undeclared_income")["source"] == "employment"


def test_a_job_started_on_the_20th_is_prorated(both):
    _c, reports, findings = both
    may = (2 * 300_000 * 12 + 31) // 62  # 12 of May's 31 days, half up: 116,129
    expected = (2 * (may + 300_000) + 6) // 12  # 69,355
    assert (may, expected) == (116_129, 69_355)
    assert reports[2].counted_income_fen == expected < STANDARD
    assert reports[2].conclusion == "meets"
    assert _one(findings[2], "income_above_line") is None
    assert _one(findings[2], "undeclared_income")["verified_fen"] == expected


def test_a_difference_inside_the_tolerance_is_no_finding_but_counts(both):
    _c, reports, findings = both
    # 1,550 found against 1,500 declared: 50 yuan ≤ max(75, 100)
    assert reports[3].discrepancies == [] and findings[3] == []
    assert reports[3].counted_income_fen == 155_000 and reports[3].conclusion == "meets"
    # 1,605 found against 1,580 declared: no discrepancy, but 1,605 ≥ 2 × 800: over the line
    assert [d for d in reports[4].discrepancies if d["item"] == "wage_fen"] == []
    assert reports[4].conclusion == "does_not_meet"
    assert [f["kind"] for f in findings[4]] == ["income_above_line"]
    assert findings[4][0]["verified_fen"] == 160_500


def test_the_honest_household_meets_and_has_no_finding(both):
    _c, reports, findings = both
    assert reports[6].conclusion == "meets" and reports[6].discrepancies == []
    assert findings[6] == []


def test_the_average_rule_is_one_function():
    """The report's records and the batch's arrays go through the same average."""
    jobs = [
        {"start_date": "2018-01-01", "end_date": "2020-05-31", "monthly_wage_fen": 1_000_000},
        {"start_date": "2020-05-20", "end_date": None, "monthly_wage_fen": 300_000},
    ]
    assert average_wage_of_records(jobs, MONTH) == 833_333 + 69_355
    assert average_wage_of_records([], MONTH) == 0
    # a job that ended before the window does not count
    old = [{"start_date": "2010-01-01", "end_date": "2019-12-31", "monthly_wage_fen": 1_000_000}]
    assert average_wage_of_records(old, MONTH) == 0


def test_the_report_reads_named_figures_not_trace_labels(monkeypatch):
    """Relabelling every trace figure changes nothing in the report's figures."""
    from safetynet.rules import engine

    case = _cases()[1]
    before = _report(case).figures["verified"]
    original = engine.Ctx._fig

    def relabelled(self, label, value, unit):
        return original(self, f"relabelled {len(label)}", value, unit)

    monkeypatch.setattr(engine.Ctx, "_fig", relabelled)
    after = _report(case).figures["verified"]
    assert {k: v for k, v in after.items() if k != "trace"} == {
        k: v for k, v in before.items() if k != "trace"
    }
    assert after["trace"] != before["trace"]
    assert after["counted_income_fen"] == 833_333 and after["members"] == 1
