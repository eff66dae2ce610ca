"""Connectors: retries, timeouts, unavailability and concurrency, against the real simulator."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from safetynet.simulated.agencies.server import _draws
from safetynet.simulated.agencies.testing import running_simulator, small_city
from safetynet.verification.sources.catalog import SOURCES, automatic_sources, bank_sources
from safetynet.verification.sources.connectors import (
    DEFAULT_AGENCIES_URL,
    AnswerStatus,
    HttpSourceConnector,
    SourceAnswer,
    query_automatic_sources,
)

ASK = {"purpose": "dibao application", "authorization_ref": "AUTH-2020-1"}


@pytest.fixture(scope="session")
def city(tmp_path_factory) -> Path:
    return small_city(tmp_path_factory.getbasetemp() / "agency-city")


@pytest.fixture(scope="module")
def sim(city):
    with running_simulator(city) as s:
        yield s


@pytest.fixture(scope="module")
def persons(city) -> list[dict]:
    return pq.read_table(city / "persons.parquet").to_pylist()


def no_sleep(_s: float) -> None:
    pass


def test_answered_records(sim, persons):
    ids = [p["id_number"] for p in persons[:10]]
    a = HttpSourceConnector("ps_hukou", sim.url).query(request_id="C-1", id_numbers=ids, **ASK)
    assert isinstance(a, SourceAnswer)
    assert a.status is AnswerStatus.ANSWERED and a.ok and a.attempts == 1 and not a.error_code
    assert sorted(r["id_number"] for r in a.records) == sorted(ids)
    assert a.answered_at and a.elapsed_ms >= 0
    assert a.as_dict()["status"] == "answered"
    json.dumps(a.as_dict())  # storable as is in SourceQuery.records


def test_an_honest_household_is_found_as_declared(sim, city):
    """A clean household: what the agencies say equals what the family declared."""
    truth = set(
        pq.read_table(city / "ground_truth" / "discrepancies.parquet")["household_id"].to_pylist()
    )
    households = pq.read_table(city / "households.parquet").to_pylist()
    persons = pq.read_table(city / "persons.parquet").to_pylist()
    members: dict[int, list[dict]] = {}
    for p in persons:
        members.setdefault(p["household_id"], []).append(p)
    hh = next(
        h
        for h in households
        if h["household_id"] not in truth
        and h["declared_vehicles"] > 0
        and h["declared_homes"] > 0
        and all(p["death_date"] is None for p in members[h["household_id"]])
    )
    people = members[hh["household_id"]]
    answers = query_automatic_sources(
        base_url=sim.url, request_id="HONEST-1", id_numbers=[p["id_number"] for p in people], **ASK
    )
    assert all(a.ok for a in answers.values()), {
        c: a.error_code for c, a in answers.items() if not a.ok
    }
    assert len(answers["ps_hukou"].records) == len(people)
    assert len(answers["ps_vehicles"].records) == hh["declared_vehicles"]
    assert len(answers["land_real_estate"].records) == hh["declared_homes"]
    assert len(answers["market_business"].records) == hh["declared_businesses"]
    assert answers["ca_death"].records == []
    wages = {p["id_number"]: p["income_wage_fen"] for p in people}
    for r in answers["hrss_employment"].records:
        assert r["monthly_wage_fen"] == wages[r["id_number"]]
    pensions = {r["id_number"]: r["monthly_amount_fen"] for r in answers["hrss_pensions"].records}
    for p in people:
        assert pensions.get(p["id_number"], 0) == p["income_pension_fen"]
    deposits = sum(r["balance_fen"] for b in bank_sources() for r in answers[b.code].records)
    securities = pq.read_table(city / "agencies" / "securities.parquet").to_pylist()
    held = sum(r["market_value_fen"] for r in securities if r["id_number"] in wages)
    assert deposits + held == hh["declared_financial_assets_fen"]


def test_error_rate_retries_then_unavailable_without_raising(city, persons):
    with running_simulator(city, error_rate=1.0) as sim:
        c = HttpSourceConnector("ps_vehicles", sim.url, retries=2, backoff_s=0.01)
        a = c.query(request_id="E-1", id_numbers=[persons[0]["id_number"]], **ASK)
        assert a.status is AnswerStatus.UNAVAILABLE
        assert a.attempts == 3 and sim.requests["ps_vehicles"] == 3
        assert a.error_code == "simulated_error" and a.records == []


def test_a_retry_that_succeeds(city, persons):
    # the first request id whose first attempt fails and second succeeds at a 50% error rate
    rid = next(
        f"RETRY-{i}"
        for i in range(1000)
        if _draws(0, "ps_vehicles", f"RETRY-{i}", 1)[1]
        < 0.5
        <= _draws(0, "ps_vehicles", f"RETRY-{i}", 2)[1]
    )
    with running_simulator(city, error_rate=0.5) as sim:
        a = HttpSourceConnector("ps_vehicles", sim.url, backoff_s=0.01).query(
            request_id=rid, id_numbers=[persons[0]["id_number"]], **ASK
        )
        assert a.status is AnswerStatus.ANSWERED and a.attempts == 2


def test_timeouts_retry_then_unavailable(city, persons):
    with running_simulator(city, timeout_rate=1.0, hang_s=5) as sim:
        slept: list[float] = []
        c = HttpSourceConnector(
            "ca_death", sim.url, timeout_s=0.2, retries=1, backoff_s=0.05, sleep=slept.append
        )
        a = c.query(request_id="TO-1", id_numbers=[persons[0]["id_number"]], **ASK)
        assert (
            a.status is AnswerStatus.UNAVAILABLE and a.error_code == "timeout" and a.attempts == 2
        )
        assert slept == [0.05]  # one backoff between the two attempts
        assert a.elapsed_ms >= 400


def test_backoff_is_exponential(city, persons):
    with running_simulator(city, per_source={"ps_hukou": {"down": True}}) as sim:
        slept: list[float] = []
        c = HttpSourceConnector("ps_hukou", sim.url, retries=3, backoff_s=0.1, sleep=slept.append)
        a = c.query(request_id="B-1", id_numbers=[persons[0]["id_number"]], **ASK)
        assert a.status is AnswerStatus.UNAVAILABLE and a.error_code == "source_down"
        assert slept == [0.1, 0.2, 0.4]


def test_connection_refused_is_unavailable():
    c = HttpSourceConnector("ps_hukou", "http://127.0.0.1:9", retries=1, sleep=no_sleep)
    a = c.query(request_id="X", id_numbers=["350203199001011232"], **ASK)
    assert (
        a.status is AnswerStatus.UNAVAILABLE
        and a.error_code == "connection_error"
        and a.attempts == 2
    )


def test_4xx_is_not_retried(sim, persons):
    good = persons[0]["id_number"]
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    before = sim.requests["hrss_pensions"]
    a = HttpSourceConnector("hrss_pensions", sim.url, retries=3, sleep=no_sleep).query(
        request_id="4XX", id_numbers=[good, bad], **ASK
    )
    assert a.status is AnswerStatus.FAILED and a.attempts == 1
    assert a.error_code == "invalid_id_number" and bad in a.error_message
    assert sim.requests["hrss_pensions"] == before + 1


def test_no_authorization_no_query(sim, persons):
    before = sum(sim.requests.values())
    a = HttpSourceConnector("ps_hukou", sim.url).query(
        request_id="NA", purpose="p", authorization_ref=" ", id_numbers=[persons[0]["id_number"]]
    )
    assert (
        a.status is AnswerStatus.FAILED
        and a.error_code == "missing_authorization"
        and a.attempts == 0
    )
    assert sum(sim.requests.values()) == before


def test_manual_source_has_no_http_connector():
    with pytest.raises(ValueError):
        HttpSourceConnector("tax", "http://127.0.0.1:1")


def test_base_url_from_environment(monkeypatch):
    monkeypatch.delenv("SAFETYNET_AGENCIES_URL", raising=False)
    assert HttpSourceConnector("ps_hukou").base_url == DEFAULT_AGENCIES_URL
    monkeypatch.setenv("SAFETYNET_AGENCIES_URL", "http://127.0.0.1:9999/")
    assert HttpSourceConnector("ps_hukou").url == "http://127.0.0.1:9999/v1/sources/ps_hukou/query"


def test_a_down_source_does_not_fail_the_others(city, persons):
    ids = [persons[0]["id_number"], persons[1]["id_number"]]
    with running_simulator(
        city, per_source={"bank_icbc": {"down": True}, "ca_marriage": {"error_rate": 1.0}}
    ) as sim:
        seen: list[str] = []
        answers = query_automatic_sources(
            base_url=sim.url,
            request_id="DOWN-1",
            id_numbers=ids,
            backoff_s=0.01,
            on_answer=lambda a: seen.append(a.source),
            **ASK,
        )
    assert list(answers) == [s.code for s in automatic_sources()]
    assert sorted(seen) == sorted(answers)
    assert answers["bank_icbc"].status is AnswerStatus.UNAVAILABLE
    assert answers["ca_marriage"].status is AnswerStatus.UNAVAILABLE
    assert all(a.ok for c, a in answers.items() if c not in {"bank_icbc", "ca_marriage"})


def test_sources_are_queried_concurrently(city, persons):
    eight = [s.code for s in automatic_sources()][:8]
    with running_simulator(city, latency_ms=200) as sim:
        answers = query_automatic_sources(
            base_url=sim.url,
            request_id="CONC-1",
            id_numbers=[persons[0]["id_number"]],
            sources=eight,
            **ASK,
        )
        assert sim.max_in_flight >= 2  # structural: several sources were in flight at once
    assert all(a.ok for a in answers.values()) and list(answers) == eight
    assert all(a.elapsed_ms >= 150 for a in answers.values())


class _Liar(BaseHTTPRequestHandler):
    """An agency answering outside its contract."""

    payloads: dict[str, object] = {}

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        code = self.path.split("/")[3]
        body = json.dumps(self.payloads[code]).encode() if code != "ca_death" else b"<html>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_answers_outside_the_contract_fail(persons):
    rid, pid = "LIE-1", persons[0]["id_number"]
    _Liar.payloads = {
        "ps_vehicles": {
            "source": "ps_vehicles",
            "request_id": rid,
            "records": [{"id_number": pid, "plate": 1}],
        },
        "hrss_pensions": {"source": "hrss_pensions", "request_id": "other", "records": []},
        "housing_fund": {
            "source": "housing_fund",
            "request_id": rid,
            "records": [{"id_number": "x"}],
        },
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Liar)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        for code in ("ps_vehicles", "hrss_pensions", "housing_fund", "ca_death"):
            a = HttpSourceConnector(SOURCES[code], url, sleep=no_sleep).query(
                request_id=rid, id_numbers=[pid], **ASK
            )
            assert (
                a.status is AnswerStatus.FAILED
                and a.error_code == "bad_response"
                and a.attempts == 1
            ), code
    finally:
        server.shutdown()
        server.server_close()
