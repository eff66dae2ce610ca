"""The medical-assistance screens: settlements scoped to the jurisdiction's persons, a person's
annual room, hospitals' statements for the city (made and downloaded from the page)."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from safetynet.medical import services
from safetynet.medical.models import HospitalStatement, Settlement
from tests.helpers.institutions import result_upload
from tests.helpers.medical import settle_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def settled(hospital, registry):
    services.settlement_create(hospital=hospital, data=settle_body(registry.zhang_wei, "S1"))
    services.settlement_create(hospital=hospital, data=settle_body(registry.chen_jie, "S2"))
    Settlement.objects.update(settled_at=timezone.make_aware(dt.datetime(2019, 7, 15, 10)))
    return registry


@pytest.mark.parametrize(
    "role, visible",
    [("city_admin", {"S1", "S2"}), ("street_officer", {"S1"}), ("huli_officer", {"S2"})],
)
def test_settlements_are_scoped_to_the_jurisdiction(client, users, settled, role, visible):
    client.force_login(users[role])
    response = client.get("/medical/?month=2019-07")
    assert response.status_code == 200
    text = response.content.decode()
    assert {n for n in ("S1", "S2") if f">{n}<" in text} == visible
    assert "医疗救助结算记录" in text


def test_person_page_shows_the_annual_room(client, users, settled):
    client.force_login(users["street_officer"])
    text = client.get(f"/medical/persons/{settled.zhang_wei.pk}/").content.decode()
    assert "年度救助额度" in text and "99400.00" in text and "600.00" in text
    assert client.get(f"/medical/persons/{settled.chen_jie.pk}/").status_code == 404


def test_statements_made_and_downloaded_by_the_city_only(client, users, settled, hospital):
    client.force_login(users["street_officer"])
    assert client.get("/medical/statements/").status_code == 403
    client.force_login(users["auditor"])
    response = client.post("/medical/statements/", {"action": "make", "month": "2019-07"})
    assert response.status_code == 403
    assert not HospitalStatement.objects.exists()
    client.force_login(users["city_admin"])
    client.post("/medical/statements/", {"action": "make", "month": "2019-07"})
    st = HospitalStatement.objects.get()
    assert st.amount_fen == 135000
    text = client.get("/medical/statements/?month=2019-07").content.decode()
    assert "1350.00" in text and "厦门市第一医院" in text
    xlsx = client.get(f"/medical/statements/{st.pk}.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert "医疗救助" in sheet["A1"].value


def test_settlements_list_sorts_filters_and_picks_a_division(client, users, settled):
    """ADR 1033: the settlements list on the list component."""
    client.force_login(users["city_admin"])
    r = client.get("/medical/", {"sort": "number"})
    assert [s.number for s in r.context["list"].rows] == ["S1", "S2"]
    assert r.context["list"].page.paginator.count == 2
    r = client.get("/medical/", {"sort": "-number"})
    assert [s.number for s in r.context["list"].rows] == ["S2", "S1"]
    body = r.content.decode()
    assert 'data-testid="division-picker"' in body and 'data-testid="pager"' in body
    r = client.get("/medical/", {"q": settled.zhang_wei.name})
    assert [s.number for s in r.context["list"].rows] == ["S1"]
    r = client.get("/medical/", {"q": "S2"})
    assert [s.number for s in r.context["list"].rows] == ["S2"]
    r = client.get("/medical/", {"division": "350206"})  # 湖里区: 陈杰's settlement only
    assert [s.number for s in r.context["list"].rows] == ["S2"]


def test_reimbursement_file_and_bank_result_uploaded_on_the_page(client, users, settled):
    """The payable file made and downloaded on the statements page, the bank's result uploaded
    there: a wrong amount refuses the whole file (nothing changes), the right one pays."""

    from safetynet.payments import bank_format

    client.force_login(users["city_admin"])
    client.post("/medical/statements/", {"action": "make", "month": "2019-07"})
    client.post("/medical/statements/", {"action": "pay", "month": "2019-07"})
    st = HospitalStatement.objects.get()
    rf = st.bank_file
    page = client.get("/medical/statements/?month=2019-07").content.decode()
    assert rf.reference in page
    download = client.get(f"/medical/files/{rf.pk}/")
    [line] = bank_format.read_payment_file(b"".join(download.streaming_content)).rows
    assert line.amount_fen == 135000

    def upload(amount):
        return result_upload(client, "/medical/statements/", rf, line, amount, dt.date(2019, 8, 12))

    assert "result_file_invalid" in upload(135001).content.decode()
    st.refresh_from_db()
    assert st.paid_on is None
    assert "成功 1 笔" in upload(135000).content.decode()
    st.refresh_from_db()
    assert st.paid_on is not None
    # the street officer may neither download nor upload
    client.force_login(users["street_officer"])
    assert client.get(f"/medical/files/{rf.pk}/").status_code == 403
