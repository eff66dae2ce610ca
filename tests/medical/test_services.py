"""One-stop settlement through its services (POLICY §9, ADR 1101): the split by category, the
year's deductible and cap carried across bills, idempotency, reversal, refusals that change
nothing. Amounts hand-computed from the default parameters (dibao 80 %, tekun 100 %,
low-income 60 % above 1,000 yuan a year, cap 100,000 yuan)."""

import pytest

from safetynet.medical import services
from safetynet.medical.errors import MedicalError
from safetynet.medical.models import AnnualRoom, Settlement
from tests.helpers.medical import settle_body

pytestmark = pytest.mark.django_db


def settle(hospital, body):
    return services.settlement_create(hospital=hospital, data=body)


def refused(hospital, body) -> MedicalError:
    with pytest.raises(MedicalError) as err:
        settle(hospital, body)
    return err.value


def room(person, year=2019) -> AnnualRoom:
    return AnnualRoom.objects.get(person=person, year=year)


def test_dibao_split_and_room(hospital, registry):
    out = settle(hospital, settle_body(registry.zhang_wei))
    s = out.settlement
    # oop 2,500 − 1,750 = 750 yuan; × 80 % = 600; patient 3,000 − 1,750 − 600 = 650
    assert (s.insurance_fen, s.assistance_fen, s.patient_fen) == (175000, 60000, 65000)
    assert (s.category, s.ratio, s.capped, s.district) == ("dibao", "0.8", False, "350203")
    assert s.room_after_fen == 10000000 - 60000
    assert (s.city_fen, s.district_fen, s.street_fen) == (30000, 30000, 0)
    r = room(registry.zhang_wei)
    assert (r.assistance_used_fen, r.deductible_used_fen) == (60000, 0)
    assert not out.replayed


def test_low_income_deductible_carries_across_the_years_bills(hospital, registry):
    wang = registry.wang_fang
    first = settle(hospital, settle_body(wang, "A1", total=200000, scope=180000, insurance=120000))
    # oop 600 yuan, all within the 1,000 yuan deductible
    assert first.settlement.assistance_fen == 0 and first.settlement.deductible_applied_fen == 60000
    second = settle(hospital, settle_body(wang, "A2", discharged="2019-09-01"))
    # oop 750; deductible left 400; (750 − 400) × 60 % = 210; patient 3,000 − 1,750 − 210
    assert second.settlement.deductible_applied_fen == 40000
    assert (second.settlement.assistance_fen, second.settlement.patient_fen) == (21000, 104000)
    assert (room(wang).deductible_used_fen, room(wang).assistance_used_fen) == (100000, 21000)
    # a new year starts a new deductible and a new room: wang's enrolment ends 2019-12-31
    assert refused(hospital, settle_body(wang, "A3", discharged="2020-01-02")).code == (
        "not_eligible"
    )


def test_cap_reached_mid_bill_then_room_exhausted(hospital, registry):
    chen = registry.chen_jie  # tekun, 100 %
    AnnualRoom.objects.create(person=chen, year=2019, assistance_used_fen=9_990_000)
    s = settle(hospital, settle_body(chen, "T1")).settlement
    # oop 750 yuan, room 100 yuan: 100 assisted, capped; patient 3,000 − 1,750 − 100
    assert (s.assistance_fen, s.capped, s.patient_fen, s.room_after_fen) == (
        10000,
        True,
        115000,
        0,
    )
    s2 = settle(hospital, settle_body(chen, "T2", discharged="2019-08-01")).settlement
    assert (s2.assistance_fen, s2.patient_fen, s2.capped) == (0, 125000, True)
    assert room(chen).assistance_used_fen == 10_000_000


def test_replay_returns_the_stored_settlement_and_changes_nothing(hospital, registry):
    first = settle(hospital, settle_body(registry.zhang_wei)).settlement
    again = settle(hospital, settle_body(registry.zhang_wei))
    assert again.replayed and again.settlement.pk == first.pk
    assert Settlement.objects.count() == 1
    assert room(registry.zhang_wei).assistance_used_fen == 60000


def test_replay_with_different_content_is_refused(hospital, registry):
    settle(hospital, settle_body(registry.zhang_wei))
    err = refused(hospital, settle_body(registry.zhang_wei, total=300001))
    assert (err.code, err.field) == ("settlement_number_conflict", "settlement_number")
    err = refused(hospital, settle_body(registry.chen_jie))
    assert err.code == "settlement_number_conflict"
    assert Settlement.objects.count() == 1
    assert room(registry.zhang_wei).assistance_used_fen == 60000
    assert not AnnualRoom.objects.filter(person=registry.chen_jie).exists()


def test_the_same_number_at_another_hospital_is_another_settlement(
    hospital, other_hospital, registry
):
    settle(hospital, settle_body(registry.zhang_wei))
    settle(other_hospital, settle_body(registry.zhang_wei))
    assert room(registry.zhang_wei).assistance_used_fen == 120000


def test_reversal_restores_the_room_and_is_idempotent(hospital, registry):
    wang = registry.wang_fang
    settle(hospital, settle_body(wang, "B1", total=200000, scope=180000, insurance=120000))
    s = settle(hospital, settle_body(wang, "B2", discharged="2019-09-01")).settlement
    out = services.settlement_reverse(hospital=hospital, number="B2", reason="readmission")
    assert out.settlement.status == "reversed" and not out.replayed
    assert (room(wang).assistance_used_fen, room(wang).deductible_used_fen) == (0, 60000)
    again = services.settlement_reverse(hospital=hospital, number="B2", reason="refund")
    assert again.replayed and again.settlement.reversal_reason == "readmission"
    assert room(wang).deductible_used_fen == 60000
    # the re-admission's new settlement gets the same split again
    s3 = settle(hospital, settle_body(wang, "B3", discharged="2019-09-01")).settlement
    assert (s3.assistance_fen, s3.deductible_applied_fen) == (s.assistance_fen, 40000)


def test_reversal_refusals(hospital, other_hospital, registry):
    settle(hospital, settle_body(registry.zhang_wei))
    for kwargs, code in [
        ({"hospital": other_hospital, "number": "JS-0001", "reason": "refund"},
         "settlement_not_found"),
        ({"hospital": hospital, "number": "NOPE", "reason": "refund"}, "settlement_not_found"),
        ({"hospital": hospital, "number": "JS-0001", "reason": "whim"}, "reason_invalid"),
    ]:  # fmt: skip
        with pytest.raises(MedicalError) as err:
            services.settlement_reverse(**kwargs)
        assert err.value.code == code
    assert Settlement.objects.get().status == "settled"


@pytest.mark.parametrize(
    "change, code, field",
    [
        ({"bill": {"total_fen": 100, "policy_scope_fen": 200, "insurance_paid_fen": 0}},
         "amounts_inconsistent", "bill.policy_scope_fen"),
        ({"bill": {"total_fen": 300, "policy_scope_fen": 200, "insurance_paid_fen": 201}},
         "amounts_inconsistent", "bill.insurance_paid_fen"),
        ({"bill": {"total_fen": "300.00", "policy_scope_fen": 200, "insurance_paid_fen": 0}},
         "amount_invalid", "bill.total_fen"),
        ({"bill": {"total_fen": 300, "policy_scope_fen": -1, "insurance_paid_fen": 0}},
         "amount_invalid", "bill.policy_scope_fen"),
        ({"bill": None}, "bill_malformed", "bill"),
        ({"id_number": "350203195001010011"}, "id_number_invalid", "id_number"),
        ({"discharged_on": "2019-02-30"}, "date_invalid", "discharged_on"),
        ({"discharged_on": "2999-01-01"}, "date_invalid", "discharged_on"),
        ({"admitted_on": "2019-08-01"}, "date_invalid", "admitted_on"),
        ({"settlement_number": ""}, "request_malformed", "settlement_number"),
        ({"settlement_number": "a b"}, "request_malformed", "settlement_number"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_by_field_and_changes_nothing(hospital, registry, change, code, field):
    err = refused(hospital, {**settle_body(registry.zhang_wei), **change})
    assert (err.code, err.field) == (code, field)
    assert not Settlement.objects.exists() and not AnnualRoom.objects.exists()


def test_only_registered_currently_eligible_recipients_are_settled(hospital, registry, make_id):
    cases = [
        (make_id(), "unknown_person"),  # a valid ID number nobody registered
        (registry.zhang_xiaoming, "not_eligible"),  # disabled: not a covered category
        (registry.chen_jing, "person_deceased"),  # died 2019-12-01, discharged after
    ]
    for person, code in cases:
        body = settle_body(person, discharged="2019-12-20", admitted="2019-12-10")
        assert refused(hospital, body).code == code
    # enrolled from 2018-01-01: a discharge before it is not covered
    assert refused(hospital, settle_body(registry.zhang_wei, discharged="2017-12-31",
                                         admitted=None)).code == "not_eligible"  # fmt: skip
    assert not Settlement.objects.exists() and not AnnualRoom.objects.exists()
