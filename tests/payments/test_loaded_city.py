"""A generated city loaded with `safetynet load` (the amount basis filled by the payments hook),
then paid: the payroll's lines are exactly the rules engine's amounts, run straight over the
generated Parquet, for the beneficiaries enrolled in each program's category (one policy, one
code path); every line's split adds up."""

import io
import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from django.core.management import call_command

from safetynet.accounts.models import Role
from safetynet.payments.compute import MONTHLY_PROGRAMS
from safetynet.payments.loading import amount_basis_load
from safetynet.payments.models import AmountBasis, AmountBasisPerson, PaymentLine
from safetynet.payments.services import payroll_run
from safetynet.rules.columns import month_str, parse_month
from safetynet.rules.job import run_city
from safetynet.simulated.generator import generate
from tests.helpers.city import make_user

pytestmark = pytest.mark.django_db
N = 3_000


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("city") / "pay-city"
    generate(out=out, persons=N, seed=5)
    return out


def _engine_amounts(city: Path, month: str, out: Path) -> dict[str, int]:
    """Σ of the engine's amounts over the generated city for the beneficiaries enrolled in the
    program's category for the month (started by it, not ended before it: ADR 0903)."""
    run_city(city, month, out)
    ym = parse_month(month)
    con = duckdb.connect()
    con.sql(
        f"""CREATE TABLE enrolled AS
WITH e AS (SELECT person_id, household_id, category,
    year(start_date) * 12 + month(start_date) - 1 AS s,
    COALESCE(year(end_date) * 12 + month(end_date) - 1, 1073741824) AS t
  FROM read_parquet('{city}/enrolments.parquet')),
l AS (SELECT *, ROW_NUMBER() OVER (PARTITION BY person_id, category ORDER BY s DESC, t DESC)
  AS rn FROM e WHERE s <= {ym})
SELECT l.person_id, p.household_id, l.category FROM l
JOIN read_parquet('{city}/persons.parquet') p USING (person_id)
WHERE rn = 1 AND s <= {ym} AND t >= {ym}"""
    )
    sums = {}
    for program, category in MONTHLY_PROGRAMS.items():
        if program == "dibao":
            sql = f"""SELECT COALESCE(SUM(amount_fen), 0) FROM read_parquet('{out}/dibao.parquet')
WHERE household_id IN (SELECT household_id FROM enrolled WHERE category = '{category}')"""
        else:
            sql = f"""SELECT COALESCE(SUM(amount_fen), 0)
FROM read_parquet('{out}/persons/{program}.parquet')
WHERE person_id IN (SELECT person_id FROM enrolled WHERE category = '{category}')"""
        sums[program] = int(con.sql(sql).fetchall()[0][0])
    return sums


def test_a_loaded_city_is_paid_the_engines_amounts(city, tmp_path):
    call_command("load", str(city), stdout=io.StringIO())
    enrolled_households = pq.read_table(city / "enrolments.parquet").column("household_id")
    assert AmountBasis.objects.count() == len(set(enrolled_households.to_pylist()))
    assert AmountBasisPerson.objects.exists()
    assert amount_basis_load(city)["skipped"] == 1  # a second load adds nothing
    manifest = json.loads((city / "manifest.json").read_text())
    month = month_str(parse_month(manifest["reference_date"][:7]) + 1)
    admin = make_user("pay-admin", Role.CITY_ADMIN, "350200")
    report = payroll_run(actor=admin, month=month)
    expected = _engine_amounts(city, month, tmp_path / "engine")
    got = {p: report.programs.get(p, {}).get("amount_fen", 0) for p in MONTHLY_PROGRAMS}
    assert got == expected
    assert sum(expected.values()) > 0 and report.lines > 10
    for line in PaymentLine.objects.all():
        assert line.city_fen + line.district_fen + line.street_fen == line.amount_fen
        assert line.amount_fen > 0
    held = PaymentLine.objects.filter(bank_account__isnull=True)
    assert report.held_no_account == held.count()
    assert set(held.values_list("status", flat=True)) <= {"held_no_account"}
