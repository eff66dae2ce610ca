"""The verification request workflow against the simulated agencies (real HTTP on loopback), with a
small generated city loaded into the test database. Runs on SQLite and on PostgreSQL.

Its fixtures are in tests/verification/conftest.py, its helpers in tests/helpers/verification.py.
"""

import datetime as dt
import threading

import pytest
from django.db import connection

from safetynet.simulated.agencies.manual import answer_request_file
from safetynet.simulated.agencies.testing import running_simulator
from safetynet.verification import services
from safetynet.verification.errors import NotFoundError, ServiceError
from safetynet.verification.models import (
    Conclusion,
    EventKind,
    QueryStatus,
    RequestStatus,
    SourceQuery,
    VerificationRequest,
)
from safetynet.verification.sources.catalog import SOURCES, Mode
from tests.helpers.verification import (
    answer_manual,
    open_and_dispatch,
    open_for,
)

# ================================================================== tests
pytestmark = pytest.mark.django_db


def test_open_dispatches_every_source(
    django_capture_on_commit_callbacks, agencies, caseworker, city_facts
):
    request = open_and_dispatch(django_capture_on_commit_callbacks, caseworker, city_facts.honest)
    assert request.number == f"HD-{dt.date.today().year}-000001"
    assert request.authorization_signed_by == city_facts.honest.head["name"]
    assert request.declared["household"]["number"] == city_facts.honest.number
    assert len(request.declared["persons"]) == len(city_facts.honest.members)
    queries = {q.source: q for q in request.queries.all()}
    assert set(queries) == set(SOURCES)
    for code, q in queries.items():
        if SOURCES[code].mode is Mode.AUTOMATIC:
            assert q.status == QueryStatus.ANSWERED, (code, q.error_code, q.error_message)
            assert q.attempts >= 1
        else:
            assert q.status == QueryStatus.PENDING
            assert q.exchange_file.name.endswith(".xlsx")
    assert request.status == RequestStatus.AWAITING_MANUAL
    # The hukou source knows every member.
    found = {r["id_number"] for r in queries["ps_hukou"].records}
    assert found == {p["id_number"] for p in city_facts.honest.members}
    kinds = list(request.events.values_list("kind", flat=True))
    assert kinds[0] == EventKind.OPENED and EventKind.DISPATCHED in kinds


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"authorization_scan": None}, "authorization_missing"),
        ({"signed_by": "不是家庭成员"}, "authorization_signer_not_member"),
        ({"signed_on": dt.date.today() + dt.timedelta(days=1)}, "authorization_signed_in_future"),
        ({"month": "2020-13"}, "invalid_month"),
        ({"program": "nothing"}, "invalid_program"),
    ],
)
def test_open_refused_without_a_valid_authorization(
    django_capture_on_commit_callbacks, caseworker, city_facts, change, code
):
    with pytest.raises(ServiceError) as err, django_capture_on_commit_callbacks() as callbacks:
        open_for(caseworker, city_facts.honest, **change)
    assert err.value.code == code
    assert not callbacks
    assert not VerificationRequest.objects.exists()
    assert not SourceQuery.objects.exists()


def test_open_outside_jurisdiction_is_not_found(caseworker, city_facts):
    street = city_facts.honest.division[:9]
    other = next(c for c in (city_facts.wage, city_facts.deposit) if c.division[:9] != street)
    with pytest.raises(NotFoundError):
        open_for(caseworker, other)


def test_roles_without_a_need_cannot_open(users, city_db, city_facts):
    for role in ("city_admin", "auditor", "district_approver"):
        with pytest.raises(ServiceError) as err:
            open_for(users[role], city_facts.honest)
        assert err.value.code in ("not_permitted", "not_found")


def test_signer_by_name_or_id_number(django_capture_on_commit_callbacks, caseworker, city_facts):
    head = city_facts.honest.head
    r1 = open_for(caseworker, city_facts.honest, signed_by=head["name"])
    r2 = open_for(caseworker, city_facts.honest, signed_by=head["id_number"])
    assert r1.authorization_signed_by == r2.authorization_signed_by == head["name"]
    assert r2.number.endswith("000002")


def test_down_source_leaves_request_complete_and_report_incomplete(
    django_capture_on_commit_callbacks, agency_city, settings, caseworker, city_facts
):
    with running_simulator(agency_city, per_source={"bank_icbc": {"down": True}}) as sim:
        settings.AGENCIES_URL = sim.url
        request = open_and_dispatch(
            django_capture_on_commit_callbacks, caseworker, city_facts.honest
        )
        answer_manual(caseworker, request, agency_city)
    icbc = request.queries.get(source="bank_icbc")
    assert icbc.status == QueryStatus.UNAVAILABLE
    assert icbc.attempts == 3  # one try and two retries
    others = request.queries.exclude(source="bank_icbc")
    assert set(others.values_list("status", flat=True)) == {QueryStatus.ANSWERED}
    request.refresh_from_db()
    assert request.status == RequestStatus.READY
    report = services.verification_report_build(actor=caseworker, request_id=request.pk)
    assert report.conclusion == Conclusion.INCOMPLETE
    assert report.figures["missing_sources"] == ["bank_icbc"]
    assert "中国工商银行存款信息" in report.reasons[0]


def test_retry_a_source(
    django_capture_on_commit_callbacks, agency_city, settings, caseworker, city_facts
):
    with running_simulator(agency_city, per_source={"ps_vehicles": {"down": True}}) as sim:
        settings.AGENCIES_URL = sim.url
        request = open_and_dispatch(
            django_capture_on_commit_callbacks, caseworker, city_facts.honest
        )
    q = request.queries.get(source="ps_vehicles")
    assert q.status == QueryStatus.UNAVAILABLE
    with running_simulator(agency_city) as sim:
        settings.AGENCIES_URL = sim.url
        with django_capture_on_commit_callbacks(execute=True):
            services.verification_source_retry(actor=caseworker, query_id=q.pk)
    q.refresh_from_db()
    assert q.status == QueryStatus.ANSWERED
    assert q.attempts == 4
    with pytest.raises(ServiceError) as err:
        services.verification_source_retry(actor=caseworker, query_id=q.pk)
    assert err.value.code == "query_not_retryable"


def test_manual_round_trip(
    django_capture_on_commit_callbacks, agencies, agency_city, caseworker, city_facts
):
    request = open_and_dispatch(django_capture_on_commit_callbacks, caseworker, city_facts.honest)
    answer_manual(caseworker, request, agency_city, only={"tax"})
    request.refresh_from_db()
    assert request.status == RequestStatus.AWAITING_MANUAL
    tax = request.queries.get(source="tax")
    assert tax.status == QueryStatus.ANSWERED and tax.response_file
    with pytest.raises(ServiceError) as err:
        services.verification_report_build(actor=caseworker, request_id=request.pk)
    assert err.value.code == "sources_pending"
    answer_manual(caseworker, request, agency_city)
    request.refresh_from_db()
    assert request.status == RequestStatus.READY
    with pytest.raises(ServiceError) as err:  # answered: not twice
        services.verification_manual_response_import(
            actor=caseworker, query_id=tax.pk, filename="x.xlsx", content=b"x"
        )
    assert err.value.code == "query_not_pending"


def test_bad_response_file_writes_nothing(
    django_capture_on_commit_callbacks, agencies, agency_city, caseworker, city_facts
):
    from openpyxl import load_workbook

    request = open_and_dispatch(django_capture_on_commit_callbacks, caseworker, city_facts.honest)
    q = request.queries.get(source="securities")
    with q.exchange_file.open("rb") as fh:
        filename, content, _ = answer_request_file(city=agency_city, content=fh.read())
    # Corrupt one person's answer: a value that is not an amount.
    import io

    wb = load_workbook(io.BytesIO(content))
    ws = wb.worksheets[0]
    ws.cell(row=2, column=2).value = "350203000000000000"
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ServiceError) as err:
        services.verification_manual_response_import(
            actor=caseworker, query_id=q.pk, filename=filename, content=out.getvalue()
        )
    assert err.value.code == "response_file_invalid"
    assert any(p.row == 2 and p.field == "id_number" for p in err.value.problems)
    q.refresh_from_db()
    assert q.status == QueryStatus.PENDING and not q.response_file and q.records == []


def test_numbers_are_gapless_per_year(db):
    numbers = [services.number_next(series="HD", year=2020) for _ in range(3)]
    assert numbers == ["HD-2020-000001", "HD-2020-000002", "HD-2020-000003"]
    assert services.number_next(series="HD", year=2021) == "HD-2021-000001"


@pytest.mark.django_db(transaction=True)
def test_numbers_unique_under_concurrency():
    """Eight threads, each taking numbers in its own transactions, some rolled back: every
    committed number is unique and together they have no gap."""
    from django.db import close_old_connections, transaction

    taken: list[str] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    class Rollback(Exception):
        pass

    def work(i: int) -> None:
        try:
            for j in range(5):
                try:
                    with transaction.atomic():
                        n = services.number_next(series="HDT", year=2020)
                        if (i + j) % 4 == 0:
                            raise Rollback
                        with lock:
                            taken.append(n)
                except Rollback:
                    pass
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(taken) == len(set(taken)) == 30
    assert sorted(taken) == [f"HDT-2020-{k:06d}" for k in range(1, 31)]
