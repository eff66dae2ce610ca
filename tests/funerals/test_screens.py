"""The staff's funeral screens: what the funeral homes recorded (per home and month), the homes'
monthly statements made, paid by a bank file and settled by the bank's answer uploaded on the
page; refusals shown and nothing changed; roles and jurisdiction enforced.

Hand-computed (fee schedule of tests/funerals/test_homes_api.py): a cremation with the five
fees 1,450.00 yuan, a sea burial 600.00: 2,050.00 for the home's March."""

import datetime as dt

import pytest

from safetynet.funerals.models import FuneralStatement
from safetynet.payments import bank_format
from tests.funerals.test_homes_api import ALL, body, home, home_key, post  # noqa: F401
from tests.helpers.institutions import result_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(client, home_key, registry):  # noqa: F811
    post(client, body(registry.zhang_wei, "BZ-1", fees=ALL), home_key)
    post(client, body(registry.zhang_wei, "BZ-2", kind="sea_burial"), home_key)
    return registry.zhang_wei


def test_funeral_home_records_per_home_and_month(client, users, recorded):
    client.force_login(users["street_officer"])
    page = client.get("/funerals/services/?month=2024-03").content.decode()
    assert "BZ-1" in page and "BZ-2" in page and "厦门市殡仪馆" in page
    assert "1450.00" in page and "600.00" in page
    assert recorded.id_number not in page  # masked
    from tests.helpers.chinese import html_text, problems

    assert problems(html_text(page), data={"BZ-1", "BZ-2", "so"}) == []
    # filtered by kind and by another month
    page = client.get("/funerals/services/?kind=sea_burial").content.decode()
    assert "BZ-2" in page and "BZ-1" not in page
    page = client.get("/funerals/services/?month=2024-04").content.decode()
    assert "BZ-1" not in page
    # another district's officer sees none of them
    client.force_login(users["huli_officer"])
    assert "BZ-1" not in client.get("/funerals/services/").content.decode()


def test_statements_made_paid_and_settled_on_the_page(client, users, recorded):
    admin = users["city_admin"]
    client.force_login(users["street_officer"])
    assert client.get("/funerals/statements/").status_code == 403
    client.force_login(admin)
    r = client.post("/funerals/statements/", {"action": "make", "month": "2024-03"}, follow=True)
    st = FuneralStatement.objects.get()
    assert (st.services_count, st.amount_fen) == (2, 205_000)
    assert "2050.00" in r.content.decode()
    client.post("/funerals/statements/", {"action": "pay", "month": "2024-03"})
    st.refresh_from_db()
    rf = st.bank_file
    download = client.get(f"/funerals/files/{rf.pk}/")
    assert download.status_code == 200
    pf = bank_format.read_payment_file(b"".join(download.streaming_content))
    [line] = pf.rows
    assert line.amount_fen == 205_000

    def upload(amount):
        return result_upload(client, "/funerals/statements/", rf, line, amount, dt.date(2024, 4, 4))

    # another amount than the line's: the whole file is refused, nothing changes
    r = upload(205_001)
    assert "result_file_invalid" in r.content.decode()
    st.refresh_from_db()
    assert st.paid_on is None
    r = upload(205_000)
    st.refresh_from_db()
    assert st.paid_on is not None
    assert "已支付" in r.content.decode() or "Paid" in r.content.decode()
