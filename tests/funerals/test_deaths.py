"""Deaths trigger (POLICY §3, §8, §10): a death an outside source reports is proposed to the
street officer; confirming it stops the personal benefits the month after, puts the funeral
grants on the no-application list and recovers what was paid after the death.

Hand-computed: the five basic fees 400 + 100 + 500 + 150 + 300 = 1,450.00 yuan; an entitled
person's grant 6 × the regular pension 1,500.00 = 9,000.00; a five elder's grant 6 × the
recorded subsidy 1,234.56 = 7,407.36 (ADR 0712)."""

import datetime as dt

import pytest

from safetynet.cases import proactive
from safetynet.cases.dynamic_models import Grant, ProposalEntry, ProposalList
from safetynet.core.errors import NotFoundError, ServiceError
from safetynet.funerals import selectors, services
from safetynet.funerals.models import DeathReport, DeathSource
from safetynet.payments.flow_models import Recovery
from safetynet.payments.services import amount_basis_record
from safetynet.registry.models import Enrolment
from safetynet.registry.services import person_record_death
from safetynet.verification.models import BatchRun, Finding
from tests.cases.test_dynamic import _batch_run_fields
from tests.helpers.dynamic import enrol
from tests.helpers.payroll_flow import add_line, make_payroll

pytestmark = pytest.mark.django_db

FEES = 145_000


def basis(family, **person):
    amount_basis_record(
        household_id=family.household.pk,
        valid_from="2024-01",
        situation={"persons": [{"id": family.head.pk, **person}]},
        source="manual",
        source_ref="测试",
    )


def entries_of(person) -> dict[str, int]:
    return {e.program: e.amount_fen for e in ProposalEntry.objects.filter(person=person)}


@pytest.fixture
def veteran(staff, family):
    """The head: a veteran with a regular pension of 1,500.00 a month, on dibao."""
    cw = staff["community_worker"]
    enrol(cw, family.head, "dibao", dt.date(2024, 1, 1), family.household)
    enrol(cw, family.head, "entitled_group", dt.date(2024, 1, 1), family.household)
    basis(family, entitled_kind="veteran", income={"entitled_pension_fen": 150_000})
    return family


def test_civil_affairs_death_proposed_confirmed_with_everything_that_follows(staff, veteran, clock):
    head = veteran.head
    # September's dibao line (400.00) was paid before the death of 20 August was known
    p = make_payroll("2025-09", prepared_by=staff["city_admin"], status="closed")
    late = add_line(p, person=head, household=veteran.household, amount_fen=40_000, status="paid")
    run = BatchRun.objects.create(**_batch_run_fields())
    Finding.objects.create(
        batch_run=run, household=veteran.household, person=head, kind="death",
        source="deaths", source_record="民政:2025-08-20",
        detail={"death_date": "2025-08-20", "reported_by": "民政"},
    )  # fmt: skip
    assert services.death_reports_from_findings(run) == 1
    assert services.death_reports_from_findings(run) == 0  # idempotent
    report = DeathReport.objects.get()
    assert (report.source, report.street_id) == (DeathSource.CIVIL_AFFAIRS, "350203002")
    # nothing is written into the registry before the officer confirms
    head.refresh_from_db()
    assert head.death_date is None
    preview = selectors.death_preview(report)
    assert sorted(preview["enrolments"]) == ["dibao", "entitled_group"]
    assert (preview["overpaid_months"], preview["overpaid_fen"]) == (["2025-09"], 40_000)

    services.death_report_confirm(actor=staff["street_officer"], report_id=report.pk)
    head.refresh_from_db()
    assert head.death_date == dt.date(2025, 8, 20)
    # benefits stop the month after: every enrolment ends on 31 August
    ends = set(Enrolment.objects.filter(person=head).values_list("end_date", flat=True))
    assert ends == {dt.date(2025, 8, 31)}
    # September's 400.00 is recovered
    assert [(r.line_id, r.amount_fen, r.reason_code) for r in Recovery.objects.all()] == [
        (late.pk, 40_000, "death")
    ]
    # the funeral list: the exemption 1,450.00 and the entitled group's 6 × 1,500.00
    assert entries_of(head) == {"funeral_exemption": FEES, "entitled_groups": 900_000}
    plist = ProposalList.objects.get(kind="funeral")
    proactive.proposal_list_confirm(actor=staff["street_officer"], list_id=plist.pk)
    grants = dict(Grant.objects.filter(person=head).values_list("program", "amount_fen"))
    assert grants == {"funeral_exemption": FEES, "entitled_groups": 900_000}


def test_disabled_serviceman_gets_no_funeral_grant(staff, family, clock):
    enrol(staff["community_worker"], family.head, "entitled_group", dt.date(2024, 1, 1))
    basis(family, entitled_kind="disabled_serviceman", income={"entitled_pension_fen": 150_000})
    person_record_death(
        actor=staff["street_officer"], person=family.head, death_date=dt.date(2025, 9, 3)
    )
    assert entries_of(family.head) == {"funeral_exemption": FEES}


def test_five_elder_grant_is_six_months_of_the_recorded_subsidy(staff, family, clock):
    enrol(staff["community_worker"], family.head, "five_elders", dt.date(2016, 1, 1))
    basis(family, income={"five_elder_subsidy_fen": 123_456})
    person_record_death(
        actor=staff["street_officer"], person=family.head, death_date=dt.date(2025, 9, 3)
    )
    assert entries_of(family.head) == {"funeral_exemption": FEES, "five_elders": 740_736}


def test_reject_needs_a_reason_and_leaves_the_registry(staff, veteran, clock):
    report, _ = services.death_report_file(
        person=veteran.head, death_date=dt.date(2025, 9, 1),
        source=DeathSource.CIVIL_AFFAIRS, source_ref="x-1",
    )  # fmt: skip
    so = staff["street_officer"]
    with pytest.raises(ServiceError) as exc:
        services.death_report_reject(actor=so, report_id=report.pk, reason=" ")
    assert exc.value.code == "death_report_reason_required"
    with pytest.raises(ServiceError) as exc:
        services.death_report_confirm(actor=staff["community_worker"], report_id=report.pk)
    assert exc.value.code == "not_permitted"
    with pytest.raises(NotFoundError):
        services.death_report_confirm(actor=staff["huli_officer"], report_id=report.pk)
    services.death_report_reject(actor=so, report_id=report.pk, reason="同名不同人")
    with pytest.raises(ServiceError) as exc:
        services.death_report_confirm(actor=so, report_id=report.pk)
    assert exc.value.code == "death_report_decided"
    veteran.head.refresh_from_db()
    assert veteran.head.death_date is None
    assert not Enrolment.objects.filter(end_date__isnull=False).exists()
    assert not ProposalEntry.objects.exists()


def test_the_officer_confirms_on_the_screen(staff, veteran, clock, client):
    report, _ = services.death_report_file(
        person=veteran.head, death_date=dt.date(2025, 9, 1),
        source=DeathSource.FUNERAL_HOME, source_ref="home-1:R1",
    )  # fmt: skip
    client.force_login(staff["street_officer"])
    page = client.get("/funerals/deaths/")
    assert page.status_code == 200
    text = page.content.decode()
    assert veteran.head.name in text and "2025-09" in text
    client.post(f"/funerals/deaths/{report.pk}/decide/", {"action": "confirm"})
    veteran.head.refresh_from_db()
    assert veteran.head.death_date == dt.date(2025, 9, 1)
    # the community worker sees the list but may not confirm
    client.force_login(staff["community_worker"])
    assert client.get("/funerals/deaths/?status=confirmed").status_code == 200
    other, _ = services.death_report_file(
        person=veteran.spouse, death_date=dt.date(2025, 9, 2),
        source=DeathSource.FUNERAL_HOME, source_ref="home-1:R2",
    )  # fmt: skip
    resp = client.post(f"/funerals/deaths/{other.pk}/decide/", {"action": "confirm"})
    assert resp.status_code == 403


def test_reported_deaths_list_sorts_filters_and_pages(staff, veteran, clock, client):
    """ADR 1033: the reported deaths on the list component."""
    for person, day, ref in ((veteran.head, 1, "R1"), (veteran.spouse, 2, "R2")):
        services.death_report_file(
            person=person, death_date=dt.date(2025, 9, day),
            source=DeathSource.FUNERAL_HOME, source_ref=f"home-1:{ref}",
        )  # fmt: skip
    client.force_login(staff["street_officer"])
    page = client.get("/funerals/deaths/")
    assert [r.person_id for r in page.context["list"].rows] == [veteran.spouse.pk, veteran.head.pk]
    assert page.context["list"].page.paginator.count == 2
    body = page.content.decode()
    assert 'data-testid="pager"' in body and 'aria-sort="descending"' in body
    page = client.get("/funerals/deaths/", {"sort": "death_date"})
    assert [r.person_id for r in page.context["list"].rows] == [veteran.head.pk, veteran.spouse.pk]
    page = client.get("/funerals/deaths/", {"q": veteran.spouse.name})
    assert [r.person_id for r in page.context["list"].rows] == [veteran.spouse.pk]
    page = client.get("/funerals/deaths/", {"division": "350206"})  # 湖里: outside, nothing
    assert (
        page.context["list"].page.paginator.count == 2
    )  # not a child of the jurisdiction: ignored


def test_funeral_home_death_confirmed_stops_recovers_and_proposes_the_grant(staff, family, clock):
    """A death a funeral home reports (its API): proposed to the officer with what follows;
    confirmed, the benefits stop the month after, the month paid after the death is recovered
    and the five elder's grant goes on the funeral list — not the exemption, which the home
    recorded and is reimbursed for."""
    from safetynet.funerals import homes
    from safetynet.simulated.funeral_homes.client import record_body
    from tests.helpers.institutions import make_institution

    head = family.head
    cw = staff["community_worker"]
    enrol(cw, head, "dibao", dt.date(2024, 1, 1), family.household)
    enrol(cw, head, "five_elders", dt.date(2016, 1, 1), family.household)
    basis(family, income={"five_elder_subsidy_fen": 100_000})
    p = make_payroll("2025-09", prepared_by=staff["city_admin"], status="closed")
    late = add_line(p, person=head, household=family.household, amount_fen=40_000, status="paid")
    home = make_institution("F350203009", "funeral_home")
    out = homes.funeral_service_record(
        institution=home, data=record_body("BZ-9", head.id_number, dt.date(2025, 8, 20))
    )
    assert out.service.eligible and out.death_reported
    report = DeathReport.objects.get()
    assert report.source == DeathSource.FUNERAL_HOME
    preview = selectors.death_preview(report)
    assert (preview["stop_after"], preview["overpaid_fen"]) == ("2025-08", 40_000)
    head.refresh_from_db()
    assert head.death_date is None and not ProposalEntry.objects.exists()
    services.death_report_confirm(actor=staff["street_officer"], report_id=report.pk)
    ends = set(Enrolment.objects.filter(person=head).values_list("end_date", flat=True))
    assert ends == {dt.date(2025, 8, 31)}
    assert [(r.line_id, r.amount_fen) for r in Recovery.objects.all()] == [(late.pk, 40_000)]
    # 6 × 1,000.00 = 6,000.00; the exemption was the home's
    assert entries_of(head) == {"five_elders": 600_000}
    assert not Grant.objects.exists()  # proposed, not granted, until the officer confirms


def test_death_recorded_late_in_the_registry_recovers_the_months_after(staff, family, clock):
    """A death the officer records in the registry after two more months were paid: both are
    recovered, the enrolment ends with the month of death, the grants are proposed."""
    head = family.head
    enrol(staff["community_worker"], head, "dibao", dt.date(2024, 1, 1), family.household)
    lines = []
    for month in ("2025-07", "2025-08", "2025-09"):
        p = make_payroll(month, prepared_by=staff["city_admin"], status="closed")
        lines.append(
            add_line(p, person=head, household=family.household, amount_fen=40_000, status="paid")
        )
    person_record_death(actor=staff["street_officer"], person=head, death_date=dt.date(2025, 7, 31))
    assert Enrolment.objects.get(person=head, category="dibao").end_date == dt.date(2025, 7, 31)
    recovered = sorted((r.line_id, r.amount_fen) for r in Recovery.objects.all())
    assert recovered == [(lines[1].pk, 40_000), (lines[2].pk, 40_000)]
    assert entries_of(head) == {"funeral_exemption": FEES}
    assert ProposalList.objects.get(kind="funeral").status != "confirmed"
