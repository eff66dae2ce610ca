"""Helpers of the verification tests (the fixtures are in tests/verification/conftest.py): the
small generated city's facts, loading its households, opening and answering requests."""

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.color import no_style
from django.db import connection

from safetynet.accounts.models import Role, User
from safetynet.registry.models import Division, Enrolment, Household, Membership, Person
from safetynet.registry.services import persons_follow_household
from safetynet.simulated.agencies.manual import answer_request_file
from safetynet.verification import services
from safetynet.verification.models import (
    QueryStatus,
    Report,
    VerificationRequest,
)
from safetynet.verification.sources.catalog import SOURCES, Mode

COUNTED = ("wage_fen", "business_fen", "pension_fen", "property_fen", "transfer_fen")
PDF_MAGIC = b"%PDF-"


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


def read_city_facts(directory: Path) -> CityFacts:
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
    persons_follow_household(p["person_id"] for p in persons)  # as the loader does (ADR 0751)
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
    # rows were written with the city's own ids: move PostgreSQL's sequences past them, so that a
    # test creating more households or persons afterwards gets fresh ids
    statements = connection.ops.sequence_reset_sql(
        no_style(), [Household, Person, Membership, Enrolment]
    )
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def street_user(username: str, role: Role, division: str) -> User:
    return User.objects.create_user(
        username=username, password="pass-for-tests-1", role=role, jurisdiction_id=division
    )


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
