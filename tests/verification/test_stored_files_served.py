"""Stored files (authorization scans, report PDFs, exchange files) are reachable only through views
that check jurisdiction and write the access log; uploads are taken by content (ADR 0730)."""

import importlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import Resolver404, resolve, reverse

from safetynet.verification import services
from safetynet.verification.errors import ServiceError
from safetynet.verification.models import (
    AccessAction,
    AccessLog,
    QueryStatus,
    VerificationRequest,
)
from safetynet.verification.sources.catalog import SOURCES, Mode
from tests.helpers.verification import open_and_dispatch, open_for, street_user

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"/>'
HTML = b"<!doctype html><script>fetch('/persons/export.xlsx')</script>"


def outsider(city_facts):
    """A district approver of another district: sees verification data, not this household's."""
    other = "350206" if not city_facts.honest.division.startswith("350206") else "350203"
    return street_user("outsider", "district_approver", other)


@pytest.fixture
def reported(django_capture_on_commit_callbacks, agencies, caseworker, city_facts):
    """A request dispatched (automatic sources answered, manual request files exported) and
    reported with the manual sources missing."""
    request = open_and_dispatch(django_capture_on_commit_callbacks, caseworker, city_facts.honest)
    report = services.verification_report_build(
        actor=caseworker, request_id=request.pk, allow_missing=True
    )
    manual = request.queries.filter(status=QueryStatus.PENDING).first()
    assert manual is not None and SOURCES[manual.source].mode is Mode.MANUAL
    return request, report, manual


def file_urls(request, report, manual) -> list[str]:
    return [
        reverse("verification:authorization-scan", args=[request.pk]),
        reverse("verification:report-pdf", args=[report.pk]),
        reverse("verification:query-file", args=[manual.pk, "exchange"]),
    ]


def test_anonymous_is_sent_to_login(client, reported):
    for url in file_urls(*reported):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url


def test_outside_the_jurisdiction_is_not_found_and_not_logged(client, reported, city_facts):
    client.force_login(outsider(city_facts))
    before = AccessLog.objects.count()
    for url in file_urls(*reported):
        assert client.get(url).status_code == 404, url
    assert AccessLog.objects.count() == before


def test_inside_is_an_attachment_never_sniffed_nor_cached_and_logged(client, reported, caseworker):
    request, report, manual = reported
    client.force_login(caseworker)
    expected = {
        file_urls(*reported)[0]: ("application/pdf", f"{request.number}-authorization.pdf"),
        file_urls(*reported)[1]: ("application/pdf", f"{report.number}.pdf"),
        file_urls(*reported)[2]: (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Path(manual.exchange_file.name).name,
        ),
    }
    for url, (content_type, filename) in expected.items():
        before = AccessLog.objects.filter(user=caseworker).count()
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
        assert b"".join(response.streaming_content)
        assert AccessLog.objects.filter(user=caseworker).count() == before + 1, url
    actions = list(
        AccessLog.objects.filter(user=caseworker, request=request)
        .order_by("-id")
        .values_list("action", flat=True)[:3]
    )
    assert actions == [
        AccessAction.DOWNLOAD_FILE,
        AccessAction.DOWNLOAD_PDF,
        AccessAction.DOWNLOAD_FILE,
    ]


def test_the_request_page_links_to_the_view_not_to_a_file(client, reported, caseworker):
    request, _report, _manual = reported
    client.force_login(caseworker)
    html = client.get(reverse("verification:request-detail", args=[request.pk])).content.decode()
    assert reverse("verification:authorization-scan", args=[request.pk]) in html
    assert "/media/" not in html and request.authorization_scan.name not in html


def test_a_guessed_media_path_is_not_found(client, reported, caseworker):
    request, report, manual = reported
    client.force_login(caseworker)
    for name in (request.authorization_scan.name, report.pdf.name, manual.exchange_file.name):
        assert (Path(settings.MEDIA_ROOT) / name).is_file()  # the file is there…
        for prefix in ("/media/", "/"):
            assert client.get(prefix + name).status_code == 404  # …and no URL reaches it
    with pytest.raises(NotImplementedError):
        request.authorization_scan.url  # noqa: B018  (the storage has no URLs)


def test_no_settings_module_adds_a_media_route():
    import safetynet.urls

    try:
        with override_settings(DEBUG=True):
            importlib.reload(safetynet.urls)
            for path in ("/media/authorizations/2020/x.pdf", "/media/reports/2020/x.pdf"):
                with pytest.raises(Resolver404):
                    resolve(path, urlconf=safetynet.urls)
    finally:
        importlib.reload(safetynet.urls)
    for module in ("base", "dev", "test", "prod"):
        source = (Path(settings.BASE_DIR) / "safetynet" / "settings" / f"{module}.py").read_text()
        assert "MEDIA_URL" not in source, module
        assert "django.core.files.storage.FileSystemStorage" not in source, module


# ------------------------------------------------------------------ uploads by content
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("授权书.png", SVG),
        ("授权书.pdf", HTML),
        ("scan.svg", SVG),
        ("scan.html", HTML),
        ("scan.jpg", b"GIF89a not a jpeg"),
    ],
)
def test_a_scan_that_is_not_pdf_jpeg_or_png_is_refused(caseworker, city_facts, name, content):
    with pytest.raises(ServiceError) as err:
        open_for(
            caseworker, city_facts.honest, authorization_scan=SimpleUploadedFile(name, content)
        )
    assert err.value.code == "authorization_file_refused"
    assert VerificationRequest.objects.count() == 0
    root = Path(settings.MEDIA_ROOT) / "authorizations"
    assert not any(p.suffix in (".svg", ".html") for p in root.rglob("*"))


@pytest.mark.parametrize(("content", "ext"), [(PNG, "png"), (JPEG, "jpg"), (b"%PDF-1.7 x", "pdf")])
def test_a_scan_is_stored_under_a_server_name_with_the_extension_of_its_content(
    django_capture_on_commit_callbacks, caseworker, city_facts, content, ext
):
    with django_capture_on_commit_callbacks(execute=False):
        request = open_for(
            caseworker,
            city_facts.honest,
            authorization_scan=SimpleUploadedFile("../../看这里.html", content, "text/html"),
        )
    name = Path(request.authorization_scan.name)
    # (the storage adds a random suffix when an earlier test left a file of that name)
    assert re.fullmatch(rf"{request.number}-authorization(_\w+)?\.{ext}", name.name), name
    assert name.parent.parent.name == "authorizations"


def test_the_form_names_the_refused_scan(client, caseworker, city_facts):
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
            "authorization_scan": SimpleUploadedFile("授权书.png", SVG, "image/png"),
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["authorization_scan"]
    assert errors["authorization_scan"][0] == (
        "只接受 PDF、JPEG 或 PNG 格式的扫描件；此文件不属于其中任何一种。"
    )
    assert VerificationRequest.objects.count() == 0


def test_a_response_file_is_stored_under_a_server_name(
    django_capture_on_commit_callbacks, agencies, agency_city, caseworker, city_facts
):
    from safetynet.simulated.agencies.manual import answer_request_file

    request = open_and_dispatch(django_capture_on_commit_callbacks, caseworker, city_facts.honest)
    q = request.queries.get(source="tax")
    with q.exchange_file.open("rb") as fh:
        _name, content, _ = answer_request_file(city=agency_city, content=fh.read())
    services.verification_manual_response_import(
        actor=caseworker, query_id=q.pk, filename="../../evil.html", content=content
    )
    q.refresh_from_db()
    name = Path(q.response_file.name).name
    assert re.fullmatch(rf"tax_{request.number}_response(_\w+)?\.xlsx", name), name


def test_the_admin_links_to_the_views_never_to_a_file(client, reported):
    from safetynet.accounts.models import User

    request, report, manual = reported
    client.force_login(User.objects.create_superuser("root", password="pass-for-tests-1"))
    page = client.get(reverse("admin:verification_verificationrequest_change", args=[request.pk]))
    assert page.status_code == 200
    assert reverse("verification:authorization-scan", args=[request.pk]) in page.content.decode()
    for name, pk in (
        ("verification_report_change", report.pk),
        ("verification_sourcequery_change", manual.pk),
    ):
        page = client.get(reverse(f"admin:{name}", args=[pk]))
        assert page.status_code == 200 and "/media/" not in page.content.decode()
