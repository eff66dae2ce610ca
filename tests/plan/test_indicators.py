"""Each target computed on a small hand-made fixture, against figures counted by hand, and the
'no data' case of each (an empty registry of facilities, no caseload, no fund rows).

The registry (tests/helpers/city.py), as of 2019-06-30:
  ZH1 思明区中华街道 350203002: dibao (张伟);  ZH2 中华街道: low-income (王芳, until 2019-12-31);
  HL1 湖里区湖里街道 350206001: tekun (陈杰), with 陈静 (died 2019-12-01, alive on the date).
"""

import datetime as dt
from fractions import Fraction

import pytest
from django.utils import timezone

from safetynet.funds.models import FundIncome
from safetynet.plan import indicators as I
from safetynet.plan import selectors
from safetynet.plan.models import CareInstitution, CarePlacement, HappinessHome
from safetynet.registry.models import Division, Enrolment, Person
from safetynet.verification.models import (
    BatchRun,
    Finding,
    HouseholdCheck,
    Report,
    ReviewTask,
    VerificationRequest,
)
from safetynet.verification.selectors import coverage
from tests.helpers.city import HULI_C1, ZHONGHUA, ZHONGHUA_C1, ZHONGHUA_C2

from .conftest import AS_OF

pytestmark = pytest.mark.django_db

SIMING, HULI, HULI_STREET = "350203", "350206", "350206001"


def _row(key, code="350200", as_of=AS_OF):
    division = Division.objects.get(code=code)
    return selectors.indicator_row(I.BY_KEY[key], division=division, as_of=as_of)


def _kids(row):
    return {f.code: f for f in row.children}


def _batch(month="2019-05", finished=dt.datetime(2019, 5, 20, 12, 0)):
    at = timezone.make_aware(finished)
    return BatchRun.objects.create(
        month=month, engine="duckdb", source_dir="/x", started_at=at, finished_at=at
    )


def _report(household, conclusion, user, on: dt.date, n: int):
    request = VerificationRequest.objects.create(
        number=f"HD-2019-{n:06d}",
        household=household,
        purpose="periodic_review",
        program="dibao",
        month="2019-05",
        status="ready",
        authorization_signed_by="户主",
        authorization_signed_on=on,
        created_by=user,
    )
    report = Report.objects.create(
        number=f"BG-2019-{n:06d}",
        request=request,
        counted_income_fen=0,
        financial_assets_fen=0,
        conclusion=conclusion,
        created_by=user,
    )
    at = timezone.make_aware(dt.datetime(on.year, on.month, on.day, 10, 0))
    Report.objects.filter(pk=report.pk).update(created_at=at)
    return report


# ------------------------------------------------------------------------------ coverage
def test_verification_coverage_by_district_and_street(registry, users):
    run = _batch()
    HouseholdCheck.objects.create(
        batch_run=run, household=registry.zh1, month="2019-05", programs="dibao"
    )
    # an incomplete report does not count; a report older than 12 months does not either
    _report(registry.zh2, "incomplete", users["city_admin"], dt.date(2019, 4, 1), 1)
    _report(registry.hl1, "meets", users["city_admin"], dt.date(2018, 5, 1), 2)
    row = _row("verification_coverage")
    # caseload: ZH1, ZH2, HL1 = 3; verified: ZH1 only
    assert (row.own.numerator, row.own.denominator) == (1, 3)
    assert row.own.value == Fraction(1, 3)
    assert row.own.light == "red"  # 2019 > the 2018 deadline, below 100 %
    kids = _kids(row)
    assert (kids[SIMING].numerator, kids[SIMING].denominator) == (1, 2)
    assert (kids[HULI].numerator, kids[HULI].denominator) == (0, 1)
    assert kids["350205"].reason == "no_rows"  # 海沧区: no caseload household there
    # drill down: 思明区 → its streets
    streets = _kids(_row("verification_coverage", SIMING))
    assert (streets[ZHONGHUA].numerator, streets[ZHONGHUA].denominator) == (1, 2)
    # the verification page's own figure is the same (one definition)
    page = coverage(actor=users["city_admin"], as_of=AS_OF)
    assert (page.total.verified, page.total.households) == (1, 3)


def test_coverage_met_before_the_deadline_is_green_and_behind_is_amber(registry):
    run = _batch("2018-05", dt.datetime(2018, 5, 20, 12))
    for hh in (registry.zh1, registry.zh2, registry.hl1):
        HouseholdCheck.objects.create(batch_run=run, household=hh, month="2018-05", programs="x")
    as_of = dt.date(2018, 6, 30)
    assert _row("verification_coverage", as_of=as_of).own.light == "green"
    HouseholdCheck.objects.filter(household=registry.hl1).delete()
    row = _row("verification_coverage", as_of=as_of)
    assert row.own.value == Fraction(2, 3) and row.own.light == "amber"


def test_coverage_without_caseload_says_no_data(divisions):
    row = _row("verification_coverage")
    assert row.own.value is None and row.own.reason == "no_caseload"
    assert all(f.reason == "no_caseload" for f in row.children)


# ------------------------------------------------------------------------------ eligibility
def test_eligibility_rate_after_reverification(registry, users):
    run = _batch()
    for hh in (registry.zh1, registry.zh2, registry.hl1):
        HouseholdCheck.objects.create(batch_run=run, household=hh, month="2019-05", programs="x")
    # ZH2: income above the line, its task still open → not eligible
    Finding.objects.create(
        batch_run=run,
        household=registry.zh2,
        kind="income_above_line",
        source="tax",
        source_record="1",
    )
    ReviewTask.objects.create(household=registry.zh2, street_id=ZHONGHUA, batch_run=run)
    # HL1: a death finding checked by the street, "no change" → cleared
    Finding.objects.create(
        batch_run=run, household=registry.hl1, kind="death", source="civil", source_record="2"
    )
    ReviewTask.objects.create(
        household=registry.hl1,
        street_id=HULI_STREET,
        batch_run=run,
        status="closed",
        outcome="no_change",
    )
    # ZH1: an "undeclared income" finding changes the amount, not the eligibility
    Finding.objects.create(
        batch_run=run,
        household=registry.zh1,
        kind="undeclared_income",
        source="tax",
        source_record="3",
    )
    row = _row("eligibility_rate")
    assert (row.own.numerator, row.own.denominator) == (2, 3)
    kids = _kids(row)
    assert (kids[SIMING].numerator, kids[SIMING].denominator) == (1, 2)
    assert (kids[HULI].numerator, kids[HULI].denominator) == (1, 1)
    assert kids[HULI].light == "green"  # 1/1 = 100 %


def test_eligibility_latest_report_decides(registry, users):
    admin = users["city_admin"]
    _report(registry.zh1, "does_not_meet", admin, dt.date(2019, 1, 10), 1)
    _report(registry.zh1, "meets", admin, dt.date(2019, 3, 10), 2)  # the later one counts
    _report(registry.zh2, "meets", admin, dt.date(2019, 2, 10), 3)
    _report(registry.zh2, "does_not_meet", admin, dt.date(2019, 4, 10), 4)
    row = _row("eligibility_rate")
    # verified: ZH1, ZH2 (HL1 not verified); eligible: ZH1 only
    assert (row.own.numerator, row.own.denominator) == (1, 2)


def test_eligibility_without_verification_says_no_data(registry):
    row = _row("eligibility_rate")
    assert row.own.reason == "none_verified" and row.own.value is None
    assert _kids(row)[SIMING].reason == "none_verified"


# ------------------------------------------------------------------------------ concentrated care
def _tekun(name, seq, community, failed, *, dead=None):
    from tests.helpers.city import make_person

    p = make_person(
        name,
        "350203",
        dt.date(1940, 1, 1),
        seq,
        "M",
        community,
        selfcare_failed_items=failed,
        death_date=dead,
    )
    Enrolment.objects.create(
        person=p, category="tekun", start_date=dt.date(2017, 1, 1), legal_basis="x"
    )
    return p


def test_concentrated_care_share(registry):
    registry.chen_jie.selfcare_failed_items = 5  # HL1's tekun, fully disabled
    registry.chen_jie.save()
    a = _tekun("甲", 11, ZHONGHUA_C1, 4)
    b = _tekun("乙", 12, ZHONGHUA_C2, 2)  # partly disabled: counts
    _tekun("丙", 13, ZHONGHUA_C1, 0)  # capable: not in the denominator
    _tekun("丁", 14, ZHONGHUA_C1, 6, dead=dt.date(2019, 1, 1))  # died before: not counted
    home = CareInstitution.objects.create(name="思明区社会福利中心", division_id=SIMING, beds=10)
    CarePlacement.objects.create(person=a, institution=home, start_on=dt.date(2018, 1, 1))
    # moved out before the date: not placed on it
    CarePlacement.objects.create(
        person=b, institution=home, start_on=dt.date(2018, 1, 1), end_on=dt.date(2019, 3, 1)
    )
    row = _row("concentrated_care")
    # dependent tekun alive: 甲, 乙 (思明), 陈杰 (湖里) = 3; placed: 甲 = 1
    assert (row.own.numerator, row.own.denominator) == (1, 3)
    kids = _kids(row)
    assert (kids[SIMING].numerator, kids[SIMING].denominator) == (1, 2)
    assert (kids[HULI].numerator, kids[HULI].denominator) == (0, 1)
    assert kids[SIMING].value == Fraction(1, 2) and kids[SIMING].light == "green"  # 50 % met
    # a year earlier 乙 was still placed and 丁 alive: 甲, 乙 of 甲, 乙, 丁, 陈杰
    earlier = _row("concentrated_care", as_of=dt.date(2018, 6, 30))
    assert (earlier.own.numerator, earlier.own.denominator) == (2, 4)


def test_concentrated_care_without_institutions_says_no_data(registry):
    row = _row("concentrated_care")
    assert row.own.reason == "no_care_registry" and row.own.value is None


# ------------------------------------------------------------------------------ happiness homes
def _home(name, village, status, completed=None):
    return HappinessHome.objects.create(
        name=name,
        village_id=village,
        kind="home",
        status=status,
        approved_on=dt.date(2016, 3, 1),
        completed_on=completed,
    )


def test_happiness_homes_against_30_a_year_and_151_by_2020(divisions):
    _home("一", HULI_C1, "operating", dt.date(2017, 5, 1))
    _home("二", HULI_C1, "completed", dt.date(2019, 2, 1))
    _home("三", ZHONGHUA_C1, "completed", dt.date(2019, 6, 1))
    _home("四", ZHONGHUA_C2, "building")
    _home("五", ZHONGHUA_C2, "completed", dt.date(2019, 7, 1))  # after the date
    year = _row("homes_built_year")
    assert year.own.numerator == 2 and year.own.denominator is None  # 二, 三
    # 2 by 30 June against 30 × 180/364 ≈ 14.8 expected: behind the path
    assert year.own.light == "red"
    assert _kids(year)[HULI].numerator == 1 and _kids(year)[HULI].light == "none"
    total = _row("homes_built_total")
    assert total.own.numerator == 3  # 一, 二, 三
    assert total.own.light == "red"
    assert _kids(total)["350205"].numerator == 0  # 海沧区: none built, a real zero


def test_homes_on_the_path_are_amber():
    ind = I.BY_KEY["homes_built_year"]
    # 30 June: 30 × 180/364 = 14.83 expected
    assert selectors.light_of(ind, Fraction(15), dt.date(2019, 6, 30), top=True) == "amber"
    assert selectors.light_of(ind, Fraction(14), dt.date(2019, 6, 30), top=True) == "red"
    assert selectors.light_of(ind, Fraction(30), dt.date(2019, 6, 30), top=True) == "green"


def test_homes_without_a_registry_say_no_data(divisions):
    for key in ("homes_built_year", "homes_built_total"):
        row = _row(key)
        assert row.own.reason == "no_homes" and row.own.value is None


# ------------------------------------------------------------------------------ one-stop settlement
def test_one_stop_coverage(registry, settings):
    row = _row("one_stop_coverage")
    # recipients alive on the date in the seed's categories: 张伟 dibao, 王芳 low-income,
    # 陈杰 tekun = 3; all settled one-stop under the shipped parameter
    assert (row.own.numerator, row.own.denominator) == (3, 3)
    assert row.own.light == "green"
    kids = _kids(row)
    assert (kids[SIMING].numerator, kids[SIMING].denominator) == (2, 2)


def test_one_stop_without_recipients_says_no_data(divisions):
    assert _row("one_stop_coverage").own.reason == "no_medical_recipients"


# ------------------------------------------------------------------------------ temporary fund
def test_ta_fund_raised_against_10_yuan_per_capita(registry, users):
    from safetynet.funds.services import ta_fund_raise

    # the registered population alive: 5 of the registry's 6 persons (陈静 died 2019-12-01 is
    # alive on the date but registered_population counts the living now)
    population = Person.objects.filter(
        hukou_division__isnull=False, death_date__isnull=True
    ).count()
    assert population == 5
    ta_fund_raise(actor=users["city_admin"], year=2019, population=3, on=dt.date(2019, 1, 15))
    row = _row("ta_fund_raised")
    # raised 3 × 10 yuan = 3,000 fen against 5 × 1,000 fen
    assert (row.own.numerator, row.own.denominator) == (3000, 5000)
    assert row.own.light == "amber"  # the year is not over
    assert all(f.reason == "city_only" for f in row.children)
    assert _row("ta_fund_raised", SIMING).own.reason == "city_only"
    assert FundIncome.objects.count() == 1


def test_ta_fund_without_rows_says_no_data(registry):
    row = _row("ta_fund_raised")
    assert row.own.reason == "no_ta_fund" and row.own.value is None


# ------------------------------------------------------------------------------ the dashboard
def test_dashboard_is_scoped_to_the_jurisdiction(registry, users):
    board = selectors.dashboard(actor=users["district_approver"], as_of=AS_OF)
    assert board.division.code == SIMING
    cov = next(r for r in board.rows if r.indicator.key == "verification_coverage")
    assert cov.own.denominator == 2  # 思明区's caseload only
    assert {f.code for f in cov.children} >= {ZHONGHUA}
    from safetynet.core.errors import NotFoundError

    with pytest.raises(NotFoundError):
        selectors.dashboard(actor=users["district_approver"], as_of=AS_OF, division_code=HULI)


def test_a_community_worker_sees_the_community_figures(registry, users):
    board = selectors.dashboard(actor=users["community_worker"], as_of=AS_OF)
    assert board.division.code == ZHONGHUA_C1 and not board.rows[0].children
    rows = {r.indicator.key: r.own for r in board.rows}
    # ZH1 only (ZH2 is in community 2): caseload 1, nobody verified
    assert (rows["verification_coverage"].numerator, rows["verification_coverage"].denominator) == (
        0,
        1,
    )
    # 张伟 (dibao) is the community's only recipient alive in the seed's categories
    assert (rows["one_stop_coverage"].numerator, rows["one_stop_coverage"].denominator) == (1, 1)
