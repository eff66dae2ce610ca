"""The verification pages through Django's test client: the whole flow, errors, 404s and 403s."""

import pytest
from django.urls import reverse

from safetynet.simulated.agencies.manual import answer_request_file
from safetynet.verification.models import AccessLog, QueryStatus, Report, VerificationRequest
from tests.helpers.verification import street_user

pytestmark = pytest.mark.django_db


def _open(client, django_capture_on_commit_callbacks, c):
    data = {
        "purpose": "application",
        "program": "dibao",
        "month": "2020-06",
        "signed_by": c.head["person_id"],
        "signed_on": "2020-06-01",
        "financial_assets": f"{c.household['declared_financial_assets_fen'] / 100:.2f}",
        "vehicles": 0,
        "homes": c.household["declared_homes"],
        "businesses": 0,
        "medical_oop": "0",
        "authorization_scan": _scan(),
    }
    for pid, income in c.declared_income.items():
        for kind, fen in income.items():
            data[f"income_{pid}_{kind}"] = f"{fen / 100:.2f}"
    url = reverse("verification:request-open", args=[c.household_id])
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(url, data)


def _scan():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n signed", "image/png")


@pytest.mark.slow
def test_whole_flow(
    client, django_capture_on_commit_callbacks, agencies, agency_city, caseworker, city_facts
):
    client.force_login(caseworker)
    c = city_facts.honest
    page = client.get(reverse("verification:request-open", args=[c.household_id]))
    assert page.status_code == 200 and "授权书" in page.content.decode()
    response = _open(client, django_capture_on_commit_callbacks, c)
    assert response.status_code == 302, response.content.decode()[:2000]
    req = VerificationRequest.objects.get()
    assert (
        req.declared["household"]["financial_assets_fen"]
        == c.household["declared_financial_assets_fen"]
    )
    detail = client.get(response.url)
    html = detail.content.decode()
    assert req.number in html and 'data-status="answered"' in html
    assert "hx-trigger" not in html  # nothing automatic left to wait for
    # A bad file: per-row errors, nothing imported.
    tax = req.queries.get(source="tax")
    bad = client.post(
        reverse("verification:query-import", args=[tax.pk]),
        {"response_file": _upload("tax.xlsx", b"not a workbook")},
    )
    assert bad.status_code == 422 and "import-errors" in bad.content.decode()
    for q in req.queries.filter(status=QueryStatus.PENDING):
        got = client.get(reverse("verification:query-file", args=[q.pk, "exchange"]))
        assert got.status_code == 200
        name, content, _ = answer_request_file(
            city=agency_city, content=b"".join(got.streaming_content)
        )
        ok = client.post(
            reverse("verification:query-import", args=[q.pk]),
            {"response_file": _upload(name, content)},
        )
        assert ok.status_code == 302
    built = client.post(reverse("verification:report-build", args=[req.pk]))
    assert built.status_code == 302
    report = Report.objects.get()
    html = client.get(built.url).content.decode()
    assert report.number in html and "符合条件" in html
    pdf = client.get(reverse("verification:report-pdf", args=[report.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
    assert AccessLog.objects.filter(user=caseworker).count() >= 4
    home = client.get(reverse("verification:home"))
    assert home.status_code == 200 and 'data-testid="coverage-total"' in home.content.decode()


def _upload(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_outsider_gets_404_and_admin_403(
    client, django_capture_on_commit_callbacks, agencies, users, caseworker, city_facts
):
    client.force_login(caseworker)
    _open(client, django_capture_on_commit_callbacks, city_facts.honest)
    req = VerificationRequest.objects.get()
    client.get(reverse("verification:request-detail", args=[req.pk]))  # logged
    other = "350206001" if not city_facts.honest.division.startswith("350206001") else "350203002"
    client.force_login(street_user("outsider", "street_officer", other))
    for url in (
        reverse("verification:request-detail", args=[req.pk]),
        reverse("verification:request-sources", args=[req.pk]),
        reverse("verification:request-open", args=[city_facts.honest.household_id]),
    ):
        assert client.get(url).status_code == 404, url
    client.force_login(users["city_admin"])
    assert client.get(reverse("verification:request-detail", args=[req.pk])).status_code == 403
    assert client.get(reverse("verification:access-log")).status_code == 403
    client.force_login(users["auditor"])
    assert client.get(reverse("verification:request-detail", args=[req.pk])).status_code == 403
    log = client.get(reverse("verification:access-log"))
    assert log.status_code == 200 and req.number in log.content.decode()
    # ADR 1033: sortable, a text filter and the division picker
    log = client.get(reverse("verification:access-log"), {"q": req.number, "sort": "-user"})
    assert log.context["list"].page.paginator.count >= 1
    assert req.pk in {row.request_id for row in log.context["list"].rows}
    assert 'data-testid="division-picker"' in log.content.decode()
    log = client.get(reverse("verification:access-log"), {"q": "没有这个用途"})
    assert log.context["list"].page.paginator.count == 0


def test_open_without_scan_shows_the_error(client, caseworker, city_facts):
    client.force_login(caseworker)
    c = city_facts.honest
    response = client.post(
        reverse("verification:request-open", args=[c.household_id]),
        {
            "purpose": "application",
            "program": "dibao",
            "month": "2020-06",
            "signed_by": c.head["person_id"],
            "signed_on": "2020-06-01",
        },
    )
    assert response.status_code == 200
    assert (
        "no authorization, no query" in response.content.decode().lower()
        or "没有授权" in response.content.decode()
    )
    assert not VerificationRequest.objects.exists()


def test_coverage_refuses_a_date_before_1900_instead_of_failing(client, users):
    client.force_login(users["street_officer"])
    page = client.get(reverse("verification:home"), {"as_of": "0001-01-01"})
    assert page.status_code == 200
