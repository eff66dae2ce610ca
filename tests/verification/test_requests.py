"""The verification request workflow against the simulated agencies (real HTTP on loopback), with a
small generated city loaded into the test database. Runs on SQLite and on PostgreSQL.

The fixtures of this module are shared by test_report, test_access_log and test_views.
"""

import datetime as dt
import threading
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from safetynet.accounts.models import Role, User
from safetynet.registry.models import Division, Enrolment, Household, Membership, Person
from safetynet.verification import services
from safetynet.verification.errors import NotFoundError, ServiceError
from safetynet.verification.models import (
    Conclusion,
    EventKind,
    QueryStatus,
    Report,
    RequestStatus,
    SourceQuery,
    VerificationRequest,
)
from safetynet.verification.simulator.manual import answer_request_file
from safetynet.verification.simulator.testing import running_simulator, small_city
from safetynet.verification.sources.catalog import SOURCES, Mode

COUNTED = ("wage_fen", "business_fen", "pension_fen", "property_fen", "transfer_fen")
PDF_MAGIC = b"%PDF-"


# ================================================================== fixtures (shared)
@dataclass
class CityHousehold:
    household_id: int
    number: str
    division: str
    members: list[dict]  # persons.parquet rows of the living members
    household: dict  # households.parquet row
    planted: dict | None = None  # ground-truth row

    @property
    def declared_income(self) -> dict[int, dict[str, int]]:
        return {
            p["person_id"]: {k: p[f"income_{k}"] for k in COUNTED if p[f"income_{k}"]}
            for p in self.members
        }

    @property
    def declared_assets(self) -> dict[str, int]:
        h = self.household
        return {
            "financial_assets_fen": h["declared_financial_assets_fen"],
            "vehicles": h["declared_vehicles"],
            "homes": h["declared_homes"],
            "businesses": h["declared_businesses"],
            "medical_oop_12m_fen": h["medical_oop_12m_fen"],
        }

    @property
    def declared_counted_income(self) -> int:
        return sum(p[f"income_{k}"] for p in self.members for k in COUNTED)

    @property
    def head(self) -> dict:
        return next(p for p in self.members if p["relation"] == "head")


@dataclass
class CityFacts:
    directory: Path
    honest: CityHousehold  # a dibao household with nothing planted, eligible on its declaration
    wage: CityHousehold  # an undeclared wage planted
    deposit: CityHousehold  # an undeclared bank deposit planted
    loaded: set[int]  # the households the tests load: these three and every recipient household


RECIPIENT_CATEGORIES = {"dibao", "tekun", "low_income", "illness_poverty"}
STANDARD_2020 = 80_000  # dibao standard from 2019-07-01, fen (POLICY §3)


def _facts(directory: Path) -> CityFacts:
    persons = pq.read_table(directory / "persons.parquet").to_pylist()
    households = {
        h["household_id"]: h for h in pq.read_table(directory / "households.parquet").to_pylist()
    }
    enrolments = pq.read_table(directory / "enrolments.parquet").to_pylist()
    truth = pq.read_table(directory / "ground_truth" / "discrepancies.parquet").to_pylist()
    by_household: dict[int, list[dict]] = {}
    for p in persons:
        by_household.setdefault(p["household_id"], []).append(p)

    def make(hid: int, planted=None) -> CityHousehold:
        h = households[hid]
        alive = [p for p in by_household[hid] if p["death_date"] is None]
        return CityHousehold(hid, h["household_number"], h["division_code"], alive, h, planted)

    planted_ids = {t["household_id"] for t in truth}
    dibao = sorted(
        {e["household_id"] for e in enrolments if e["category"] == "dibao" and not e["end_date"]}
    )
    honest = None
    for hid in dibao:
        c = make(hid)
        n = len(c.members)
        h = c.household
        if (
            hid not in planted_ids
            and n >= 2
            and len(c.members) == len(by_household[hid])
            and all(p["hukou_xiamen"] for p in c.members)
            and c.declared_counted_income < STANDARD_2020 * n
            and h["declared_financial_assets_fen"] > 0
            and h["declared_financial_assets_fen"] <= 48 * STANDARD_2020 * n
            and h["declared_vehicles"] == 0
            and h["declared_homes"] <= 1
            and h["declared_businesses"] == 0
        ):
            honest = c
            break
    assert honest is not None, "the test city has no clean dibao household"
    wage = next(t for t in truth if t["kind"] == "undeclared_wage")
    deposit = next(t for t in truth if t["kind"] == "undeclared_deposit")
    return CityFacts(
        directory,
        honest,
        make(wage["household_id"], wage),
        make(deposit["household_id"], deposit),
        {e["household_id"] for e in enrolments if e["category"] in RECIPIENT_CATEGORIES}
        | {honest.household_id, wage["household_id"], deposit["household_id"]},
    )


@pytest.fixture(scope="session")
def agency_city(tmp_path_factory) -> Path:
    return small_city(tmp_path_factory.getbasetemp() / "agency-city")


@pytest.fixture(scope="session")
def city_facts(agency_city) -> CityFacts:
    return _facts(agency_city)


@pytest.fixture(scope="module")
def simulator(agency_city):
    with running_simulator(agency_city) as sim:
        yield sim


@pytest.fixture
def agencies(simulator, settings):
    settings.AGENCIES_URL = simulator.url
    return simulator


def load_households(directory: Path, household_ids: set[int]) -> None:
    """Part of the generated city in the registry, through the ORM (the bulk loader wants an
    empty registry and its own transaction): the divisions, and these households with their
    members and enrolments, keeping the city's person and household ids."""
    divisions = pq.read_table(directory / "divisions.parquet").to_pylist()
    have = set(Division.objects.values_list("code", flat=True))
    for d in sorted(divisions, key=lambda d: (len(d["code"]), d["code"])):
        if d["code"] not in have:
            Division.objects.create(
                code=d["code"],
                name=d["name"],
                level=d["level"],
                parent_id=d["parent_code"],
                is_synthetic=d["is_synthetic"],
                valid_from=d["valid_from"],
                valid_to=d["valid_to"],
                table_version=d["table_version"],
            )
    households = [
        h
        for h in pq.read_table(directory / "households.parquet").to_pylist()
        if h["household_id"] in household_ids
    ]
    persons = [
        p
        for p in pq.read_table(directory / "persons.parquet").to_pylist()
        if p["household_id"] in household_ids
    ]
    Household.objects.bulk_create(
        Household(
            id=h["household_id"],
            number=h["household_number"],
            division_id=h["division_code"],
            address=h["address"] or "",
            is_rural=h["is_rural"],
        )
        for h in households
    )
    Person.objects.bulk_create(
        Person(
            id=p["person_id"],
            id_number=p["id_number"],
            name=p["name"],
            sex=p["sex"],
            birth_date=p["birth_date"],
            hukou_division_id=p["hukou_division"],
            disability_grade=p["disability_grade"],
            disability_kind=p["disability_kind"] or "",
            death_date=p["death_date"],
        )
        for p in persons
    )
    Membership.objects.bulk_create(
        Membership(
            person_id=p["person_id"],
            household_id=p["household_id"],
            relation=p["relation"],
            start_date=p["membership_start"],
            end_date=p["death_date"],
        )
        for p in persons
    )
    Enrolment.objects.bulk_create(
        Enrolment(
            person_id=e["person_id"],
            household_id=e["household_id"],
            category=e["category"],
            start_date=e["start_date"],
            end_date=e["end_date"],
            legal_basis=e["legal_basis"],
        )
        for e in pq.read_table(directory / "enrolments.parquet").to_pylist()
        if e["household_id"] in household_ids
    )


@pytest.fixture
def city_db(users, agency_city, city_facts):
    """The recipient households of the generated city (and the three test households) in the
    registry, after the shared division fixtures."""
    load_households(agency_city, city_facts.loaded)
    return agency_city


def street_user(username: str, role: Role, division: str) -> User:
    return User.objects.create_user(
        username=username, password="pass-for-tests-1", role=role, jurisdiction_id=division
    )


@pytest.fixture
def caseworker(city_db, city_facts) -> User:
    """The street officer of the honest household's street."""
    return street_user("caseworker", Role.STREET_OFFICER, city_facts.honest.division[:9])


@pytest.fixture
def operator(users, city_db) -> User:
    return users["verification_operator"]


def scan() -> SimpleUploadedFile:
    return SimpleUploadedFile("授权书.pdf", b"%PDF-1.4 signed authorization", "application/pdf")


def open_for(actor, c: CityHousehold, *, program="dibao", purpose="periodic_review", **kw):
    args = {
        "actor": actor,
        "household_id": c.household_id,
        "purpose": purpose,
        "program": program,
        "month": "2020-06",
        "authorization_scan": scan(),
        "signed_by": c.head["person_id"],
        "signed_on": dt.date(2020, 6, 1),
        "declared_income": c.declared_income,
        "declared_assets": c.declared_assets,
    }
    args.update(kw)
    return services.verification_request_open(**args)


def open_and_dispatch(capture, actor, c: CityHousehold, **kw) -> VerificationRequest:
    with capture(execute=True):
        request = open_for(actor, c, **kw)
    request.refresh_from_db()
    return request


def answer_manual(actor, request: VerificationRequest, city: Path, only=None) -> None:
    """Play the agency: fill each pending manual source's request file and import the answer."""
    for q in request.queries.filter(status=QueryStatus.PENDING, superseded=False):
        if SOURCES[q.source].mode is not Mode.MANUAL or (only and q.source not in only):
            continue
        with q.exchange_file.open("rb") as fh:
            filename, content, _ = answer_request_file(city=city, content=fh.read())
        services.verification_manual_response_import(
            actor=actor, query_id=q.pk, filename=filename, content=content
        )


def full_report(capture, actor, c: CityHousehold, city: Path, **kw) -> Report:
    request = open_and_dispatch(capture, actor, c, **kw)
    answer_manual(actor, request, city)
    return services.verification_report_build(actor=actor, request_id=request.pk)


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
