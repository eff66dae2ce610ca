"""Disaster relief through its services (㈠5): an event, affected households with photos,
shelters, transitional living aid, and housing grants through casework paid by stages.

Hand-computed amounts (parameters of 2016: caps new build 50,000 / repair 25,000 yuan; stage
shares 30 % / 40 % / rest; transitional aid 20 yuan per person and day)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from safetynet.cases import services as cases
from safetynet.core.errors import NotFoundError, ServiceError
from safetynet.disaster import selectors, services
from safetynet.disaster.models import DisasterEventLog, HousingStage, LivingAid, ShelterStay
from safetynet.payments import oneoff
from safetynet.registry.services import enrolment_add, person_update
from tests.conftest import HULI_C1, ZHONGHUA, ZHONGHUA_C1
from tests.helpers.cases import PNG, POOR, investigate, scan

pytestmark = pytest.mark.django_db


def png(name="倒塌.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture
def event(staff, clock):
    return services.event_declare(
        actor=staff["district_approver"],
        name="台风“莫兰蒂”",
        kind="typhoon",
        occurred_on=dt.date(2025, 9, 15),
        division_codes=[ZHONGHUA],
    )


@pytest.fixture
def dibao_family(staff, family):
    for p in (family.head, family.spouse):
        enrolment_add(
            actor=staff["community_worker"], person=p, category="dibao",
            start_date=dt.date(2024, 1, 1), legal_basis="t",
        )  # fmt: skip
    family.household.is_rural = True
    family.household.save()
    return family


def register(staff, event, family, damage="collapsed", loss=8_000_000):
    return services.affected_register(
        actor=staff["community_worker"],
        event_id=event.pk,
        household_id=family.household.pk,
        damage=damage,
        loss_fen=loss,
        photos=[png()],
    )


def approve(staff, clock, affected, family, *, solution, cost):
    case = services.housing_grant_apply(
        actor=staff["community_worker"],
        affected_id=affected.pk,
        solution=solution,
        cost_fen=cost,
        authorization_scan=scan(),
        signed_by=family.head.name,
        signed_on=dt.date(2025, 9, 25),
        declared_income={family.head.pk: {"wage_fen": POOR}},
        declared_assets={"financial_assets_fen": 100_000},
    )
    clock.advance(2)
    case = investigate(staff, case, clock)
    so = staff["street_officer"]
    case = cases.case_notice_publish(actor=so, case_id=case.pk)
    clock.set(case.notice_ends_on + dt.timedelta(days=1))
    cases.case_notice_close(actor=so, case_id=case.pk)
    return cases.case_decide(actor=staff["district_approver"], case_id=case.pk, outcome="approved")


def stages(staff, clock, affected):
    out = []
    for stage, who in (
        ("start", "community_worker"),
        ("completion", "community_worker"),
        ("inspection", "street_officer"),
    ):
        clock.advance(10)
        out.append(
            services.housing_stage_record(
                actor=staff[who], affected_id=affected.pk, stage=stage, on=clock(), photo=png()
            ).amount_fen
        )
    return out


def test_event_household_photos_and_jurisdiction(staff, event, dibao_family):
    affected = register(staff, event, dibao_family)
    assert affected.photos.count() == 1 and affected.photos.first().kind == "png"
    assert DisasterEventLog.objects.filter(event=event).count() == 2
    with pytest.raises(ServiceError) as exc:
        register(staff, event, dibao_family)
    assert exc.value.code == "disaster_household_already_registered"
    # Huli's officer sees neither the event (not in Huli) nor the household
    with pytest.raises(NotFoundError):
        selectors.event_get(actor=staff["huli_officer"], event_id=event.pk)
    # a community worker may not declare an event; a photo is taken by its content
    with pytest.raises(ServiceError) as exc:
        services.event_declare(
            actor=staff["community_worker"], name="x", kind="flood",
            occurred_on=dt.date(2025, 9, 1), division_codes=[ZHONGHUA],
        )  # fmt: skip
    assert exc.value.code == "not_permitted"
    with pytest.raises(ServiceError) as exc:
        services.damage_photo_add(
            actor=staff["community_worker"], affected_id=affected.pk,
            upload=SimpleUploadedFile("x.png", b"<svg/>", content_type="image/png"),
        )  # fmt: skip
    assert exc.value.code == "disaster_photo_refused"
    assert affected.photos.count() == 1


def test_household_outside_the_event_is_refused(staff, event, new_household):
    other = new_household(staff["city_admin"], division=HULI_C1)
    with pytest.raises(ServiceError) as exc:
        services.affected_register(
            actor=staff["huli_officer"],
            event_id=event.pk, household_id=other.pk, damage="damaged", loss_fen=1,
        )  # fmt: skip
    # Huli's officer does not even see the event
    assert exc.value.code == "not_found"


def test_shelter_stays_and_capacity(staff, event, dibao_family, clock):
    cw = staff["community_worker"]
    shelter = services.shelter_open(
        actor=cw, event_id=event.pk, name="测试一社区避灾点", division_code=ZHONGHUA_C1, capacity=1
    )
    services.shelter_check_in(
        actor=cw, shelter_id=shelter.pk, person_id=dibao_family.head.pk, on=dt.date(2025, 9, 15)
    )
    with pytest.raises(ServiceError) as exc:
        services.shelter_check_in(
            actor=cw, shelter_id=shelter.pk, person_id=dibao_family.spouse.pk,
            on=dt.date(2025, 9, 15),
        )  # fmt: skip
    assert exc.value.code == "disaster_shelter_full"
    services.shelter_check_out(
        actor=cw, shelter_id=shelter.pk, person_id=dibao_family.head.pk, on=dt.date(2025, 9, 20)
    )
    services.shelter_check_in(
        actor=cw, shelter_id=shelter.pk, person_id=dibao_family.spouse.pk, on=dt.date(2025, 9, 20)
    )
    assert ShelterStay.objects.filter(checked_out_on__isnull=True).count() == 1
    with pytest.raises(ServiceError) as exc:
        services.shelter_check_out(
            actor=cw, shelter_id=shelter.pk, person_id=dibao_family.head.pk,
            on=dt.date(2025, 9, 21),
        )  # fmt: skip
    assert exc.value.code == "disaster_not_in_shelter"


def test_living_aid_hand_computed(staff, event, dibao_family):
    affected = register(staff, event, dibao_family, damage="severe")
    so = staff["street_officer"]
    aid = services.living_aid_grant(
        actor=so, affected_id=affected.pk, month="2025-09", persons=2, days=16
    )
    # 2 persons × 16 days × 20.00 yuan = 640.00 yuan
    assert (aid.daily_fen, aid.amount_fen) == (2_000, 64_000)
    with pytest.raises(ServiceError) as exc:
        services.living_aid_grant(
            actor=so, affected_id=affected.pk, month="2025-09", persons=2, days=1
        )
    assert exc.value.code == "disaster_aid_twice"
    with pytest.raises(ServiceError) as exc:
        services.living_aid_grant(
            actor=so, affected_id=affected.pk, month="2025-10", persons=3, days=1
        )
    assert exc.value.code == "disaster_aid_invalid" and exc.value.problems[0].field == "persons"
    assert LivingAid.objects.count() == 1
    rows, _ = oneoff.grant_lines("2025-09", None)
    aid_rows = [r for r in rows.to_pylist() if r["source_ref"] == f"relief-aid:{aid.pk}"]
    assert [r["amount_fen"] for r in aid_rows] == [64_000]
    # funding 50 % city, 50 % district
    assert (aid_rows[0]["city_fen"], aid_rows[0]["district_fen"]) == (32_000, 32_000)


def test_damaged_home_gets_no_living_aid(staff, event, dibao_family):
    affected = register(staff, event, dibao_family, damage="damaged")
    with pytest.raises(ServiceError) as exc:
        services.living_aid_grant(
            actor=staff["street_officer"], affected_id=affected.pk, month="2025-09",
            persons=1, days=1,
        )  # fmt: skip
    assert exc.value.code == "disaster_aid_not_due"


def test_repair_capped_and_paid_in_three_stages(staff, event, dibao_family, clock):
    affected = register(staff, event, dibao_family, damage="severe")
    decision = approve(staff, clock, affected, dibao_family, solution="repair", cost=3_000_000)
    # repair of 30,000 yuan, capped at 25,000
    assert decision.amount_fen == 2_500_000
    # 25,000 × 30 % = 7,500; × 40 % = 10,000; the rest 7,500
    assert stages(staff, clock, affected) == [750_000, 1_000_000, 750_000]
    month = f"{clock():%Y-%m}"
    rows, _ = oneoff.grant_lines(month, None)
    housing = [r for r in rows.to_pylist() if r["source_ref"].startswith("housing:")]
    assert sorted(r["amount_fen"] for r in housing) == [750_000, 750_000, 1_000_000]
    assert all(r["beneficiary_key"] == f"H{dibao_family.household.pk}" for r in housing)
    # the decision itself is not paid a second time as a whole
    assert not [r for r in rows.to_pylist() if r["source_ref"].startswith("case:")]
    board = selectors.event_dashboard(actor=staff["street_officer"], event_id=event.pk)
    assert (board.households, board.grants_applied, board.grants_approved) == (1, 1, 1)
    assert (board.approved_fen, board.released_fen, board.paid_fen) == (2_500_000, 2_500_000, 0)


def test_weak_selfcare_dibao_rebuilds_at_full_cost(staff, event, dibao_family, clock):
    person_update(actor=staff["community_worker"], person=dibao_family.spouse,
                  selfcare_failed_items=2)  # fmt: skip
    affected = register(staff, event, dibao_family)
    decision = approve(staff, clock, affected, dibao_family, solution="new_build", cost=3_333_333)
    # 兜底改造: full cost 33,333.33 yuan (below and above no cap applies)
    assert decision.amount_fen == 3_333_333
    # floor(3,333,333 × 0.3) = 999,999; floor(× 0.4) = 1,333,333; rest 1,000,001
    assert stages(staff, clock, affected) == [999_999, 1_333_333, 1_000_001]


def test_new_build_capped_at_50000(staff, event, dibao_family, clock):
    affected = register(staff, event, dibao_family)
    decision = approve(staff, clock, affected, dibao_family, solution="new_build", cost=6_000_000)
    assert decision.amount_fen == 5_000_000


def test_stages_in_order_and_by_the_right_role(staff, event, dibao_family, clock):
    affected = register(staff, event, dibao_family)
    cw = staff["community_worker"]
    with pytest.raises(ServiceError) as exc:
        services.housing_stage_record(actor=cw, affected_id=affected.pk, stage="start", on=clock())
    assert exc.value.code == "disaster_grant_not_approved"
    approve(staff, clock, affected, dibao_family, solution="repair", cost=1_000_000)
    with pytest.raises(ServiceError) as exc:
        services.housing_stage_record(
            actor=cw, affected_id=affected.pk, stage="completion", on=clock()
        )
    assert exc.value.code == "disaster_stage_out_of_order"
    services.housing_stage_record(actor=cw, affected_id=affected.pk, stage="start", on=clock())
    services.housing_stage_record(actor=cw, affected_id=affected.pk, stage="completion", on=clock())
    with pytest.raises(ServiceError) as exc:
        services.housing_stage_record(
            actor=cw, affected_id=affected.pk, stage="inspection", on=clock()
        )
    assert exc.value.code == "not_permitted"
    assert HousingStage.objects.count() == 2
