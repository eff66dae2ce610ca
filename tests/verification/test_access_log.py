"""Who sees verification data, and the log of every look at it."""

import datetime as dt

import pytest

from safetynet.accounts.models import Role
from safetynet.verification import selectors
from safetynet.verification.errors import NotFoundError, ServiceError
from safetynet.verification.models import AccessAction, AccessLog
from tests.helpers.verification import full_report, open_and_dispatch, street_user

pytestmark = pytest.mark.django_db


@pytest.mark.slow
def test_every_view_is_logged(
    django_capture_on_commit_callbacks, agencies, agency_city, caseworker, city_facts
):
    report = full_report(
        django_capture_on_commit_callbacks, caseworker, city_facts.honest, agency_city
    )
    request = report.request
    assert not AccessLog.objects.exists()  # the services themselves show nothing
    selectors.request_get(actor=caseworker, request_id=request.pk)
    selectors.report_get(actor=caseworker, report_id=report.pk)
    selectors.report_pdf_get(actor=caseworker, report_id=report.pk)
    selectors.request_status(actor=caseworker, request_id=request.pk)  # the poll: not logged
    list(selectors.request_list(actor=caseworker))  # a list: not logged
    rows = list(AccessLog.objects.order_by("id"))
    assert [r.action for r in rows] == [
        AccessAction.VIEW_REQUEST,
        AccessAction.VIEW_REPORT,
        AccessAction.DOWNLOAD_PDF,
    ]
    for r in rows:
        assert r.user == caseworker
        assert r.request == request and r.household_id == request.household_id
        assert r.purpose.startswith(request.number)
        assert "定期复核" in r.purpose or "Periodic review" in r.purpose
    assert report.number in rows[2].purpose


def test_roles(django_capture_on_commit_callbacks, agencies, users, caseworker, city_facts):
    request = open_and_dispatch(django_capture_on_commit_callbacks, caseworker, city_facts.honest)
    district = city_facts.honest.division[:6]
    community = city_facts.honest.division
    allowed = [
        users["verification_operator"],
        street_user("da2", Role.DISTRICT_APPROVER, district),
        street_user("cw2", Role.COMMUNITY_WORKER, community),
        caseworker,
    ]
    for u in allowed:
        assert selectors.request_get(actor=u, request_id=request.pk).pk == request.pk
    for u in (users["city_admin"], users["auditor"]):
        with pytest.raises(ServiceError) as err:
            selectors.request_get(actor=u, request_id=request.pk)
        assert err.value.code == "not_permitted"
        assert not selectors.request_list(actor=u).exists()
    # Another street's officer: as if it did not exist.
    other = "350206001" if not community.startswith("350206001") else "350203002"
    outsider = street_user("outsider", Role.STREET_OFFICER, other)
    with pytest.raises(NotFoundError):
        selectors.request_get(actor=outsider, request_id=request.pk)
    assert not selectors.request_list(actor=outsider).exists()
    assert AccessLog.objects.filter(user=outsider).count() == 0


def test_auditor_lists_the_log_but_not_the_data(
    django_capture_on_commit_callbacks, agencies, users, caseworker, city_facts
):
    request = open_and_dispatch(django_capture_on_commit_callbacks, caseworker, city_facts.honest)
    selectors.request_get(actor=caseworker, request_id=request.pk)
    log = list(selectors.access_log_list(actor=users["auditor"]))
    assert len(log) == 1 and log[0].user == caseworker
    assert list(selectors.access_log_list(actor=users["auditor"], request_number=request.number))
    for role in ("city_admin", "verification_operator"):
        with pytest.raises(ServiceError):
            selectors.access_log_list(actor=users[role])
    with pytest.raises(ServiceError):
        selectors.access_log_list(actor=caseworker)


def test_coverage(
    django_capture_on_commit_callbacks, agencies, agency_city, users, operator, city_facts
):
    today = dt.date.today()
    before = selectors.coverage(actor=operator, as_of=today)
    assert before.total.households > 0 and before.total.verified == 0
    full_report(django_capture_on_commit_callbacks, operator, city_facts.honest, agency_city)
    after = selectors.coverage(actor=operator, as_of=today)
    assert after.total.households == before.total.households
    assert after.total.verified == 1
    district = city_facts.honest.division[:6]
    row = next(r for r in after.districts if r.code == district)
    assert row.verified == 1 and row.households >= 1
    assert sum(r.households for r in after.districts) == after.total.households
    # A year and a day later the report no longer counts.
    later = selectors.coverage(actor=operator, as_of=today + dt.timedelta(days=367))
    assert later.total.verified == 0
    # Jurisdiction: a street officer sees only its street's households.
    street = selectors.coverage(
        actor=street_user("s2", Role.STREET_OFFICER, city_facts.honest.division[:9]), as_of=today
    )
    assert 1 <= street.total.households < after.total.households
    assert street.total.verified == 1
