"""The plan's services: permissions by role and jurisdiction, validation naming the field,
nothing half-written; tasks and progress, attachments, the facilities' workflows, snapshots."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from safetynet.core.errors import NotFoundError, ServiceError
from safetynet.plan import seed, selectors, services
from safetynet.plan.models import (
    HappinessHome,
    PlanAttachment,
    PlanTask,
    ProgressReport,
    ServiceStation,
    Snapshot,
)
from tests.helpers.city import HULI_C1, ZHONGHUA, ZHONGHUA_C1, ZHONGHUA_C2

from .conftest import AS_OF

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


def _refused(code, call):
    with pytest.raises(ServiceError) as info:
        call()
    assert info.value.code == code, info.value.message
    return info.value


# ------------------------------------------------------------------------------ tasks
def test_seed_tasks_are_loaded_once_with_the_districts_share(divisions, users, clock):
    admin = users["city_admin"]
    n = seed.seed_tasks(actor=admin)
    districts = 6  # Xiamen's districts in the shipped table
    assert n == len(seed.TASKS) + districts
    assert seed.seed_tasks(actor=admin) == 0
    t = PlanTask.objects.get(code="二㈠3")
    assert t.unit == "relief" and t.indicator == "concentrated_care"
    assert [s.due_on for s in t.steps.all()][:2] == [dt.date(2017, 1, 31), dt.date(2017, 3, 31)]
    siming = PlanTask.objects.get(code="三㈠（思明区）")
    assert siming.parent.code == "三㈠" and siming.division_id == "350203"
    # only the city manages tasks
    _refused("not_permitted", lambda: seed.seed_tasks(actor=users["district_approver"]))


def test_overdue_tasks_and_who_sees_them(divisions, users, clock):
    seed.seed_tasks(actor=users["city_admin"])
    overdue = selectors.tasks_visible_to(users["city_admin"]).filter(selectors.overdue_q(AS_OF))
    # on 2019-06-30 every task due by 2018 and not done is overdue
    assert overdue.filter(code="二㈠1").exists()
    assert not overdue.filter(code="二㈤").exists()  # due 2020
    district = selectors.tasks_visible_to(users["district_approver"])
    assert district.filter(code="三㈠（思明区）").exists()
    assert not district.filter(code="三㈠（湖里区）").exists()
    assert district.filter(code="二㈠1").exists()  # the bureau's tasks are read by all


def test_progress_report_by_the_district_on_its_own_task(divisions, users, clock):
    seed.seed_tasks(actor=users["city_admin"])
    da = users["district_approver"]
    own = PlanTask.objects.get(code="三㈠（思明区）")
    other = PlanTask.objects.get(code="三㈠（湖里区）")
    r = services.progress_report(
        actor=da, task_id=own.pk, period="2019-06", percent=60, text="已起草"
    )
    assert r.percent == 60
    own.refresh_from_db()
    assert own.status == "in_progress"
    # a second report of the month replaces the first
    services.progress_report(actor=da, task_id=own.pk, period="2019-06", percent=80, text="已印发")
    assert ProgressReport.objects.get(task=own).percent == 80
    # another district's task: not found; a bureau task: not the district's
    with pytest.raises(NotFoundError):
        services.progress_report(actor=da, task_id=other.pk, period="2019-06", percent=1, text="x")
    bureau = PlanTask.objects.get(code="二㈠1")
    _refused(
        "plan_outside_jurisdiction",
        lambda: services.progress_report(
            actor=da, task_id=bureau.pk, period="2019-06", percent=1, text="x"
        ),
    )
    # bad input names the field; a future month is refused
    e = _refused(
        "plan_report_invalid",
        lambda: services.progress_report(
            actor=da, task_id=own.pk, period="2019-05", percent=101, text="x"
        ),
    )
    assert e.problems[0].field == "percent"
    _refused(
        "plan_month_invalid",
        lambda: services.progress_report(
            actor=da, task_id=own.pk, period="2019-07", percent=1, text="x"
        ),
    )
    # the street officer reads but does not report
    _refused(
        "not_permitted",
        lambda: services.progress_report(
            actor=users["street_officer"], task_id=own.pk, period="2019-06", percent=1, text="x"
        ),
    )
    assert ProgressReport.objects.count() == 1


def test_task_done_and_steps(divisions, users, clock):
    seed.seed_tasks(actor=users["city_admin"])
    t = PlanTask.objects.get(code="二㈠3")
    step = t.steps.first()
    services.step_done(actor=users["city_admin"], step_id=step.pk, on=dt.date(2017, 1, 20))
    services.task_done(actor=users["city_admin"], task_id=t.pk, on=dt.date(2019, 6, 1))
    t.refresh_from_db()
    assert t.status == "done"
    assert (
        not selectors.tasks_visible_to(users["city_admin"])
        .filter(selectors.overdue_q(AS_OF), pk=t.pk)
        .exists()
    )
    _refused(
        "plan_task_invalid",
        lambda: services.task_done(actor=users["city_admin"], task_id=t.pk, on=dt.date(2019, 7, 1)),
    )


def test_attachments_by_content_stored_privately(divisions, users, clock):
    seed.seed_tasks(actor=users["city_admin"])
    da = users["district_approver"]
    own = PlanTask.objects.get(code="三㈠（思明区）")
    a = services.attachment_add(
        actor=da,
        division_code="350203",
        kind="district_plan",
        title="思明区实施方案",
        upload=SimpleUploadedFile("plan.pdf", PDF),
        task_id=own.pk,
    )
    assert a.ext == "pdf" and a.file.name.startswith("plan/")
    e = _refused(
        "plan_file_refused",
        lambda: services.attachment_add(
            actor=da,
            division_code="350203",
            kind="key_tasks",
            title="清单",
            upload=SimpleUploadedFile("x.pdf", b"not a pdf"),
        ),
    )
    assert e.problems[0].field == "file"
    _refused(
        "plan_outside_jurisdiction",
        lambda: services.attachment_add(
            actor=da,
            division_code="350206",
            kind="key_tasks",
            title="清单",
            upload=SimpleUploadedFile("x.pdf", PDF),
        ),
    )
    assert PlanAttachment.objects.count() == 1
    # the Huli street officer does not see 思明区's attachment
    with pytest.raises(NotFoundError):
        selectors.attachment_get(actor=users["huli_officer"], attachment_id=a.pk)
    assert selectors.attachment_get(actor=users["street_officer"], attachment_id=a.pk) == a


# ------------------------------------------------------------------------------ homes
def test_happiness_home_goes_through_its_stages_in_order(divisions, users, clock):
    cw = users["community_worker"]
    home = services.home_register(
        actor=cw,
        name="测试一幸福院",
        village_code=ZHONGHUA_C1,
        kind="home",
        approved_on=dt.date(2018, 3, 1),
        subsidy_fen=15_000_000,
        places=30,
    )
    assert home.status == "approved"
    e = _refused(
        "plan_home_out_of_order",
        lambda: services.home_advance(
            actor=cw, home_id=home.pk, status="completed", on=dt.date(2018, 9, 1)
        ),
    )
    assert e.problems[0].field == "status"
    _refused(
        "plan_home_out_of_order",
        lambda: services.home_activity_add(
            actor=cw, home_id=home.pk, on=dt.date(2018, 9, 1), title="讲座", attendance=10
        ),
    )
    services.home_advance(actor=cw, home_id=home.pk, status="building", on=dt.date(2018, 4, 1))
    _refused(
        "plan_home_out_of_order",
        lambda: services.home_advance(
            actor=cw, home_id=home.pk, status="completed", on=dt.date(2018, 3, 15)
        ),
    )
    services.home_advance(actor=cw, home_id=home.pk, status="completed", on=dt.date(2018, 9, 1))
    services.home_activity_add(
        actor=cw, home_id=home.pk, on=dt.date(2018, 10, 1), title="重阳", attendance=40
    )
    home.refresh_from_db()
    assert home.completed_on == dt.date(2018, 9, 1) and home.activities.get().attendance == 40
    # a village outside the worker's community; the auditor writes nothing
    _refused(
        "plan_outside_jurisdiction",
        lambda: services.home_register(
            actor=cw,
            name="外村",
            village_code=ZHONGHUA_C2,
            kind="home",
            approved_on=dt.date(2018, 1, 1),
        ),
    )
    _refused(
        "not_permitted",
        lambda: services.home_register(
            actor=users["auditor"],
            name="审计",
            village_code=ZHONGHUA_C1,
            kind="home",
            approved_on=dt.date(2018, 1, 1),
        ),
    )
    assert HappinessHome.objects.count() == 1


# ------------------------------------------------------------------------------ stations
def test_station_modes_and_coverage(divisions, users, clock):
    so = users["street_officer"]
    common = dict(services=["低保受理"], opening_hours="8:30-17:30", opened_on=dt.date(2018, 1, 1))
    services.station_register(
        actor=so,
        name="一站",
        street_code=ZHONGHUA,
        community_codes=[ZHONGHUA_C1],
        mode="one_per",
        **common,
    )
    e = _refused(
        "plan_station_invalid",
        lambda: services.station_register(
            actor=so,
            name="联合站",
            street_code=ZHONGHUA,
            community_codes=[ZHONGHUA_C2],
            mode="one_for_several",
            **common,
        ),
    )
    assert e.problems[0].field == "communities"
    _refused(
        "plan_station_invalid",
        lambda: services.station_register(
            actor=so,
            name="跨街",
            street_code=ZHONGHUA,
            community_codes=[ZHONGHUA_C2, HULI_C1],
            mode="one_for_several",
            **common,
        ),
    )
    services.station_register(
        actor=so,
        name="二站",
        street_code=ZHONGHUA,
        community_codes=[ZHONGHUA_C1],
        mode="several_in_one",
        grid_code="WG-1",
        **common,
    )
    assert ServiceStation.objects.count() == 2
    cover = {c.code: c.stations for c in selectors.station_coverage(actor=so)}
    assert cover == {ZHONGHUA_C1: 2, ZHONGHUA_C2: 0}


# ------------------------------------------------------------------------------ purchases, villages
def test_purchase_evaluation_and_base_village_projects(divisions, users, clock):
    da = users["district_approver"]
    p = services.purchase_register(
        actor=da,
        title="社工服务",
        kind="social_work",
        division_code="350203",
        provider="某中心",
        contract_number="GM-1",
        starts_on=dt.date(2018, 1, 1),
        ends_on=dt.date(2018, 12, 31),
        amount_fen=30_000_000,
    )
    e = _refused(
        "plan_purchase_invalid",
        lambda: services.purchase_evaluate(
            actor=da, purchase_id=p.pk, beneficiaries=10, volunteer_hours=5, score=120
        ),
    )
    assert e.problems[0].field == "score"
    services.purchase_evaluate(
        actor=da, purchase_id=p.pk, beneficiaries=320, volunteer_hours=800, score=91
    )
    totals = selectors.purchase_totals(selectors.purchases_visible_to(da))
    assert (totals["amount"], totals["served"], totals["hours"]) == (30_000_000, 320, 800)
    _refused(
        "not_permitted",
        lambda: services.purchase_register(
            actor=users["street_officer"],
            title="x",
            kind="volunteer",
            division_code=ZHONGHUA,
            provider="x",
            contract_number="GM-2",
            starts_on=dt.date(2018, 1, 1),
            ends_on=dt.date(2018, 2, 1),
            amount_fen=1,
        ),
    )
    weak = services.base_village_register(actor=da, village_code=ZHONGHUA_C1, weak=True)
    other = services.base_village_register(actor=da, village_code=ZHONGHUA_C2)
    _refused(
        "plan_project_invalid",
        lambda: services.base_village_register(actor=da, village_code=ZHONGHUA_C1),
    )
    a = services.village_project_add(
        actor=da, village_id=weak.pk, kind="memorial", title="纪念碑", year=2018, budget_fen=600_00
    )
    services.village_project_add(
        actor=da, village_id=other.pk, kind="economy", title="产业", year=2018, budget_fen=200_00
    )
    services.village_project_progress(
        actor=da, project_id=a.pk, status="done", percent=100, spent_fen=590_00
    )
    assert selectors.weak_village_share(selectors.projects_visible_to(da)) == (600_00, 800_00)
    assert [v.weak for v in selectors.villages_visible_to(da)] == [True, False]  # weak first


# ------------------------------------------------------------------------------ placements
def test_placements_one_open_per_person_and_beds(registry, users, clock):
    so = users["street_officer"]
    home = services.institution_register(
        actor=users["district_approver"], name="福利中心", division_code="350203", beds=1
    )
    services.placement_start(
        actor=so, person_id=registry.zhang_wei.pk, institution_id=home.pk, on=dt.date(2019, 1, 1)
    )
    _refused(
        "plan_already_placed",
        lambda: services.placement_start(
            actor=so,
            person_id=registry.zhang_wei.pk,
            institution_id=home.pk,
            on=dt.date(2019, 2, 1),
        ),
    )
    _refused(
        "plan_institution_full",
        lambda: services.placement_start(
            actor=so,
            person_id=registry.wang_fang.pk,
            institution_id=home.pk,
            on=dt.date(2019, 2, 1),
        ),
    )
    with pytest.raises(NotFoundError):  # a person outside the street
        services.placement_start(
            actor=so, person_id=registry.chen_jie.pk, institution_id=home.pk, on=dt.date(2019, 2, 1)
        )
    placed = selectors.placements_visible_to(so).get()
    services.placement_end(actor=so, placement_id=placed.pk, on=dt.date(2019, 3, 1))
    services.placement_start(
        actor=so, person_id=registry.wang_fang.pk, institution_id=home.pk, on=dt.date(2019, 3, 2)
    )
    _refused("not_permitted", lambda: selectors.placements_visible_to(users["community_worker"]))


# ------------------------------------------------------------------------------ snapshots
def test_snapshot_of_a_month_and_its_trend(registry, users, clock):
    admin = users["city_admin"]
    n = services.snapshot_take(actor=admin, month="2019-05")
    districts = 6
    streets = (
        Snapshot.objects.filter(indicator="verification_coverage", month="2019-05").count()
        - 1
        - districts
    )
    assert streets > 0
    assert n == 7 * (1 + districts + streets)
    cov = Snapshot.objects.get(
        indicator="verification_coverage", month="2019-05", division_code="350200"
    )
    assert (cov.numerator, cov.denominator, cov.available) == (0, 3, True)
    homes = Snapshot.objects.get(
        indicator="homes_built_total", month="2019-05", division_code="350200"
    )
    assert (homes.available, homes.reason) == (False, "no_homes")
    # again: replaced, not doubled; the trend reads them
    services.snapshot_take(actor=None, month="2019-05")  # the monthly job
    services.snapshot_take(actor=admin, month="2019-06")
    assert Snapshot.objects.filter(month="2019-05").count() == n
    points = selectors.trend(actor=admin, key="verification_coverage")
    assert [p.month for p in points] == ["2019-05", "2019-06"]
    _refused("plan_month_invalid", lambda: services.snapshot_take(actor=admin, month="2019-13"))
    _refused("plan_month_invalid", lambda: services.snapshot_take(actor=admin, month="2019-07"))
    _refused(
        "not_permitted",
        lambda: services.snapshot_take(actor=users["district_approver"], month="2019-05"),
    )
