"""Exact money arithmetic and parameter-file validation."""

import datetime as dt
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from safetynet.rules.money import div_half_up, mul_ratio, yuan
from safetynet.rules.parameters import (
    MissingParameterValue,
    ParameterError,
    load_parameters,
    load_tree,
)


def test_round_half_up_to_the_fen():
    a = np.array([1, 3, 5, 15, 12345, -5, -15], dtype=np.int64)
    assert mul_ratio(a, Fraction(1, 2)).tolist() == [1, 2, 3, 8, 6173, -3, -8]
    assert mul_ratio(72000, Fraction("0.083")) == 5976  # 59.76 exactly
    assert mul_ratio(72000, Fraction("0.035")) == 2520
    assert mul_ratio(115762, Fraction("1.05")) == 121550  # 121550.1
    assert mul_ratio(110250, Fraction("1.05")) == 115763  # 115762.5 -> half up
    assert div_half_up(-7, 2) == -4 and div_half_up(7, 2) == 4
    assert yuan(123456) == "1,234.56" and yuan(-5) == "-0.05"


def test_array_and_scalar_rounding_agree():
    rng = np.random.default_rng(3)
    a = rng.integers(-(10**9), 10**9, 2000)
    for r in (Fraction(1, 3), Fraction("0.091"), Fraction(3, 2), Fraction(7, 8)):
        arr = mul_ratio(a, r)
        assert arr.tolist() == [mul_ratio(int(x), r) for x in a]


def test_shipped_parameters_load_and_are_dated():
    ps = load_parameters()
    assert ps.at("dibao.standard", dt.date(2019, 6, 30)).value == 72000
    v = ps.at("dibao.standard", dt.date(2019, 7, 1))
    assert (v.value, v.status, v.effective) == (80000, "published", "2019-07-01")
    assert ps.at("tekun.basic_living_multiplier", dt.date(2019, 7, 1)).value == Fraction(3, 2)
    assert ps.get("price_indices.cpi_yoy").month("2019-11").value == Fraction("0.045")
    assert ps.get("price_indices.cpi_yoy").month("2001-01") is None
    for p in ps.describe():
        for v in p["values"]:
            assert v["reference"] and v["status"] in ("seed", "published", "default-to-confirm")
    with pytest.raises(MissingParameterValue):
        ps.at("dibao.standard", dt.date(2000, 1, 1))


def test_loaded_once_and_cached():
    assert load_parameters() is load_parameters()


def test_with_values_overrides_without_touching_the_original():
    ps = load_parameters()
    ps2 = ps.with_values("dibao.standard", {"2019-01-01": 75000})
    assert ps2.at("dibao.standard", dt.date(2019, 3, 1)).value == 75000
    assert ps.at("dibao.standard", dt.date(2019, 3, 1)).value == 72000


def _tree(tmp_path: Path, text: str, name: str = "standard") -> Path:
    d = tmp_path / "dibao"
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{name}.yaml").write_text(text, encoding="utf-8")
    return tmp_path


GOOD = """description: d
unit: fen
values:
  2016-07-01: {value: 72000, reference: "ref", status: published}
"""


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        (GOOD.replace("published", "approved"), "values.2016-07-01", "status 'approved'"),
        (GOOD.replace('reference: "ref", ', ""), "values.2016-07-01", "reference"),
        (GOOD.replace("72000", "-1"), "values.2016-07-01.value", "must not be negative"),
        (GOOD.replace("72000", "720.5"), "values.2016-07-01.value", "must be an integer"),
        (GOOD.replace("2016-07-01", "2016-13-01"), "values.2016-13-01", "date"),
        (GOOD.replace("unit: fen", "unit: yuan"), "unit", "must be one of"),
        (GOOD.replace("description: d\n", ""), "description", "missing"),
        (GOOD + "extra: 1\n", "<root>", "unknown key"),
        ("description: d\nunit: fen\nvalues: {}\n", "values", "missing or empty"),
        ("description: d\nunit: fen\nvalues: [1, 2\n", "<yaml>", "not valid YAML"),
        (
            GOOD.replace("unit: fen", "unit: ratio").replace("72000", "1.5"),
            "values.2016-07-01.value",
            "no floats",
        ),
    ],
)
def test_bad_parameter_file_names_file_key_and_problem(tmp_path, text, key, problem):
    root = _tree(tmp_path, text)
    with pytest.raises(ParameterError) as e:
        load_tree(root)
    msg = str(e.value)
    assert str(root / "dibao" / "standard.yaml") in msg
    assert f": {key}: " in msg
    assert problem in msg


def test_funding_shares_must_add_up_to_one(tmp_path):
    text = """description: f
unit: ratio_table
values:
  2016-01-01: {value: {city: "0.5", district: "0.6"}, reference: r, status: seed}
"""
    root = _tree(tmp_path, text, "funding")
    with pytest.raises(
        ParameterError, match=r"funding.yaml: values.2016-01-01.value: shares add up to 11/10"
    ):
        load_tree(root)


def test_good_tree_loads(tmp_path):
    ps = load_tree(_tree(tmp_path, GOOD))
    assert ps.at("dibao.standard", dt.date(2020, 1, 1)).value == 72000


def test_rules_package_imports_no_django():
    code = (
        "import sys; import safetynet.rules as r; from safetynet.rules import cli, readers, "
        "retro, situation, adjustment, writers; r.calculate; "
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules), 'django'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])
