"""The parameter changes page: propose, see proposed/shipped/in-force side by side, approve by a
second city officer; refusals shown (ADR 1400)."""

import pytest

from safetynet.accounts.models import Role
from safetynet.policy.models import ParameterChange
from tests.helpers.city import make_user

pytestmark = pytest.mark.django_db
URL = "/rules/parameters/changes/"
FORM = {
    "name": "dibao.standard",
    "kind": "new_value",
    "effective": "2020-07-01",
    "value": "850",
    "reference_number": "厦民〔2020〕12号",
    "reference_date": "2020-05-20",
}


@pytest.fixture
def officers(users):
    return {**users, "city_admin_2": make_user("ca2", Role.CITY_ADMIN, "350200")}


def test_propose_then_approve_on_the_page(client, officers):
    client.force_login(officers["city_admin"])
    assert client.post(URL, FORM).status_code == 302
    change = ParameterChange.objects.get()
    page = client.get(URL).content.decode()
    assert f'data-testid="change-{change.pk}"' in page
    assert "800.00" in page and "850.00" in page  # shipped beside proposed
    assert f'data-testid="approve-{change.pk}"' not in page  # not for its author
    client.force_login(officers["city_admin_2"])
    page = client.get(URL).content.decode()
    assert f'data-testid="approve-{change.pk}"' in page
    assert client.post(f"{URL}{change.pk}/approve/", {"note": "局务会"}).status_code == 302
    change.refresh_from_db()
    assert change.status == "approved" and change.approver.username == "ca2"
    params = client.get("/rules/parameters/?on=2020-07-01&program=dibao").content.decode()
    assert "850.00" in params
    assert "厦民〔2020〕12号（2020-05-20）" in params  # the change's legal reference


def test_bad_value_is_shown_on_the_field_and_nothing_written(client, officers):
    client.force_login(officers["city_admin"])
    r = client.post(URL, {**FORM, "value": "850.123"})
    assert r.status_code == 422
    assert "at most two decimals" in r.content.decode()
    assert not ParameterChange.objects.exists()


def test_a_street_officer_reads_but_may_not_propose(client, officers):
    client.force_login(officers["street_officer"])
    page = client.get(URL)
    assert page.status_code == 200 and 'data-testid="propose-form"' not in page.content.decode()
    assert client.post(URL, FORM).status_code == 403
    assert not ParameterChange.objects.exists()


def test_decided_changes_sort_filter_and_page_in_chinese(client, officers):
    """ADR 1033: the decided changes on the list component; parameter names in Chinese and the
    officers' real names, not keys and logins."""
    from safetynet.core.labels import label

    client.force_login(officers["city_admin"])
    for value, effective in (("850", "2020-07-01"), ("860", "2021-07-01")):
        data = {**FORM, "value": value, "effective": effective}
        assert client.post(URL, data).status_code == 302
    ca2 = officers["city_admin_2"]
    ca2.last_name, ca2.first_name = "陈", "志明"
    ca2.save()
    client.force_login(ca2)
    first, second = ParameterChange.objects.order_by("pk")
    assert client.post(f"{URL}{first.pk}/approve/", {"note": "局务会"}).status_code == 302
    assert client.post(f"{URL}{second.pk}/reject/", {"note": "文号有误"}).status_code == 302
    r = client.get(URL)
    assert [row["change"].pk for row in r.context["decided"]] == [second.pk, first.pk]
    assert r.context["list"].page.paginator.count == 2
    r = client.get(URL, {"sort": "id"})
    assert [row["change"].pk for row in r.context["decided"]] == [first.pk, second.pk]
    body = r.content.decode()
    assert label("parameter", "dibao.standard") in body and "陈志明" in body
    assert 'data-testid="pager"' in body
    r = client.get(URL, {"q": label("parameter", "dibao.standard")[:4]})
    assert r.context["list"].page.paginator.count == 2
    assert client.get(URL, {"q": "没有这个参数"}).context["list"].page.paginator.count == 0
