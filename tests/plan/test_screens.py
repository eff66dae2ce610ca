"""The plan's screens through Django's test client: the dashboard and its drill-down, a target's
page, the tasks (progress form, overdue flag, attachment download), the facility lists, the
grid feed and the progress report PDF; jurisdiction answers 404, a reading role 403."""

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from safetynet.plan import seed, services
from safetynet.plan.models import PlanTask, ProgressReport
from tests.helpers.city import ZHONGHUA, ZHONGHUA_C1

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def plan(registry, users, clock):
    seed.seed_tasks(actor=users["city_admin"])
    services.home_register(
        actor=users["community_worker"],
        name="测试幸福院",
        village_code=ZHONGHUA_C1,
        kind="home",
        approved_on=dt.date(2018, 1, 1),
        subsidy_fen=12_345_00,
    )
    services.station_register(
        actor=users["street_officer"],
        name="测试工作站",
        street_code=ZHONGHUA,
        community_codes=[ZHONGHUA_C1],
        mode="one_per",
        services=["低保受理"],
        opening_hours="8:30-17:30",
        opened_on=dt.date(2018, 1, 1),
        grid_code="WG-1",
    )
    services.snapshot_take(actor=users["city_admin"], month="2019-05")
    return users


def test_dashboard_drills_from_city_to_district(client, plan):
    client.force_login(plan["city_admin"])
    page = client.get("/plan/").content.decode()
    assert "实施方案目标完成情况" in page and "分区情况" in page
    assert "暂无数据" in page and "尚未登记供养服务机构" in page  # no made-up number
    assert 'href="?division=350203' in page
    district = client.get("/plan/?division=350203").content.decode()
    assert "分街镇情况" in district and "中华街道" in district
    # a district approver sees 思明区 and not 湖里区
    client.force_login(plan["district_approver"])
    assert client.get("/plan/?division=350206").status_code == 404
    assert "中华街道" in client.get("/plan/").content.decode()


def test_target_page_shows_the_trend_and_who_is_behind(client, plan):
    client.force_login(plan["city_admin"])
    page = client.get("/plan/targets/verification_coverage/").content.decode()
    assert "2019-05" in page and "进度落后的单位" in page and "思明区" in page
    assert client.get("/plan/targets/nope/").status_code == 404


def test_task_page_progress_overdue_and_attachment(client, plan):
    task = PlanTask.objects.get(code="三㈠（思明区）")
    client.force_login(plan["district_approver"])
    page = client.get(f"/plan/tasks/{task.pk}/").content.decode()
    assert "逾期" in page  # due 2017-03-31, not done
    r = client.post(
        f"/plan/tasks/{task.pk}/",
        {"action": "report", "period": "2019-06", "percent": "70", "text": "已完成初稿"},
    )
    assert r.status_code == 302 and ProgressReport.objects.get(task=task).percent == 70
    r = client.post(
        f"/plan/tasks/{task.pk}/",
        {
            "action": "attach",
            "kind": "district_plan",
            "title": "思明区方案",
            "file": SimpleUploadedFile("a.pdf", PDF),
        },
    )
    assert r.status_code == 302
    a = task.attachments.get()
    download = client.get(f"/plan/attachments/{a.pk}/")
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == PDF
    # 湖里区's street officer: the task and the file are not found
    client.force_login(plan["huli_officer"])
    assert client.get(f"/plan/tasks/{task.pk}/").status_code == 404
    assert client.get(f"/plan/attachments/{a.pk}/").status_code == 404
    overdue = client.get("/plan/tasks/?overdue=1").content.decode()
    assert "二㈠1" in overdue and "二㈤" not in overdue


def test_facility_lists_feed_and_report(client, plan):
    client.force_login(plan["city_admin"])
    for url, text in [
        ("/plan/homes/", "测试幸福院"),
        ("/plan/homes/?district=350206", "尚未登记农村幸福院"),
        ("/plan/stations/", "测试工作站"),
        ("/plan/purchases/", "政府购买"),
        ("/plan/villages/", "老区基点村"),
        ("/plan/placements/", "暂无入住人员"),
        ("/plan/attachments/", "区级实施方案"),
    ]:
        assert text in client.get(url).content.decode(), url
    feed = json.loads(client.get("/plan/stations/feed.json").content)
    assert feed["stations"][0]["grid_code"] == "WG-1"
    assert feed["stations"][0]["communities"][0]["code"] == ZHONGHUA_C1
    pdf = client.get("/plan/report.pdf?as_of=2019-06-30")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    from tests.helpers.chinese import pdf_text

    text = "\n".join(pdf_text(pdf.content))
    assert "困难群众帮扶实施方案进展报告" in text and "逾期任务" in text
    # the community worker may not see placements
    client.force_login(plan["community_worker"])
    assert client.get("/plan/placements/").status_code == 403


def test_home_stage_form_refusal_is_a_message(client, plan):
    client.force_login(plan["community_worker"])
    from safetynet.plan.models import HappinessHome

    h = HappinessHome.objects.get()
    r = client.post(
        f"/plan/homes/{h.pk}/", {"status": "operating", "on": "2019-01-01"}, follow=True
    )
    assert "幸福院须依次经过立项、在建、建成、运营" in r.content.decode()
    r = client.post(f"/plan/homes/{h.pk}/", {"status": "building", "on": "2019-01-01"}, follow=True)
    h.refresh_from_db()
    assert h.status == "building"


def test_placement_recorded_and_ended_on_the_page(client, plan, registry):
    from safetynet.plan.models import CareInstitution, CarePlacement

    home = CareInstitution.objects.create(name="思明区社会福利中心", division_id="350203", beds=3)
    client.force_login(plan["street_officer"])
    r = client.post(
        "/plan/placements/",
        {
            "action": "start",
            "id_number": registry.zhang_wei.id_number,
            "institution": home.pk,
            "on": "2019-06-01",
        },
    )
    assert r.status_code == 302
    placed = CarePlacement.objects.get()
    assert "张伟" in client.get("/plan/placements/").content.decode()
    # outside the street: named on the field, nothing written
    page = client.post(
        "/plan/placements/",
        {
            "action": "start",
            "id_number": registry.chen_jie.id_number,
            "institution": home.pk,
            "on": "2019-06-01",
        },
    ).content.decode()
    assert "辖区内无此人" in page and CarePlacement.objects.count() == 1
    client.post("/plan/placements/", {"action": "end", "placement": placed.pk, "on": "2019-06-20"})
    placed.refresh_from_db()
    assert placed.end_on.isoformat() == "2019-06-20"


def test_station_purchase_and_project_forms(client, plan):
    from safetynet.plan.models import ServicePurchase, ServiceStation, VillageProject

    client.force_login(plan["street_officer"])
    r = client.post(
        "/plan/stations/",
        {
            "name": "联合站",
            "street": ZHONGHUA,
            "communities": f"{ZHONGHUA_C1}，350203002002",
            "mode": "one_for_several",
            "services": "低保受理、临时救助",
            "opening_hours": "9:00-17:00",
            "opened_on": "2019-01-01",
        },
    )
    assert r.status_code == 302
    station = ServiceStation.objects.get(name="联合站")
    assert station.services == ["低保受理", "临时救助"] and station.communities.count() == 2
    page = client.post(
        "/plan/stations/",
        {
            "name": "错站",
            "street": ZHONGHUA,
            "communities": ZHONGHUA_C1,
            "mode": "one_for_several",
            "services": "x",
            "opening_hours": "x",
            "opened_on": "2019-01-01",
        },
        follow=True,
    ).content.decode()
    assert "服务站所服务的社区与设置方式不符" in page
    da = plan["district_approver"]
    p = services.purchase_register(
        actor=da,
        title="社工",
        kind="social_work",
        division_code="350203",
        provider="中心",
        contract_number="GM-9",
        starts_on=dt.date(2019, 1, 1),
        ends_on=dt.date(2019, 12, 31),
        amount_fen=100,
    )
    v = services.base_village_register(actor=da, village_code=ZHONGHUA_C1, weak=True)
    pr = services.village_project_add(
        actor=da, village_id=v.pk, kind="site", title="旧址", year=2019, budget_fen=500_000
    )
    client.force_login(da)
    client.post(
        f"/plan/purchases/{p.pk}/", {"beneficiaries": "12", "volunteer_hours": "30", "score": "88"}
    )
    p.refresh_from_db()
    assert (p.beneficiaries, p.volunteer_hours, p.score) == (12, 30, 88)
    client.post(
        f"/plan/projects/{pr.pk}/", {"status": "building", "percent": "40", "spent": "1234.50"}
    )
    pr.refresh_from_db()
    assert (pr.status, pr.percent, pr.spent_fen) == ("building", 40, 123_450)
    # the street officer may not evaluate: the 403 page
    client.force_login(plan["street_officer"])
    assert (
        client.post(
            f"/plan/purchases/{p.pk}/", {"beneficiaries": "1", "volunteer_hours": "1"}
        ).status_code
        == 403
    )
    assert ServicePurchase.objects.get().beneficiaries == 12 and VillageProject.objects.count() == 1
