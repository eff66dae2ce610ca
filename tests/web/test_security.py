"""Web hardening (issue 7 §4): login throttling, session idle timeout, no-store, CSP, API errors.

`check --deploy` under the production settings is in tests/core/test_deploy.py.
"""

import base64
import datetime as dt
import re
from pathlib import Path
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.helpers.city import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests-1"
WRONG = "not-the-password"


def post_login(client: Client, username: str, password: str, **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)


def basic(username: str, password: str) -> dict:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


# ------------------------------------------------------------------------- login throttling
def test_sixth_login_is_refused_even_with_the_right_password(client, users):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = post_login(client, "so", WRONG)
        assert response.status_code == 200  # the form again, with its error
        assert not response.wsgi_request.user.is_authenticated
    # The 5th failure locks the pair out at once.
    assert post_login(client, "so", WRONG).status_code == 429
    locked = post_login(client, "so", PASSWORD)
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "登录已锁定" in page and "15 分钟" in page
    assert client.get("/").status_code == 302  # not signed in
    assert locked.headers["Cache-Control"].count("no-store") == 1


def test_lockout_is_per_username_and_address(client, users):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "so", WRONG)
    # Another account from the same computer, and the same account from another one, still work.
    assert post_login(Client(), "cw", PASSWORD).status_code == 302
    other_address = post_login(Client(), "so", PASSWORD, REMOTE_ADDR="10.1.2.3")
    assert other_address.status_code == 302


def test_lockout_ends_after_the_cool_off(client, users):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "so", WRONG)
    assert post_login(client, "so", PASSWORD).status_code == 429
    # Move the failures 15 minutes into the past: the cool-off is over.
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=1)
    )
    assert post_login(client, "so", PASSWORD).status_code == 302
    assert client.get("/").status_code == 200


def test_a_success_before_the_limit_resets_the_count(client, users):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        post_login(client, "so", WRONG)
    assert post_login(client, "so", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        post_login(client, "so", WRONG)
    assert post_login(client, "so", PASSWORD).status_code == 302


def test_api_basic_auth_is_throttled(client, users, registry):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.get("/api/me/", **basic("so", WRONG))
        assert response.status_code in (401, 403)
        assert response.json()["code"] == "authentication_failed"
    assert client.get("/api/me/", **basic("so", WRONG)).status_code == 429
    locked = client.get("/api/me/", **basic("so", PASSWORD))
    assert locked.status_code == 429
    body = locked.json()
    assert body["code"] == "locked_out"
    assert "15" in body["message"]
    # One counter for every path: the login page is locked for the pair too.
    assert post_login(Client(), "so", PASSWORD).status_code == 429
    # Another user is unaffected.
    assert client.get("/api/me/", **basic("cw", PASSWORD)).status_code == 200


def test_admin_login_is_throttled(client, users):
    admin = make_user("boss", users["city_admin"].role, "350200")
    admin.is_staff = True
    admin.save()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "boss", "password": WRONG})
    response = client.post("/admin/login/", {"username": "boss", "password": PASSWORD})
    assert response.status_code == 429


# --------------------------------------------------------------------- session idle timeout
def test_session_ends_after_30_idle_minutes_and_each_request_renews_it(client, users):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert post_login(client, "so", PASSWORD).status_code == 302
    start = timezone.now()
    with mock.patch.object(timezone, "now", return_value=start + dt.timedelta(minutes=29)):
        assert client.get("/").status_code == 200  # active: renewed until 29 + 30 minutes
    with mock.patch.object(timezone, "now", return_value=start + dt.timedelta(minutes=58)):
        assert client.get("/").status_code == 200  # 29 idle minutes since the last request
    with mock.patch.object(timezone, "now", return_value=start + dt.timedelta(minutes=89)):
        response = client.get("/")  # 31 idle minutes
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login/")


def test_session_cookie_lives_30_minutes(client, users):
    response = post_login(client, "so", PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == 1800
    assert cookie["httponly"]


# ----------------------------------------------------------------------------- no-store
def test_no_store_on_pages_files_and_api(client, users, registry):
    client.force_login(users["street_officer"])
    hh, person = registry.zh1, registry.zhang_wei
    for url in [
        "/",
        f"/households/{hh.pk}/",
        f"/persons/{person.pk}/",
        f"/search/?q={person.id_number}",
        "/households/export.xlsx",
        "/persons/export.xlsx",
        "/api/households/",
        f"/api/households/{hh.pk}/",
        f"/api/persons/{person.pk}/",
        "/api/me/",
        "/verification/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response.headers["Cache-Control"], url
        assert "private" in response.headers["Cache-Control"], url


def test_no_store_on_basic_auth_api_answers(client, users, registry):
    response = client.get("/api/households/", **basic("so", PASSWORD))
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]


def test_static_files_stay_cacheable(client):
    response = client.get("/static/web/safetynet.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


# ---------------------------------------------------------------------------------- CSP
def csp(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    out = {}
    for part in header.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


def response_text(policy: dict[str, list[str]]) -> str:
    return " ".join(v for values in policy.values() for v in values)


def test_strict_csp_on_pages(client, users, registry):
    for url in ["/login/"]:
        policy = csp(client.get(url))
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
    client.force_login(users["street_officer"])
    for url in ["/", f"/households/{registry.zh1.pk}/", "/verification/", "/api/me/"]:
        policy = csp(client.get(url))
        assert policy["script-src"] == ["'self'"], url
        assert "'unsafe-inline'" not in response_text(policy), url


def test_swagger_ui_gets_styles_but_never_inline_scripts(client, users):
    admin = users["city_admin"]
    client.force_login(admin)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    policy = csp(page)
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" in policy["style-src"]
    html = page.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts)
    # The start-up script is a file of this server.
    init = re.search(r'<script src="([^"]*script=[^"]*)"', html).group(1).replace("&amp;", "&")
    script = client.get(init)
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


TEMPLATE_DIRS = sorted(Path(settings.BASE_DIR, "safetynet").glob("*/templates")) + sorted(
    Path(settings.BASE_DIR, "safetynet").glob("*/*/templates")  # sub-apps (eldercare/emergency)
)
# Rendered to PDF by WeasyPrint, never sent to a browser.
NOT_SERVED = {
    "report_pdf.html",
    "notice_base.html",
    "public_notice_pdf.html",
    "decision_notice_pdf.html",
    "review_notice_pdf.html",
    "statement_pdf.html",  # funds: the monthly fund statement
    "reconciliation_pdf.html",  # payments: the bank reconciliation
    "hospital_statement_pdf.html",  # medical: a hospital's monthly statement
    "whatif_briefing_pdf.html",  # policy: the what-if briefing (ADR 1410)
}


@pytest.mark.parametrize("template", [p for d in TEMPLATE_DIRS for p in d.rglob("*.html")], ids=str)
def test_templates_have_no_inline_script_or_style(template):
    if template.name in NOT_SERVED:
        return
    text = template.read_text()
    for attrs in re.findall(r"<script([^>]*)>", text):
        assert "src=" in attrs, f"inline <script> in {template}"
    assert not re.search(r"\son[a-z]+\s*=", text), f"event handler attribute in {template}"
    assert "javascript:" not in text, template
    assert "<style" not in text, f"inline <style> in {template}"
    assert not re.search(r"\sstyle\s*=", text), f"style attribute in {template}"


# ---------------------------------------------------------------------------- API errors
def test_oversized_api_body_is_413_json(client, users):
    client.force_login(users["street_officer"])
    body = b'{"month": "2019-07", "situation": {"x": "' + b"a" * (10 * 1024 * 1024) + b'"}}'
    response = client.post("/api/rules/calculate/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["code"] == "request_too_large"


def test_deeply_nested_api_body_is_400_json(client, users):
    client.force_login(users["street_officer"])
    body = "[" * 10_000 + "]" * 10_000
    for payload in [body, '{"month": "2019-07", "situation": ' + body + "}"]:
        response = client.post("/api/rules/calculate/", payload, content_type="application/json")
        assert response.status_code == 400
        assert response.json() == {
            "code": "parse_error",
            "field": "<body>",
            "message": "JSON nested deeper than 64 levels.",
        }


def test_nesting_inside_strings_is_not_counted(client, users):
    client.force_login(users["street_officer"])
    payload = '{"month": "2019-07", "situation": "' + "[" * 1000 + '"}'
    response = client.post("/api/rules/calculate/", payload, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_situation"


def test_unknown_api_url_is_404_json_and_pages_stay_html(client, users):
    client.force_login(users["street_officer"])
    response = client.get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found."}
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert page.headers["Content-Type"].startswith("text/html")


def test_wrong_method_is_405_json(client, users):
    client.force_login(users["street_officer"])
    response = client.delete("/api/households/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_server_error_under_api_is_500_json(users):
    client = Client(raise_request_exception=False)
    client.force_login(users["street_officer"])
    with mock.patch("safetynet.api.views.MeView.get", side_effect=RuntimeError("boom")):
        response = client.get("/api/me/")
    assert response.status_code == 500
    assert response.json() == {"code": "server_error", "message": "A server error occurred."}
    with mock.patch("safetynet.web.views.selectors.dashboard_counts", side_effect=RuntimeError):
        page = client.get("/")
    assert page.status_code == 500
    assert "系统错误" in page.content.decode()


def test_bad_host_under_api_is_400_json(client):
    response = client.get("/api/me/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_deeply_nested_situation_on_the_trial_page_is_a_form_error(client, users):
    client.force_login(users["street_officer"])
    situation = "[" * 10_000 + "]" * 10_000
    response = client.post("/rules/calculate/", {"month": "2019-07", "situation": situation})
    assert response.status_code == 422
    assert "嵌套超过 64 层" in response.content.decode()
