"""The payroll pages: the list, the payroll page (totals, differences, approvals, filtered lines),
check and approve through the forms with refusals as messages, the recoveries and their
write-off, and the household page's payments — each scoped to the user's jurisdiction."""

import pytest
from django.urls import reverse

from safetynet.accounts.models import Role
from safetynet.payments.flow_models import Recovery
from safetynet.payments.models import Payroll
from safetynet.payments.recoveries import recoveries_detect
from tests.helpers.city import make_user
from tests.helpers.payroll_flow import add_line, make_payroll

pytestmark = pytest.mark.django_db


@pytest.fixture
def payroll(registry, users):
    p = make_payroll("2024-05", prepared_by=users["city_admin"])
    add_line(p, person=registry.zhang_wei, household=registry.zh1, amount_fen=60000, reason="低保")
    add_line(p, person=registry.wang_fang, household=registry.zh2, amount_fen=35050)
    add_line(
        p, person=registry.chen_jie, household=registry.hl1, program="tekun", amount_fen=108000
    )
    return p


def test_list_and_page_are_scoped(client, payroll, users):
    client.force_login(users["district_approver"])
    body = client.get(reverse("payments:payrolls")).content.decode()
    assert "2024-05" in body and "950.50" in body and "1,080.00" not in body
    body = client.get(reverse("payments:payroll", args=[payroll.pk])).content.decode()
    assert "张伟" in body and "王芳" in body and "陈杰" not in body
    body = client.get(
        reverse("payments:payroll", args=[payroll.pk]), {"name": "王"}
    ).content.decode()
    assert "王芳" in body and "张伟</a>" not in body
    client.force_login(users["verification_operator"])
    assert client.get(reverse("payments:payrolls")).status_code == 403
    client.force_login(users["district_approver"])
    assert client.get(reverse("payments:payroll", args=[999999])).status_code == 404


def test_check_and_approve_through_the_forms(client, payroll, users):
    finance = make_user("fin", Role.CITY_FINANCE, "350200")
    huli = make_user("hda", Role.DISTRICT_APPROVER, "350206")
    client.force_login(users["city_admin"])
    r = client.post(reverse("payments:check", args=[payroll.pk]))
    assert r.status_code == 422
    assert "编制发放名册的人员不得复核该名册。" in r.content.decode()
    client.force_login(finance)
    r = client.post(reverse("payments:check", args=[payroll.pk]))
    assert r.status_code == 302
    client.force_login(users["district_approver"])
    page = client.get(reverse("payments:payroll", args=[payroll.pk])).content.decode()
    assert 'data-testid="approve-350203"' in page and "approve-350206" not in page
    r = client.post(reverse("payments:approve", args=[payroll.pk]), {"scope": "350203"})
    assert r.status_code == 302
    r = client.post(reverse("payments:approve", args=[payroll.pk]), {"scope": "350203"})
    assert r.status_code == 422
    client.force_login(huli)
    client.post(reverse("payments:approve", args=[payroll.pk]), {"scope": "350206"})
    assert Payroll.objects.get(pk=payroll.pk).status == "approved"


def test_recoveries_list_and_write_off(client, registry, users):
    p = make_payroll("2020-01", prepared_by=users["city_admin"], status="closed")
    add_line(
        p,
        person=registry.wang_fang,
        household=registry.zh2,
        program="low_income",
        amount_fen=50000,
        status="paid",
    )
    recoveries_detect()
    rec = Recovery.objects.get()
    client.force_login(users["district_approver"])
    body = client.get(reverse("payments:recoveries")).content.decode()
    assert "王芳" in body and "500.00" in body
    r = client.post(reverse("payments:write-off", args=[rec.pk]), {f"wo{rec.pk}-reason": ""})
    assert r.status_code == 422
    r = client.post(
        reverse("payments:write-off", args=[rec.pk]), {f"wo{rec.pk}-reason": "无法追回"}
    )
    assert r.status_code == 302
    rec.refresh_from_db()
    assert (rec.status, rec.written_off_fen, rec.write_off_reason) == (
        "written_off",
        50000,
        "无法追回",
    )
    client.force_login(users["huli_officer"])
    assert "王芳" not in client.get(reverse("payments:recoveries")).content.decode()


def test_household_page_shows_what_was_paid(client, payroll, users, registry):
    client.force_login(users["street_officer"])
    body = client.get(reverse("household-detail", args=[registry.zh1.pk])).content.decode()
    assert 'data-testid="household-payments"' in body
    assert "2024-05" in body and "600.00" in body and "低保" in body
    client.force_login(users["community_worker"])  # no payroll ability: no section
    body = client.get(reverse("household-detail", args=[registry.zh1.pk])).content.decode()
    assert 'data-testid="household-payments"' not in body


def test_lines_sort_filter_page_with_the_true_count_and_pick_a_division(
    client, payroll, users, monkeypatch
):
    """ADR 1035: the payroll's lines on the list component; the existing filters kept."""
    from safetynet.web import lists

    url = reverse("payments:payroll", args=[payroll.pk])
    client.force_login(users["city_admin"])
    r = client.get(url, {"sort": "amount"})
    assert [x.amount_fen for x in r.context["list"].rows] == [35050, 60000, 108000]
    assert r.context["list"].page.paginator.count == 3
    r = client.get(url, {"sort": "-amount"})
    assert [x.amount_fen for x in r.context["list"].rows] == [108000, 60000, 35050]
    body = r.content.decode()
    assert 'data-testid="division-picker"' in body and 'data-testid="pager"' in body
    assert 'aria-sort="descending"' in body
    r = client.get(url, {"name": "王"})
    assert [x.person.name for x in r.context["list"].rows] == ["王芳"]
    r = client.get(url, {"district": "350206"})  # 湖里区: 陈杰's line only
    assert [x.amount_fen for x in r.context["list"].rows] == [108000]
    r = client.get(url, {"program": "tekun", "status": "pending"})
    assert [x.amount_fen for x in r.context["list"].rows] == [108000]
    monkeypatch.setattr(lists, "PAGE_SIZE", 2)
    r = client.get(url, {"sort": "amount", "page": "2"})
    listing = r.context["list"]
    assert listing.page.paginator.num_pages == 2 and listing.page.paginator.count == 3
    assert [x.amount_fen for x in listing.rows] == [108000]
    assert "共3条 · 第2/2页" in r.content.decode()
