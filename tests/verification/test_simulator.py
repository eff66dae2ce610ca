"""The simulated agencies over real HTTP on loopback: answers, errors, configuration."""

import json
import urllib.error
import urllib.request
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from safetynet.simulated.agencies.server import (
    AgencySimulator,
    Behaviour,
    SimulatorConfig,
    _draws,
)
from safetynet.simulated.agencies.testing import city_index, running_simulator, small_city
from safetynet.verification.sources.catalog import SOURCES, automatic_sources


@pytest.fixture(scope="session")
def city(tmp_path_factory) -> Path:
    return small_city(tmp_path_factory.getbasetemp() / "agency-city")


@pytest.fixture(scope="module")
def sim(city):
    with running_simulator(city) as s:
        yield s


def post(url: str, body) -> tuple[int, dict]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.loads(resp.read())


def query(sim, code: str, ids: list[str], **over) -> tuple[int, dict]:
    body = {
        "request_id": "T-1",
        "purpose": "test",
        "authorization_ref": "AUTH-1",
        "id_numbers": ids,
    } | over
    return post(f"{sim.url}/v1/sources/{code}/query", body)


def _rows(city: Path, rel: str, ids: list[str], **filters) -> list[dict]:
    t = pq.read_table(city / rel)
    t = t.filter(pc.is_in(t["id_number"], value_set=pa.array(ids)))
    for column, value in filters.items():
        t = t.filter(pc.equal(t[column], value))
    return t.to_pylist()


def _iso(v):
    return v.isoformat() if hasattr(v, "isoformat") else v


def _multi(city: Path, rel: str, n: int = 5) -> list[str]:
    """Some ID numbers with two or more rows in an extract, and some with one."""
    ids = pq.read_table(city / rel, columns=["id_number"]).column(0).to_pylist()
    counts: dict[str, int] = {}
    for i in ids:
        counts[i] = counts.get(i, 0) + 1
    many = [i for i, c in counts.items() if c > 1][:n]
    one = [i for i, c in counts.items() if c == 1][:n]
    return many + one


def test_healthz_and_source_list(sim):
    assert get(f"{sim.url}/healthz")["status"] == "ok"
    listed = get(f"{sim.url}/v1/sources")["sources"]
    assert [s["code"] for s in listed] == [s.code for s in automatic_sources()]
    assert listed[0]["fields"][0]["name"] == SOURCES[listed[0]["code"]].fields[0].name


@pytest.mark.parametrize(
    "code",
    [s.code for s in automatic_sources() if not s.code.startswith("bank_")]
    + ["bank_icbc", "bank_xmb"],
)
def test_answers_match_the_extract(sim, city, code):
    source = SOURCES[code]
    if code == "ps_hukou":
        persons = pq.read_table(city / "persons.parquet").slice(0, 30).to_pylist()
        ids = [p["id_number"] for p in persons]
        status, body = query(sim, code, ids)
        assert status == 200
        got = {r["id_number"]: r for r in body["records"]}
        assert len(got) == 30
        for p in persons:
            for name in ("name", "sex", "birth_date", "hukou_division", "relation", "death_date"):
                assert got[p["id_number"]][name] == _iso(p[name])
        return
    if code == "ca_recipients":
        enr = pq.read_table(city / "enrolments.parquet").slice(0, 40)
        persons = pq.read_table(
            city / "persons.parquet", columns=["person_id", "id_number"]
        ).to_pylist()
        by_pid = {p["person_id"]: p["id_number"] for p in persons}
        ids = sorted({by_pid[pid] for pid in enr["person_id"].to_pylist()})
        status, body = query(sim, code, ids)
        assert status == 200
        expected = pq.read_table(city / "enrolments.parquet").to_pylist()
        expected = [e for e in expected if by_pid[e["person_id"]] in set(ids)]
        assert len(body["records"]) == len(expected)
        assert {(r["id_number"], r["category"], r["start_date"]) for r in body["records"]} == {
            (by_pid[e["person_id"]], e["category"], e["start_date"].isoformat()) for e in expected
        }
        assert all(r["district_code"] == r["division_code"][:6] for r in body["records"])
        return
    filters = {source.filter_column: source.filter_value} if source.filter_column else {}
    table = pq.read_table(city / source.extract)
    if filters:
        table = table.filter(pc.equal(table[source.filter_column], source.filter_value))
    ids = _multi_from(table)
    status, body = query(sim, code, ids)
    assert (
        status == 200
        and body["source"] == code
        and body["request_id"] == "T-1"
        and body["answered_at"]
    )
    expected = _rows(city, source.extract, ids, **filters)

    def key(r: dict) -> str:
        return json.dumps(
            [r["id_number"], *(_iso(r[f]) for f in source.field_names)], ensure_ascii=False
        )

    assert sorted(map(key, body["records"])) == sorted(map(key, expected))
    assert all(set(r) == {"id_number", *source.field_names} for r in body["records"])


def _multi_from(table: pa.Table) -> list[str]:
    ids = table.column("id_number").to_pylist()
    counts: dict[str, int] = {}
    for i in ids:
        counts[i] = counts.get(i, 0) + 1
    return [i for i, c in counts.items() if c > 1][:4] + [i for i, c in counts.items() if c == 1][
        :4
    ]


def test_a_person_unknown_to_a_source_has_no_records(sim, city):
    death_ids = set(pq.read_table(city / "agencies" / "deaths.parquet")["id_number"].to_pylist())
    alive = next(
        i
        for i in pq.read_table(city / "persons.parquet")["id_number"].to_pylist()
        if i not in death_ids
    )
    status, body = query(sim, "ca_death", [alive])
    assert status == 200 and body["records"] == []


def test_errors(sim):
    good = pq_first_id(sim)
    status, body = query(sim, "nope", [good])
    assert status == 404 and body["error"]["code"] == "unknown_source"
    status, body = query(sim, "tax", [good])
    assert status == 404 and body["error"]["code"] == "manual_source"
    status, body = query(sim, "ps_hukou", [good], authorization_ref="")
    assert status == 403 and body["error"]["code"] == "missing_authorization"
    body_no_auth = {"request_id": "x", "purpose": "p", "id_numbers": [good]}
    assert post(f"{sim.url}/v1/sources/ps_hukou/query", body_no_auth)[0] == 403
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    status, body = query(sim, "ps_hukou", [good, bad])
    assert (
        status == 400
        and body["error"]["code"] == "invalid_id_number"
        and body["error"]["id_number"] == bad
    )
    assert bad in body["error"]["message"]
    status, body = post(f"{sim.url}/v1/sources/ps_hukou/query", b"{not json")
    assert status == 400 and body["error"]["code"] == "malformed_request"
    status, body = post(f"{sim.url}/v1/sources/ps_hukou/query", [1, 2])
    assert status == 400 and body["error"]["code"] == "malformed_request"
    status, body = query(sim, "ps_hukou", [])
    assert status == 400 and body["error"]["code"] == "malformed_request"
    status, body = query(sim, "ps_hukou", [good], request_id="")
    assert status == 400 and body["error"]["field"] == "request_id"
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(f"{sim.url}/nowhere", timeout=5)
    assert exc.value.code == 404
    exc.value.close()


def pq_first_id(sim) -> str:
    return sim.index.tables["ps_hukou"].table.column("id_number")[0].as_py()


def test_down_source_always_503_others_fine(city):
    with running_simulator(city, per_source={"bank_icbc": {"down": True}}) as sim:
        good = pq_first_id(sim)
        for _ in range(3):
            status, body = query(sim, "bank_icbc", [good])
            assert status == 503 and body["error"]["code"] == "source_down"
        assert query(sim, "bank_abc", [good])[0] == 200


def test_error_rate_one_is_always_503(city):
    with running_simulator(city, error_rate=1.0) as sim:
        status, body = query(sim, "ps_vehicles", [pq_first_id(sim)])
        assert status == 503 and body["error"]["code"] == "simulated_error"


def test_outcomes_are_deterministic_for_a_seed(city):
    def outcomes(seed: int) -> list[int]:
        with running_simulator(city, error_rate=0.5, seed=seed) as sim:
            good = pq_first_id(sim)
            return [query(sim, "ps_vehicles", [good], request_id=f"R{i % 7}")[0] for i in range(28)]

    first = outcomes(3)
    assert first == outcomes(3)
    assert set(first) == {200, 503}
    # each retry of a request id is a fresh, reproducible draw
    assert first == [
        200 if _draws(3, "ps_vehicles", f"R{i % 7}", i // 7 + 1)[1] >= 0.5 else 503
        for i in range(28)
    ]


def test_per_source_configuration(city):
    config = SimulatorConfig(default=Behaviour(latency_ms=0, jitter_ms=0))
    config.set("ca_death", latency_ms=5)
    config.set("bank_cib", down=True)
    assert config.behaviour("ca_death").latency_ms == 5
    assert config.behaviour("ps_hukou").latency_ms == 0
    assert config.behaviour("bank_cib").down
    with pytest.raises(KeyError):
        config.set("nope", down=True)
    with pytest.raises(ValueError):
        Behaviour(error_rate=2)
    sim = AgencySimulator(city_index(city), config)
    try:
        described = {d["code"]: d["behaviour"] for d in sim.describe()}
        assert described["bank_cib"]["down"] is True and described["ca_death"]["latency_ms"] == 5
    finally:
        sim.stop()
