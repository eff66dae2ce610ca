"""The funeral homes' API (ADR 1131): a home records a cremation with its own key and gets the
fees waived at once; stable error codes that change nothing; replays; only its own records; the
monthly reimbursement through the ledger and a bank file; the simulated home over real HTTP.

Hand-computed (fee schedule default-to-confirm): transport 400 + pickup 100 + cremation 500 +
refrigeration 150 + urn 300 = 1,450.00 yuan; split 50 % city, 50 % district: 725.00 each; a sea
burial 600.00 (300.00 / 300.00)."""

import datetime as dt
import json

import pytest
from stdnum.cn import ric

from safetynet.funds.models import JournalEntry
from safetynet.funerals import homes
from safetynet.funerals.models import DeathReport, FuneralService, FuneralStatement
from safetynet.payments import bank_format
from safetynet.simulated.funeral_homes.client import record_body
from tests.helpers.institutions import issue_key, key_header, make_institution

pytestmark = pytest.mark.django_db
URL = "/api/funeral-homes/services/"
ALL = ["body_transport", "pickup", "cremation", "refrigeration", "urn"]
NOBODY = "11010519900101123" + ric.calc_check_digit("110105199001011230")


@pytest.fixture
def home(users):
    return make_institution("F350203001", "funeral_home", name="厦门市殡仪馆")


@pytest.fixture
def home_key(home):
    return key_header(issue_key(home))


@pytest.fixture
def other_key(users):
    return key_header(issue_key(make_institution("F350206002", "funeral_home", division="350206")))


def post(client, body, headers):
    return client.post(URL, data=json.dumps(body), content_type="application/json", **headers)


def body(person, number="BZ-1", **kw):
    kw.setdefault("death_date", dt.date(2024, 3, 5))
    return record_body(number, person.id_number, kw.pop("death_date"), **kw)


def test_cremation_waives_the_fees_provided_and_reports_the_death(client, home_key, registry):
    person = registry.zhang_wei
    r = post(client, body(person, fees=["cremation", "urn", "pickup"]), home_key)
    assert r.status_code == 201, r.content
    out = r.json()
    assert (out["eligible"], out["reason"]) == (True, "ELIGIBLE")
    assert out["waived"] == {"cremation": 50_000, "pickup": 10_000, "urn": 30_000}
    assert out["waived_fen"] == 90_000 and out["not_waived"] == []
    # the registry did not hold the death: the street officer gets it to confirm
    assert out["death_reported"] is True
    report = DeathReport.objects.get()
    assert (report.person_id, report.source, report.death_date) == (
        person.pk, "funeral_home", dt.date(2024, 3, 5),
    )  # fmt: skip
    person.refresh_from_db()
    assert person.death_date is None
    again = post(client, body(person, fees=["cremation", "urn", "pickup"]), home_key)
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert FuneralService.objects.count() == 1 and DeathReport.objects.count() == 1


def test_refusals_are_answered_with_the_reason(client, home_key, registry):
    p = registry.zhang_wei
    r = post(client, body(p, "BZ-1", died_in_xiamen=False, fees=ALL), home_key).json()
    assert (r["eligible"], r["reason"], r["waived_fen"]) == (False, "DIED_OUTSIDE_XIAMEN", 0)
    assert r["not_waived"] == sorted(ALL)
    r = post(client, body(p, "BZ-2", other_funeral_subsidy=True, fees=ALL), home_key).json()
    assert r["reason"] == "HAS_OTHER_FUNERAL_SUBSIDY"
    r = post(client, body(p, "BZ-3", fees=ALL), home_key).json()
    assert (r["eligible"], r["waived_fen"]) == (True, 145_000)
    # one exemption per person, at whichever home
    r = post(client, body(p, "BZ-4", fees=ALL), home_key).json()
    assert (r["eligible"], r["reason"]) == (False, "ALREADY_EXEMPTED")
    sea = post(client, body(p, "BZ-5", kind="sea_burial"), home_key).json()
    assert (sea["eligible"], sea["waived"]) == (True, {"sea_burial": 60_000})


@pytest.mark.parametrize(
    "mutate, status, code, field",
    [
        (lambda b: {**b, "id_number": NOBODY}, 422, "unknown_person", "id_number"),
        (lambda b: {**b, "id_number": "35020319800101001"}, 400, "id_number_invalid", "id_number"),
        (lambda b: {**b, "fees": ["coffin"]}, 400, "fees_invalid", "fees"),
        (lambda b: {**b, "fees": []}, 400, "fees_invalid", "fees"),
        (lambda b: {**b, "death_date": "2024-02-30"}, 400, "date_invalid", "death_date"),
        (lambda b: {**b, "service_date": "2024-03-01"}, 400, "date_invalid", "service_date"),
        (lambda b: {**b, "died_in_xiamen": "yes"}, 400, "request_malformed", "died_in_xiamen"),
        (lambda b: {**b, "kind": "burial"}, 400, "kind_invalid", "kind"),
        (lambda b: {**b, "record_number": "BZ-1", "fees": ["urn"]}, 409,
         "record_number_conflict", "record_number"),
    ],
)  # fmt: skip
def test_bad_input_has_a_stable_code_and_changes_nothing(
    client, home_key, registry, mutate, status, code, field
):
    post(client, body(registry.zhang_wei, "BZ-1", fees=ALL), home_key)
    before = (FuneralService.objects.count(), DeathReport.objects.count())
    r = post(client, mutate(body(registry.zhang_wei, "BZ-2", fees=ALL)), home_key)
    assert r.status_code == status, r.content
    assert (r.json()["code"], r.json()["field"]) == (code, field)
    assert (FuneralService.objects.count(), DeathReport.objects.count()) == before


def test_death_date_must_match_the_registry(client, home_key, registry, users):
    from safetynet.registry.services import person_record_death

    person_record_death(
        actor=users["street_officer"], person=registry.zhang_wei, death_date=dt.date(2024, 3, 4)
    )
    r = post(client, body(registry.zhang_wei, fees=ALL), home_key)
    assert (r.status_code, r.json()["code"]) == (422, "death_date_mismatch")
    r = post(client, body(registry.zhang_wei, death_date=dt.date(2024, 3, 4), fees=ALL), home_key)
    assert r.status_code == 201 and r.json()["death_reported"] is False


def test_keys_kinds_and_own_records(client, home_key, other_key, registry, users):
    assert post(client, body(registry.zhang_wei, fees=ALL), {}).status_code == 401
    bad = {"HTTP_AUTHORIZATION": "ApiKey snk_nope_nope"}
    assert post(client, body(registry.zhang_wei, fees=ALL), bad).status_code == 401
    hospital = key_header(issue_key(make_institution("H350203009", "hospital")))
    assert post(client, body(registry.zhang_wei, fees=ALL), hospital).status_code == 403
    post(client, body(registry.zhang_wei, fees=ALL), home_key)
    assert client.get(f"{URL}BZ-1/", **home_key).json()["waived_fen"] == 145_000
    assert client.get(f"{URL}BZ-1/", **other_key).status_code == 404
    # a staff login does not open the institutions' API
    client.force_login(users["city_admin"])
    assert client.get(f"{URL}BZ-1/").status_code == 401


def test_in_the_openapi_schema(client):
    schema = client.get("/api/schema/?format=json").json()
    assert "/api/funeral-homes/services/" in schema["paths"]
    op = schema["paths"]["/api/funeral-homes/services/"]["post"]
    assert {"institutionApiKey": []} in op["security"]
    assert {"201", "400", "409", "422"} <= set(op["responses"])


def test_monthly_reimbursement_through_the_ledger_and_a_bank_file(
    client, home_key, registry, users
):
    post(client, body(registry.zhang_wei, "BZ-1", fees=ALL), home_key)
    post(client, body(registry.zhang_wei, "BZ-2", kind="sea_burial"), home_key)
    admin = users["city_admin"]
    with pytest.raises(homes.FuneralError) as exc:
        homes.funeral_statements_make(actor=admin, month="2024-03", today=dt.date(2024, 3, 20))
    assert exc.value.code == "date_invalid"
    [st] = homes.funeral_statements_make(actor=admin, month="2024-03", today=dt.date(2024, 4, 2))
    # 1,450.00 + 600.00 = 2,050.00; city 1,025.00, district 1,025.00
    assert (st.services_count, st.amount_fen, st.city_fen, st.district_fen) == (
        2, 205_000, 102_500, 102_500,
    )  # fmt: skip
    entry = JournalEntry.objects.get(source=f"approval:funeral-statement:{st.pk}")
    legs = {p.account.code: p.amount_fen for p in entry.postings.all()}
    assert legs["Liabilities:Payable:FuneralExemption"] == -205_000
    assert legs["Expenses:Benefits:City:FuneralExemption"] == 102_500
    assert sum(legs.values()) == 0
    assert (
        homes.funeral_statements_make(actor=admin, month="2024-03", today=dt.date(2024, 4, 2)) == []
    )
    [f] = homes.reimbursement_file_make(actor=admin, month="2024-03", today=dt.date(2024, 4, 3))
    with f.file.open("rb") as fh:
        pf = bank_format.read_payment_file(fh.read())
    [line] = pf.rows
    assert (line.account, line.amount_fen) == (st.institution.account_number, 205_000)
    funding = JournalEntry.objects.get(source=f"funding:funerals:{f.reference}")
    legs = {p.account.code: p.amount_fen for p in funding.postings.all()}
    assert legs["Assets:Clearing:Bank"] == 205_000 and sum(legs.values()) == 0
    statements = "/api/funeral-homes/statements/"
    assert client.get(statements, **home_key).json()[0]["paid"] is False

    # the bank's answer: a failed line waits for the next file, then it is paid
    def answer(file, outcome):
        reason = "account_closed" if outcome == "failed" else ""
        row = bank_format.ResultRow(
            f"{file.reference}-{st.pk}", line.account, 205_000, outcome, reason,
            dt.date(2024, 4, 4),
        )  # fmt: skip
        rf = bank_format.ResultFile(file.reference, "102", dt.date(2024, 4, 4), [row])
        return bank_format.write_result_file(rf, "csv")

    assert homes.reimbursement_results_import(actor=admin, content=answer(f, "failed")) == (0, 1)
    [g] = homes.reimbursement_file_make(actor=admin, month="2024-03", today=dt.date(2024, 4, 5))
    assert homes.reimbursement_results_import(actor=admin, content=answer(g, "paid")) == (1, 0)
    paid = JournalEntry.objects.get(source=f"paid:funerals:{g.reference}")
    legs = {p.account.code: p.amount_fen for p in paid.postings.all()}
    assert legs["Liabilities:Payable:FuneralExemption"] == 205_000
    assert client.get(statements, **home_key).json() == [
        {"month": "2024-03", "services_count": 2, "amount_fen": 205_000, "paid": True}
    ]
    with pytest.raises(homes.FuneralError):
        homes.reimbursement_file_make(actor=admin, month="2024-03", today=dt.date(2024, 4, 3))
    # only the city may
    from safetynet.core.errors import ServiceError

    with pytest.raises(ServiceError) as exc:
        homes.funeral_statements_make(actor=users["street_officer"], month="2024-04")
    assert exc.value.code == "not_permitted"
    assert FuneralStatement.objects.count() == 1


def test_the_home_reported_death_confirmed_no_second_exemption(client, home_key, registry, users):
    """The officer confirms the home's report: the death is recorded, and the funeral list does
    not propose the exemption the home already gave (the home is reimbursed)."""
    from safetynet.cases.dynamic_models import ProposalEntry
    from safetynet.funerals.services import death_report_confirm

    post(client, body(registry.zhang_wei, fees=ALL), home_key)
    report = DeathReport.objects.get()
    death_report_confirm(actor=users["street_officer"], report_id=report.pk)
    registry.zhang_wei.refresh_from_db()
    assert registry.zhang_wei.death_date == dt.date(2024, 3, 5)
    programs = set(
        ProposalEntry.objects.filter(person=registry.zhang_wei).values_list("program", flat=True)
    )
    assert "funeral_exemption" not in programs
