"""Browser fixtures, shared by every browser test: one Chromium per test session.

Registered once as a plugin from tests/conftest.py: two conftests each defining a session-scoped
browser would start two Playwright event loops in one thread, which Playwright refuses.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the test
# itself (fixtures) would otherwise be refused as "async unsafe".
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("SAFETYNET_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(os.environ.get("SAFETYNET_SCREENSHOTS", "var/screenshots"))


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    # Nothing may be fetched from anywhere but the live server (offline intranets).
    outside = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None,
    )
    # The Content-Security-Policy (safetynet.core.hardening) must block nothing the pages use.
    blocked = []
    page.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )
    yield page
    context.close()
    assert not outside, f"requests outside the server: {outside}"
    assert not blocked, f"blocked by the Content-Security-Policy: {blocked}"


@pytest.fixture
def login(page, users):
    from tests.helpers.login import PASSWORD, login_as

    def as_user(username, password=PASSWORD):
        return login_as(page, username, password)

    return as_user


def pytest_collection_modifyitems(config, items):
    """Every test that drives Chromium carries the `browser` marker (so `-m "not browser"` means
    what it says): refuse to run a suite where one does not."""
    unmarked = [
        item.nodeid
        for item in items
        if {"browser", "page", "login"} & set(getattr(item, "fixturenames", ()))
        and item.get_closest_marker("browser") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            "tests driving Chromium without @pytest.mark.browser: " + ", ".join(unmarked)
        )
