"""The source catalogue: complete, consistent, and in agreement with the extracts and the docs."""

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from safetynet.simulated.agencies.testing import city_index, small_city
from safetynet.simulated.generator.tables import BANKS as GENERATOR_BANKS
from safetynet.verification.sources.catalog import (
    DATA_ITEMS,
    SOURCES,
    FieldType,
    Mode,
    automatic_sources,
    bank_sources,
    get_source,
    manual_sources,
    value_fits,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "verification-sources.md"


@pytest.fixture(scope="session")
def city(tmp_path_factory) -> Path:
    return small_city(tmp_path_factory.getbasetemp() / "agency-city")


def test_every_department_of_the_seed_is_covered():
    departments = {s.department.code for s in SOURCES.values()}
    assert departments >= {
        "public_security",
        "hrss",
        "civil_affairs",
        "market_supervision",
        "land_housing",
        "court",
        "banks",
        "tax",
        "securities",
        "housing_fund",
    }


def test_twenty_banks_each_its_own_source_fed_from_the_generators_bank_codes():
    banks = bank_sources()
    assert len(banks) == 20
    assert {b.filter_value for b in banks} == {code for code, _ in GENERATOR_BANKS}
    names = dict(GENERATOR_BANKS)
    for b in banks:
        assert b.code == f"bank_{b.filter_value.lower()}"
        assert b.name_zh.startswith(names[b.filter_value])
        assert b.extract == "agencies/bank_deposits.parquet"


def test_tax_and_securities_are_the_manual_sources():
    assert {s.code for s in manual_sources()} == {"tax", "securities"}
    assert all(s.mode is Mode.AUTOMATIC for s in automatic_sources())
    assert len(automatic_sources()) == 32


def test_data_items_at_least_the_seeds_22_and_each_supplied():
    assert len(DATA_ITEMS) >= 22
    supplied = {i.code for s in SOURCES.values() for i in s.data_items}
    assert supplied == set(DATA_ITEMS)
    for item in DATA_ITEMS.values():
        assert item.name_zh and item.name_en


def test_fields_are_declared_with_types_and_money_in_fen():
    for s in SOURCES.values():
        assert s.fields and s.name_zh and s.name_en and s.data_items
        assert len(set(s.field_names)) == len(s.fields)
        assert "id_number" not in s.field_names
        for f in s.fields:
            assert f.name_zh and f.meaning
            if f.type is FieldType.FEN:
                assert f.name.endswith("_fen") and f.unit.startswith("fen")
            if f.name.endswith("_fen"):
                assert f.type is FieldType.FEN


def test_get_source():
    assert get_source("tax") is SOURCES["tax"]
    assert get_source(SOURCES["tax"]) is SOURCES["tax"]
    with pytest.raises(KeyError):
        get_source("nope")


def test_value_fits():
    f = SOURCES["hrss_employment"].field("monthly_wage_fen")
    assert (
        value_fits(f, 12)
        and not value_fits(f, 1.5)
        and not value_fits(f, True)
        and not value_fits(f, None)
    )
    end = SOURCES["hrss_employment"].field("end_date")
    assert (
        value_fits(end, None) and value_fits(end, "2020-06-30") and not value_fits(end, "2020-6-30")
    )
    kind = SOURCES["tax"].field("income_kind")
    assert value_fits(kind, "wages") and not value_fits(kind, "salary")


def test_every_extract_has_every_declared_field_with_its_type(city):
    index = city_index(city)
    assert set(index.tables) == set(SOURCES)
    for code, table in index.tables.items():
        source = SOURCES[code]
        assert len(table) > 0, code
        sample = table.table.slice(0, 200).to_pylist()
        for row in index.lookup(code, [r["id_number"] for r in sample]):
            for f in source.fields:
                assert value_fits(f, row[f.name]), (code, f.name, row[f.name])


def test_bank_sources_partition_the_deposits(city):
    index = city_index(city)
    total = pq.read_metadata(city / "agencies" / "bank_deposits.parquet").num_rows
    assert sum(len(index.tables[b.code]) for b in bank_sources()) == total


def test_docs_describe_every_source_and_field():
    text = DOCS.read_text(encoding="utf-8")
    for s in SOURCES.values():
        assert f"`{s.code}`" in text, s.code
        for f in s.fields:
            assert f"`{f.name}`" in text, (s.code, f.name)
    for code in (
        "malformed_request",
        "invalid_id_number",
        "missing_authorization",
        "unknown_source",
        "source_down",
        "simulated_error",
        "timeout",
        "connection_error",
        "bad_response",
    ):
        assert f"`{code}`" in text, code
