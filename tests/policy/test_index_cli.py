"""`safetynet rules indices import|set|list` through the real command (ADR 1430)."""

import pytest

from safetynet.policy.models import IndexImport, PriceIndex
from tests.policy.test_cli import run

pytestmark = pytest.mark.django_db

GOOD = (
    "月份,指数,同比指数,累计指数,来源\n"
    "2020-06,居民消费价格指数,104.0,,厦门市统计局 2020年6月\n"
    "2020-06,食品类居民消费价格指数,105.1,,厦门市统计局 2020年6月\n"
)


def test_import_then_list_shows_the_triggered_month(users, capsys, tmp_path):
    f = tmp_path / "indices.csv"
    f.write_text(GOOD, encoding="utf-8")
    code, out, err = run(capsys, "rules", "indices", "import", str(f), "--as", "ca")
    assert code == 0, err
    assert "2 indices from indices.csv" in out
    assert PriceIndex.objects.count() == 2
    code, out, err = run(capsys, "rules", "indices", "list", "--year", "2020")
    # CPI 4.0 % ≥ 3.5 % (food 5.1 % < 6 %): 800 × 0.04 = 32.00 yuan per person
    assert code == 0 and "2020-06\tcpi=104.00\tfood_cpi=105.10\tscpi=—" in out
    assert "TRIGGERED 32.00 yuan/person" in out


def test_bad_file_exits_2_naming_row_and_field(users, capsys, tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text(GOOD + "2020-07,cpi,103.456,,统计局\n2020-08,ppi,101,,统计局\n", "utf-8")
    code, _out, err = run(capsys, "rules", "indices", "import", str(f), "--as", "ca")
    assert code == 2
    assert "[wrong_unit] row 4, value:" in err
    assert "[unknown_kind] row 5, kind:" in err
    assert not PriceIndex.objects.exists() and not IndexImport.objects.exists()


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["missing.csv", "--as", "ca"], "FILE: no such file"),
        (["{f}", "--as", "nobody"], "--as: no active user 'nobody'"),
        (["{f}", "--as", "so"], "[not_permitted]"),
        (["{f}"], "the following arguments are required: --as"),
    ],
)
def test_import_refusals_exit_2(users, capsys, tmp_path, args, reason):
    f = tmp_path / "i.csv"
    f.write_text(GOOD, "utf-8")
    args = [a.replace("{f}", str(f)) for a in args]
    code, _, err = run(capsys, "rules", "indices", "import", *args)
    assert code == 2 and reason in err, err
    assert not PriceIndex.objects.exists()


def test_set_one_month_and_refuse_a_float_like_rise(users, capsys):
    base = ["rules", "indices", "set", "2020-06", "--kind", "scpi", "--source", "统计局"]
    code, out, err = run(capsys, *base, "--value", "102.9", "--as", "ca")
    assert code == 0 and "2020-06 scpi = 102.90" in out, err
    code, _, err = run(capsys, *base, "--value", "2.9", "--as", "ca")
    assert code == 2 and "[out_of_range] value:" in err
