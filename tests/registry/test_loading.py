"""`safetynet load`: bulk load of a generated city, on SQLite and PostgreSQL (DATABASE_URL)."""

import io
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safetynet.registry.ids import parse_id_number
from safetynet.registry.loading import LoadError, city_load
from safetynet.registry.models import Division, Enrolment, Household, Membership, Person
from safetynet.simulated.generator import generate

N = 2_000


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("city") / "demo-city"
    generate(out=out, persons=N, seed=11)
    return out


def _parquet(city: Path, name: str) -> list[dict]:
    return pq.read_table(city / name).to_pylist()


def test_load_writes_every_row_with_history(db, city):
    report = city_load(city)
    assert not report.skipped
    persons = _parquet(city, "persons.parquet")
    households = _parquet(city, "households.parquet")
    enrolments = _parquet(city, "enrolments.parquet")
    assert Person.objects.count() == N == len(persons)
    assert Household.objects.count() == len(households)
    assert Membership.objects.count() == N
    assert Membership.objects.filter(end_date__isnull=True).count() == sum(
        p["death_date"] is None for p in persons
    )
    assert Enrolment.objects.count() == len(enrolments)
    communities = [d for d in _parquet(city, "divisions.parquet") if d["level"] == "community"]
    assert Division.objects.filter(level="community", is_synthetic=True).count() == len(communities)
    for model in (Person, Household, Membership, Enrolment):
        history = model.history.all()
        assert history.count() == model.objects.count()
        assert set(history.values_list("history_type", flat=True)) == {"+"}
        assert set(history.values_list("history_change_reason", flat=True)) == {"load demo-city"}
    # The 特困 facts reach the history rows too (the timeline's first entry is the load).
    loaded = Person.objects.filter(has_capable_supporter=False).exclude(selfcare_failed_items=0)
    person = loaded.first() or Person.objects.filter(has_capable_supporter=False).first()
    first = Person.history.get(id=person.pk)
    assert (first.selfcare_failed_items, first.has_capable_supporter) == (
        person.selfcare_failed_items,
        False,
    )
    assert report.rows["persons"] == N and report.rows_per_second > 0


def test_loaded_households_and_memberships_match_the_files(db, city):
    city_load(city)
    persons = {p["id_number"]: p for p in _parquet(city, "persons.parquet")}
    households = {h["household_id"]: h for h in _parquet(city, "households.parquet")}
    rows = Membership.objects.select_related("person", "household").all()
    for m in rows:
        p = persons[m.person.id_number]
        h = households[p["household_id"]]
        assert m.household.number == h["household_number"]
        assert m.household.division_id == h["division_code"] == m.person.hukou_division_id
        assert m.relation == p["relation"]
        assert m.person.name == p["name"] and m.person.birth_date == p["birth_date"]
        assert m.end_date == p["death_date"]
        assert (m.person.disability_grade, m.person.disability_kind or None) == (
            p["disability_grade"],
            p["disability_kind"],
        )
        assert m.person.selfcare_failed_items == p["selfcare_failed_items"]
        assert m.person.has_capable_supporter is p["has_capable_supporter"]
    # Every household has exactly one current head, the one the file names.
    heads = dict(
        Membership.objects.filter(end_date__isnull=True, relation="head").values_list(
            "household__number", "person__id_number"
        )
    )
    assert len(heads) == len(households)
    by_id = {p["person_id"]: p for p in persons.values()}
    for h in households.values():
        assert heads[h["household_number"]] == by_id[h["head_person_id"]]["id_number"]


def test_loaded_id_numbers_pass_the_registry_validation(db, city):
    city_load(city)
    for person in Person.objects.order_by("?")[:300]:
        facts = parse_id_number(person.id_number)
        assert facts.birth_date == person.birth_date
        assert facts.sex == person.sex


def test_rerun_is_skipped_and_new_rows_get_fresh_keys(db, city):
    city_load(city)
    again = city_load(city)
    assert again.skipped and "Already loaded" in again.message
    assert Person.objects.count() == N
    person = Person.objects.create(
        id_number="35020319900101123X",
        name="新人",
        sex="M",
        birth_date="1990-01-01",
        hukou_division_id=Person.objects.first().hukou_division_id,
    )
    assert person.pk == N + 1
    assert Person.history.filter(id=person.pk).count() == 1


def test_a_registry_holding_other_people_is_refused(db, city, tmp_path):
    other = tmp_path / "other"
    generate(out=other, persons=200, seed=99)
    city_load(other)
    with pytest.raises(LoadError, match="not empty"):
        city_load(city)
    assert Person.objects.count() == 200  # nothing of the refused city was written


def test_not_a_city_is_refused(db, tmp_path):
    with pytest.raises(LoadError, match="manifest"):
        city_load(tmp_path)


def test_load_command_reports_rows_per_second(db, city):
    out = io.StringIO()
    call_command("load", str(city), stdout=out)
    text = out.getvalue()
    assert "rows/s" in text and "persons" in text
    out = io.StringIO()
    call_command("load", str(city), stdout=out)
    assert "Already loaded" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("load", str(city / "missing"))


def test_generate_command_writes_a_city(tmp_path):
    out = io.StringIO()
    call_command(
        "generate", "--persons", "300", "--seed", "2", "--out", str(tmp_path / "c"), stdout=out
    )
    assert "Generated 300 persons" in out.getvalue()
    assert pq.read_metadata(tmp_path / "c" / "persons.parquet").num_rows == 300


def test_loaded_persons_carry_their_current_households_division(db, city):
    """The search index's copy (ADR 0751): the division of the household whose membership is
    open, and none for the deceased (their membership ended on the day of death)."""
    city_load(city)
    households = {
        h["household_id"]: h["division_code"] for h in _parquet(city, "households.parquet")
    }
    expected = {
        p["person_id"]: None if p["death_date"] else households[p["household_id"]]
        for p in _parquet(city, "persons.parquet")
    }
    assert dict(Person.objects.values_list("id", "household_division_id")) == expected
    assert any(v is None for v in expected.values()) and any(expected.values())
    current = dict(
        Membership.objects.filter(end_date__isnull=True).values_list(
            "person_id", "household__division_id"
        )
    )
    assert {pid: d for pid, d in expected.items() if d is not None} == current
