"""The demo-city generator: determinism, valid identities, household structure, planted facts.

The property tests run on two cities: one drawn in a single block, and one drawn in many small
blocks (ADR 1510), so that what must hold across the city holds across blocks.
"""

import datetime as dt
import hashlib
from pathlib import Path

import duckdb
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from stdnum.cn import ric, uscc

from safetynet.simulated.generator import generate, read_manifest
from safetynet.simulated.generator.population import ID_REGION_HISTORY, MIGRANT_BIRTHPLACES

N = 3_000
REF = dt.date(2020, 6, 30)
SMALL_BLOCKS = 433  # persons per block: 7 blocks, none of them whole hundreds
MIGRANT_CODES = {code for pair in MIGRANT_BIRTHPLACES for code in pair}


@pytest.fixture(scope="module", params=["one block", "small blocks"])
def city(request, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("city")
    if request.param == "one block":
        generate(out=out, persons=N, seed=7)
    else:
        generate(out=out, persons=N, seed=7, block_persons=SMALL_BLOCKS)
    return out


def _sql(city: Path, query: str) -> list[tuple]:
    con = duckdb.connect()
    for name in ("persons", "households", "enrolments", "divisions"):
        con.sql(f"create view {name} as select * from '{city}/{name}.parquet'")
    for f in (city / "agencies").glob("*.parquet"):
        con.sql(f"create view {f.stem} as select * from '{f}'")
    con.sql(f"create view truth as select * from '{city}/ground_truth/discrepancies.parquet'")
    return con.sql(query).fetchall()


def _digests(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_byte_identical_files(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(out=a, persons=1_500, seed=3)
    generate(out=b, persons=1_500, seed=3)
    generate(out=c, persons=1_500, seed=4)
    da, db = _digests(a), _digests(b)
    assert len(da) == 20 + 1  # 20 Parquet files (2 of them the bank accounts) and the manifest
    assert da == db
    assert _digests(c)["persons.parquet"] != da["persons.parquet"]


def test_manifest_counts_match_files(city):
    manifest = read_manifest(city)
    assert manifest["persons"] == N
    assert manifest["reference_date"] == REF.isoformat()
    for rel, rows in manifest["files"].items():
        assert pq.read_metadata(city / rel).num_rows == rows, rel


def test_every_id_number_is_valid_unique_and_matches_the_person(city):
    persons = pq.read_table(city / "persons.parquet").to_pylist()
    assert len(persons) == N
    numbers = [p["id_number"] for p in persons]
    assert len(set(numbers)) == N
    allowed = {
        district: {district} | {code for _, code in steps}
        for district, steps in ID_REGION_HISTORY.items()
    }
    for p in persons:
        number = p["id_number"]
        assert ric.is_valid(number), number
        assert ric.get_birth_date(number) == p["birth_date"]
        assert (int(number[16]) % 2 == 1) == (p["sex"] == "M")
        district = int(p["hukou_division"][:6])
        region = int(number[:6])
        # Migrant birthplaces only once the city's own codes are full (not in a city this small).
        assert region in allowed[district]
        # The district's own code whenever it existed in the birth year.
        if p["birth_date"].year >= 2003:
            assert region == district
        assert p["birth_date"] <= REF


def test_names_are_chinese_and_ages_span_the_oldest(city):
    rows = _sql(
        city,
        "select min(length(name)), max(length(name)), "
        "max(date_diff('year', birth_date, date '2020-06-30')), "
        "avg((disability_grade is not null)::int), count(distinct name) from persons",
    )
    shortest, longest, oldest, disabled, distinct = rows[0]
    assert shortest >= 2 and longest <= 4
    assert oldest >= 95
    assert 0.04 < disabled < 0.08
    assert distinct > N * 0.5
    for (name,) in _sql(city, "select name from persons limit 200"):
        assert all("\u4e00" <= ch <= "\u9fff" for ch in name)


def test_household_structure(city):
    # Exactly one head per household, and it is the household's head_person_id.
    assert _sql(
        city,
        "select count(*) from households h left join (select household_id, count(*) heads, "
        "min(person_id) head from persons where relation = 'head' group by 1) p "
        "using (household_id) "
        "where p.heads is null or p.heads <> 1 or p.head <> h.head_person_id",
    ) == [(0,)]
    # Every person is in exactly one existing household, in that household's community.
    assert _sql(
        city,
        "select count(*) from persons p left join households h using (household_id) "
        "where h.household_id is null or p.hukou_division <> h.division_code",
    ) == [(0,)]
    sizes = dict(
        _sql(
            city,
            "select n, count(*) from "
            "(select count(*) n from persons group by household_id) group by 1",
        )
    )
    assert set(sizes) <= {1, 2, 3, 4, 5, 6}
    assert sizes[2] > sizes[5] > sizes[6]
    # Heads are adults and alive; household numbers are unique.
    assert _sql(
        city,
        "select count(*) from persons where relation='head' and (death_date is not null "
        "or birth_date + interval 18 year > date '2020-06-30')",
    ) == [(0,)]
    assert _sql(city, "select count(*) - count(distinct household_number) from households") == [
        (0,)
    ]


def test_divisions_are_synthetic_communities_under_real_streets(city):
    rows = _sql(
        city,
        "select c.code, c.name, s.level from divisions c "
        "join divisions s on s.code = c.parent_code "
        "where c.level = 'community'",
    )
    assert len(rows) > 300
    for code, name, parent_level in rows:
        assert len(code) == 12 and parent_level == "street"
        assert name.endswith("（演示）")
    assert _sql(
        city,
        "select count(*) from households where division_code not in "
        "(select code from divisions where level='community')",
    ) == [(0,)]


def test_enrolments_follow_the_declared_data(city):
    # Everyone 80+ and alive is enrolled as elderly_80; every disabled person as disabled.
    assert _sql(
        city,
        "select count(*) from persons p where death_date is null and "
        "birth_date + interval 80 year <= date '2020-06-30' and person_id not in "
        "(select person_id from enrolments where category = 'elderly_80')",
    ) == [(0,)]
    assert _sql(
        city,
        "select count(*) from persons where disability_grade is not null and person_id not in "
        "(select person_id from enrolments where category = 'disabled')",
    ) == [(0,)]
    # Dibao households declared a per-capita counted income under the standard (800 yuan).
    rows = _sql(
        city,
        "with hh as (select household_id, sum(income_wage_fen + income_business_fen + "
        "income_pension_fen + income_property_fen + income_transfer_fen) inc, count(*) m "
        "from persons where death_date is null group by 1) "
        "select count(*), sum((inc / m >= 80000)::int) from hh where household_id in "
        "(select household_id from enrolments where category = 'dibao')",
    )
    dibao_households, above = rows[0]
    assert dibao_households > 0 and above == 0
    share = dibao_households / _sql(city, "select count(*) from households")[0][0]
    assert 0.01 < share < 0.10


def test_no_enrolment_ends_before_it_starts(city):
    """A benefit enrolment starts on its first benefit month (ADR 0903); one whose holder died
    before that month never paid and is not written (the registry requires start <= end)."""
    assert _sql(
        city,
        "select count(*) from enrolments where end_date is not null and end_date < start_date",
    ) == [(0,)]
    assert _sql(
        city,
        "select count(*) from enrolments where category <> 'deceased' and day(start_date) <> 1",
    ) == [(0,)]


def test_businesses_and_employers_have_valid_credit_codes(city):
    codes = [
        r[0]
        for r in _sql(
            city, "select uscc from businesses union all select employer_uscc from employment"
        )
    ]
    assert codes and all(uscc.is_valid(c) for c in codes)
    assert len(set(_sql(city, "select uscc from businesses"))) == len(
        _sql(city, "select uscc from businesses")
    )


def test_honest_households_match_the_extracts(city):
    """Where nothing was planted, every extract agrees with the declaration."""
    rows = _sql(
        city,
        "with planted as (select distinct household_id from truth), "
        "ids as (select id_number, household_id from persons), "
        "bank as (select household_id, sum(balance_fen) v "
        "  from bank_deposits join ids using (id_number) group by 1), "
        "sec as (select household_id, sum(market_value_fen) v "
        "  from securities join ids using (id_number) group by 1), "
        "veh as (select household_id, count(*) v "
        "  from vehicles join ids using (id_number) group by 1), "
        "home as (select household_id, count(*) v "
        "  from real_estate join ids using (id_number) group by 1) "
        "select count(*) from households h "
        "left join bank using (household_id) left join sec using (household_id) "
        "left join veh using (household_id) left join home using (household_id) "
        "where household_id not in (select household_id from planted) and ("
        "coalesce(bank.v,0) + coalesce(sec.v,0) <> declared_financial_assets_fen "
        "or coalesce(veh.v,0) <> declared_vehicles or coalesce(home.v,0) <> declared_homes)",
    )
    assert rows == [(0,)]
    # Wages and pensions in the extracts equal the declared ones for honest persons.
    assert _sql(
        city,
        "select count(*) from employment e join persons p using (id_number) "
        "where p.household_id not in (select household_id from truth) "
        "and e.monthly_wage_fen <> p.income_wage_fen",
    ) == [(0,)]
    assert _sql(
        city,
        "select count(*) from pensions e join persons p using (id_number) "
        "where p.household_id not in (select household_id from truth) "
        "and e.monthly_amount_fen <> p.income_pension_fen",
    ) == [(0,)]


def test_planted_discrepancies_are_in_the_extracts(city):
    truth = pq.read_table(city / "ground_truth" / "discrepancies.parquet").to_pylist()
    recipients = _sql(
        city,
        "select count(distinct household_id) from enrolments where category in "
        "('dibao','tekun','low_income','illness_poverty')",
    )[0][0]
    assert len(truth) == round(0.10 * recipients)
    assert len({t["household_id"] for t in truth}) == len(truth)
    kinds = {t["kind"] for t in truth}
    assert {"undeclared_wage", "undeclared_deposit"} <= kinds

    def one(query: str):
        return _sql(city, query)[0][0]

    for t in truth:
        idn, hh, kind = t["id_number"], t["household_id"], t["kind"]
        assert one(f"select household_id from persons where id_number = '{idn}'") == hh
        assert (
            one(
                f"select count(*) from enrolments where household_id = {hh} "
                "and category in ('dibao','tekun','low_income','illness_poverty')"
            )
            > 0
        )
        members = f"(select id_number from persons where household_id = {hh})"
        if kind == "undeclared_wage":
            wage = one(f"select max(monthly_wage_fen) from employment where id_number = '{idn}'")
            assert wage == t["amount_fen"] == t["actual_value"] > t["declared_value"]
            assert one(f"select count(*) from social_insurance where id_number = '{idn}'") >= 1
        elif kind in ("undeclared_deposit", "undeclared_securities"):
            held = one(
                "select (select coalesce(sum(balance_fen),0) from bank_deposits "
                f"  where id_number in {members}) "
                "+ (select coalesce(sum(market_value_fen),0) from securities "
                f"  where id_number in {members})"
            )
            declared = one(
                f"select declared_financial_assets_fen from households where household_id = {hh}"
            )
            assert held == t["actual_value"] > declared == t["declared_value"]
        elif kind in ("undeclared_vehicle", "undeclared_property", "undeclared_business"):
            table, col = {
                "undeclared_vehicle": ("vehicles", "declared_vehicles"),
                "undeclared_property": ("real_estate", "declared_homes"),
                "undeclared_business": ("businesses", "declared_businesses"),
            }[kind]
            held = one(f"select count(*) from {table} where id_number in {members}")
            declared = one(f"select {col} from households where household_id = {hh}")
            assert held == t["actual_value"] == declared + 1
        elif kind == "undeclared_pension":
            paid = one(f"select monthly_amount_fen from pensions where id_number = '{idn}'")
            assert paid == t["actual_value"] > t["declared_value"]
        elif kind == "undeclared_labour_income":
            assert (
                one(
                    f"select annual_income_fen from tax where id_number = '{idn}' "
                    "and income_kind = 'labour'"
                )
                == t["amount_fen"]
            )
        elif kind == "unreported_death":
            assert one(f"select count(*) from deaths where id_number = '{idn}'") == 1
            assert one(f"select death_date is null from persons where id_number = '{idn}'")
        else:  # pragma: no cover
            raise AssertionError(kind)


def test_the_generator_rules_and_registry_share_one_list_of_categories():
    from safetynet.registry.models import Category
    from safetynet.simulated.generator.enrolments import CATEGORIES

    assert list(CATEGORIES) == list(Category.values)


def test_small_blocks_twice_give_byte_identical_files_and_other_blocks_another_city(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(out=a, persons=2_000, seed=3, block_persons=300)
    generate(out=b, persons=2_000, seed=3, block_persons=300)
    generate(out=c, persons=2_000, seed=3, block_persons=700)
    da = _digests(a)
    assert da == _digests(b)
    assert _digests(c)["persons.parquet"] != da["persons.parquet"]
    assert read_manifest(a)["block_persons"] == 300


def test_blocks_are_row_groups_in_household_order(city):
    from safetynet.rules.readers import _row_groups_in_household_order

    blocks = read_manifest(city).get("block_persons", N)
    expected = -(-N // blocks)
    for name in ("persons", "households", "enrolments"):
        pf = pq.ParquetFile(city / f"{name}.parquet")
        assert pf.metadata.num_row_groups == expected, name
        assert _row_groups_in_household_order(pf), name


def test_ids_run_on_across_blocks_and_every_reference_resolves(city):
    manifest = read_manifest(city)
    h = manifest["households"]
    # Person and household ids are 1..N and 1..H in file order; persons ordered by household.
    assert _sql(
        city,
        "select min(person_id), max(person_id), count(distinct person_id), "
        "bool_and(household_id >= lag_h) from "
        "(select person_id, household_id, "
        "coalesce(lag(household_id) over (order by person_id), 0) lag_h from persons)",
    ) == [(1, N, N, True)]
    assert _sql(
        city,
        "select min(household_id), max(household_id), count(distinct household_id) from households",
    ) == [(1, h, h)]
    # Heads, memberships, enrolments and the ground truth point at existing rows that agree.
    assert _sql(
        city,
        "select count(*) from households h join persons p on p.person_id = h.head_person_id "
        "where p.household_id <> h.household_id or p.relation <> 'head'",
    ) == [(0,)]
    assert _sql(
        city,
        "select count(*) from enrolments e left join persons p using (person_id) "
        "where p.person_id is null or p.household_id <> e.household_id",
    ) == [(0,)]
    assert _sql(
        city,
        "select count(*) from truth t left join persons p using (person_id) "
        "left join households h on h.household_id = t.household_id "
        "where p.id_number is distinct from t.id_number or p.household_id <> t.household_id "
        "or h.household_number is distinct from t.household_number",
    ) == [(0,)]
    # Every agency row is about a person of the city.
    for table in (
        "employment", "social_insurance", "housing_fund", "tax", "pensions", "bank_deposits",
        "securities", "vehicles", "real_estate", "businesses", "deaths", "marriages",
        "court_enforcement",
    ):  # fmt: skip
        assert _sql(
            city,
            f"select count(*) from {table} where id_number not in (select id_number from persons)",
        ) == [(0,)], table
    assert _sql(
        city,
        "select count(*) from marriages where spouse_id_number not in "
        "(select id_number from persons)",
    ) == [(0,)]


def test_numbers_are_unique_across_blocks(city):
    for table, column in (
        ("households", "household_number"),
        ("bank_deposits", "account_number"),
        ("securities", "account_number"),
        ("vehicles", "plate"),
        ("real_estate", "certificate_number"),
        ("businesses", "uscc"),
    ):
        assert _sql(city, f"select count(*) - count(distinct {column}) from {table}") == [(0,)], (
            table,
            column,
        )
    # Employers are one pool: the same credit code always has the same name.
    assert _sql(
        city,
        "select count(*) from (select employer_uscc from employment "
        "group by 1 having count(distinct employer_name) > 1)",
    ) == [(0,)]
    # A community's household numbers run 1, 2, 3, ... over the blocks.
    assert _sql(
        city,
        "select count(*) from (select division_code, count(*) n, "
        "max(cast(right(household_number, 6) as int)) top from households group by 1) "
        "where n <> top",
    ) == [(0,)]


def test_full_sequence_numbers_give_migrant_birthplaces(tmp_path, monkeypatch):
    """When a (region, birth date, sex) has no sequence number left, the next persons carry a
    migrant birthplace valid in their birth year; ID numbers stay unique and valid."""
    from safetynet.simulated.generator import identity

    monkeypatch.setattr(identity, "SEQ_SLOTS", 1)
    generate(out=tmp_path, persons=4_000, seed=5, block_persons=900)
    numbers = [r[0] for r in _sql(tmp_path, "select id_number from persons")]
    assert len(set(numbers)) == len(numbers) == 4_000
    assert all(ric.is_valid(n) for n in numbers)
    regions = {int(n[:6]) for n in numbers}
    assert regions & MIGRANT_CODES
    own = {d for d in ID_REGION_HISTORY} | {c for s in ID_REGION_HISTORY.values() for _, c in s}
    assert regions <= own | MIGRANT_CODES


GENERATE_IN_CHILD = (
    "import sys; from pathlib import Path; from safetynet.simulated.generator import generate; "
    "generate(out=Path(sys.argv[1]), persons=int(sys.argv[2]), seed=1, "
    "block_persons=int(sys.argv[3]))"
)


@pytest.mark.slow
def test_peak_memory_is_bounded_by_the_block_not_the_city(tmp_path):
    """Eight times the persons in the same blocks: the peak memory of the generating process
    (its own ru_maxrss) stays where it was (measured: 185 MB at 50k, 193 MB at 800k persons)."""
    from tests.helpers.processes import peak_rss_mb

    _, small = peak_rss_mb(GENERATE_IN_CHILD, str(tmp_path / "small"), "50000", "20000")
    _, large = peak_rss_mb(GENERATE_IN_CHILD, str(tmp_path / "large"), "400000", "20000")
    assert read_manifest(tmp_path / "large")["persons"] == 400_000
    assert large < small + 40, (small, large)


def test_after_write_passes_read_the_closed_files_and_join_the_manifest(tmp_path, monkeypatch):
    """The place for post-passes (e.g. bank accounts from persons and enrolments): they run once
    every block's files are closed, and the rows they write are in the manifest."""
    from safetynet.simulated import generator

    seen = {}

    def count_heads(out: Path, manifest: dict) -> dict[str, int]:
        persons = pq.read_table(out / "persons.parquet", columns=["relation"])
        seen["persons"] = persons.num_rows
        seen["households"] = manifest["households"]
        heads = persons.filter(pc.equal(persons["relation"], "head"))
        pq.write_table(heads, out / "agencies" / "heads.parquet")
        return {"agencies/heads.parquet": heads.num_rows}

    monkeypatch.setattr(generator, "AFTER_WRITE", [count_heads])
    manifest = generate(out=tmp_path, persons=1_000, seed=2, block_persons=300)
    assert seen == {"persons": 1_000, "households": manifest["households"]}
    assert read_manifest(tmp_path)["files"]["agencies/heads.parquet"] == manifest["households"]
