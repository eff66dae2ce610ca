"""Situation validation, the calculate API, traces and the CLI functions."""

import copy
import json
from pathlib import Path

import pytest

from safetynet.rules import SituationError, calculate
from safetynet.rules.cli import calculate_main, run_main

EXAMPLES = Path(__file__).parents[2] / "docs" / "examples" / "rules"
BASE = {
    "household": {"division_code": "350203001001"},
    "persons": [{"id_number": "350203193605100017", "birth_date": "1936-05-10"}],
}


def _with(path: list, value) -> dict:
    s = copy.deepcopy(BASE)
    obj = s
    for k in path[:-1]:
        obj = obj[k]
    obj[path[-1]] = value
    return s


@pytest.mark.parametrize(
    ("situation", "field"),
    [
        (_with(["persons", 0, "id_number"], "350203193605100018"), "persons[0].id_number"),
        (_with(["persons", 0, "id_number"], "35020319360510001"), "persons[0].id_number"),
        (_with(["persons", 0, "birth_date"], "1936-05-11"), "persons[0].id_number"),
        (_with(["persons", 0, "death_date"], "2019-02-30"), "persons[0].death_date"),
        (_with(["persons", 0, "death_date"], "1930-01-01"), "persons[0].death_date"),
        (_with(["persons", 0, "income"], {"wage_fen": -1}), "persons[0].income.wage_fen"),
        (_with(["persons", 0, "income"], {"salary_fen": 1}), "persons[0].income.salary_fen"),
        (_with(["programs"], ["dibao", "free_money"]), "programs[1]"),
        (_with(["household", "division_code"], "3502"), "household.division_code"),
        (_with(["persons", 0, "selfcare_failed_items"], 7), "persons[0].selfcare_failed_items"),
        (
            _with(
                ["persons", 0, "enrolments"], [{"category": "dibao", "start_date": "2019-02-29"}]
            ),
            "persons[0].enrolments[0].start_date",
        ),
        (_with(["persons"], []), "persons"),
    ],
)
def test_invalid_situation_names_the_field(situation, field):
    with pytest.raises(SituationError) as e:
        calculate(situation, "2019-07")
    assert e.value.path == field
    assert str(e.value).startswith(field + ":")


def test_bad_month():
    with pytest.raises(SituationError, match=r"^month:"):
        calculate(BASE, "2019-13")


def test_trace_cites_parameters_and_intermediate_figures():
    s = json.loads((EXAMPLES / "dibao-two-persons.json").read_text())
    out = calculate(s, "2019-07", trace=True)
    d = out["programs"]["dibao"]
    # 2 members; counted 300 + 500 = 800 (age allowance and award excluded): 1600 − 800
    assert (d["eligible"], d["amount_fen"], d["reason"]) == (True, 80000, "ELIGIBLE")
    tr = out["trace"]["dibao"]
    std = next(p for p in tr["parameters"] if p["name"] == "dibao.standard")
    assert (std["value"], std["effective"], std["status"]) == (80000, "2019-07-01", "published")
    figs = {f["label"]: f["value"] for f in tr["figures"]}
    assert figs["counted household income (家庭收入, monthly)"] == 80000
    assert figs["excluded income, not counted (不计入收入)"] == 30000
    assert figs["per-capita counted income (display, rounded half up)"] == 40000
    assert any("dibao.standard = 800.00 yuan" in line for line in tr["text"])


def test_trace_matches_untraced_result():
    s = json.loads((EXAMPLES / "tekun-rural-disaster.json").read_text())
    a = calculate(s, "2019-07", trace=True)
    b = calculate(s, "2019-07")
    a.pop("trace")
    assert a == b
    assert b["programs"]["disaster_housing"]["amount_fen"] == 6000000


def test_calculate_main_prints_json(capsys):
    rc = calculate_main([str(EXAMPLES / "dibao-two-persons.json"), "--month", "2019-07", "--trace"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["programs"]["dibao"]["amount_fen"] == 80000 and "trace" in out


def test_calculate_main_invalid_input_exit_2(capsys):
    rc = calculate_main([str(EXAMPLES / "invalid-id.json"), "--month", "2019-07"])
    err = capsys.readouterr().err
    assert rc == 2 and "persons[0].id_number" in err


def test_calculate_main_bad_month_and_missing_file(capsys, tmp_path):
    assert calculate_main([str(EXAMPLES / "dibao-two-persons.json"), "--month", "07-2019"]) == 2
    assert calculate_main([str(tmp_path / "nope.json"), "--month", "2019-07"]) == 2
    (tmp_path / "bad.json").write_text("{")
    assert calculate_main([str(tmp_path / "bad.json"), "--month", "2019-07"]) == 2


def test_run_main_writes_parquet(tmp_path, capsys):
    import pyarrow.parquet as pq

    from safetynet.rules.synthetic import write_synthetic_city

    city = write_synthetic_city(tmp_path / "city", 3000)
    rc = run_main(["--input", str(city), "--month", "2019-07", "--out", str(tmp_path / "out")])
    summary = json.loads(capsys.readouterr().out)
    assert rc == 0 and summary["persons"] == 3000
    t = pq.read_table(tmp_path / "out" / "dibao.parquet")
    assert t.num_rows == summary["households"]
    assert {"household_id", "eligible", "amount_fen", "city_fen", "reason"} <= set(t.column_names)
    assert sum(t.column("amount_fen").to_pylist()) == summary["programs"]["dibao"]["amount_fen"]
    p = pq.read_table(tmp_path / "out" / "persons" / "age_allowance.parquet")
    assert p.num_rows == 3000
    assert run_main(["--input", str(tmp_path / "none"), "--month", "2019-07", "--out", "x"]) == 2


def _cli(*args: str) -> tuple[int, str]:
    """`safetynet rules calculate` in a fresh process: (exit code, stderr)."""
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "safetynet.rules.cli", "calculate", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.returncode, proc.stderr


@pytest.mark.parametrize(
    ("content", "month", "message"),
    [
        # a month before the first value of dibao.standard (2015-07-01)
        (None, "1990-01", "month: no parameter value in force for this month: dibao.standard"),
        ("[" * 100_000 + "]" * 100_000, "2019-07", "JSON nested too deeply"),
        ('{"household": ' * 5000 + "1" + "}" * 5000, "2019-07", "JSON nested too deeply"),
        (b"\xff\xfe{}", "2019-07", "not UTF-8 text (byte 0 is 0xff)"),
        ("{}".encode("gb18030") + "户".encode("gb18030"), "2019-07", "not UTF-8 text"),
    ],
    ids=["month-before-first-value", "deep-array", "deep-object", "utf16-bom", "gb18030"],
)
def test_calculate_refuses_with_a_message_and_exit_2(tmp_path, content, month, message):
    path = tmp_path / "situation.json"
    if content is None:
        path.write_bytes((EXAMPLES / "dibao-two-persons.json").read_bytes())
    else:
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    rc, err = _cli(str(path), "--month", month)
    assert rc == 2, err
    assert message in err
    assert "Traceback" not in err


def test_calculate_api_refuses_a_month_before_the_first_value():
    s = json.loads((EXAMPLES / "dibao-two-persons.json").read_text("utf-8"))
    with pytest.raises(SituationError) as e:
        calculate(s, "1990-01")
    assert e.value.path == "month"


def test_named_figures_are_returned_for_the_household_and_persons():
    s = json.loads((EXAMPLES / "dibao-two-persons.json").read_text("utf-8"))
    s["programs"] = ["dibao", "tekun", "low_income", "illness_poverty"]
    r = calculate(s, "2019-07", figures=True)["programs"]
    dibao = r["dibao"]["figures"]
    # the figures by name, by hand: 2 members, 300 + 500 yuan, standard 800 from 2019-07
    assert dibao["members"] == 2 and dibao["counted_income_fen"] == 80_000
    assert dibao["standard_fen"] == dibao["line_fen"] == 80_000
    assert dibao["income_limit_fen"] == 160_000 and dibao["income_ok"] is True
    assert dibao["financial_asset_limit_fen"] == 48 * 80_000 * 2
    assert r["low_income"]["figures"]["line_fen"] == 160_000
    assert r["illness_poverty"]["figures"]["window_months"] == 12
    tekun_persons = [p["figures"] for p in r["tekun"]["persons"]]
    assert [p["own_income_fen"] for p in tekun_persons] == [30_000, 50_000]
    # without asking, the output is unchanged (no figures key)
    plain = calculate(s, "2019-07")["programs"]["dibao"]
    assert "figures" not in plain


def test_named_figures_agree_across_chunks():
    """A chunked run merges named figures like the other results."""
    import numpy as np

    from safetynet.rules import run_batch
    from safetynet.rules.situation import situations_to_batch

    s = json.loads((EXAMPLES / "dibao-two-persons.json").read_text("utf-8"))
    batch = situations_to_batch([s] * 50, "2019-07")
    whole = run_batch(batch, ["dibao"], figures=True)
    chunked = run_batch(batch, ["dibao"], figures=True, chunk_persons=7)
    for k, v in whole["dibao"].figures.items():
        assert np.array_equal(v, chunked["dibao"].figures[k]), k
    assert whole["dibao"].values == chunked["dibao"].values


def test_the_safetynet_command_refuses_the_same_way(tmp_path):
    """`safetynet rules calculate` (the installed entry point) answers like the module."""
    import subprocess
    import sys

    path = tmp_path / "situation.json"
    path.write_bytes(b"\xff\xfe{}")
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from safetynet.cli import main; sys.exit(main())",
         "rules", "calculate", str(path), "--month", "2019-07"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "not UTF-8 text" in proc.stderr and "Traceback" not in proc.stderr
